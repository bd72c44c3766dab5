// The ban list and the ban rules that are not one rejected message: one duration for every ban, the late-payment ban.
import { describe, expect, it } from 'vitest';
import { BAN_DURATION_MS, banUntil, BanList, isLateBeyondBan, LATE_BAN_AFTER_MS, MAX_BANS } from '../../src/protocol/bans.ts';
import { PAYMENT_DEADLINE_MS } from '../../src/protocol/channel-types.ts';

describe('bans', () => {
  it('last one duration, by any of the ids given, and forget the oldest beyond the limit', () => {
    const bans = new BanList();
    bans.ban(['peer-1', 'key-1', null], banUntil(0));
    expect(bans.isBanned(['key-1'], BAN_DURATION_MS - 1)).toBe(true);
    expect(bans.isBanned(['peer-1'], BAN_DURATION_MS)).toBe(false);
    for (let i = 0; i <= MAX_BANS; i++) bans.ban([`flood-${i}`], 10);
    expect(bans.isBanned(['flood-0'], 0)).toBe(false);
    expect(bans.isBanned([`flood-${MAX_BANS}`], 0)).toBe(true);
  });

  it('bans a requester still owing a unit LATE_BAN_AFTER_MS past its deadline, and nobody earlier', () => {
    const unpaid = { index: 1, cost_units: 5n, delivered_at_ms: 1000, deadline_missed: true };
    const due = 1000 + PAYMENT_DEADLINE_MS + LATE_BAN_AFTER_MS;
    expect(isLateBeyondBan(unpaid, due - 1)).toBe(false);
    expect(isLateBeyondBan(unpaid, due)).toBe(true);
    expect(isLateBeyondBan({ ...unpaid, deadline_missed: false }, due)).toBe(false);
    expect(isLateBeyondBan(null, due)).toBe(false);
  });
});
