// Derivation paths ("m/44'/195'/0'/0/0") parsed into child indices, shared by BIP-32 (secp256k1) and SLIP-0010
// (ed25519). A path is our own constant, never user input, but it is still checked: a typo must fail loudly.

/** Indices at or above this are hardened (BIP-32 "i ≥ 2^31"); written with a trailing ' or H. */
export const HARDENED_OFFSET = 0x8000_0000;
/** BIP-44 paths have five levels; ten is generous and keeps a malformed path from doing unbounded work. */
export const MAX_PATH_DEPTH = 10;

const SEGMENT = /^(\d{1,10})(['hH]?)$/;

/** Parses "m/…" into child indices; hardened segments get HARDENED_OFFSET added. */
export function parsePath(path: string): number[] {
  const parts = path.split('/');
  if (parts[0] !== 'm') throw new Error(`derivation path must start with "m": ${path}`);
  const segments = parts.slice(1);
  if (segments.length > MAX_PATH_DEPTH) throw new Error(`derivation path deeper than ${MAX_PATH_DEPTH}: ${path}`);
  return segments.map((segment) => {
    const match = SEGMENT.exec(segment);
    if (!match) throw new Error(`bad derivation path segment "${segment}" in ${path}`);
    const index = Number(match[1]);
    if (index >= HARDENED_OFFSET) throw new Error(`derivation index out of range in ${path}`);
    return match[2] ? index + HARDENED_OFFSET : index;
  });
}

export function isHardened(index: number): boolean {
  return index >= HARDENED_OFFSET;
}

/** Big-endian 32-bit index, as both BIP-32 and SLIP-0010 serialize it into the HMAC input. */
export function ser32(index: number): Uint8Array {
  const out = new Uint8Array(4);
  new DataView(out.buffer).setUint32(0, index >>> 0, false);
  return out;
}
