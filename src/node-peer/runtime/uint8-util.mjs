// uint8-util for webtorrent's lib/torrent.js: the same functions, but arr2hex returns a hex string given one
// (see hooks.mjs).
import { arr2hex as arrayToHex } from 'uint8-util';

export * from 'uint8-util';
export const arr2hex = (data) => (typeof data === 'string' ? data : arrayToHex(data));
