// What one torrent's money and bytes came to, kept beside the torrent (persisted with its record) so a reload, a
// Speed switch or a restart never loses it: bytes downloaded, and per payment channel the last cumulative amount
// signed (we requested) or accepted (we provided) with the bytes it paid for — until the ledger closes the channel;
// from then on the ledger's settled amount counts. So every unit shown is a signed state or a ledger close.
import { isChannelId, type ChannelId } from '../protocol/payment-state.ts';
import { MAX_AMOUNT_UNITS, type Units } from '../protocol/money.ts';

/** Channels remembered per role and torrent; older settled ones fold into a retired total (sums stay exact). */
export const MAX_MONEY_CHANNELS = 256;
/** Bytes are JS numbers: a torrent larger than 2^53 bytes cannot exist here. */
const MAX_BYTES = Number.MAX_SAFE_INTEGER;

/** One channel: the last state signed or accepted, the piece it paid for, and the ledger's close once known. */
export interface ChannelMoney {
  readonly signed_units: Units;
  readonly bytes: number;
  /** The last payment's own delta and piece bytes: a close one payment short drops exactly these. */
  readonly last_units: Units;
  readonly last_bytes: number;
  readonly settled_units: Units | null;
}

/** A channel's figures as they stand: the ledger's close if known, else what was signed. */
function counted(c: ChannelMoney): { units: Units; bytes: number } {
  if (c.settled_units === null || c.settled_units === c.signed_units) return { units: c.signed_units, bytes: c.bytes };
  // The payment in flight when the connection ended never reached the provider: its piece was free after all.
  if (c.settled_units === c.signed_units - c.last_units) return { units: c.settled_units, bytes: c.bytes - c.last_bytes };
  const bytes = c.signed_units === 0n ? 0 : Number((BigInt(c.bytes) * c.settled_units) / c.signed_units);
  return { units: c.settled_units, bytes };
}

class Channels {
  readonly map = new Map<ChannelId, ChannelMoney>();
  retired_units = 0n;
  retired_bytes = 0;

  /**
   * A newer cumulative state (an older or equal one changes nothing); returns whether it changed. A re-send
   * (`piece_bytes` 0) above what this record holds means the record missed the payments between (the page died after
   * the payer journal saved them and before this record did): their bytes are taken at the channel's own bytes per
   * unit, which is exact while its price held.
   */
  sign(channel_id: ChannelId, amount_units: Units, piece_bytes: number): boolean {
    const c = this.map.get(channel_id);
    if (c && (c.signed_units >= amount_units || c.settled_units !== null)) return false;
    const delta = amount_units - (c?.signed_units ?? 0n);
    if (piece_bytes === 0 && c && c.signed_units > 0n) piece_bytes = Number((BigInt(c.bytes) * delta) / c.signed_units);
    this.map.set(channel_id, {
      signed_units: amount_units, bytes: (c?.bytes ?? 0) + piece_bytes, last_units: delta, last_bytes: piece_bytes, settled_units: null,
    });
    this.#fold();
    return true;
  }

  settle(channel_id: ChannelId, settled_units: Units): boolean {
    const c = this.map.get(channel_id);
    if (!c || c.settled_units !== null) return false;
    this.map.set(channel_id, { ...c, settled_units: settled_units < c.signed_units ? settled_units : c.signed_units });
    this.#fold();
    return true;
  }

  /** Keeps the map bounded by folding the oldest settled channels into the retired totals. */
  #fold(): void {
    for (const [id, c] of this.map) {
      if (this.map.size <= MAX_MONEY_CHANNELS) return;
      if (c.settled_units === null) continue;
      const { units, bytes } = counted(c);
      this.retired_units += units;
      this.retired_bytes += bytes;
      this.map.delete(id);
    }
  }

  totals(): { units: Units; bytes: number } {
    let units = this.retired_units;
    let bytes = this.retired_bytes;
    for (const c of this.map.values()) {
      const n = counted(c);
      units += n.units;
      bytes += n.bytes;
    }
    return { units, bytes };
  }

  unsettled(): ChannelId[] {
    return [...this.map].filter(([, c]) => c.settled_units === null).map(([id]) => id);
  }

  toJson(): unknown {
    return {
      retired_units: this.retired_units.toString(),
      retired_bytes: this.retired_bytes,
      channels: [...this.map].map(([id, c]) => [
        id, c.signed_units.toString(), c.bytes, c.last_units.toString(), c.last_bytes, c.settled_units?.toString() ?? null,
      ]),
    };
  }

  static fromJson(json: unknown): Channels | null {
    if (typeof json !== 'object' || json === null) return null;
    const r = json as Record<string, unknown>;
    const out = new Channels();
    const retired = units(r.retired_units);
    if (retired === null || !isBytes(r.retired_bytes) || !Array.isArray(r.channels) || r.channels.length > MAX_MONEY_CHANNELS) return null;
    out.retired_units = retired;
    out.retired_bytes = r.retired_bytes;
    for (const entry of r.channels as unknown[]) {
      if (!Array.isArray(entry) || entry.length !== 6) return null;
      const [id, signed, bytes, last, lastBytes, settled] = entry as unknown[];
      const signed_units = units(signed);
      const last_units = units(last);
      const settled_units = settled === null ? null : units(settled);
      if (!isChannelId(id) || signed_units === null || last_units === null || last_units > signed_units) return null;
      if (!isBytes(bytes) || !isBytes(lastBytes) || lastBytes > bytes || (settled !== null && settled_units === null)) return null;
      if (settled_units !== null && settled_units > signed_units) return null;
      out.map.set(id, { signed_units, bytes, last_units, last_bytes: lastBytes, settled_units });
    }
    return out;
  }
}

function units(value: unknown): Units | null {
  if (typeof value !== 'string' || !/^(0|[1-9][0-9]{0,19})$/.test(value)) return null;
  const n = BigInt(value);
  return n <= MAX_AMOUNT_UNITS ? n : null;
}

const isBytes = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v) && v >= 0 && v <= MAX_BYTES;

export class TorrentMoney {
  /** Bytes of pieces downloaded and verified (pieces present at seeding or resume do not count). */
  downloaded_bytes = 0;
  readonly #paid: Channels;
  readonly #earned: Channels;
  /** Called after every change: the engine saves the record soon after, at once when money moved (`urgent`). */
  onChange: (urgent: boolean) => void = () => {};

  constructor(paid = new Channels(), earned = new Channels()) {
    this.#paid = paid;
    this.#earned = earned;
  }

  get paid_units(): Units {
    return this.#paid.totals().units;
  }

  get earned_units(): Units {
    return this.#earned.totals().units;
  }

  /** Downloaded bytes whose payment was signed (and, once closed, settled on the ledger). */
  get paid_bytes(): number {
    return Math.min(this.downloaded_bytes, this.#paid.totals().bytes);
  }

  /** Downloaded bytes not paid for: from legacy peers, the optimistic slot, providers that stopped charging. */
  get free_bytes(): number {
    return this.downloaded_bytes - this.paid_bytes;
  }

  downloaded(bytes: number): void {
    this.downloaded_bytes = Math.min(MAX_BYTES, this.downloaded_bytes + bytes);
    this.onChange(false);
  }

  /** We signed `amount_units` (cumulative) on `channel_id`; `piece_bytes` is the piece it paid for, 0 for a re-send. */
  paid(channel_id: ChannelId, amount_units: Units, piece_bytes: number): void {
    if (this.#paid.sign(channel_id, amount_units, piece_bytes)) this.onChange(true);
  }

  /** A payment state accepted from a requester: `amount_units` cumulative on `channel_id`. */
  earned(channel_id: ChannelId, amount_units: Units): void {
    if (this.#earned.sign(channel_id, amount_units, 0)) this.onChange(true);
  }

  /** The ledger closed (or expired) `channel_id` paying `paid_units`: from now on that is what counts. */
  settled(channel_id: ChannelId, paid_units: Units): void {
    const a = this.#paid.settle(channel_id, paid_units);
    const b = this.#earned.settle(channel_id, paid_units);
    if (a || b) this.onChange(true);
  }

  /** Channels whose close the ledger has not confirmed to us yet, both roles. */
  unsettled(): ChannelId[] {
    return [...this.#paid.unsettled(), ...this.#earned.unsettled()];
  }

  /** Per channel, what we signed over and what the ledger settled (to trace against the ledger's closes). */
  paidChannels(): ReadonlyMap<ChannelId, ChannelMoney> {
    return this.#paid.map;
  }

  /** `unsettled_bytes`: verified bytes the saved bitfield leaves out (resume-count.ts), left out of the figure too. */
  toRecord(unsettled_bytes = 0): unknown {
    const downloaded_bytes = Math.max(0, this.downloaded_bytes - unsettled_bytes);
    return { downloaded_bytes, paid: this.#paid.toJson(), earned: this.#earned.toJson() };
  }

  /** A stored record, checked field by field; null if any field is wrong (the caller starts from zero). */
  static fromRecord(value: unknown): TorrentMoney | null {
    if (typeof value !== 'object' || value === null) return null;
    const r = value as Record<string, unknown>;
    const paid = Channels.fromJson(r.paid);
    const earned = Channels.fromJson(r.earned);
    if (!isBytes(r.downloaded_bytes) || !paid || !earned) return null;
    const money = new TorrentMoney(paid, earned);
    money.downloaded_bytes = r.downloaded_bytes;
    return money;
  }
}
