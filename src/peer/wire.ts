// The slice of a bittorrent-protocol Wire the peer touches (the package ships no types). Both the browser build of
// webtorrent (in the worker) and bittorrent-protocol itself (in unit tests) hand us objects of this shape.

export interface WireRequest {
  readonly piece: number;
  readonly offset: number;
  readonly length: number;
}

export interface BitFieldLike {
  get(index: number): boolean;
}

export interface Wire {
  peerId: string | null;
  /** Set by webtorrent when the connection knows the remote address (not for relayed WebRTC peers). */
  remoteAddress?: string;
  remotePort?: number | string;
  type: string;
  amChoking: boolean;
  peerChoking: boolean;
  peerInterested: boolean;
  amInterested: boolean;
  hasFast: boolean;
  destroyed: boolean;
  uploaded: number;
  downloaded: number;
  peerPieces: BitFieldLike;
  peerRequests: WireRequest[];
  requests: WireRequest[];
  extendedHandshake: Record<string, unknown>;
  peerExtendedHandshake: Record<string, unknown>;
  peerExtendedMapping: Record<string, number>;
  use(extension: ExtensionConstructor): void;
  extended(name: string, message: Uint8Array): void;
  choke(): void;
  unchoke(): void;
  interested(): void;
  reject(index: number, offset: number, length: number): void;
  piece(index: number, offset: number, buffer: Uint8Array): void;
  request(index: number, offset: number, length: number, callback: (error: Error | null, block?: Uint8Array) => void): void;
  downloadSpeed(): number;
  uploadSpeed(): number;
  destroy(): void;
  on(event: string, listener: (...args: never[]) => void): unknown;
  once(event: string, listener: (...args: never[]) => void): unknown;
  removeListener(event: string, listener: (...args: never[]) => void): unknown;
}

/** bittorrent-protocol's extension contract: `name` on the prototype, constructed once per wire. */
export interface ExtensionConstructor {
  new (wire: Wire): WireExtension;
  prototype: { name: string };
}

export interface WireExtension {
  readonly name: string;
  onHandshake?(infoHash: string, peerId: string, extensions: Record<string, boolean>): void;
  onExtendedHandshake?(handshake: Record<string, unknown>): void;
  onMessage?(buffer: Uint8Array): void;
}
