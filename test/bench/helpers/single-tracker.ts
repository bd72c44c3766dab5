// The single-process tracker `npm start` runs (bittorrent-tracker mounted by src/server/tracker.ts), alone in a
// process on a free loopback port, so the tracker bench loads it exactly like a cluster gateway.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mountTracker } from '../../../src/server/tracker.ts';

const server = createServer((_req, res) => res.writeHead(404).end());
await new Promise<void>((done) => server.listen(0, '127.0.0.1', () => done()));
const tracker = mountTracker(server, { max_sockets: Number(process.env.TRACKER_MAX_SOCKETS ?? 4096) });
const port = (server.address() as AddressInfo).port;
process.stdout.write(`${JSON.stringify({ ready: true, id: 'single', url: `ws://127.0.0.1:${port}/announce`, pid: process.pid })}\n`);
process.on('SIGTERM', () => void tracker.close().then(() => process.exit(0)));
