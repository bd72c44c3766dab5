// The bridge to the BitTorrent network, both ways, against real legacy software written by others on loopback only
// (Debian's transmission-daemon and opentracker, see legacy-helpers.ts). In: transmission seeds a file; the Node
// provider joins it over TCP from the .torrent and over WebRTC through the Seedpay tracker; a browser requester with
// Speed on — which can reach only WebRTC peers — buys it through the bridge, pays per piece, gets it intact, and the
// bridge's ledger balance after Ctrl-C equals what the requester signed. Out: a file a browser shares reaches
// transmission through the bridge, intact on disk.
import { createHash, randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, test } from '@playwright/test';
import { infoHashOf, startOpentracker, startTransmission } from './legacy-helpers.ts';
import {
  auditHolds, baseUrl, expectSettledOnStop, openLab, providerOptions, requesterOptions, seed, signedTotal, walletEvents, waitForWallet,
} from './peer-helpers.ts';
import { Children, providerKeyOf, run, spawnProvider } from './process-helpers.ts';

const seedpayTracker = () => `${baseUrl().replace(/^http/, 'ws')}/announce`;

test('a browser buys a file that only a legacy client has, through the Node bridge (TCP in, WebRTC out)', async ({ browser }) => {
  test.setTimeout(240_000);
  const dir = mkdtempSync(join(tmpdir(), 'seedpay-bridge-'));
  const children = new Children();
  let bridgeOut = () => '';
  try {
    const data = join(dir, 'data');
    mkdirSync(data, { recursive: true });
    const content = randomBytes(4 * 1024 * 1024);
    writeFileSync(join(data, 'legacy.bin'), content);
    const torrentFile = join(dir, 'legacy.torrent');
    // The tracker's port must be in the .torrent and the info hash in the tracker's whitelist: port first.
    const placeholder = 'http://127.0.0.1:1/announce';
    run('transmission-create', ['-t', placeholder, '-o', torrentFile, join(data, 'legacy.bin')]);
    const infoHash = infoHashOf(torrentFile);
    const announce = await startOpentracker(children, join(dir, 'opentracker'), [infoHash]);
    run('transmission-edit', ['-r', placeholder, announce, torrentFile]);
    const transmission = await startTransmission(children, join(dir, 'transmission'));
    transmission.add(torrentFile, data);
    await transmission.waitComplete(30_000);

    // The bridge: the Node provider, given only the .torrent (its tracker is opentracker) and the Seedpay server.
    const bridge = spawnProvider(children, baseUrl(), join(dir, 'bridge'), 'bridge password 1', ['--reserve', '50', torrentFile]);
    bridgeOut = bridge.out;
    await expect.poll(() => /peers \d+ WebRTC \+ [1-9]\d* TCP/.test(bridge.out()), { timeout: 60_000 }).toBe(true);
    const providerKey = providerKeyOf(bridge);

    const requester = await openLab(browser, requesterOptions('bridge-requester'));
    const magnet = `magnet:?xt=urn:btih:${infoHash}&tr=${encodeURIComponent(seedpayTracker())}`;
    const torrent = await requester.page.evaluate((m) => window.seedpayLab.addMagnet(m), magnet);
    await waitForWallet(requester, 'payment_sent', 90_000);
    await requester.page.evaluate((h) => window.seedpayLab.waitDone(h, 150_000), torrent.info_hash);
    expect(await requester.page.evaluate((h) => window.seedpayLab.digest(h), torrent.info_hash)).toBe(createHash('sha256').update(content).digest('hex'));

    expect((await walletEvents(requester, 'channel_opened')).every((e) => e.payee === providerKey)).toBe(true);
    const total = await signedTotal(requester);
    expect(total).toBeGreaterThan(0n);
    await expectSettledOnStop(bridge, providerKey, total);
    await auditHolds(requester);
    await requester.context.close();
  } finally {
    await test.info().attach('bridge output', { body: bridgeOut(), contentType: 'text/plain' });
    children.stopAll();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a file a browser shares reaches a legacy client through the Node bridge (WebRTC in, TCP out), intact', async ({ browser }) => {
  test.setTimeout(240_000);
  const dir = mkdtempSync(join(tmpdir(), 'seedpay-bridge-out-'));
  const children = new Children();
  let bridgeOut = () => '';
  try {
    const sharer = await openLab(browser, providerOptions('bridge-sharer'));
    const shared = await seed(sharer, 3 * 1024 * 1024, 31);
    const announce = await startOpentracker(children, join(dir, 'opentracker'), [shared.info_hash]);

    // transmission knows only the legacy tracker: everything it gets comes from the bridge over TCP.
    const torrentFile = join(dir, 'shared.torrent');
    writeFileSync(torrentFile, Buffer.from(shared.torrent_file_b64, 'base64'));
    run('transmission-edit', ['-a', announce, torrentFile]);
    const downloads = join(dir, 'downloads');
    mkdirSync(downloads, { recursive: true });
    const transmission = await startTransmission(children, join(dir, 'transmission'));
    transmission.add(torrentFile, downloads);

    // The bridge joins from the magnet (the browser's tracker) and also announces to the legacy tracker, which
    // tells it where transmission is.
    const magnet = `magnet:?xt=urn:btih:${shared.info_hash}&tr=${encodeURIComponent(seedpayTracker())}`;
    const bridge = spawnProvider(children, baseUrl(), join(dir, 'bridge'), 'bridge password 2', ['--tracker', announce, magnet]);
    bridgeOut = bridge.out;
    await transmission.waitComplete(120_000);
    const name = /Name:\s*(.+)/.exec(run('transmission-show', [torrentFile]))?.[1]?.trim() as string;
    expect(createHash('sha256').update(readFileSync(join(downloads, name))).digest('hex')).toBe(shared.sha256_hex);
    expect(bridge.out()).toMatch(/\+ [1-9]\d* TCP/);
    bridge.child.kill('SIGINT');
    expect(await bridge.exited).toBe(0);
    await sharer.context.close();
  } finally {
    await test.info().attach('bridge output', { body: bridgeOut(), contentType: 'text/plain' });
    children.stopAll();
    rmSync(dir, { recursive: true, force: true });
  }
});
