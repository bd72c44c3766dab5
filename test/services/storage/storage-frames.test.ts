// The upload frames' codec: every frame round-trips; every malformed frame (empty, unknown type, oversized, cut short,
// not JSON, a field missing, extra, out of range or of the wrong type) decodes to a typed error naming the field.
import { describe, expect, it } from 'vitest';
import type { PublicKeyHex } from '../../../src/protocol/ed25519.ts';
import type { StorageOpenTerms } from '../../../src/protocol/storage-request.ts';
import {
  decodeFrame, encodeFrame, MAX_CONTROL_FRAME_BYTES, MAX_DATA_BYTES, MAX_FRAME_BYTES, MAX_UPLOAD_BYTES, termsJson, type StorageFrame,
} from '../../../src/services/storage/storage-frames.ts';

const terms: StorageOpenTerms = {
  requester: 'aa'.repeat(32) as PublicKeyHex, provider: 'bb'.repeat(32) as PublicKeyHex, root: new Uint8Array(32).fill(7), nonce: 17n,
  size_bytes: 70_000, leaf_bytes: 4096, price_units_per_epoch: 1_000n, epochs: 24, collateral_units: 50_000n, retrieval_price_units: 10n,
  epoch_ms: 60_000, answer_window_ms: 10_000,
};
const id = 'cd'.repeat(32);
const sig = new Uint8Array(64).fill(3);
const control = (type: number, json: unknown) => Uint8Array.from([type, ...new TextEncoder().encode(typeof json === 'string' ? json : JSON.stringify(json))]);
const offer = (over: Record<string, unknown> = {}, t: Record<string, unknown> = {}) =>
  control(1, { terms: { ...termsJson(terms), ...t }, requester_signature: 'ab'.repeat(64), ...over });

describe('storage frames', () => {
  it('round-trips every frame', () => {
    const frames: StorageFrame[] = [
      { type: 'offer', terms, requester_signature: sig },
      { type: 'ready', contract_id: id },
      { type: 'data', offset: 123_456, bytes: new Uint8Array(MAX_DATA_BYTES).fill(9) },
      { type: 'end', contract_id: id },
      { type: 'accept', contract_id: id, provider_signature: sig },
      { type: 'refuse', code: 'price_too_low' },
    ];
    for (const frame of frames) expect(decodeFrame(encodeFrame(frame))).toEqual({ ok: true, frame });
    expect(() => encodeFrame({ type: 'data', offset: 0, bytes: new Uint8Array(0) })).toThrow(RangeError);
    expect(() => encodeFrame({ type: 'data', offset: 0, bytes: new Uint8Array(MAX_DATA_BYTES + 1) })).toThrow(RangeError);
  });

  it('refuses malformed frames with a typed error', () => {
    const data = (offset: bigint, n: number) => {
      const out = new Uint8Array(9 + n);
      out[0] = 3;
      new DataView(out.buffer).setBigUint64(1, offset);
      return out;
    };
    const cases: Array<[Uint8Array, string, string?]> = [
      [new Uint8Array(0), 'empty'],
      [Uint8Array.of(0, 1), 'unknown_type'],
      [Uint8Array.of(99), 'unknown_type'],
      [new Uint8Array(MAX_FRAME_BYTES + 1).fill(3), 'too_large'],
      [control(2, { contract_id: id, pad: 'x'.repeat(MAX_CONTROL_FRAME_BYTES) }), 'too_large'],
      [Uint8Array.of(3, 0, 0, 0), 'truncated'],
      [data(0n, 0), 'truncated'],
      [data(BigInt(MAX_UPLOAD_BYTES), 1), 'bad_field', 'offset'],
      [control(2, '{"contract_id":'), 'bad_json'],
      [Uint8Array.of(2, 0xff, 0xfe), 'bad_json'],
      [control(2, [id]), 'bad_json'],
      [control(2, 'null'), 'bad_json'],
      [control(2, { contract_id: id.toUpperCase() }), 'bad_field', 'contract_id'],
      [control(2, {}), 'bad_field', 'contract_id'],
      [control(4, { contract_id: id, extra: 1 }), 'bad_field', 'extra'],
      [control(5, { contract_id: id, provider_signature: 'ab'.repeat(63) }), 'bad_field', 'provider_signature'],
      [control(6, { code: 'nope' }), 'bad_field', 'code'],
      [offer({ extra: true }), 'bad_field', 'extra'],
      [offer({ requester_signature: 7 }), 'bad_field', 'requester_signature'],
      [offer({ terms: [] }), 'bad_field', 'terms'],
      [offer({}, { extra: 1 }), 'bad_field', 'terms.extra'],
      [offer({}, { requester: 'zz' }), 'bad_field', 'terms.requester'],
      [offer({}, { provider: 'bb'.repeat(31) }), 'bad_field', 'terms.provider'],
      [offer({}, { root: 'AB'.repeat(32) }), 'bad_field', 'terms.root'],
      [offer({}, { size_bytes: -1 }), 'bad_field', 'terms.size_bytes'],
      [offer({}, { size_bytes: 1.5 }), 'bad_field', 'terms.size_bytes'],
      [offer({}, { size_bytes: MAX_UPLOAD_BYTES + 1 }), 'bad_field', 'terms.size_bytes'],
      [offer({}, { leaf_bytes: '4096' }), 'bad_field', 'terms.leaf_bytes'],
      [offer({}, { epochs: 10_001 }), 'bad_field', 'terms.epochs'],
      [offer({}, { price_units_per_epoch: '01' }), 'bad_field', 'terms.price_units_per_epoch'],
      [offer({}, { price_units_per_epoch: 1000 }), 'bad_field', 'terms.price_units_per_epoch'],
      [offer({}, { collateral_units: '18446744073709551616' }), 'bad_field', 'terms.collateral_units'],
      [offer({}, { nonce: '9223372036854775808' }), 'bad_field', 'terms.nonce'],
      [offer({}, { epoch_ms: null }), 'bad_field', 'terms.epoch_ms'],
    ];
    for (const [bytes, error, field] of cases) {
      expect(decodeFrame(bytes), `${error} ${field ?? ''}`).toEqual({ ok: false, error, ...(field ? { field } : {}) });
    }
  });
});
