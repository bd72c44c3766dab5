// A tracker cluster for tests: a real nats-server on a free loopback port, swarm shards and gateways in this
// process with fast heartbeats (so death is noticed in about a second), torn down together.
import { startGateway, type RunningGateway } from '../../../src/tracker/gateway.ts';
import { startNatsServer, type NatsServer } from '../../../src/tracker/nats-server.ts';
import { startShard, type RunningShard, type ShardOptions } from '../../../src/tracker/shard.ts';

export const TEST_HEARTBEAT_MS = 200;

export interface TestCluster {
  nats: NatsServer;
  shards: RunningShard[];
  gateways: RunningGateway[];
  addShard(id: string, extra?: Partial<ShardOptions>): Promise<RunningShard>;
  addGateway(name: string): Promise<RunningGateway>;
  stop(): Promise<void>;
}

export async function startTestCluster(options: { shards: string[]; gateways: string[]; shard?: Partial<ShardOptions> }): Promise<TestCluster> {
  const nats = await startNatsServer();
  const cluster: TestCluster = {
    nats,
    shards: [],
    gateways: [],
    async addShard(id, extra) {
      const shard = await startShard({ natsUrl: nats.url, id, heartbeat_ms: TEST_HEARTBEAT_MS, gateway_timeout_ms: 5 * TEST_HEARTBEAT_MS, ...options.shard, ...extra });
      cluster.shards.push(shard);
      return shard;
    },
    async addGateway(name) {
      const gateway = await startGateway({ natsUrl: nats.url, name, host: '127.0.0.1', port: 0, heartbeat_ms: TEST_HEARTBEAT_MS });
      cluster.gateways.push(gateway);
      return gateway;
    },
    async stop() {
      for (const g of cluster.gateways) await g.close().catch(() => {});
      for (const s of cluster.shards) await s.close().catch(() => {});
      await nats.stop();
    },
  };
  for (const id of options.shards) await cluster.addShard(id);
  for (const name of options.gateways) await cluster.addGateway(name);
  return cluster;
}

/** Waits until `check` holds, polling (cluster state settles over the bus). */
export async function until(check: () => boolean, timeout_ms = 5000, what = 'condition'): Promise<void> {
  const deadline = Date.now() + timeout_ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
