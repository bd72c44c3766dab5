// createTronNode: the loopback TRON full node (java-tron's HTTP API subset a wallet and an exchange use) with a
// faucet and test controls, as one Hono app. A LOCAL TEST CHAIN: its BTT and TRX are worth nothing.
import { sha256 } from '@noble/hashes/sha2.js';
import { Hono, type Context } from 'hono';
import { addressOfSecret, buildTransfer, signTransfer } from './build.ts';
import { DEFAULT_BLOCK_MS, TronChain, type BroadcastResult } from './chain.ts';
import { chainWriter, loadChain } from './persist.ts';
import { hexToBytes } from '@noble/hashes/utils.js';
import { BTT_TOKEN_ID, SUN_PER_TRX } from './ledger-state.ts';
import { addressParam, intParam, isVisible, ParamError, txidParam } from './params.ts';
import { decodeRawData, type HexAddress } from './transaction.ts';
import { accountView, blockView, receiptView, transactionView } from './views.ts';

/** What the faucet gives a new address: enough to try a few deposits and pay account-creation fees. */
export const FAUCET_BTT_UNITS = 1_000n * 1_000_000n;
export const FAUCET_TRX_SUN = 100n * SUN_PER_TRX;
/** The faucet's own allocation in block 0. */
export const FAUCET_ALLOCATION_BTT_UNITS = 10_000_000_000n * 1_000_000n;
export const FAUCET_ALLOCATION_SUN = 10_000_000_000n * SUN_PER_TRX;
/** Request bodies are small JSON objects; anything bigger is refused unread. */
export const MAX_NODE_BODY_BYTES = 64 * 1024;
/** Blocks a test may ask for in one call. */
export const MAX_PRODUCE_BLOCKS = 1_000;

export interface TronNodeOptions {
  /** Block interval (TRON: 3 s); tests speed the clock up with a small value. */
  readonly block_ms?: number;
  /** Wall clock in ms. */
  readonly now?: () => number;
  /** false: blocks only come from produce() or POST /admin/produce (scripted tests). Default true. */
  readonly auto?: boolean;
  /** The faucet key; default: a fixed key, so the local chain's faucet address is the same on every run. */
  readonly faucetSecret?: Uint8Array;
  /** Keep the chain's solidified blocks in this folder and resume from them (npm start); absent: memory only. */
  readonly dataDir?: string;
  /** Extra genesis balances (the exchange's hot wallet in tests, say). */
  readonly allocations?: ReadonlyArray<{ address: HexAddress; trx_sun: bigint; btt: bigint }>;
}

export interface TronNode {
  readonly app: Hono;
  readonly chain: TronChain;
  readonly faucetAddress: HexAddress;
  /** Sends test TRX and BTT from the faucet to `address` (a zero amount is skipped); returns the broadcast results. */
  fund(address: HexAddress, btt?: bigint, trx_sun?: bigint): BroadcastResult[];
  close(): void;
}

const DEFAULT_FAUCET_SECRET = sha256(new TextEncoder().encode('seedpay/local-tron/faucet/v1'));

const hexText = (text: string) => Buffer.from(text, 'utf8').toString('hex');

export function createTronNode(options: TronNodeOptions = {}): TronNode {
  const now = options.now ?? Date.now;
  const block_ms = options.block_ms ?? DEFAULT_BLOCK_MS;
  const faucetSecret = options.faucetSecret ?? DEFAULT_FAUCET_SECRET;
  const faucetAddress = addressOfSecret(faucetSecret);
  const stored = options.dataDir ? loadChain(options.dataDir) : null;
  const genesis_ms = stored?.genesis_ms ?? Math.floor(now() / block_ms) * block_ms;
  const chain = new TronChain({
    genesis_ms,
    block_ms,
    allocations: [{ address: faucetAddress, trx_sun: FAUCET_ALLOCATION_SUN, btt: FAUCET_ALLOCATION_BTT_UNITS }, ...(options.allocations ?? [])],
    ...(options.dataDir ? { onSolidified: chainWriter(options.dataDir, genesis_ms, block_ms) } : {}),
  });
  if (stored) chain.restore(stored.blocks, stored.solid);
  const timer = options.auto === false ? null : setInterval(() => chain.advanceTo(Math.floor(now())), Math.max(1, Math.floor(block_ms / 2)));
  timer?.unref();

  const fund = (address: HexAddress, btt = FAUCET_BTT_UNITS, trx_sun = FAUCET_TRX_SUN): BroadcastResult[] => [
    ...(trx_sun > 0n ? [chain.broadcast(signTransfer(buildTransfer({ owner: faucetAddress, to: address, amount: trx_sun }, chain.head), faucetSecret))] : []),
    ...(btt > 0n ? [chain.broadcast(signTransfer(buildTransfer({ owner: faucetAddress, to: address, amount: btt, asset: BTT_TOKEN_ID }, chain.head), faucetSecret))] : []),
  ];

  const app = new Hono();
  app.onError((error, c) => {
    if (error instanceof ParamError) return c.json({ Error: error.message }, 400);
    return c.json({ Error: `class java.lang.Exception : ${error instanceof Error ? error.message : String(error)}` }, 500);
  });

  /** java-tron takes parameters from a JSON body (POST) or the query string (GET). */
  const params = async (c: Context): Promise<Record<string, unknown>> => {
    const query: Record<string, unknown> = c.req.query();
    if (c.req.method !== 'POST') return query;
    const text = await c.req.text();
    if (text.length > MAX_NODE_BODY_BYTES) throw new ParamError('class java.lang.IllegalArgumentException : body too large');
    if (text.trim() === '') return query;
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      throw new ParamError('class com.alibaba.fastjson.JSONException : the body is not JSON');
    }
    if (typeof body !== 'object' || body === null || Array.isArray(body)) throw new ParamError('class com.alibaba.fastjson.JSONException : expected an object');
    return { ...query, ...(body as Record<string, unknown>) };
  };
  const route = (path: string, handler: (p: Record<string, unknown>, c: Context) => Response | Promise<Response>) => {
    app.on(['GET', 'POST'], path, async (c) => handler(await params(c), c));
  };
  const block = (number: number, p: Record<string, unknown>, c: Context) => {
    const b = chain.block(number);
    return c.json(b ? blockView(b, isVisible(p.visible), faucetAddress) : {});
  };

  route('/wallet/getnowblock', (p, c) => block(chain.head.number, p, c));
  route('/wallet/getblock', (p, c) => block(p.id_or_num === undefined ? chain.head.number : intParam(p.id_or_num, 'id_or_num', chain.head.number + 1), p, c));
  route('/wallet/getblockbynum', (p, c) => block(intParam(p.num, 'num', Number.MAX_SAFE_INTEGER), p, c));
  route('/walletsolidity/getnowblock', (p, c) => block(chain.solidNumber, p, c));
  route('/walletsolidity/getblockbynum', (p, c) => {
    const num = intParam(p.num, 'num', Number.MAX_SAFE_INTEGER);
    return num > chain.solidNumber ? c.json({}) : block(num, p, c);
  });
  const account = (solid: boolean) => (p: Record<string, unknown>, c: Context) => {
    const address = addressParam(p.address, 'address');
    const row = chain.account(address, solid);
    return c.json(row ? accountView(address, row, isVisible(p.visible)) : {});
  };
  route('/wallet/getaccount', account(false));
  route('/walletsolidity/getaccount', account(true));

  const unsigned = (p: Record<string, unknown>, c: Context, asset: boolean) => {
    const visible = isVisible(p.visible);
    const owner = addressParam(p.owner_address, 'owner_address');
    const to = addressParam(p.to_address, 'to_address');
    const amount = BigInt(intParam(p.amount, 'amount', Number.MAX_SAFE_INTEGER));
    let assetName: string | undefined;
    if (asset) {
      const raw = typeof p.asset_name === 'string' ? p.asset_name : '';
      assetName = visible ? raw : /^[0-9a-f]*$/i.test(raw) ? Buffer.from(raw, 'hex').toString('utf8') : '';
    }
    const spec = { owner, to, amount, ...(assetName !== undefined ? { asset: assetName } : {}) };
    const tx = buildTransfer(spec, chain.head);
    const verdict = chain.validate(decodeRawData(hexToBytes(String(tx.raw_data_hex))));
    if (!verdict.ok) return c.json({ Error: `class org.tron.core.exception.ContractValidateException : ${verdict.message}` });
    return c.json(tx);
  };
  route('/wallet/transferasset', (p, c) => unsigned(p, c, true));
  route('/wallet/createtransaction', (p, c) => unsigned(p, c, false));

  app.post('/wallet/broadcasttransaction', async (c) => {
    const result = chain.broadcast(await params(c));
    return c.json(result.result ? { result: true, code: 'SUCCESS', txid: result.txid } : { code: result.code, txid: result.txid, message: hexText(result.message) });
  });

  const transaction = (solid: boolean) => (p: Record<string, unknown>, c: Context) => {
    const txid = txidParam(p.value);
    const found = chain.locate(txid);
    if (found && (!solid || found.block.number <= chain.solidNumber)) return c.json(transactionView(found.tx, true));
    const pending = solid ? undefined : chain.pending(txid);
    return c.json(pending ? transactionView(pending, false) : {});
  };
  route('/wallet/gettransactionbyid', transaction(false));
  route('/walletsolidity/gettransactionbyid', transaction(true));
  const info = (solid: boolean) => (p: Record<string, unknown>, c: Context) => {
    const found = chain.locate(txidParam(p.value));
    if (!found || (solid && found.block.number > chain.solidNumber)) return c.json({});
    return c.json(receiptView(found.tx, found.block, found.fee_sun));
  };
  route('/wallet/gettransactioninfobyid', info(false));
  route('/walletsolidity/gettransactioninfobyid', info(true));

  // Test controls and the faucet: local chain only (a real full node has none of these).
  route('/admin/status', (_p, c) =>
    c.json({ local_test_chain: true, head: chain.head.number, solid: chain.solidNumber, pending: chain.pendingCount, block_ms, faucet: faucetAddress, token_id: BTT_TOKEN_ID }),
  );
  app.post('/admin/faucet', async (c) => {
    const results = fund(addressParam((await params(c)).address, 'address'));
    return c.json({ results: results.map((r) => ({ ...r })) }, results.every((r) => r.result) ? 200 : 409);
  });
  app.post('/admin/drop', async (c) => c.json({ dropped: chain.drop(txidParam((await params(c)).value)) }));
  app.post('/admin/reorg', async (c) => {
    const p = await params(c);
    const depth = intParam(p.depth, 'depth', chain.head.number - chain.solidNumber);
    if (depth < 1) throw new ParamError('class java.lang.IllegalArgumentException : depth: at least 1');
    return c.json({ orphaned: chain.reorg(depth, p.requeue !== false), head: chain.head.number });
  });
  app.post('/admin/produce', async (c) => {
    const blocks = intParam((await params(c)).blocks ?? 1, 'blocks', MAX_PRODUCE_BLOCKS);
    for (let i = 0; i < blocks; i++) chain.produceBlock();
    return c.json({ head: chain.head.number, solid: chain.solidNumber });
  });
  app.all('*', (c) => c.json({ Error: `no such API: ${c.req.path}` }, 404));

  return {
    app,
    chain,
    faucetAddress,
    fund,
    close() {
      if (timer) clearInterval(timer);
    },
  };
}
