// The exchange's HTTP API on hono, mounted under /ledger/exchange: routes only; rules live in requests.ts and below.
// Errors are {error: code, message} with the code's status; a refused request changes nothing.
import { Hono, type Context } from 'hono';
import { TronWeb } from 'tronweb';
import type { ExchangeLimits } from './context.ts';
import { CONFIRMATIONS_REQUIRED, type DepositStatus } from './deposits.ts';
import type { Exchange } from './exchange.ts';
import { EXCHANGE_OPENAPI } from './openapi.ts';
import { accountParam, EXCHANGE_ERROR_STATUS, ExchangeApiError, MAX_EXCHANGE_BODY_BYTES, type ExchangeErrorCode, parseBody, parseDeposit, parseWithdrawal, txIdParam } from './requests.ts';
import type { DepositRow } from './store.ts';
import type { WithdrawalView } from './withdrawals.ts';
import { BTT_TOKEN_ID } from './tron-client.ts';

export interface ExchangeHttpInfo {
  readonly limits: ExchangeLimits;
  /** True on the loopback test chain: the UI says so. */
  readonly local_test_chain: boolean;
  readonly log: (line: string) => void;
}

const JSON_CONTENT_TYPE_RE = /^application\/json\s*(;|$)/i;
const base58 = (hex: string) => TronWeb.address.fromHex(hex);

function depositJson({ ok: _ok, ...d }: Extract<DepositStatus, { ok: true }>) {
  return { ...d, amount_units: String(d.amount_units), required_confirmations: CONFIRMATIONS_REQUIRED };
}

function depositRowJson(d: DepositRow) {
  return { tx_id: d.tx_id, account: d.account, tron_from: base58(d.tron_from), amount_units: String(d.amount_units), block_number: d.block_number, state: d.state, at_ms: d.at_ms };
}

function withdrawalJson(w: WithdrawalView) {
  return { ...w, to_address: base58(w.to_address_hex), amount_units: String(w.amount_units), required_confirmations: CONFIRMATIONS_REQUIRED };
}

/** The ledger's refusals of a hold, as the exchange API reports them; anything unexpected is internal. */
function apiCode(code: string): ExchangeErrorCode {
  return code in EXCHANGE_ERROR_STATUS ? (code as ExchangeErrorCode) : 'internal';
}

export function createExchangeApp(exchange: Exchange, info: ExchangeHttpInfo): Hono {
  const app = new Hono();
  app.onError((error, c) => {
    if (error instanceof ExchangeApiError) return c.json({ error: error.code, message: error.message }, EXCHANGE_ERROR_STATUS[error.code]);
    info.log(`exchange: internal error on ${c.req.method} ${c.req.path}: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
    return c.json({ error: 'internal', message: 'internal error' }, 500);
  });
  const notFound = (c: Context) => c.json({ error: 'not_found', message: `no route ${c.req.method} ${c.req.path}` }, 404);
  app.notFound(notFound);
  app.use('*', async (c, next) => {
    c.header('Cache-Control', 'no-store');
    await next();
  });
  const body = async (c: Context) => {
    if (!JSON_CONTENT_TYPE_RE.test(c.req.header('content-type') ?? '')) throw new ExchangeApiError('unsupported_media_type', 'send Content-Type: application/json');
    const declared = Number(c.req.header('content-length') ?? 0);
    if (declared > MAX_EXCHANGE_BODY_BYTES) throw new ExchangeApiError('body_too_large', `bodies are limited to ${MAX_EXCHANGE_BODY_BYTES} bytes`);
    return parseBody(await c.req.text());
  };
  const deposit = async (c: Context, tx_id: string) => {
    const status = await exchange.deposit(tx_id);
    if (!status.ok) throw new ExchangeApiError(status.code);
    return c.json(depositJson(status));
  };

  app.get('/openapi.json', (c) => c.json(EXCHANGE_OPENAPI));
  app.get('/info', (c) =>
    c.json({
      hot_wallet: exchange.ctx.tron.hot_base58,
      token_id: BTT_TOKEN_ID,
      local_test_chain: info.local_test_chain,
      required_confirmations: CONFIRMATIONS_REQUIRED,
      daily_limit_units: String(info.limits.daily_limit_units),
      limit_window_ms: info.limits.window_ms,
      min_withdrawal_units: String(info.limits.min_withdrawal_units),
      max_withdrawal_units: String(info.limits.daily_limit_units),
    }),
  );
  app.post('/deposits', async (c) => deposit(c, parseDeposit(await body(c))));
  app.get('/deposits/:tx_id', async (c) => deposit(c, txIdParam(c.req.param('tx_id'))));
  app.post('/withdrawals', async (c) => {
    const request = parseWithdrawal(await body(c), info.limits);
    // TRON refuses a transfer to oneself: such a payment could never be made, so it is never accepted.
    if (request.to_address_hex === exchange.ctx.tron.hot_hex) throw new ExchangeApiError('invalid_address', 'to_address: the exchange cannot pay itself');
    const result = await exchange.withdraw(request);
    if (!result.ok) throw new ExchangeApiError(apiCode(result.code));
    const view = await exchange.withdrawal(result.id);
    return c.json(view ? withdrawalJson(view) : { id: result.id }, 201);
  });
  app.get('/withdrawals/:id', async (c) => {
    const id = c.req.param('id');
    if (!/^[0-9a-f]{64}$/.test(id)) throw new ExchangeApiError('invalid_field', 'id: expected 64 lowercase hex characters');
    const view = await exchange.withdrawal(id);
    if (!view) throw new ExchangeApiError('unknown_withdrawal');
    return c.json(withdrawalJson(view));
  });
  app.get('/accounts/:account/transfers', async (c) => {
    const { deposits, withdrawals } = await exchange.transfers(accountParam(c.req.param('account')));
    return c.json({ deposits: deposits.map(depositRowJson), withdrawals: withdrawals.map(withdrawalJson) });
  });
  app.get('/audit', async (c) => {
    const a = await exchange.audit();
    const json = { ...a, liabilities_units: String(a.liabilities_units), holdings_units: String(a.holdings_units), in_flight_units: String(a.in_flight_units) };
    return c.json(json, a.ok ? 200 : 500);
  });
  app.all('*', notFound);
  return app;
}
