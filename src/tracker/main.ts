// One tracker cluster process: `tsx src/tracker/main.ts gateway` or `… shard`, configured by environment (NATS_URL,
// TRACKER_NAME, TRACKER_HOST, TRACKER_PORT, TRACKER_INTERVAL_S, TRACKER_HEARTBEAT_MS). Prints one JSON line when
// ready, so scripts (start:cluster, the bench, tests) know its address.
import { startGateway } from './gateway.ts';
import { startShard } from './shard.ts';

const env = process.env;
const role = process.argv[2];
const natsUrl = env.NATS_URL ?? 'nats://127.0.0.1:4222';
const heartbeat_ms = env.TRACKER_HEARTBEAT_MS ? Number(env.TRACKER_HEARTBEAT_MS) : undefined;
const optional = <T>(key: string, value: T | undefined) => (value === undefined || Number.isNaN(value) ? {} : { [key]: value });

let close: () => Promise<void>;
if (role === 'gateway') {
  const gateway = await startGateway({
    natsUrl,
    name: env.TRACKER_NAME ?? 'g1',
    host: env.TRACKER_HOST ?? '127.0.0.1',
    port: env.TRACKER_PORT ? Number(env.TRACKER_PORT) : 8000,
    ...optional('heartbeat_ms', heartbeat_ms),
    ...optional('max_sockets', env.TRACKER_MAX_SOCKETS ? Number(env.TRACKER_MAX_SOCKETS) : undefined),
  });
  process.stdout.write(`${JSON.stringify({ ready: true, role, id: gateway.id, url: gateway.url, pid: process.pid })}\n`);
  close = () => gateway.close();
} else if (role === 'shard') {
  const shard = await startShard({
    natsUrl,
    id: env.TRACKER_NAME ?? 's1',
    ...optional('heartbeat_ms', heartbeat_ms),
    ...optional('interval_s', env.TRACKER_INTERVAL_S ? Number(env.TRACKER_INTERVAL_S) : undefined),
  });
  process.stdout.write(`${JSON.stringify({ ready: true, role, id: shard.id, pid: process.pid })}\n`);
  close = () => shard.close();
} else {
  process.stderr.write('usage: tsx src/tracker/main.ts gateway|shard   (env: NATS_URL, TRACKER_NAME, TRACKER_HOST, TRACKER_PORT)\n');
  process.exit(2);
}
const stop = () => close().then(() => process.exit(0), () => process.exit(1));
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
