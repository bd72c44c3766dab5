// WebRTC in Node: webtorrent's Node build with @roamhq/wrtc behind the resolution hooks (src/node-peer/runtime):
// two Node peers meet through a real WebSocket tracker on loopback and move a file over a datachannel, intact.
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const dir = mkdtempSync(join(tmpdir(), 'seedpay-node-webrtc-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
beforeAll(async () => {
  await import('../../src/node-peer/runtime/register.mjs');
});

describe('Node peers over WebRTC', () => {
  it('two webtorrent Node clients exchange a 2 MiB file through a ws tracker, byte-exact', async () => {
    const { NodeWebTorrent: WebTorrent } = await import('../../src/node-peer/webtorrent-node.ts');
    const { default: Server } = await import('bittorrent-tracker/server');
    const wrtc = (await import('@roamhq/wrtc')).default;
    const tracker = new Server({ udp: false, http: false, ws: true, stats: false });
    const port = await new Promise<number>((done) => {
      const server = tracker as unknown as { listen(p: number, h: string, f: () => void): void; ws: { address(): { port: number } } };
      server.listen(0, '127.0.0.1', () => done(server.ws.address().port));
    });
    const announce = [`ws://127.0.0.1:${port}`];
    const options = { dht: false, lsd: false, utPex: false, natUpnp: false, natPmp: false, tracker: { wrtc } };
    const seeder = new WebTorrent(options);
    const leecher = new WebTorrent(options);
    try {
      const data = randomBytes(2 * 1024 * 1024);
      const file = join(dir, 'two.bin');
      writeFileSync(file, data);
      const magnet = await new Promise<string>((done) => seeder.seed(file, { announce }, (t) => done(t.magnetURI)));
      const got = await new Promise<Buffer>((done, fail) => {
        leecher.add(magnet, { announce, path: join(dir, 'out') }, (t) => {
          t.on('done', () => {
            expect(t.wires.map((w) => w.type)).toContain('webrtc');
            t.files[0]!.arrayBuffer().then((b) => done(Buffer.from(b)), fail);
          });
        });
      });
      expect(createHash('sha256').update(got).digest('hex')).toBe(createHash('sha256').update(data).digest('hex'));
    } finally {
      await Promise.all([seeder, leecher].map((c) => new Promise<void>((done) => c.destroy(() => done()))));
      await new Promise<void>((done) => tracker.close(() => done()));
    }
  }, 60_000);
});
