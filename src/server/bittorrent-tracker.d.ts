// Types for the part of bittorrent-tracker's server we use (the package ships none).
declare module 'bittorrent-tracker/server' {
  import type { EventEmitter } from 'node:events';
  export interface TrackerServerOptions {
    udp?: boolean | object;
    http?: boolean | object;
    ws?: boolean | Record<string, unknown>;
    stats?: boolean;
    interval?: number;
    trustProxy?: boolean;
    filter?: (infoHash: string, params: unknown, callback: (error: Error | null) => void) => void;
  }
  export default class Server extends EventEmitter {
    constructor(options?: TrackerServerOptions);
    close(callback?: () => void): void;
  }
}
