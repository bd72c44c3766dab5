// Types for the untyped package the peer tests use: bittorrent-protocol (`ws` has @types/ws now).
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
