// `npm run bench proxy`: the paid proxy's throughput against a direct fetch of the same file from the same loopback
// origin, in one run. The proxy path is the whole job protocol in Node — sp_proxy frames over two piped
// bittorrent-protocol wires, safeFetch of each 64 KiB chunk with If-Range, Ed25519 chunk proofs and payment states,
// the payer and payee machines — without WebRTC (which does not run in Node here), so it bounds the protocol's cost.
import { loadavg } from 'node:os';
import { safeFetch } from '../../src/services/proxy/safe-fetch.ts';
import { startOrigin } from '../services/proxy/origin.ts';
import { ProxyLedger } from '../services/proxy/proxy-harness.ts';
import { fresh, wireSession } from '../services/proxy/wire-session.ts';
import type { BenchContext, BenchResult } from './bench.ts';

const FILE_BYTES = Number(process.env.PROXY_BENCH_BYTES ?? 4 * 1024 * 1024);
const CHUNK_BYTES = 64 * 1024;
const RUNS = 5;
/** The link is cut this often in the third figure, as on a flaky connection. */
const CUT_EVERY_CHUNKS = 16;

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
}

async function timed(fn: () => Promise<void>): Promise<number> {
  const start = performance.now();
  await fn();
  return (performance.now() - start) / 1000;
}

export default async function proxyBench(ctx: BenchContext): Promise<BenchResult[]> {
  const file = new Uint8Array(FILE_BYTES);
  for (let i = 0; i < file.length; i++) file[i] = (i * 2654435761) >>> 24;
  const origin = await startOrigin(file, '"bench"');
  const mb = FILE_BYTES / 1e6;
  try {
    const direct: number[] = [];
    const proxied: number[] = [];
    const flaky: number[] = [];
    let n = 1000;
    for (let run = 0; run < RUNS; run++) {
      direct.push(await timed(async () => {
        const r = await safeFetch(`${origin.base}/file`, { allow: [origin.allow_entry], max_bytes: FILE_BYTES });
        if (!r.ok || r.body.length !== FILE_BYTES) throw new Error('direct fetch failed');
      }));
      for (const [cut, into] of [[null, proxied], [CUT_EVERY_CHUNKS, flaky]] as const) {
        const out = new Uint8Array(FILE_BYTES);
        const stored = fresh();
        const ledger = new ProxyLedger();
        into.push(await timed(async () => {
          for (let session = 0; session < 1000; session++) {
            const end = await wireSession({ n: n++, origin, ledger, out, stored, chunk_size: CHUNK_BYTES, cut_after: cut });
            if (end.phase === 'Done') return;
            if (end.stop?.kind !== 'dropped') throw new Error(`proxy session ended: ${JSON.stringify(end.stop)}`);
          }
        }));
        if (Buffer.compare(Buffer.from(out), Buffer.from(file)) !== 0) throw new Error('proxied bytes differ');
      }
    }
    const d = mb / median(direct);
    const p = mb / median(proxied);
    const f = mb / median(flaky);
    const note = `${mb.toFixed(1)} MB, ${CHUNK_BYTES / 1024} KiB chunks, median of ${RUNS}, load ${loadavg()[0]?.toFixed(1)}`;
    ctx.log(`direct ${d.toFixed(1)} MB/s, proxy ${p.toFixed(1)} MB/s, proxy cut every ${CUT_EVERY_CHUNKS} chunks ${f.toFixed(1)} MB/s`);
    return [
      { name: 'direct fetch (safeFetch, loopback origin)', value: d, unit: 'MB/s', note },
      { name: 'proxy job (sp_proxy wires, paid per chunk)', value: p, unit: 'MB/s', note },
      { name: `proxy job, link cut every ${CUT_EVERY_CHUNKS} chunks`, value: f, unit: 'MB/s', note },
      { name: 'proxy throughput / direct fetch', value: p / d, unit: 'ratio', note: 'Node, no WebRTC' },
      { name: 'proxy (flaky link) / direct fetch', value: f / d, unit: 'ratio', note: 'Node, no WebRTC' },
    ];
  } finally {
    await origin.close();
  }
}
