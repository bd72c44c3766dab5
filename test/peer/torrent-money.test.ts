// The torrent's money record: what the app shows about a torrent's money must be the sum of signed states until the
// ledger closes a channel and the ledger's settlement after; it survives a reload (its stored form round-trips
// exactly), never double-counts a re-sent or stale state, and refuses a hostile stored record instead of trusting it.
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { MAX_MONEY_CHANNELS, TorrentMoney } from '../../src/peer/torrent-money.ts';
import type { ChannelId } from '../../src/protocol/payment-state.ts';

const channel = (n: number) => n.toString(16).padStart(64, '0') as ChannelId;
const roundTrip = (m: TorrentMoney) => TorrentMoney.fromRecord(JSON.parse(JSON.stringify(m.toRecord())));

describe('torrent money', () => {
  test('paid and earned are the last cumulative state per channel until settled, then the settlement; sums stay exact', () => {
    fc.assert(fc.property(
      fc.array(fc.record({
        ch: fc.integer({ min: 1, max: 600 }), amount: fc.bigInt({ min: 0n, max: 10n ** 12n }), role: fc.boolean(), settle: fc.boolean(),
      }), { maxLength: 400 }),
      (events) => {
        const money = new TorrentMoney();
        const model = { paid: new Map<number, { signed: bigint; settled: bigint | null }>(), earned: new Map<number, { signed: bigint; settled: bigint | null }>() };
        for (const e of events) {
          const role = e.role ? model.paid : model.earned;
          const c = role.get(e.ch);
          if (e.settle) {
            // The ledger closes the channel at what it was given (never above what was signed).
            for (const m of [model.paid, model.earned]) {
              const x = m.get(e.ch);
              if (x && x.settled === null) x.settled = e.amount < x.signed ? e.amount : x.signed;
            }
            money.settled(channel(e.ch), e.amount);
          } else {
            if (!c) role.set(e.ch, { signed: e.amount, settled: null });
            else if (c.settled === null && e.amount > c.signed) c.signed = e.amount;
            if (e.role) money.paid(channel(e.ch), e.amount, 0);
            else money.earned(channel(e.ch), e.amount);
          }
        }
        const sum = (m: Map<number, { signed: bigint; settled: bigint | null }>) => [...m.values()].reduce((a, c) => a + (c.settled ?? c.signed), 0n);
        expect(money.paid_units).toBe(sum(model.paid));
        expect(money.earned_units).toBe(sum(model.earned));
        expect(money.paidChannels().size).toBeLessThanOrEqual(MAX_MONEY_CHANNELS + money.unsettled().length);
        const reloaded = roundTrip(money);
        expect(reloaded?.paid_units).toBe(money.paid_units);
        expect(reloaded?.earned_units).toBe(money.earned_units);
        expect(reloaded?.unsettled()).toEqual(money.unsettled());
      },
    ), { numRuns: 200 });
  });

  test('paid bytes grow only with a new signed state; a close one payment short gives back exactly that piece', () => {
    const money = new TorrentMoney();
    money.downloaded(4 * 1024);
    money.paid(channel(1), 100n, 1024);
    money.paid(channel(1), 100n, 1024); // the same state re-sent after a reload: no new piece paid
    money.paid(channel(1), 50n, 1024); // an older state: changes nothing
    expect(money.paid_bytes).toBe(1024);
    expect(money.free_bytes).toBe(3 * 1024);
    money.paid(channel(1), 200n, 1024);
    money.paid(channel(2), 300n, 1024);
    expect(money.paid_bytes).toBe(3 * 1024);
    expect(money.paid_units).toBe(500n);
    // Channel 1's last payment never reached the provider: the ledger closed it at 100, so that piece was free.
    money.settled(channel(1), 100n);
    expect(money.paid_units).toBe(400n);
    expect(money.paid_bytes).toBe(2 * 1024);
    expect(money.free_bytes).toBe(2 * 1024);
    money.paid(channel(1), 300n, 1024); // nothing moves on a closed channel
    expect(money.paid_units).toBe(400n);
    expect(money.unsettled()).toEqual([channel(2)]);
  });

  test('a re-send above what the record holds (it missed payments before a reload) counts their bytes at the channel\'s rate', () => {
    const money = new TorrentMoney();
    money.downloaded(8 * 1024);
    money.paid(channel(1), 100n, 1024);
    money.paid(channel(1), 200n, 1024);
    // The record was saved here; the page then paid 2 more pieces (journal) and died before the record caught up.
    const resumed = TorrentMoney.fromRecord(money.toRecord()) as TorrentMoney;
    resumed.paid(channel(1), 400n, 0); // the journal's last state, re-sent after the reload
    expect(resumed.paid_units).toBe(400n);
    expect(resumed.paid_bytes).toBe(4 * 1024);
    // A close one payment short gives back exactly the last (reconstructed) payment's bytes.
    resumed.settled(channel(1), 200n);
    expect(resumed.paid_bytes).toBe(2 * 1024);
    // A first re-send on a channel the record never saw: no rate to go by, so no bytes are invented.
    resumed.paid(channel(2), 100n, 0);
    expect(resumed.paid_bytes).toBe(2 * 1024);
  });

  test('the saved figure leaves out unsettled bytes, so the resume can count them back once', () => {
    const money = new TorrentMoney();
    money.downloaded(3 * 1024);
    const saved = TorrentMoney.fromRecord(money.toRecord(1024)) as TorrentMoney;
    expect(saved.downloaded_bytes).toBe(2 * 1024);
    expect((TorrentMoney.fromRecord(money.toRecord(10 * 1024)) as TorrentMoney).downloaded_bytes).toBe(0);
  });

  test('a hostile or corrupt stored record is refused, not trusted', () => {
    const good = new TorrentMoney();
    good.downloaded(10);
    good.paid(channel(1), 5n, 10);
    const record = JSON.parse(JSON.stringify(good.toRecord())) as { downloaded_bytes: number; paid: { channels: unknown[][]; retired_units: string } };
    expect(TorrentMoney.fromRecord(record)?.paid_units).toBe(5n);
    const entry = record.paid.channels[0] as unknown[];
    const withEntry = (e: unknown[]) => ({ ...record, paid: { ...record.paid, channels: [e] } });
    const bad: unknown[] = [
      null, 'x', undefined, { ...record, downloaded_bytes: -1 }, { ...record, downloaded_bytes: 1.5 }, { ...record, earned: [] },
      withEntry(['nothex', ...entry.slice(1)]), withEntry([entry[0], '-1', ...entry.slice(2)]), withEntry([entry[0], '1e3', ...entry.slice(2)]),
      withEntry([entry[0], (2n ** 70n).toString(), ...entry.slice(2)]), withEntry([entry[0], '5', 10, '6', 10, null]),
      withEntry([entry[0], '5', 10, '5', 11, null]), withEntry([entry[0], '5', 10, '5', 10, '6']), withEntry(entry.slice(1)),
      { ...record, paid: { ...record.paid, retired_units: 'x' } },
      { ...record, paid: { ...record.paid, channels: Array.from({ length: MAX_MONEY_CHANNELS + 1 }, () => entry) } },
    ];
    for (const value of bad) expect(TorrentMoney.fromRecord(value)).toBeNull();
  });
});
