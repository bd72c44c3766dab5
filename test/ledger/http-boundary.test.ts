// The ledger's HTTP boundary over a real socket: a body that is not declared application/json is refused with 415
// before anything is read or applied (a text/plain POST is a CORS-simple request any web page can send), and a
// client that aborts mid-body is routine: no internal-error log line, no stack, and the server serves on.
import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LedgerApiError, LedgerClient } from '../../src/wallet/ledger-client.ts';
import { createFixture, newSigner, type Fixture } from './helpers/ledger.ts';

const lines: string[] = [];
let f: Fixture;
let base: string;
beforeAll(async () => {
  f = await createFixture('sqlite', null, { log: (line) => lines.push(line) });
  base = await f.listen();
});
afterAll(() => f.close());

/** A client that sends its signed bodies with another content type. */
const clientWith = (contentType: string | null) =>
  new LedgerClient({
    baseUrl: base,
    ledgerId: f.service.ledgerId,
    fetch: (input, init) => {
      const headers: Record<string, string> = { accept: 'application/json' };
      if (contentType !== null) headers['content-type'] = contentType;
      return fetch(input, { ...init, headers });
    },
  });

describe('ledger HTTP: content type', () => {
  it.each([['text/plain'], ['text/plain;charset=UTF-8'], ['application/x-www-form-urlencoded'], ['multipart/form-data'], ['application/jsonx'], [null]])(
    'a correctly signed transfer sent as %s → 415, nothing applied',
    async (type) => {
      const from = await f.funded();
      const to = await newSigner();
      const before = await f.client.account(from.key);
      const error = await clientWith(type).transfer(from.signer, { to: to.key, amount_units: 1000n, nonce: 2n }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(LedgerApiError);
      expect(error).toMatchObject({ status: 415, code: 'unsupported_media_type' });
      expect(await f.client.account(from.key)).toEqual(before);
    },
  );

  it('application/json with a charset parameter is accepted', async () => {
    const from = await f.funded();
    const to = await newSigner();
    await clientWith('Application/JSON; charset=utf-8').transfer(from.signer, { to: to.key, amount_units: 1000n, nonce: 2n });
    expect((await f.client.account(to.key)).balance_units).toBe(1000n);
  });
});

describe('ledger HTTP: a client that aborts mid-body', () => {
  it('is not logged as an internal error, and the server serves on', async () => {
    const url = new URL(base);
    for (let i = 0; i < 5; i++) {
      await new Promise<void>((done) => {
        const socket = connect(Number(url.port), url.hostname, () => {
          socket.write(`POST ${url.pathname}/transfers HTTP/1.1\r\nHost: ${url.host}\r\nContent-Type: application/json\r\nContent-Length: 2000\r\n\r\n{"from":"`);
          setTimeout(() => {
            socket.destroy();
            done();
          }, 50);
        });
      });
    }
    await new Promise((r) => setTimeout(r, 300));
    expect(lines.filter((l) => /internal error|Error:|\n\s+at /.test(l))).toEqual([]);
    const info = await fetch(`${base}/info`);
    expect(info.status).toBe(200);
  });
});
