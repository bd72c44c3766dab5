// The event queue: time order, insertion order among ties, growth, and refusal of times it cannot honour.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { EventQueue, type EventView } from '../../src/sim/events.ts';

const view = (): EventView => ({ time_ms: 0, kind: 0, a: 0, b: 0 });

function drain(q: EventQueue): EventView[] {
  const out: EventView[] = [];
  const ev = view();
  while (q.pop(ev)) out.push({ ...ev });
  return out;
}

describe('EventQueue', () => {
  it('pops in time order and keeps insertion order among equal times', () => {
    const q = new EventQueue();
    q.push(30, 1, 0);
    q.push(10, 1, 1);
    q.push(20, 1, 2);
    q.push(10, 1, 3);
    q.push(10, 2, 4);
    expect(drain(q).map((e) => [e.time_ms, e.a])).toEqual([[10, 1], [10, 3], [10, 4], [20, 2], [30, 0]]);
  });

  it('advances its clock to the popped time and refuses the past', () => {
    const q = new EventQueue();
    q.push(5, 1);
    q.push(9, 1);
    const ev = view();
    q.pop(ev);
    expect(q.now_ms).toBe(5);
    expect(() => q.push(4, 1)).toThrow(/before now/);
    q.push(5, 1);
    expect(q.size).toBe(2);
  });

  it('takes integer milliseconds only', () => {
    const q = new EventQueue();
    expect(() => q.push(1.5, 1)).toThrow(/integer/);
    expect(() => q.push(Number.NaN, 1)).toThrow(/integer/);
  });

  it('grows past its initial capacity and carries payloads intact', () => {
    const q = new EventQueue();
    for (let i = 0; i < 5000; i++) q.push(5000 - i, i % 7, i, -i);
    const out = drain(q);
    expect(out).toHaveLength(5000);
    expect(out[0]).toEqual({ time_ms: 1, kind: 4999 % 7, a: 4999, b: -4999 });
    expect(q.peekTime()).toBe(Infinity);
  });

  it('matches a stable sort of whatever is pushed, interleaved with pops', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.integer({ min: 0, max: 50 }), fc.boolean()), { maxLength: 300 }), (ops) => {
        const q = new EventQueue();
        const reference: { t: number; id: number }[] = [];
        const popped: number[] = [];
        const expected: number[] = [];
        const ev = view();
        let id = 0;
        for (const [dt, popFirst] of ops) {
          if (popFirst && q.size > 0) {
            q.pop(ev);
            popped.push(ev.a);
            reference.sort((x, y) => x.t - y.t || x.id - y.id);
            expected.push((reference.shift() as { id: number }).id);
          }
          const t = q.now_ms + dt;
          q.push(t, 0, id);
          reference.push({ t, id });
          id++;
        }
        while (q.pop(ev)) popped.push(ev.a);
        reference.sort((x, y) => x.t - y.t || x.id - y.id);
        expected.push(...reference.map((r) => r.id));
        expect(popped).toEqual(expected);
      }),
      { numRuns: 200 },
    );
  });
});
