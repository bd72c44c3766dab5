// The pay window's messages are wire input to the embed: only a non-extractable Ed25519 signing key that matches its
// stated public key, with a whole positive cap and a TRON address, is a grant; everything else is refused with a
// reason. The window's query string is any page's to write, so what it shows is cleaned and a bad cap is dropped.
import { describe, expect, it } from 'vitest';
import { MAX_AMOUNT_UNITS } from '../../src/protocol/money.ts';
import { checkGrant, grantMessage, MAX_LABEL_CHARS, PAY_GRANT, parseCapText, parseGrantShape, parsePayRequest, payRequestQuery } from '../../src/widget/pay-grant.ts';
import { payWindowUrl } from '../../src/widget/pay-window.ts';

const ADDRESS = 'TJRabPrwbZy45sbavfcjinPJC18kjpRTv8';

async function ed25519(extractable = false) {
  const pair = (await crypto.subtle.generateKey('Ed25519', true, ['sign', 'verify'])) as CryptoKeyPair;
  const raw = new Uint8Array(await crypto.subtle.exportKey('raw', pair.publicKey));
  const pkcs8 = await crypto.subtle.exportKey('pkcs8', pair.privateKey);
  const key = await crypto.subtle.importKey('pkcs8', pkcs8, 'Ed25519', extractable, ['sign']);
  return { key, public_key: raw };
}

describe('the pay request in the window URL', () => {
  it('round-trips what the embed writes', () => {
    const url = new URL(payWindowUrl('http://127.0.0.1:8080', { cap_units: 50_000n, host: 'http://127.0.0.2:9000', name: 'A walk & a talk.webm' }));
    expect(url.pathname).toBe('/embed-pay.html');
    expect(parsePayRequest(url.search)).toEqual({ cap_units: 50_000n, host: 'http://127.0.0.2:9000', name: 'A walk & a talk.webm' });
    expect(parsePayRequest(`?${payRequestQuery({ cap_units: 1n, host: '', name: '' })}`).cap_units).toBe(1n);
  });

  it('drops a cap that is missing, zero, signed, fractional, too large or not a number', () => {
    for (const cap of ['', '0', '-5', '1.5', '1e6', 'abc', String(MAX_AMOUNT_UNITS + 1n), '1'.repeat(21)]) {
      expect(parsePayRequest(`?cap=${encodeURIComponent(cap)}&host=h&name=n`).cap_units).toBeNull();
    }
    expect(parsePayRequest('').cap_units).toBeNull();
  });

  it('strips control characters and cuts long labels', () => {
    const read = parsePayRequest(`?host=${encodeURIComponent('evil\u0000\nsite')}&name=${'x'.repeat(5000)}`);
    expect(read.host).toBe('evilsite');
    expect(read.name).toHaveLength(MAX_LABEL_CHARS);
  });
});

describe('the cap a visitor types', () => {
  it('is BTT above zero with up to six decimals, with a plain message otherwise', () => {
    expect(parseCapText(' 0.05 ')).toEqual({ ok: true, units: 50_000n });
    expect(parseCapText('1')).toEqual({ ok: true, units: 1_000_000n });
    for (const text of ['', 'abc', '1,5', '-1', '0.0000001']) expect(parseCapText(text)).toEqual({ ok: false, message: 'Enter the cap in BTT, for example 1.5' });
    expect(parseCapText('0')).toEqual({ ok: false, message: 'The cap must be more than zero' });
  });
});

describe('a grant', () => {
  it('is accepted when the key signs what its public key verifies, also after a structured clone', async () => {
    const { key, public_key } = await ed25519();
    const message = structuredClone(grantMessage({ key, public_key, address: ADDRESS, cap_units: 50_000n }));
    const checked = await checkGrant(message);
    expect(checked.ok).toBe(true);
    if (checked.ok) {
      expect(checked.grant.cap_units).toBe(50_000n);
      expect(checked.grant.address).toBe(ADDRESS);
      expect(checked.grant.public_key).toEqual(public_key);
      expect(checked.grant.key.extractable).toBe(false);
    }
  });

  it('is refused when the key does not match the public key', async () => {
    const a = await ed25519();
    const b = await ed25519();
    expect(await checkGrant(grantMessage({ key: a.key, public_key: b.public_key, address: ADDRESS, cap_units: 1n }))).toEqual({ ok: false, error: 'the key does not match its public key' });
  });

  it('refuses every malformed message with a reason', async () => {
    const { key, public_key } = await ed25519();
    const good = { type: PAY_GRANT, key, public_key, address: ADDRESS, cap_units: '1000' };
    const extractable = await ed25519(true);
    const ecdsa = (await crypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, false, ['sign', 'verify'])) as CryptoKeyPair;
    const verifyOnly = await crypto.subtle.importKey('raw', public_key, 'Ed25519', false, ['verify']);
    const bad: [unknown, RegExp][] = [
      [null, /not a pay grant/],
      ['seedpay-pay-grant', /not a pay grant/],
      [{ ...good, type: 'seedpay-pay-declined' }, /not a pay grant/],
      [{ ...good, key: { type: 'private' } }, /not a CryptoKey/],
      [{ ...good, key: verifyOnly }, /not an Ed25519 signing key/],
      [{ ...good, key: ecdsa.privateKey }, /not an Ed25519 signing key/],
      [{ ...good, key: extractable.key, public_key: extractable.public_key }, /extractable/],
      [{ ...good, public_key: public_key.slice(0, 31) }, /32 bytes/],
      [{ ...good, public_key: Array.from(public_key) }, /32 bytes/],
      [{ ...good, address: '0xabc' }, /TRON address/],
      [{ ...good, address: undefined }, /TRON address/],
      [{ ...good, cap_units: '0' }, /out of range/],
      [{ ...good, cap_units: String(MAX_AMOUNT_UNITS + 1n) }, /out of range/],
      [{ ...good, cap_units: '1.5' }, /whole number/],
      [{ ...good, cap_units: 1000 }, /whole number/],
      [{ ...good, cap_units: '-1' }, /whole number/],
    ];
    for (const [message, reason] of bad) {
      const shape = parseGrantShape(message);
      expect(shape.ok).toBe(false);
      if (!shape.ok) expect(shape.error).toMatch(reason);
      expect((await checkGrant(message)).ok).toBe(false);
    }
    expect(parseGrantShape(good).ok).toBe(true);
  });
});
