// The layer map of docs/architecture.md as data, and a checker that reads every import of a source file (ES
// import/export-from, dynamic import(), `new URL('./x.ts', import.meta.url)` worker entries; Svelte <script> blocks
// included) and reports each one its layer may not make. TypeScript's own pre-processor parses the specifiers.
import { posix } from 'node:path';
import ts from 'typescript';

export interface Layer {
  /** Folder under src/ (the longest matching prefix assigns a file to its layer). */
  readonly dir: string;
  /** Layers it may import from, by dir; a layer may always import its own files. */
  readonly may_import: readonly string[];
  /** Bare package specifiers it may import (prefix match: '@noble/' covers '@noble/hashes/sha2.js'). */
  readonly packages: readonly string[];
}

const NOBLE = ['@noble/hashes/', '@noble/curves/'];

/** Lowest first. Imports point down only; see docs/architecture.md for why each edge exists. */
export const LAYERS: readonly Layer[] = [
  { dir: 'protocol', may_import: [], packages: NOBLE },
  { dir: 'wallet', may_import: ['protocol'], packages: [...NOBLE, '@scure/bip39', 'idb-keyval'] },
  { dir: 'ledger', may_import: ['protocol'], packages: [...NOBLE, 'node:', 'hono', '@hono/node-server', 'better-sqlite3', 'pg'] },
  { dir: 'sim', may_import: ['protocol'], packages: [...NOBLE, 'node:'] },
  { dir: 'stream/serve', may_import: [], packages: [] },
  // The paid services (proxy now; storage, CDN planned). Beside the peer: the Node provider's fetcher and address
  // guard (safe-fetch.ts, address-guard.ts) use node:, the chunk plan (chunk-plan.ts) is pure; chunk proofs hash with noble.
  { dir: 'services', may_import: ['protocol'], packages: ['node:', 'bitfield', '@noble/hashes'] },
  { dir: 'peer', may_import: ['protocol', 'wallet', 'stream/serve'], packages: [...NOBLE, 'webtorrent/', '@thaunknown/simple-peer/', 'streamx', 'idb-keyval'] },
  { dir: 'pwa', may_import: [], packages: ['virtual:pwa-register'] },
  { dir: 'stream', may_import: ['protocol', 'stream/serve', 'peer'], packages: ['svelte'] },
  { dir: 'widget', may_import: ['protocol', 'wallet', 'peer', 'stream', 'stream/serve'], packages: ['svelte'] },
  { dir: 'ui', may_import: ['protocol', 'wallet', 'peer', 'stream', 'stream/serve', 'widget', 'pwa', 'services'], packages: [...NOBLE, 'svelte', 'uplot', 'idb-keyval'] },
  { dir: 'lab', may_import: ['protocol', 'wallet', 'peer', 'stream', 'stream/serve'], packages: [...NOBLE, 'idb-keyval'] },
  { dir: 'stream/lab', may_import: ['protocol', 'wallet', 'peer', 'stream', 'stream/serve', 'lab'], packages: ['svelte'] },
  // The tracker's cluster mode (gateways, swarm shards, the NATS bus): a Node service beside the ledger.
  { dir: 'tracker', may_import: [], packages: ['node:', 'nats', 'ws'] },
  // The loopback TRON node (java-tron's HTTP API subset, a local test chain) and the exchange beside the ledger,
  // which reaches the ledger through service.ts and the chain through tronweb only (so a real full node fits too).
  { dir: 'tron', may_import: [], packages: [...NOBLE, 'node:', 'hono', '@hono/node-server', 'tronweb'] },
  { dir: 'exchange', may_import: ['protocol', 'ledger'], packages: [...NOBLE, 'node:', 'hono', 'better-sqlite3', 'pg', 'tronweb'] },
  { dir: 'server', may_import: ['protocol', 'ledger', 'tracker', 'tron', 'exchange'], packages: ['node:', 'hono', '@hono/node-server', 'bittorrent-tracker'] },
  // A Seedpay peer in Node (npm run provide): the worker's engine and Speed on webtorrent's Node build, WebRTC from
  // @roamhq/wrtc (its module hooks live in node-peer/runtime/*.mjs), records in SQLite, the wallet's key file.
  { dir: 'node-peer', may_import: ['protocol', 'wallet', 'peer'], packages: ['node:', 'webtorrent', '@roamhq/wrtc', 'better-sqlite3'] },
  { dir: 'cli', may_import: ['protocol', 'widget', 'wallet', 'services', 'node-peer'], packages: ['node:', '@playwright/test'] },
];

/**
 * A layer's public files: the only ones other layers may import. A layer not listed here exposes every file
 * (protocol, stream/serve: pure or leaf modules meant to be shared).
 */
export const PUBLIC_FILES: Readonly<Record<string, readonly string[]>> = {
  // The peer is reached through its client only (the worker, the RPC and its schema stay behind it).
  peer: ['peer/client.ts', 'peer/host.ts', 'peer/service-swarm.ts'],
  // The vault, its rules and key files; the signed ledger client (the peer's too); the airdrop solver's worker; the
  // storage contracts' client (the terminal's storage provider and requester).
  wallet: ['wallet/index.ts', 'wallet/ledger-client.ts', 'wallet/airdrop-solver.ts', 'wallet/storage-client.ts'],
  // The app shows the widget's embed snippet.
  widget: ['widget/EmbedSnippet.svelte', 'widget/snippet.ts'],
  ledger: ['ledger/service.ts'],
  // The server starts the local TRON node and the exchange through one file each.
  tron: ['tron/node.ts'],
  exchange: ['exchange/service.ts'],
};

/** Files a layer may import from another layer's non-public files, each with its reason. */
export const EXCEPTIONS: ReadonlyArray<{ from: string; to: string; why: string }> = [
  { from: 'lab/plain.ts', to: 'peer/webtorrent.ts', why: 'the legacy, plain-WebTorrent peer of the interop specs' },
  { from: 'lab/proxy-relay.ts', to: 'peer/webtorrent.ts', why: 'the proxy relay page: plain WebTorrent in the service swarm, frames piped to Node' },
];

export function layerOf(file: string): Layer | null {
  let best: Layer | null = null;
  for (const layer of LAYERS) {
    if (file.startsWith(`${layer.dir}/`) && (!best || layer.dir.length > best.dir.length)) best = layer;
  }
  return best;
}

/** The script blocks of a Svelte component (markup and styles import nothing). */
function scriptOf(file: string, source: string): string {
  if (!file.endsWith('.svelte')) return source;
  return [...source.matchAll(/<script\b[^>]*>([\s\S]*?)<\/script>/g)].map((m) => m[1]).join('\n');
}

const WORKER_URL = /new\s+URL\(\s*(['"])(\.{1,2}\/[^'"]+\.(?:ts|js|svelte))\1\s*,\s*import\.meta\.url\s*\)/g;

/** Every module specifier `source` imports or re-exports, in order. */
export function specifiersOf(file: string, source: string): string[] {
  const script = scriptOf(file, source);
  const found = ts.preProcessFile(script, true, true).importedFiles.map((f) => f.fileName);
  const code = script.replace(/\/\*[\s\S]*?\*\//g, '').replace(/(^|[^:])\/\/.*$/gm, '$1');
  for (const m of code.matchAll(WORKER_URL)) found.push(m[2] ?? '');
  return found;
}

/** What `file` (a path under src/, posix) may not import, one line per bad specifier. */
export function violations(file: string, source: string): string[] {
  const layer = layerOf(file);
  if (!layer) return [`${file}: in no layer (add its folder to test/architecture/layers.ts and docs/architecture.md)`];
  const out: string[] = [];
  for (const spec of specifiersOf(file, source)) {
    if (!spec.startsWith('.')) {
      if (!layer.packages.some((p) => spec === p || spec.startsWith(p.endsWith('/') || p.endsWith(':') ? p : `${p}/`))) {
        out.push(`${file}: package '${spec}' is not one the ${layer.dir} layer uses`);
      }
      continue;
    }
    const target = posix.normalize(posix.join(posix.dirname(file), spec));
    const to = layerOf(target);
    if (!to) {
      out.push(`${file}: '${spec}' is outside every layer`);
      continue;
    }
    if (to === layer) continue;
    if (!layer.may_import.includes(to.dir)) {
      out.push(`${file}: ${layer.dir} may not import ${to.dir} ('${spec}')`);
      continue;
    }
    const open = PUBLIC_FILES[to.dir];
    if (open && !open.includes(target) && !EXCEPTIONS.some((e) => e.from === file && e.to === target)) {
      out.push(`${file}: '${target}' is internal to ${to.dir}; use ${open.join(' or ')}`);
    }
  }
  return out;
}
