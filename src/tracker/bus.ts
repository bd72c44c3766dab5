// What tracker gateways and swarm shards say to each other over NATS: the subjects and the JSON messages, with
// validators (a bus message is input like any other: a malformed one is dropped, never trusted, never a crash).
// Like aquatic_ws, every peer is addressed by {gateway, connection id}: shards never hold sockets.
import type { NatsConnection } from 'nats';
import { MAX_ANNOUNCE_PEERS, type AnnounceEvent, type Description, type RelayOffer } from './wire.ts';

export const SUBJECT_PREFIX = 'seedpay.tracker';
/** Announces, answers and socket closes for the swarms a shard owns. */
export const shardSubject = (shard: string) => `${SUBJECT_PREFIX}.shard.${shard}`;
/** Frames for the sockets one gateway process holds (its instance id changes with every start). */
export const gatewaySubject = (gateway: string) => `${SUBJECT_PREFIX}.gw.${gateway}`;
/** Shards say they are alive here; gateways route only to shards heard from recently. */
export const SHARD_HEARTBEAT_SUBJECT = `${SUBJECT_PREFIX}.hb.shard`;
/** Gateways say they are alive here; shards forget the peers of a gateway that went quiet. */
export const GATEWAY_HEARTBEAT_SUBJECT = `${SUBJECT_PREFIX}.hb.gw`;
/** A new gateway asks every shard to say it is alive now, so it can route at once. */
export const HELLO_SUBJECT = `${SUBJECT_PREFIX}.hello`;

/** Publishes unless the connection is closing. A gateway's sockets and a shard's subscriptions still fire while
 * `close()` drains NATS (a terminated socket's 'close' event comes after the drain began); what they would say then
 * (a socket left, a frame for a gateway) is moot, and the far side forgets it by heartbeat timeout anyway. */
export function publishWhileOpen(nc: NatsConnection, subject: string, data: Uint8Array): void {
  if (nc.isClosed() || nc.isDraining()) return;
  nc.publish(subject, data);
}

/** Shard and gateway names (config) and instance ids: NATS subject tokens, so no dots, spaces or wildcards. */
const NAME_RE = /^[A-Za-z0-9_-]{1,64}$/;
const HEX40_RE = /^[0-9a-f]{40}$/;
/** A gateway holds at most this many connections, so connection ids stay small integers. */
const MAX_CONN_ID = 2 ** 31;
/** A deliver batch carries the frames one announce produces: a response and up to 82 offers. */
const MAX_DELIVERIES = 128;

export function isName(value: unknown): value is string {
  return typeof value === 'string' && NAME_RE.test(value);
}

/** The address of one peer's socket. */
export interface Route {
  gw: string;
  conn: number;
}

export type ShardMessage =
  | ({ t: 'announce'; info_hash: string; peer_id: string; event: AnnounceEvent; left_zero: boolean; offers: RelayOffer[] } & Route)
  | ({ t: 'answer'; info_hash: string; peer_id: string; to_peer_id: string; offer_id: string; answer: Description } & Route)
  | ({ t: 'close'; info_hash: string; peer_id: string } & Route);

/** Frames for sockets of one gateway: [connection id, JSON text to send as is]. On the wire one line per frame,
 * `<conn>\t<frame>\n`: a frame is JSON.stringify output, which never holds a raw newline, so no frame is escaped
 * twice (nesting it in JSON would re-escape every SDP). */
export interface GatewayMessage {
  frames: Array<[number, string]>;
}

export interface Heartbeat {
  id: string;
}

const enc = new TextEncoder();
const dec = new TextDecoder();

export function encode(message: ShardMessage | Heartbeat): Uint8Array {
  return enc.encode(JSON.stringify(message));
}

export function encodeGatewayMessage(message: GatewayMessage): Uint8Array {
  let text = '';
  for (const [conn, frame] of message.frames) text += `${conn}\t${frame}\n`;
  return enc.encode(text);
}

function parse(data: Uint8Array): Record<string, unknown> | null {
  try {
    const value: unknown = JSON.parse(dec.decode(data));
    return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}

const isConn = (v: unknown): v is number => Number.isInteger(v) && (v as number) >= 0 && (v as number) < MAX_CONN_ID;
const isHex40 = (v: unknown): v is string => typeof v === 'string' && HEX40_RE.test(v);
const isBinaryId = (v: unknown): v is string => typeof v === 'string' && v.length === 20;
const isDescription = (v: unknown, type: string): v is Description =>
  typeof v === 'object' && v !== null && (v as Description).type === type && typeof (v as Description).sdp === 'string';

export function decodeShardMessage(data: Uint8Array): ShardMessage | null {
  const m = parse(data);
  if (!m || !isName(m.gw) || !isConn(m.conn) || !isHex40(m.info_hash) || !isHex40(m.peer_id)) return null;
  if (m.t === 'close') return m as unknown as ShardMessage;
  if (m.t === 'answer') {
    if (!isHex40(m.to_peer_id) || !isBinaryId(m.offer_id) || !isDescription(m.answer, 'answer')) return null;
    return m as unknown as ShardMessage;
  }
  if (m.t !== 'announce' || typeof m.event !== 'string' || typeof m.left_zero !== 'boolean') return null;
  if (!Array.isArray(m.offers) || m.offers.length > MAX_ANNOUNCE_PEERS) return null;
  for (const o of m.offers as unknown[]) {
    const offer = o as RelayOffer | null;
    if (typeof offer !== 'object' || offer === null || !isBinaryId(offer.offer_id) || !isDescription(offer.offer, 'offer')) return null;
  }
  return m as unknown as ShardMessage;
}

export function decodeGatewayMessage(data: Uint8Array): GatewayMessage | null {
  const text = dec.decode(data);
  if (!text.endsWith('\n')) return null;
  const frames: Array<[number, string]> = [];
  for (const line of text.slice(0, -1).split('\n')) {
    const tab = line.indexOf('\t');
    const conn = tab > 0 && tab <= 10 ? Number(line.slice(0, tab)) : NaN;
    if (!isConn(conn) || !/^\d+$/.test(line.slice(0, tab)) || tab === line.length - 1) return null;
    frames.push([conn, line.slice(tab + 1)]);
    if (frames.length > MAX_DELIVERIES) return null;
  }
  return { frames };
}

export function decodeHeartbeat(data: Uint8Array): Heartbeat | null {
  const m = parse(data);
  return m && isName(m.id) ? { id: m.id } : null;
}
