// The WebTorrent WebSocket tracker protocol as a cluster gateway reads it from a browser: one JSON text frame per
// message, ids as 20-char latin1 "binary strings". Pure: validates a frame into a typed message or a reason to refuse.
// It accepts what bittorrent-tracker's server accepts (lib/server/parse-websocket.js), and refuses the malformed
// offers that server would trip over.

/** bittorrent-tracker's cap on peers per announce (common.MAX_ANNOUNCE_PEERS): offers beyond it are ignored. */
export const MAX_ANNOUNCE_PEERS = 82;
/** Signaling frames carry SDP (a few KiB, five offers per announce from our client): larger ones are abuse. */
export const MAX_MESSAGE_BYTES = 64 * 1024;
/** Ids on the wire: info hash, peer id and offer id are 20 bytes each. */
const ID_CHARS = 20;

export type AnnounceEvent = 'started' | 'stopped' | 'completed' | 'update' | 'paused';
const EVENTS: ReadonlySet<string> = new Set(['started', 'stopped', 'completed', 'update', 'paused']);

/** An SDP description as relayed: only its type and text cross the tracker. */
export interface Description {
  type: 'offer' | 'answer';
  sdp: string;
}

export interface RelayOffer {
  /** As the offerer sent it (20-char binary string); the answer comes back with it. */
  offer_id: string;
  offer: Description;
}

export type ClientMessage =
  | {
      kind: 'announce';
      info_hash: string; // hex
      peer_id: string; // hex
      event: AnnounceEvent;
      /** `left === 0` in the announce: the peer has everything (a seeder). */
      left_zero: boolean;
      offers: RelayOffer[];
    }
  | {
      kind: 'answer';
      info_hash: string;
      peer_id: string;
      to_peer_id: string;
      offer_id: string; // binary, passed back as is
      answer: Description;
    };

export type ParseResult = { ok: true; message: ClientMessage } | { ok: false; reason: string; info_hash?: string };

export function binaryToHex(binary: string): string {
  let out = '';
  for (let i = 0; i < binary.length; i++) out += binary.charCodeAt(i).toString(16).padStart(2, '0');
  return out;
}

export function hexToBinary(hex: string): string {
  let out = '';
  for (let i = 0; i < hex.length; i += 2) out += String.fromCharCode(parseInt(hex.slice(i, i + 2), 16));
  return out;
}

/** A 20-char string whose chars are all bytes (JSON can carry any code point; an id cannot). */
function isBinaryId(value: unknown): value is string {
  if (typeof value !== 'string' || value.length !== ID_CHARS) return false;
  for (let i = 0; i < value.length; i++) if (value.charCodeAt(i) > 0xff) return false;
  return true;
}

function description(value: unknown, type: Description['type']): Description | null {
  if (typeof value !== 'object' || value === null) return null;
  const d = value as { type?: unknown; sdp?: unknown };
  if (d.type !== type || typeof d.sdp !== 'string' || d.sdp.length > MAX_MESSAGE_BYTES) return null;
  return { type, sdp: d.sdp };
}

function offers(value: unknown): RelayOffer[] | null {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) return null;
  const out: RelayOffer[] = [];
  for (const item of value.slice(0, MAX_ANNOUNCE_PEERS)) {
    if (typeof item !== 'object' || item === null) return null;
    const o = item as { offer_id?: unknown; offer?: unknown };
    const offer = description(o.offer, 'offer');
    if (!isBinaryId(o.offer_id) || !offer) return null;
    out.push({ offer_id: o.offer_id, offer });
  }
  return out;
}

/** One text frame → a message, or why it is refused (the gateway answers with a `failure reason`). */
export function parseClientFrame(text: string): ParseResult {
  if (text.length > MAX_MESSAGE_BYTES) return { ok: false, reason: 'message too large' };
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch {
    return { ok: false, reason: 'invalid JSON' };
  }
  if (typeof data !== 'object' || data === null || Array.isArray(data)) return { ok: false, reason: 'not a JSON object' };
  const m = data as Record<string, unknown>;
  if (m.action === 'scrape') return { ok: false, reason: 'scrape is not supported by a cluster gateway' };
  if (m.action !== 'announce') return { ok: false, reason: 'invalid action in WS request' };
  if (!isBinaryId(m.info_hash)) return { ok: false, reason: 'invalid info_hash' };
  const info_hash = binaryToHex(m.info_hash);
  if (!isBinaryId(m.peer_id)) return { ok: false, reason: 'invalid peer_id', info_hash };
  const peer_id = binaryToHex(m.peer_id);
  if (m.answer !== undefined) {
    const answer = description(m.answer, 'answer');
    if (!answer) return { ok: false, reason: 'invalid answer', info_hash };
    if (!isBinaryId(m.to_peer_id)) return { ok: false, reason: 'invalid `to_peer_id` (required with `answer`)', info_hash };
    if (!isBinaryId(m.offer_id)) return { ok: false, reason: 'invalid offer_id', info_hash };
    return { ok: true, message: { kind: 'answer', info_hash, peer_id, to_peer_id: binaryToHex(m.to_peer_id), offer_id: m.offer_id, answer } };
  }
  const event = m.event === undefined || m.event === 'empty' ? 'update' : m.event;
  if (typeof event !== 'string' || !EVENTS.has(event)) return { ok: false, reason: 'invalid event', info_hash };
  const relay = offers(m.offers);
  if (!relay) return { ok: false, reason: 'invalid offers', info_hash };
  // bittorrent-tracker: Number(left), NaN meaning "unknown" (not a seeder).
  const left_zero = Number(m.left) === 0;
  return { ok: true, message: { kind: 'announce', info_hash, peer_id, event: event as AnnounceEvent, left_zero, offers: relay } };
}

/** The frame sent back for a refused message (bittorrent-tracker's shape). */
export function failureFrame(reason: string, info_hash?: string): string {
  return JSON.stringify({
    action: 'announce',
    'failure reason': reason,
    ...(info_hash ? { info_hash: hexToBinary(info_hash) } : {}),
  });
}
