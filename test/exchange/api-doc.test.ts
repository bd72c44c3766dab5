// The exchange's OpenAPI document lists exactly the routes its app serves; the queue planner's FIFO and ETA rules.
import { describe, expect, it } from 'vitest';
import { EXCHANGE_OPENAPI } from '../../src/exchange/openapi.ts';
import { planQueue } from '../../src/exchange/queue.ts';
import { createHarness } from './harness.ts';

describe('exchange OpenAPI document', () => {
  it('documents exactly the routes the app serves', async () => {
    const h = await createHarness();
    try {
      const served = new Set(h.exchange.app.routes.filter((r) => r.method !== 'ALL').map((r) => `${r.method} ${r.path.replace(/:(\w+)/g, '{$1}')}`));
      const documented = new Set(Object.entries(EXCHANGE_OPENAPI.paths).flatMap(([path, methods]) => Object.keys(methods).map((m) => `${m.toUpperCase()} ${path}`)));
      expect([...documented].sort()).toEqual([...served].sort());
      expect(await h.api('GET', '/openapi.json')).toMatchObject({ status: 200, json: { openapi: '3.1.0' } });
      expect(await h.api('GET', '/nope')).toMatchObject({ status: 404, json: { error: 'not_found' } });
      expect(await h.api('GET', '/withdrawals/xyz')).toMatchObject({ status: 400, json: { error: 'invalid_field' } });
      expect(await h.api('GET', `/withdrawals/${'ab'.repeat(32)}`)).toMatchObject({ status: 404, json: { error: 'unknown_withdrawal' } });
      expect(await h.api('GET', '/accounts/not-a-key/transfers')).toMatchObject({ status: 400, json: { error: 'invalid_field' } });
      expect(await h.api('GET', '/deposits/XYZ')).toMatchObject({ status: 400, json: { error: 'invalid_field' } });
      expect(await h.api('POST', '/deposits', JSON.stringify({ tx_id: 'ab'.repeat(32), pad: 'x'.repeat(4_000) }))).toMatchObject({ status: 413, json: { error: 'body_too_large' } });
      const plain = await h.exchange.app.request('/deposits', { method: 'POST', headers: { 'content-type': 'text/plain' }, body: '{}' });
      expect(plain.status).toBe(415);
    } finally {
      await h.close();
    }
  });
});

describe('daily limit queue', () => {
  const q = (...amounts: number[]) => amounts.map((a, i) => ({ id: `w${i}`, amount_units: BigInt(a) }));
  it('pays in order while the window has room, then gives each waiting one its position and window', () => {
    const plan = planQueue(q(10, 10, 5, 10, 30), 0n, 30n, 1_000, 100);
    expect(plan.pay_now).toEqual(['w0', 'w1', 'w2']);
    expect(plan.eta.get('w3')).toEqual({ position: 4, eta_ms: 1_100 });
    expect(plan.eta.get('w4')).toEqual({ position: 5, eta_ms: 1_200 });
  });
  it('keeps strict FIFO: a small one never jumps a big one that waits', () => {
    const plan = planQueue(q(25, 1), 10n, 30n, 1_050, 100);
    expect(plan.pay_now).toEqual([]);
    expect(plan.eta.get('w1')).toEqual({ position: 2, eta_ms: 1_100 });
  });
  it('refuses an amount above the limit (the API never queues one)', () => {
    expect(() => planQueue(q(31), 0n, 30n, 0, 100)).toThrow(RangeError);
  });
});
