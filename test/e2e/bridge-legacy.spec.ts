// The bridge to the BitTorrent network: Debian's transmission-daemon seeds a file announced to Debian's opentracker
// (real legacy software, written by others, on loopback only: DHT, LPD, PEX and port mapping off). The Node provider
// joins the same torrent over TCP from the .torrent and over WebRTC through the Seedpay tracker; a browser requester
// with Speed on — which can reach only WebRTC peers — downloads it through the bridge, pays per piece, gets it intact,
// and the bridge's ledger balance after Ctrl-C equals what the requester signed.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, test } from '@playwright/test';
import { formatBtt } from '../../src/protocol/money.ts';
import { auditHolds, baseUrl, openLab, requesterOptions, walletEvents, waitForWallet } from './peer-helpers.ts';

const freePort = () =>
  new Promise<number>((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });

function run(command: string, args: string[]): string {
  const result = spawnSync(command, args, { encoding: 'utf8' });
  if (result.error || result.status !== 0) throw new Error(`${command} ${args.join(' ')} failed: ${result.error?.message ?? result.stderr}`);
  return result.stdout;
}

test('a browser buys a file that only a legacy client has, through the Node bridge (TCP in, WebRTC out)', async ({ browser }) => {
  test.setTimeout(240_000);
  const dir = mkdtempSync(join(tmpdir(), 'seedpay-bridge-'));
  const children: ChildProcess[] = [];
  const daemon = (command: string, args: string[], env: NodeJS.ProcessEnv = process.env) => {
    const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'], env });
    let out = '';
    child.stdout?.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.stderr?.on('data', (chunk: Buffer) => (out += chunk.toString()));
    children.push(child);
    return { child, out: () => out, exited: new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code))) };
  };
  let bridgeOut = () => '';
  try {
    const data = join(dir, 'data');
    const otDir = join(dir, 'opentracker');
    const trDir = join(dir, 'transmission');
    for (const d of [data, otDir, trDir]) mkdirSync(d, { recursive: true });
    const content = randomBytes(4 * 1024 * 1024);
    writeFileSync(join(data, 'legacy.bin'), content);

    // opentracker (Debian builds it with a whitelist): announce URL, the torrent, its info hash whitelisted.
    const [trackerPort, peerPort, rpcPort] = [await freePort(), await freePort(), await freePort()];
    const announce = `http://127.0.0.1:${trackerPort}/announce`;
    const torrentFile = join(dir, 'legacy.torrent');
    run('transmission-create', ['-t', announce, '-o', torrentFile, join(data, 'legacy.bin')]);
    const infoHash = /Hash:\s*([0-9a-f]{40})/.exec(run('transmission-show', [torrentFile]))?.[1] as string;
    writeFileSync(join(otDir, 'whitelist'), `${infoHash}\n`);
    daemon('opentracker', ['-i', '127.0.0.1', '-p', String(trackerPort), '-P', String(trackerPort), '-d', otDir, '-w', 'whitelist']);

    writeFileSync(join(trDir, 'settings.json'), JSON.stringify({
      'dht-enabled': false, 'lpd-enabled': false, 'pex-enabled': false, 'port-forwarding-enabled': false, 'utp-enabled': false,
      'peer-port': peerPort, 'bind-address-ipv4': '127.0.0.1', 'bind-address-ipv6': '::1',
      'rpc-enabled': true, 'rpc-bind-address': '127.0.0.1', 'rpc-port': rpcPort, 'rpc-authentication-required': false,
      'rpc-whitelist-enabled': false, 'rpc-host-whitelist-enabled': false, 'download-dir': data, 'message-level': 1,
    }));
    daemon('transmission-daemon', ['-g', trDir, '-f']);
    const rpc = `127.0.0.1:${rpcPort}`;
    await expect.poll(() => spawnSync('transmission-remote', [rpc, '-l']).status, { timeout: 15_000 }).toBe(0);
    run('transmission-remote', [rpc, '-a', torrentFile, '-w', data]);
    await expect.poll(() => / 100% /.test(run('transmission-remote', [rpc, '-l'])), { timeout: 30_000 }).toBe(true);

    // The bridge: the Node provider, given only the .torrent (its tracker is opentracker) and the Seedpay server.
    const bridge = daemon(process.execPath, [
      '--import', 'tsx', 'src/cli/provide.ts', '--server', baseUrl(), '--profile', join(dir, 'bridge'), '--new-wallet',
      '--reserve', '50', '--interval', '1', torrentFile,
    ], { ...process.env, SEEDPAY_PASSWORD: 'bridge password 1' });
    bridgeOut = bridge.out;
    await expect.poll(() => /peers \d+ WebRTC \+ [1-9]\d* TCP/.test(bridge.out()), { timeout: 60_000 }).toBe(true);
    const providerKey = /payment key ([0-9a-f]{64})/.exec(bridge.out())?.[1] as string;

    const requester = await openLab(browser, requesterOptions('bridge-requester'));
    const magnet = `magnet:?xt=urn:btih:${infoHash}&tr=${encodeURIComponent(`${baseUrl().replace(/^http/, 'ws')}/announce`)}`;
    const torrent = await requester.page.evaluate((m) => window.seedpayLab.addMagnet(m), magnet);
    await waitForWallet(requester, 'payment_sent', 90_000);
    await requester.page.evaluate((h) => window.seedpayLab.waitDone(h, 150_000), torrent.info_hash);
    expect(await requester.page.evaluate((h) => window.seedpayLab.digest(h), torrent.info_hash)).toBe(createHash('sha256').update(content).digest('hex'));

    const signed = new Map<string, bigint>();
    for (const e of await walletEvents(requester, 'payment_sent')) {
      const amount = BigInt(String(e.amount_units));
      if (amount > (signed.get(String(e.channel_id)) ?? 0n)) signed.set(String(e.channel_id), amount);
    }
    expect((await walletEvents(requester, 'channel_opened')).every((e) => e.payee === providerKey)).toBe(true);
    const totalSigned = [...signed.values()].reduce((a, b) => a + b, 0n);
    expect(totalSigned).toBeGreaterThan(0n);
    await expect.poll(() => [...bridge.out().matchAll(/earned ([\d.,]+) BTT/g)].at(-1)?.[1] ?? '', { timeout: 30_000 }).toBe(formatBtt(totalSigned));
    bridge.child.kill('SIGINT');
    expect(await bridge.exited).toBe(0);
    const account = (await (await fetch(`${baseUrl()}/ledger/accounts/${providerKey}`)).json()) as { balance_units: string };
    expect(BigInt(account.balance_units)).toBe(totalSigned);
    await auditHolds(requester);
    await requester.context.close();
  } finally {
    await test.info().attach('bridge output', { body: bridgeOut(), contentType: 'text/plain' });
    for (const child of children) if (child.exitCode === null) child.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  }
});
