// The context a payment channel is bound to (payment-state.ts): which service, and what it serves. Derived, not
// chosen: SHA-256(tag || 0x00 || id), so two services or two torrents never share a context, and both ends of a
// session compute the same one from what they already know (for Speed, the info hash of the torrent).
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex, hexToBytes, utf8ToBytes } from '@noble/hashes/utils.js';
import type { SessionContext } from './payment-state.ts';

/** The paid services; each names its contexts under its own tag. */
export type PaidService = 'speed' | 'proxy';

const SERVICE_TAGS: Record<PaidService, string> = { speed: 'seedpay/session/speed/v1', proxy: 'seedpay/session/proxy/v1' };

export function sessionContext(service: PaidService, id: Uint8Array): SessionContext {
  const tag = utf8ToBytes(SERVICE_TAGS[service]);
  const input = new Uint8Array(tag.length + 1 + id.length);
  input.set(tag, 0);
  input.set(id, tag.length + 1);
  return bytesToHex(sha256(input)) as SessionContext;
}

/** A Speed session's context: its torrent's info hash (40 hex characters, v1 info hashes). */
export function speedContext(info_hash: string): SessionContext {
  if (!/^[0-9a-f]{40}$/.test(info_hash)) throw new TypeError('info_hash: expected 40 lowercase hex characters');
  return sessionContext('speed', hexToBytes(info_hash));
}

/** A proxy job's context: its job id (32 bytes the requester draws at random, 64 hex characters). */
export function proxyContext(job_id: string): SessionContext {
  if (!/^[0-9a-f]{64}$/.test(job_id)) throw new TypeError('job_id: expected 64 lowercase hex characters');
  return sessionContext('proxy', hexToBytes(job_id));
}
