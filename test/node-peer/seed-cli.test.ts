// `npm run seed` on the Node peer (src/cli/seed.ts): its options and their refusals, the links that make several files
// (or a renamed one) one torrent seeded in place, and the real command: two files seeded as one named torrent are
// downloaded intact by a plain client over TCP, a restart with no files resumes them, and a profile of the former
// Chromium seeder is refused.
import { createHash, randomBytes } from 'node:crypto';
import { lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseOptions } from '../../src/cli/seed.ts';
import { badName, MAX_NAME_CHARS, seedSource } from '../../src/cli/seed-links.ts';
import type { NodeWebTorrentClient } from '../../src/node-peer/webtorrent-node.ts';
import { Children, freePort } from '../e2e/process-helpers.ts';

const dir = mkdtempSync(join(tmpdir(), 'seedpay-seed-cli-'));
const children = new Children();
const clients: NodeWebTorrentClient[] = [];
let NodeWebTorrent: typeof import('../../src/node-peer/webtorrent-node.ts').NodeWebTorrent;

beforeAll(async () => {
  await import('../../src/node-peer/runtime/register.mjs');
  ({ NodeWebTorrent } = await import('../../src/node-peer/webtorrent-node.ts'));
});

afterAll(async () => {
  children.stopAll();
  await Promise.all(clients.map((c) => new Promise<void>((done) => c.destroy(() => done()))));
  rmSync(dir, { recursive: true, force: true });
});

const parsed = (args: string[]) => {
  const o = parseOptions(args);
  if (o === 'help') throw new Error('help');
  return o;
};

describe('seed options', () => {
  it('a seeder by default: its own profile and key file, every network, no earn mode', () => {
    const o = parsed(['a.bin']);
    expect(o).toMatchObject({ name: null, earn: null, speed: true, webrtc: true, utp: true, reserve: 1n, interval_s: 5 });
    expect(o.profile).toMatch(/\/data\/seeder$/);
    expect(o.key_file).toBe(join(o.profile, 'wallet.json'));
    expect(o.files).toEqual([join(process.cwd(), 'a.bin')]);
  });

  it('earn mode: budget, upload limit, accepted origins and torrents, poll', () => {
    const o = parsed(['--earn', '--budget', '64', '--upload-limit', '512', '--accept-origin', 'https://media.example/x?y',
      '--accept-info-hash', 'AB'.repeat(20), '--poll', '2']);
    expect(o.earn).toEqual({
      budget_bytes: 64 * 1024 * 1024,
      upload_limit_bytes_per_s: 512 * 1024,
      speed_upload_limit_bytes_per_s: 512 * 1024,
      accept: { kind: 'listed', origins: ['https://media.example'], info_hashes: ['ab'.repeat(20)] },
      poll_s: 2,
    });
    expect(parsed(['--earn']).earn).toMatchObject({ accept: { kind: 'any' }, speed_upload_limit_bytes_per_s: null, poll_s: 10 });
  });

  it.each([
    [['--earn', '--budget', '0'], /--budget/],
    [['--earn', '--budget', 'lots'], /--budget/],
    [['--earn', '--upload-limit', '-5'], /--upload-limit/],
    [['--earn', '--poll', '0.5'], /--poll/],
    [['--earn', '--accept-origin', 'ftp://x'], /--accept-origin/],
    [['--earn', '--accept-origin', 'not a url'], /--accept-origin/],
    [['--earn', '--accept-info-hash', 'abc'], /--accept-info-hash/],
    [['--earn', '--no-speed'], /--earn needs Speed/],
    [['--name', 'x'], /name files too/],
    [['--name', '../x', 'a.bin'], /--name/],
    [['--name', '', 'a.bin'], /--name/],
    [['--reserve', '1.5', 'a.bin'], /--reserve/],
    [['--server', 'ftp://x', 'a.bin'], /--server/],
    [['--port', '70000', 'a.bin'], /--port/],
    [['--interval', '0', 'a.bin'], /--interval/],
  ])('refuses %j', (args, message) => {
    expect(() => parsed(args)).toThrow(message);
  });
});

describe('seed links', () => {
  const files = mkdtempSync(join(dir, 'files-'));
  const [a, b] = [join(files, 'a.bin'), join(files, 'b.bin')];
  writeFileSync(a, 'a');
  writeFileSync(b, 'b');
  const profile = join(dir, 'links-profile');
  mkdirSync(profile);

  it('a lone file keeping its name is seeded where it is', () => {
    expect(seedSource(profile, [a], null).path).toBe(a);
    expect(seedSource(profile, [a], 'a.bin').path).toBe(a);
  });

  it('a renamed file is a link of that name; several files a folder of links named after the first one\'s folder', () => {
    const renamed = seedSource(profile, [a], 'renamed.bin');
    expect(renamed.path.endsWith('/renamed.bin')).toBe(true);
    expect(lstatSync(renamed.path).isSymbolicLink()).toBe(true);
    expect(readFileSync(renamed.path, 'utf8')).toBe('a');
    const both = seedSource(profile, [a, b], null);
    expect(both.path.endsWith(`/${files.split('/').pop() as string}`)).toBe(true);
    expect(readdirSync(both.path).sort()).toEqual(['a.bin', 'b.bin']);
    both.cleanup();
    expect(() => lstatSync(both.path)).toThrow();
  });

  it('refuses two files of one name and names that are not file names', () => {
    const other = join(dir, 'other');
    mkdirSync(other);
    writeFileSync(join(other, 'a.bin'), 'other a');
    expect(() => seedSource(profile, [a, join(other, 'a.bin')], 'pair')).toThrow(/two files are named a\.bin/);
    expect(() => seedSource(profile, [a, b], '..')).toThrow(/--name/);
    expect(badName('x'.repeat(MAX_NAME_CHARS + 1))).toMatch(/--name/);
    expect(badName('a\\b')).toMatch(/--name/);
    expect(badName('fine name.bin')).toBeNull();
  });
});

async function until(what: string, test: () => boolean, timeout_ms: number, out = () => ''): Promise<void> {
  const end = Date.now() + timeout_ms;
  while (!test()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}\n${out().slice(-3000)}`);
    await new Promise((done) => setTimeout(done, 100));
  }
}

const seed = (args: string[]) => children.spawn(process.execPath, ['--import', 'tsx', 'src/cli/seed.ts', '--server', 'http://127.0.0.1:9',
  '--no-speed', '--no-webrtc', '--no-utp', '--interval', '1', ...args]);
const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

describe('npm run seed', () => {
  it('seeds two files as one named torrent in place, which a plain client downloads intact; a restart resumes it', async () => {
    const files = mkdtempSync(join(dir, 'two-'));
    const contents = [randomBytes(300 * 1024), randomBytes(200 * 1024)];
    writeFileSync(join(files, 'one.bin'), contents[0] as Buffer);
    writeFileSync(join(files, 'two.bin'), contents[1] as Buffer);
    const profile = join(dir, 'seeder');
    const port = await freePort();
    const first = seed(['--profile', profile, '--port', String(port), '--name', 'pair', join(files, 'one.bin'), join(files, 'two.bin')]);
    await until('the magnet', () => /magnet:\?\S+/.test(first.out()), 60_000, first.out);
    expect(first.out()).toContain('hashing 2 file(s), 0.5 MiB…');
    expect(first.out()).toMatch(/seeding pair \(0\.5 MiB, \d+ pieces, hashed in [\d.]+ s\)/);
    const magnet = /magnet:\?\S+/.exec(first.out())?.[0] as string;

    const client = new NodeWebTorrent({ tracker: false, dht: false, lsd: false, utPex: false, natUpnp: false, natPmp: false, utp: false });
    clients.push(client);
    const torrent = client.add(`${magnet}&x.pe=127.0.0.1:${port}`, { path: join(dir, 'client') });
    await until('the download', () => torrent.done, 30_000, first.out);
    expect(sha256(readFileSync(join(dir, 'client', 'pair', 'one.bin')))).toBe(sha256(contents[0] as Buffer));
    expect(sha256(readFileSync(join(dir, 'client', 'pair', 'two.bin')))).toBe(sha256(contents[1] as Buffer));
    // Nothing was copied: the profile holds links to the files.
    expect(readdirSync(join(profile, 'pieces', 'node'))).toEqual([]);

    first.child.kill('SIGINT');
    expect(await first.exited).toBe(0);
    expect(first.out()).toContain('run again with the same --profile to resume');

    const again = seed(['--profile', profile]);
    await until('the resumed torrent', () => /\[\d\d:\d\d:\d\d\] pair: 100\.0 %/.test(again.out()), 60_000, again.out);
    expect(again.out()).toContain(magnet);
    expect(again.out()).not.toContain('hashing');
    again.child.kill('SIGTERM');
    expect(await again.exited).toBe(0);
  }, 120_000);

  it('refuses a browser profile of the former Chromium seeder, and an empty profile with nothing to seed', async () => {
    const browserProfile = join(dir, 'chromium-profile');
    mkdirSync(browserProfile);
    writeFileSync(join(browserProfile, 'Local State'), '{}');
    const old = seed(['--profile', browserProfile]);
    expect(await old.exited).toBe(1);
    expect(old.out()).toMatch(/browser profile of the former Chromium seeder/);
    const empty = seed(['--profile', join(dir, 'empty')]);
    expect(await empty.exited).toBe(1);
    expect(empty.out()).toMatch(/nothing to seed/);
  }, 60_000);
});
