// Types for the small untyped packages the peer uses, limited to what it calls.

declare module 'streamx' {
  export interface DuplexOptions {
    highWaterMark?: number;
  }
  export class Duplex {
    constructor(options?: DuplexOptions);
    readonly destroyed: boolean;
    push(chunk: Uint8Array | null): boolean;
    write(chunk: Uint8Array): boolean;
    end(): void;
    destroy(error?: Error): void;
    on(event: string, listener: (...args: never[]) => void): this;
    once(event: string, listener: (...args: never[]) => void): this;
    removeListener(event: string, listener: (...args: never[]) => void): this;
    emit(event: string, ...args: unknown[]): boolean;
    pipe<T>(destination: T): T;
    _writev(batch: Uint8Array[], callback: (error?: Error | null) => void): void;
    _read(callback: (error?: Error | null) => void): void;
    _destroy(callback: (error?: Error | null) => void): void;
  }
}

declare module '@thaunknown/simple-peer/lite.js' {
  export interface SimplePeerOptions {
    initiator?: boolean;
    trickle?: boolean;
    config?: RTCConfiguration;
    channelConfig?: RTCDataChannelInit;
  }
  export default class SimplePeer {
    constructor(options?: SimplePeerOptions);
    id?: string;
    readonly connected: boolean;
    readonly destroyed: boolean;
    readonly bufferSize: number;
    /** The datachannel's remote candidate, once connected (from getStats). */
    readonly remoteAddress?: string;
    readonly remotePort?: number;
    signal(data: unknown): void;
    write(chunk: Uint8Array): boolean;
    destroy(error?: Error): void;
    on(event: 'data', listener: (chunk: Uint8Array) => void): this;
    on(event: 'signal', listener: (data: unknown) => void): this;
    on(event: 'connect' | 'close' | 'drain', listener: () => void): this;
    on(event: 'error', listener: (error: Error) => void): this;
    once(event: 'data', listener: (chunk: Uint8Array) => void): this;
    once(event: 'signal', listener: (data: unknown) => void): this;
    once(event: 'connect' | 'close' | 'drain', listener: () => void): this;
    once(event: 'error', listener: (error: Error) => void): this;
    removeListener(event: string, listener: (...args: never[]) => void): this;
  }
}
