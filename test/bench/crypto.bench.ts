// What paying per piece costs in CPU: Ed25519 sign/verify on both paths (noble, WebCrypto), and the full per-piece
// round (payer crank + sign, payee cranks + verify, channel rollovers included) against what a 10 MB/s stream needs.
import { createNobleSigner, createWebCryptoSigner, nobleVerify, publicKeyFromHex, WebCryptoVerifier, type Signer } from '../../src/protocol/ed25519.ts';
import { encodePaymentState, signPaymentState, type ChannelId } from '../../src/protocol/payment-state.ts';
import { crankPayee, createPayee, type PayeeEffect, type PayeeState } from '../../src/protocol/channel-payee.ts';
import { crankPayer, createPayer, type Budget, type PayerEffect, type PayerState } from '../../src/protocol/channel-payer.ts';
import { toPublicKeyHex, type PublicKeyHex } from '../../src/protocol/ed25519.ts';
import { opsPerSecond, type BenchContext, type BenchResult } from './bench.ts';

const REFERENCE_BYTES_PER_S = 10_000_000; // 10 MB/s download
const REFERENCE_PIECE_BYTES = 256 * 1024;
const SMALL_PIECE_BYTES = 16 * 1024;
const TORRENT_PIECES = 16_384; // 4 GiB of 256 KiB pieces: sizes the paid-piece bitfield the payer copies per payment
const PRICE_UNITS_PER_KIB = 3n;
const BUDGET: Budget = { torrent_cap_units: 1n << 60n, torrent_spent_units: 0n, day_cap_units: 1n << 60n, day_spent_units: 0n };
const HOUR_MS = 3_600_000;

type Verify = (signature: Uint8Array, message: Uint8Array, publicKey: Uint8Array) => Promise<boolean> | boolean;

/** One requester/provider pair paying piece after piece; `step()` is one piece end to end. Times each side apart. */
class PieceLoop {
  payer!: PayerState;
  payee!: PayeeState;
  payer_ms = 0;
  payee_ms = 0;
  pieces = 0;
  #index = 0;
  #nextChannel = 1;
  #expiresAt = new Map<ChannelId, { escrow_units: bigint; expires_at_ms: number }>();
  readonly #payerKey: PublicKeyHex;
  readonly #payeeKey = toPublicKeyHex(createNobleSigner(new Uint8Array(32).fill(2)).publicKey);
  readonly #now = 1_000_000;

  constructor(readonly signer: Signer, readonly verify: Verify) {
    this.#payerKey = toPublicKeyHex(signer.publicKey);
  }

  async start(): Promise<void> {
    const terms = { payee_key: this.#payeeKey, payer_key: this.#payerKey, piece_length_bytes: REFERENCE_PIECE_BYTES, min_escrow_units: 0n };
    this.payee = createPayee(terms, PRICE_UNITS_PER_KIB);
    this.payer = createPayer(this.#payerKey, REFERENCE_PIECE_BYTES, TORRENT_PIECES);
    this.#index = 0;
    await this.#payerDo(crankPayer(this.payer, {
      type: 'bid_response', payee_key: this.#payeeKey, price_units_per_kib: PRICE_UNITS_PER_KIB, min_escrow_units: 0n,
      bid_units_per_kib: 1_000n, remaining_bytes: TORRENT_PIECES * REFERENCE_PIECE_BYTES, budget: BUDGET,
    }, this.#now));
  }

  async step(): Promise<void> {
    if (this.#index >= TORRENT_PIECES) await this.start();
    const index = this.#index++;
    let t = performance.now();
    this.payee = crankPayee(this.payee, { type: 'piece_started', index, bytes: REFERENCE_PIECE_BYTES }, this.#now).state;
    this.payee = crankPayee(this.payee, { type: 'piece_delivered', index }, this.#now).state;
    this.payee_ms += performance.now() - t;
    t = performance.now();
    const remaining_bytes = (TORRENT_PIECES - index - 1) * REFERENCE_PIECE_BYTES;
    const step = crankPayer(this.payer, { type: 'piece_verified', index, bytes: REFERENCE_PIECE_BYTES, remaining_bytes, budget: BUDGET, bid_units_per_kib: 1_000n }, this.#now);
    this.payer_ms += performance.now() - t;
    await this.#payerDo(step);
    this.pieces++;
  }

  async #payerDo(step: { state: PayerState; effects: readonly PayerEffect[] }): Promise<void> {
    this.payer = step.state;
    for (const effect of step.effects) {
      if (effect.type === 'pay') {
        let t = performance.now();
        const signed = await signPaymentState(this.signer, effect.state);
        this.payer_ms += performance.now() - t;
        t = performance.now();
        const check = crankPayee(this.payee, { type: 'payment', payment: signed }, this.#now);
        const ok = check.effects.length === 1 && (await this.verify(signed.signature, encodePaymentState(signed), publicKeyFromHex(this.#payerKey)));
        await this.#payeeDo(crankPayee(this.payee, { type: 'payment_verified', payment: signed, ok }, this.#now));
        this.payee_ms += performance.now() - t;
      } else if (effect.type === 'open_channel') {
        const channel_id = (this.#nextChannel++).toString(16).padStart(64, '0') as ChannelId;
        const info = { escrow_units: effect.escrow_units, expires_at_ms: this.#now + HOUR_MS };
        this.#expiresAt.set(channel_id, info);
        await this.#payerDo(crankPayer(this.payer, { type: 'channel_opened', channel_id, ...info, budget: BUDGET }, this.#now));
      } else if (effect.type === 'send_channel') {
        const info = this.#expiresAt.get(effect.channel_id)!;
        await this.#payeeDo(crankPayee(this.payee, { type: 'channel_announced', channel_id: effect.channel_id }, this.#now));
        const ledger = { channel_id: effect.channel_id, payer_key: this.#payerKey, payee_key: this.#payeeKey, open: true, ...info };
        await this.#payeeDo(crankPayee(this.payee, { type: 'ledger_channel', channel_id: effect.channel_id, channel: ledger }, this.#now));
      }
    }
  }

  async #payeeDo(step: { state: PayeeState; effects: readonly PayeeEffect[]; rejection: unknown }): Promise<void> {
    if (step.rejection) throw new Error(`payee rejected: ${JSON.stringify(step.rejection)}`);
    this.payee = step.state;
    for (const effect of step.effects) {
      if (effect.type === 'close_channel') this.payee = crankPayee(this.payee, { type: 'channel_closed', channel_id: effect.state.channel_id }, this.#now).state;
    }
  }
}

export default async function crypto(ctx: BenchContext): Promise<BenchResult[]> {
  const subtle = globalThis.crypto.subtle;
  const secret = new Uint8Array(32).fill(1);
  const noble = createNobleSigner(secret);
  const web = await createWebCryptoSigner(subtle, secret);
  const verifier = new WebCryptoVerifier(subtle);
  const message = encodePaymentState({ channel_id: 'ab'.repeat(32) as ChannelId, amount_units: 123_456_789n, seq: 42n });
  const signature = await noble.sign(message);

  const results: BenchResult[] = [];
  const rate = async (name: string, fn: () => unknown) => {
    const value = await opsPerSecond(fn);
    results.push({ name, value, unit: 'ops/s', note: `${(1e6 / value).toFixed(1)} µs each` });
    return value;
  };
  await rate('ed25519 sign, noble', () => noble.sign(message));
  await rate('ed25519 verify, noble (strict)', () => nobleVerify(signature, message, noble.publicKey));
  await rate('ed25519 sign, WebCrypto', () => web.sign(message));
  await rate('ed25519 verify, WebCrypto (cached key)', () => verifier.verify(signature, message, web.publicKey));

  const loop = new PieceLoop(web, (sig, msg, pub) => verifier.verify(sig, msg, pub));
  await loop.start();
  const piecesPerS = await opsPerSecond(() => loop.step(), 3000);
  const us = 1e6 / piecesPerS;
  const payerUs = (loop.payer_ms * 1000) / loop.pieces;
  const payeeUs = (loop.payee_ms * 1000) / loop.pieces;
  const needed = REFERENCE_BYTES_PER_S / REFERENCE_PIECE_BYTES;
  const neededSmall = REFERENCE_BYTES_PER_S / SMALL_PIECE_BYTES;
  results.push(
    { name: 'per piece, both sides, WebCrypto', value: us, unit: 'µs/piece', note: 'crank + sign + encode + verify + crank, rollovers included' },
    { name: 'per piece, payer side (crank + sign)', value: payerUs, unit: 'µs/piece' },
    { name: 'per piece, payee side (cranks + verify)', value: payeeUs, unit: 'µs/piece' },
    { name: 'pieces/s achievable, one core, both sides', value: piecesPerS, unit: 'pieces/s' },
    { name: 'pieces/s needed at 10 MB/s, 256 KiB pieces', value: needed, unit: 'pieces/s' },
    { name: 'CPU share at 10 MB/s, 256 KiB pieces', value: (100 * needed) / piecesPerS, unit: '% of a core' },
    { name: 'CPU share at 10 MB/s, 16 KiB pieces', value: (100 * neededSmall) / piecesPerS, unit: '% of a core', note: `${neededSmall.toFixed(0)} pieces/s` },
    { name: 'payment throughput ceiling, 256 KiB pieces', value: (piecesPerS * REFERENCE_PIECE_BYTES) / 1e6, unit: 'MB/s per core' },
  );
  ctx.log(`${loop.pieces} pieces paid over ${Math.ceil(loop.pieces / 256)}+ channels of 256 pieces (64 MiB escrow each)`);
  return results;
}
