// The Node peer's wallet is the app's encrypted key file: opened with the password into a non-extractable signing
// key, created when asked, refused when wrong — and the secret never appears in the file in clear.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openKeyFile } from '../../src/node-peer/key-file.ts';
import { nobleVerify, toPublicKeyHex } from '../../src/protocol/ed25519.ts';
import { WalletVault } from '../../src/wallet/index.ts';
import { memoryVaultStorage } from '../../src/wallet/vault-storage.ts';
import { keyFileText, parseVaultRecord } from '../../src/wallet/vault-record.ts';

const dir = mkdtempSync(join(tmpdir(), 'seedpay-key-file-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const PASSWORD = 'correct horse battery';

describe('openKeyFile', () => {
  it('opens a key file the app exported, with the same payment key as the app', async () => {
    const storage = memoryVaultStorage();
    const vault = new WalletVault({ storage, subtle: crypto.subtle, random: (n) => crypto.getRandomValues(new Uint8Array(n)), now: () => new Date() });
    const { phrase, session } = await vault.create(PASSWORD);
    const file = join(dir, 'exported.json');
    writeFileSync(file, keyFileText(parseVaultRecord(storage.value)));
    const opened = await openKeyFile(file, PASSWORD, false);
    expect(opened.created).toBe(false);
    expect(toPublicKeyHex(opened.session.paymentKey.publicKey)).toBe(session.account.paymentPublicKeyHex);
    expect(opened.session.paymentKey.key.extractable).toBe(false);
    // It signs, and what it signs verifies under the account's key.
    const message = new TextEncoder().encode('a payment');
    const signature = await opened.session.paymentKey.signer.sign(message);
    expect(nobleVerify(signature, message, opened.session.paymentKey.publicKey)).toBe(true);
    const text = readFileSync(file, 'utf8');
    for (const word of phrase.split(' ')) expect(text).not.toContain(` ${word} `);
  });

  it('refuses a wrong password and a file that is not a key file, and creates one only when asked', async () => {
    const file = join(dir, 'new.json');
    await expect(openKeyFile(file, PASSWORD, false)).rejects.toThrow(/no key file/);
    const created = await openKeyFile(file, PASSWORD, true);
    expect(created.created).toBe(true);
    const again = await openKeyFile(file, PASSWORD, false);
    expect(again.session.account.paymentPublicKeyHex).toBe(created.session.account.paymentPublicKeyHex);
    await expect(openKeyFile(file, 'not the password', false)).rejects.toThrow(/wrong password/);
    const bogus = join(dir, 'bogus.json');
    writeFileSync(bogus, JSON.stringify({ format: 'something-else' }));
    await expect(openKeyFile(bogus, PASSWORD, false)).rejects.toThrow();
  }, 30_000);
});
