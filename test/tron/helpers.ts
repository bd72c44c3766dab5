// Test helpers: the local TRON node on a loopback port, and tronweb clients pointed at it.
import { randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { serve, type ServerType } from '@hono/node-server';
import { TronWeb } from 'tronweb';
import { createTronNode, type TronNode, type TronNodeOptions } from '../../src/tron/node.ts';

export interface RunningNode {
  node: TronNode;
  url: string;
  close(): Promise<void>;
}

export async function startNode(options: TronNodeOptions = {}): Promise<RunningNode> {
  const node = createTronNode(options);
  const server: ServerType = await new Promise((done) => {
    const s = serve({ fetch: node.app.fetch, hostname: '127.0.0.1', port: 0 }, () => done(s));
  });
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    node,
    url,
    async close() {
      node.close();
      await new Promise<void>((done) => server.close(() => done()));
    },
  };
}

export interface Wallet {
  tronWeb: TronWeb;
  privateKey: string;
  address: string;
  hex: string;
}

export function newWallet(url: string): Wallet {
  const privateKey = randomBytes(32).toString('hex');
  const tronWeb = new TronWeb({ fullHost: url, privateKey });
  const address = TronWeb.address.fromPrivateKey(privateKey) as string;
  return { tronWeb, privateKey, address, hex: TronWeb.address.toHex(address).toLowerCase() };
}

export async function post(url: string, body: unknown): Promise<Record<string, unknown>> {
  const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  return (await response.json()) as Record<string, unknown>;
}

export const fromHexText = (hex: unknown) => Buffer.from(String(hex), 'hex').toString('utf8');
