// The pay window's messages: how a player on another site gets the visitor's payment key without seeing the wallet.
// Browsers partition an iframe's storage per top-level site and may refuse storage access, so the embed opens a
// first-party Seedpay window (/embed-pay.html) where the visitor reads who asks, sets the cap and unlocks. That
// window posts the non-extractable WebCrypto key (structured-cloned; no secret byte ever exists in JavaScript) to
// its opener only, with the Seedpay origin as target, so a host page that opens the window itself hears nothing.
// What arrives in the embed is checked here like any wire input: shape, key kind, the cap, and that the key
// really is the private half of the stated public key (a signature made by one is verified with the other).
import { MAX_AMOUNT_UNITS, parseBtt, type Units } from '../protocol/money.ts';

export const PAY_GRANT = 'seedpay-pay-grant';
export const PAY_DECLINED = 'seedpay-pay-declined';
export const PUBLIC_KEY_BYTES = 32;
/** Longest torrent name and host the window's URL carries (they are shown, never trusted). */
export const MAX_LABEL_CHARS = 200;

export interface PayGrant {
  readonly key: CryptoKey;
  readonly public_key: Uint8Array;
  /** The visitor's TRON address, shown in the player. */
  readonly address: string;
  readonly cap_units: Units;
}

/** What the window is asked (its query string): the cap the player proposes, who asks, for what. */
export interface PayRequest {
  readonly cap_units: Units;
  readonly host: string;
  readonly name: string;
}

export type GrantCheck = { readonly ok: true; readonly grant: PayGrant } | { readonly ok: false; readonly error: string };

const DIGITS = /^[0-9]{1,20}$/;
const TRON_ADDRESS = /^T[1-9A-HJ-NP-Za-km-z]{33}$/;

function label(text: string | null): string {
  return (text ?? '').replace(/[\u0000-\u001f\u007f]/g, '').slice(0, MAX_LABEL_CHARS);
}

/** A spending cap typed by the visitor (in the embed or the pay window): BTT with up to 6 decimals, above zero. */
export function parseCapText(text: string): { readonly ok: true; readonly units: Units } | { readonly ok: false; readonly message: string } {
  let units: Units;
  try {
    units = parseBtt(text.trim());
  } catch {
    return { ok: false, message: 'Enter the cap in BTT, for example 1.5' };
  }
  return units > 0n ? { ok: true, units } : { ok: false, message: 'The cap must be more than zero' };
}

export function payRequestQuery(request: PayRequest): string {
  return new URLSearchParams({ cap: String(request.cap_units), host: request.host, name: request.name }).toString();
}

/** What the window reads back; a cap that is missing or bad is null (the visitor sets one). */
export interface ReadPayRequest {
  readonly cap_units: Units | null;
  readonly host: string;
  readonly name: string;
}

/** The window's request, from a query string any page could have written. */
export function parsePayRequest(search: string): ReadPayRequest {
  const query = new URLSearchParams(search);
  const cap = query.get('cap') ?? '';
  const units = DIGITS.test(cap) ? BigInt(cap) : 0n;
  return {
    cap_units: units > 0n && units <= MAX_AMOUNT_UNITS ? units : null,
    host: label(query.get('host')),
    name: label(query.get('name')),
  };
}

/** The message the window posts: a structured-cloneable object (the CryptoKey travels as itself). */
export function grantMessage(grant: PayGrant): Record<string, unknown> {
  return { type: PAY_GRANT, key: grant.key, public_key: grant.public_key, address: grant.address, cap_units: String(grant.cap_units) };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null;
}

/** Checks a message's shape (synchronous part); `checkGrant` adds the key proof. */
export function parseGrantShape(data: unknown): GrantCheck {
  if (!isRecord(data) || data.type !== PAY_GRANT) return { ok: false, error: 'not a pay grant' };
  const { key, public_key, address, cap_units } = data;
  if (typeof CryptoKey === 'undefined' || !(key instanceof CryptoKey)) return { ok: false, error: 'the key is not a CryptoKey' };
  if (key.type !== 'private' || key.algorithm.name !== 'Ed25519' || !key.usages.includes('sign')) return { ok: false, error: 'the key is not an Ed25519 signing key' };
  if (key.extractable) return { ok: false, error: 'the key is extractable' };
  if (!(public_key instanceof Uint8Array) || public_key.length !== PUBLIC_KEY_BYTES) return { ok: false, error: 'the public key is not 32 bytes' };
  if (typeof address !== 'string' || !TRON_ADDRESS.test(address)) return { ok: false, error: 'the address is not a TRON address' };
  if (typeof cap_units !== 'string' || !DIGITS.test(cap_units)) return { ok: false, error: 'the cap is not a whole number of units' };
  const cap = BigInt(cap_units);
  if (cap <= 0n || cap > MAX_AMOUNT_UNITS) return { ok: false, error: 'the cap is out of range' };
  return { ok: true, grant: { key, public_key: Uint8Array.from(public_key), address, cap_units: cap } };
}

/** A grant whose key signs what its public key verifies; anything else is refused with the reason. */
export async function checkGrant(data: unknown, subtle: SubtleCrypto = crypto.subtle): Promise<GrantCheck> {
  const shape = parseGrantShape(data);
  if (!shape.ok) return shape;
  const probe = crypto.getRandomValues(new Uint8Array(32));
  try {
    const signature = await subtle.sign('Ed25519', shape.grant.key, probe);
    const verifier = await subtle.importKey('raw', shape.grant.public_key as BufferSource, { name: 'Ed25519' }, false, ['verify']);
    if (!(await subtle.verify('Ed25519', verifier, signature, probe))) return { ok: false, error: 'the key does not match its public key' };
  } catch {
    return { ok: false, error: 'the key could not sign' };
  }
  return shape;
}
