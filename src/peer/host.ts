// The peer's surface for a host other than the browser worker — a Node process (src/node-peer): the engine with
// its platform contract, Speed installed on it, the records contract, and the settings and events it speaks.
export { PeerEngine } from './engine.ts';
export type { PeerPlatform } from './platform.ts';
export { installSpeed, type SpeedControl } from './speed-install.ts';
export { isTorrentRecord, MAX_TORRENTS, parseChannelRecord, type PeerStore, type TorrentRecord } from './persist.ts';
export type { AddOptions, WebTorrentClient, WebTorrentOptions } from './webtorrent.ts';
export type { InitParams, PeerEvent, SpeedSettings, TorrentDetail, TorrentInfo } from './rpc-schema.ts';
export { DEFAULT_SPEED_SETTINGS } from './settings.ts';
