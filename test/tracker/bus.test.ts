// The bus codecs: gateway frames survive the line encoding whatever JSON they hold, and malformed bus messages are
// refused rather than half-read.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeGatewayMessage, decodeHeartbeat, decodeShardMessage, encodeGatewayMessage } from '../../src/tracker/bus.ts';

const enc = new TextEncoder();

describe('gateway message codec', () => {
  it('round-trips any frames that are JSON text', () => {
    const frame = fc.jsonValue().map((v) => JSON.stringify(v));
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.nat({ max: 2 ** 31 - 1 }), frame), { minLength: 1, maxLength: 50 }), (frames) => {
        expect(decodeGatewayMessage(encodeGatewayMessage({ frames }))).toEqual({ frames });
      }),
    );
  });

  it('refuses malformed batches whole', () => {
    for (const text of ['', '\n', '0\t\n', 'x\t{}\n', '-1\t{}\n', '99999999999\t{}\n', '0{}\n', '0\t{}', '1e3\t{}\n', ' 1\t{}\n', `${'0\t{}\n'.repeat(129)}`]) {
      expect(decodeGatewayMessage(enc.encode(text)), JSON.stringify(text)).toBeNull();
    }
  });

  it('shard messages and heartbeats need every field', () => {
    const good = { t: 'close', gw: 'g1-abcd', conn: 3, info_hash: 'a'.repeat(40), peer_id: 'b'.repeat(40) };
    expect(decodeShardMessage(enc.encode(JSON.stringify(good)))).toEqual(good);
    for (const bad of [{ ...good, gw: 'g.1' }, { ...good, conn: 1.5 }, { ...good, info_hash: 'A'.repeat(40) }, { ...good, t: 'announce' }, { ...good, t: 'answer', to_peer_id: 'c'.repeat(40) }]) {
      expect(decodeShardMessage(enc.encode(JSON.stringify(bad)))).toBeNull();
    }
    expect(decodeHeartbeat(enc.encode('{"id":"s1"}'))).toEqual({ id: 's1' });
    expect(decodeHeartbeat(enc.encode('{"id":"s 1"}'))).toBeNull();
    expect(decodeHeartbeat(enc.encode('nope'))).toBeNull();
  });
});
