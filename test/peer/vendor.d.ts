// Types for the untyped packages the peer tests use: the `ws` client (tracker test) and bittorrent-protocol.
declare module 'ws' {
  export class WebSocket {
    static readonly OPEN: number;
    static readonly CLOSED: number;
    constructor(url: string, options?: { handshakeTimeout?: number });
    readonly readyState: number;
    send(data: string): void;
    close(): void;
    on(event: 'message', listener: (data: unknown) => void): this;
    once(event: string, listener: (...args: never[]) => void): this;
  }
}

// bittorrent-protocol's Wire, for the extension tests (the package ships no types; src/peer/wire.ts is its contract).
declare module 'bittorrent-protocol' {
  interface WireClass {
    new (): import('../../src/peer/wire.ts').Wire & {
      pipe<T>(destination: T): T;
      handshake(infoHash: string, peerId: string, extensions?: Record<string, boolean>): void;
    };
  }
  const Wire: WireClass;
  export default Wire;
}
