// The node's transaction checks on hostile bytes: the protobuf reader fails only with ProtobufError, a decoded
// transfer round-trips tronweb's own encoding, and malformed signatures recover to nothing.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { buildTransfer, signTransfer } from '../../src/tron/build.ts';
import { TronChain } from '../../src/tron/chain.ts';
import { BTT_TOKEN_ID } from '../../src/tron/ledger-state.ts';
import { ProtobufError, readFields } from '../../src/tron/protobuf.ts';
import { addressOfPublicKey, checkSignedTransaction, decodeRawData, rawDataBytes, recoverSigner, type HexAddress } from '../../src/tron/transaction.ts';
import { secp256k1 } from '@noble/curves/secp256k1.js';
import { hexToBytes } from '@noble/hashes/utils.js';

const secret = new Uint8Array(32).fill(3);
const owner = addressOfPublicKey(secp256k1.getPublicKey(secret, false));
const to = `41${'cd'.repeat(20)}` as HexAddress;
const chain = new TronChain({ genesis_ms: 1_700_000_000_000, allocations: [{ address: owner, trx_sun: 10n ** 9n, btt: 10n ** 9n }] });

describe('protobuf reader', () => {
  it('throws nothing but ProtobufError on arbitrary bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), (bytes) => {
        try {
          readFields(bytes);
        } catch (error) {
          expect(error).toBeInstanceOf(ProtobufError);
        }
      }),
      { numRuns: 2_000 },
    );
  });

  it('refuses truncated lengths, overlong varints and groups', () => {
    expect(() => readFields(Uint8Array.of(0x0a, 0x05, 0x01))).toThrow(ProtobufError);
    expect(() => readFields(Uint8Array.of(0x08, ...new Array(11).fill(0xff)))).toThrow(ProtobufError);
    expect(() => readFields(Uint8Array.of(0x0b))).toThrow(ProtobufError);
  });
});

describe('transfer transactions', () => {
  it('decode what tronweb encodes, amount and addresses included', () => {
    const tx = buildTransfer({ owner, to, amount: 123_456n, asset: BTT_TOKEN_ID }, chain.head);
    const decoded = decodeRawData(rawDataBytes(tx));
    expect(decoded).toMatchObject({ type: 'TransferAssetContract', owner, to, amount: 123_456n, asset: BTT_TOKEN_ID });
    expect(decodeRawData(hexToBytes(String(tx.raw_data_hex)))).toEqual(decoded);
  });

  it('accept the owner’s signature and refuse malformed ones', () => {
    const signed = signTransfer(buildTransfer({ owner, to, amount: 5n, asset: BTT_TOKEN_ID }, chain.head), secret);
    expect(checkSignedTransaction(signed)).toMatchObject({ ok: true });
    const txID = hexToBytes(String(signed.txID));
    const sig = (signed.signature as string[])[0] as string;
    expect(recoverSigner(txID, sig)).toBe(owner);
    expect(recoverSigner(txID, sig.slice(0, 128) + '1d')).toBeNull(); // v = 29
    expect(recoverSigner(txID, 'zz'.repeat(65))).toBeNull();
    expect(recoverSigner(txID, '00'.repeat(65))).toBeNull();
    expect(checkSignedTransaction({ ...signed, signature: [sig, sig] })).toMatchObject({ ok: false, code: 'SIGERROR' });
    expect(checkSignedTransaction({ ...signed, signature: [42] })).toMatchObject({ ok: false, code: 'SIGERROR' });
  });

  it('refuse contracts the node does not run, and transactions with two contracts', () => {
    const tx = buildTransfer({ owner, to, amount: 5n }, chain.head) as { raw_data: { contract: Array<Record<string, unknown>> } };
    const two = { ...tx, raw_data: { ...tx.raw_data, contract: [tx.raw_data.contract[0], tx.raw_data.contract[0]] } };
    expect(checkSignedTransaction(signTransfer(two, secret))).toMatchObject({ ok: false, code: 'OTHER_ERROR' });
    expect(checkSignedTransaction({ raw_data: { contract: [{ type: 'FreezeBalanceContract', parameter: { value: {} } }] }, signature: ['00'] })).toMatchObject({ ok: false });
  });
});
