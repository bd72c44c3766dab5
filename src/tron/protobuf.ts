// A minimal protobuf wire-format reader: enough to decode TRON's Transaction.raw and the transfer contracts.
// The node decodes the bytes it hashes, so what was signed is exactly what it executes (no trust in the JSON).

/** Field numbers are small in TRON's messages; anything past this is malformed input. */
const MAX_FIELD_NUMBER = 1 << 20;
/** A varint is at most 10 bytes (64 bits, 7 per byte). */
const MAX_VARINT_BYTES = 10;

export class ProtobufError extends Error {
  override name = 'ProtobufError';
}

export type Field = { readonly no: number; readonly varint: bigint } | { readonly no: number; readonly bytes: Uint8Array };

function varint(bytes: Uint8Array, at: number): [value: bigint, next: number] {
  let value = 0n;
  for (let i = 0; i < MAX_VARINT_BYTES; i++) {
    const byte = bytes[at + i];
    if (byte === undefined) throw new ProtobufError('truncated varint');
    value |= BigInt(byte & 0x7f) << BigInt(7 * i);
    if ((byte & 0x80) === 0) return [BigInt.asUintN(64, value), at + i + 1];
  }
  throw new ProtobufError('varint too long');
}

/** Every field of one message, in wire order. Groups and fixed-width types are refused: TRON's raw data has none. */
export function readFields(bytes: Uint8Array): Field[] {
  const out: Field[] = [];
  let at = 0;
  while (at < bytes.length) {
    const [key, afterKey] = varint(bytes, at);
    const no = Number(key >> 3n);
    const wire = Number(key & 7n);
    if (no < 1 || no > MAX_FIELD_NUMBER) throw new ProtobufError(`bad field number ${no}`);
    if (wire === 0) {
      const [value, next] = varint(bytes, afterKey);
      out.push({ no, varint: value });
      at = next;
    } else if (wire === 2) {
      const [length, start] = varint(bytes, afterKey);
      const end = start + Number(length);
      if (length > BigInt(bytes.length) || end > bytes.length) throw new ProtobufError('length past the end');
      out.push({ no, bytes: bytes.subarray(start, end) });
      at = end;
    } else {
      throw new ProtobufError(`unsupported wire type ${wire}`);
    }
  }
  return out;
}

/** The last occurrence of a bytes field (protobuf's rule for repeated scalars), or an empty array. */
export function bytesField(fields: readonly Field[], no: number): Uint8Array {
  let found: Uint8Array = new Uint8Array(0);
  for (const f of fields) {
    if (f.no !== no) continue;
    if (!('bytes' in f)) throw new ProtobufError(`field ${no}: expected bytes`);
    found = f.bytes;
  }
  return found;
}

export function varintField(fields: readonly Field[], no: number): bigint {
  let found = 0n;
  for (const f of fields) {
    if (f.no !== no) continue;
    if (!('varint' in f)) throw new ProtobufError(`field ${no}: expected a varint`);
    found = f.varint;
  }
  return found;
}

/** int64 fields travel as two's-complement varints. */
export function int64Field(fields: readonly Field[], no: number): bigint {
  return BigInt.asIntN(64, varintField(fields, no));
}

export function repeatedBytes(fields: readonly Field[], no: number): Uint8Array[] {
  return fields.filter((f): f is Extract<Field, { bytes: Uint8Array }> => f.no === no && 'bytes' in f).map((f) => f.bytes);
}
