// Real legacy BitTorrent software for the bridge's specs, on loopback only: Debian's opentracker (built with a
// whitelist: the info hashes are given at start) and transmission-daemon (DHT, LPD, PEX, uTP and port mapping off,
// RPC on loopback), each on free ports in a throwaway folder, killed at the end.
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from '@playwright/test';
import { freePort, run, type Children } from './process-helpers.ts';

export async function startOpentracker(children: Children, dir: string, info_hashes: string[]): Promise<string> {
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'whitelist'), `${info_hashes.join('\n')}\n`);
  const port = await freePort();
  // -d chroots into dir, where the whitelist is read from.
  children.spawn('opentracker', ['-i', '127.0.0.1', '-p', String(port), '-P', String(port), '-d', dir, '-w', 'whitelist']);
  return `http://127.0.0.1:${port}/announce`;
}

export interface Transmission {
  readonly rpc: string;
  add(torrent_file: string, download_dir: string): void;
  /** Resolves once every torrent it has is complete. */
  waitComplete(timeout_ms: number): Promise<void>;
}

export async function startTransmission(children: Children, dir: string): Promise<Transmission> {
  mkdirSync(dir, { recursive: true });
  const [peerPort, rpcPort] = [await freePort(), await freePort()];
  writeFileSync(join(dir, 'settings.json'), JSON.stringify({
    'dht-enabled': false, 'lpd-enabled': false, 'pex-enabled': false, 'port-forwarding-enabled': false, 'utp-enabled': false,
    'peer-port': peerPort, 'bind-address-ipv4': '127.0.0.1', 'bind-address-ipv6': '::1',
    'rpc-enabled': true, 'rpc-bind-address': '127.0.0.1', 'rpc-port': rpcPort, 'rpc-authentication-required': false,
    'rpc-whitelist-enabled': false, 'rpc-host-whitelist-enabled': false, 'download-dir': dir, 'message-level': 1,
  }));
  children.spawn('transmission-daemon', ['-g', dir, '-f']);
  const rpc = `127.0.0.1:${rpcPort}`;
  await expect.poll(() => spawnSync('transmission-remote', [rpc, '-l']).status, { timeout: 15_000 }).toBe(0);
  return {
    rpc,
    add: (torrent_file, download_dir) => void run('transmission-remote', [rpc, '-a', torrent_file, '-w', download_dir]),
    async waitComplete(timeout_ms) {
      await expect.poll(() => {
        const rows = run('transmission-remote', [rpc, '-l']).split('\n').filter((l) => /^\s*\d+\*?\s/.test(l));
        return rows.length > 0 && rows.every((l) => / 100% /.test(l));
      }, { timeout: timeout_ms, intervals: [500, 1000] }).toBe(true);
    },
  };
}

export function infoHashOf(torrent_file: string): string {
  return /Hash:\s*([0-9a-f]{40})/.exec(run('transmission-show', [torrent_file]))?.[1] as string;
}
