// The OpenAPI 3.1 document served at GET /openapi.json: the contract the wallet client (src/wallet) codes against.
// Written by hand from requests.ts and views.ts; test/ledger checks every route here exists and vice versa.
import { BOUNDARY_CODES } from './errors.ts';
import { LEDGER_RESULT_CODES } from './ledger.ts';
import { STORAGE_ENTRY_KIND_NAMES, STORAGE_OPENAPI_PATHS, STORAGE_OPENAPI_SCHEMAS } from './storage-openapi.ts';

const hex64 = { type: 'string', pattern: '^[0-9a-f]{64}$' };
const sig = { type: 'string', pattern: '^[0-9a-f]{128}$', description: 'Ed25519 signature, hex' };
const units = { type: 'string', pattern: '^[0-9]{1,20}$', description: 'base units (1 BTT = 1,000,000) as a decimal string' };
const nonce = { type: 'string', pattern: '^[1-9][0-9]{0,18}$', description: 'greater than the account’s last nonce; below 2^63' };
const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });
const json = (schema: object) => ({ content: { 'application/json': { schema } } });
const errors = { '4XX': { description: 'refused; nothing changed', ...json(ref('Error')) } };
const object = (properties: Record<string, object>, extra: object = {}) => ({
  type: 'object',
  additionalProperties: false,
  required: Object.keys(properties),
  properties,
  ...extra,
});
const signedBody = (summary: string, properties: Record<string, object>) => ({
  description: `${summary} Signed over the canonical encoding in src/protocol/ledger-request.ts.`,
  required: true,
  ...json(object({ ...properties, nonce, signature: sig })),
});
const idParam = (name: string, schema: object) => ({ name, in: 'path', required: true, schema });
const query = (name: string, schema: object) => ({ name, in: 'query', required: false, schema });

export const OPENAPI_DOCUMENT = {
  openapi: '3.1.0',
  info: {
    title: 'Seedpay ledger',
    version: '1',
    description:
      'Accounts keyed by Ed25519 public keys, payment channels with timeouts, airdrop by proof of work, and a ' +
      'hash-chained journal signed by the ledger key (its public key is the ledger id). Every mutating request is ' +
      'signed by the account it speaks for with a strictly increasing nonce.',
  },
  paths: {
    '/info': { get: { summary: 'Ledger id, supply, reserves, airdrop terms, timeout bounds', responses: { 200: { description: 'ok', ...json({ type: 'object' }) } } } },
    '/accounts/{id}': {
      get: { summary: 'An account', parameters: [idParam('id', { type: 'string' })], responses: { 200: { description: 'ok', ...json(ref('Account')) }, ...errors } },
    },
    '/accounts/{id}/history': {
      get: {
        summary: 'Journal entries touching the account, newest first',
        parameters: [idParam('id', { type: 'string' }), query('before_seq', { type: 'integer' }), query('limit', { type: 'integer', maximum: 1000 })],
        responses: { 200: { description: 'ok', ...json(object({ account_id: { type: 'string' }, entries: { type: 'array', items: ref('Entry') } })) }, ...errors },
      },
    },
    '/journal': {
      get: {
        summary: 'The journal, oldest first, for independent auditors',
        parameters: [query('after_seq', { type: 'integer' }), query('limit', { type: 'integer', maximum: 1000 })],
        responses: { 200: { description: 'ok', ...json(object({ ledger_id: hex64, entries: { type: 'array', items: ref('Entry') } })) }, ...errors },
      },
    },
    '/transfers': {
      post: {
        summary: 'Move units between accounts (signed by `from`)',
        requestBody: signedBody('Transfer.', { from: hex64, to: hex64, amount_units: units }),
        responses: { 201: { description: 'applied', ...json(object({ entry: ref('Entry'), from: ref('Account'), to: ref('Account') })) }, ...errors },
      },
    },
    '/channels': {
      post: {
        summary: 'Open a channel: escrow moves from the payer into the channel (signed by `payer`)',
        description: 'The channel id is sha256("seedpay/channel-id/v1" || payer || nonce u64 BE), known before opening. `context` binds the ' +
          'channel to the one paid session it serves: every payment state on it is signed over it (for Speed, derived from the info hash).',
        requestBody: signedBody('Open.', {
          payer: hex64, payee: hex64, escrow_units: units, timeout_ms: { type: 'integer', minimum: 1000, maximum: 604800000 }, context: hex64,
        }),
        responses: { 201: { description: 'opened', ...json(object({ entry: ref('Entry'), channel: ref('Channel') })) }, ...errors },
      },
    },
    '/channels/{id}': {
      get: {
        summary: 'A channel, with the time its payee has left to close it',
        parameters: [idParam('id', hex64)],
        responses: { 200: { description: 'ok', ...json(ref('Channel')) }, ...errors },
      },
    },
    '/channels/{id}/close': {
      post: {
        summary: 'Close with the payer’s last signed payment state (signed by `payee`): payee gets amount, payer the rest',
        parameters: [idParam('id', hex64)],
        requestBody: signedBody('Close.', { payee: hex64, amount_units: units, seq: units, payment_signature: sig }),
        responses: { 200: { description: 'closed', ...json(object({ entry: ref('Entry'), channel: ref('Channel') })) }, ...errors },
      },
    },
    '/airdrop/challenge': {
      get: {
        summary: 'A proof-of-work challenge bound to one key (rate-limited per address)',
        parameters: [{ ...query('public_key', hex64), required: true }],
        responses: {
          200: {
            description: 'ok',
            ...json(object({ public_key: hex64, challenge: hex64, difficulty_bits: { type: 'integer' }, expires_at_ms: { type: 'integer' }, amount_units: units })),
          },
          ...errors,
        },
      },
    },
    '/airdrop/claim': {
      post: {
        summary: 'Claim the airdrop once per key with a solved challenge (src/protocol/pow.ts)',
        requestBody: signedBody('Claim.', { public_key: hex64, challenge: hex64, pow_nonce: { type: 'integer', minimum: 0 } }),
        responses: { 201: { description: 'credited', ...json(object({ entry: ref('Entry'), account: ref('Account') })) }, ...errors },
      },
    },
    '/audit': {
      get: {
        summary: 'Replay and verify the journal; check balances + escrows = total supply and every stored row',
        parameters: [query('from_genesis', { type: 'string', enum: ['true', 'false'] })],
        responses: { 200: { description: 'sound', ...json(ref('Audit')) }, 500: { description: 'problems found', ...json(ref('Audit')) } },
      },
    },
    '/openapi.json': { get: { summary: 'This document', responses: { 200: { description: 'ok' } } } },
    ...STORAGE_OPENAPI_PATHS,
  },
  components: {
    schemas: {
      Error: object({
        error: { type: 'string', enum: [...BOUNDARY_CODES, ...LEDGER_RESULT_CODES] },
        message: { type: 'string' },
      }),
      Account: object({
        account_id: { type: 'string' },
        balance_units: units,
        escrow_units: units,
        nonce: { type: 'string' },
        airdropped: { type: 'boolean' },
        created_at_ms: { type: 'integer' },
      }),
      Channel: object({
        channel_id: hex64,
        payer: hex64,
        payee: hex64,
        escrow_units: units,
        timeout_ms: { type: 'integer' },
        context: hex64,
        opened_at_ms: { type: 'integer' },
        expires_at_ms: { type: 'integer' },
        remaining_ms: { type: 'integer' },
        state: { type: 'string', enum: ['open', 'closed', 'expired'] },
        paid_units: units,
        refund_units: units,
        payment_seq: { type: ['string', 'null'] },
        closed_at_ms: { type: ['integer', 'null'] },
      }),
      Entry: object(
        {
          seq: { type: 'integer' },
          at_ms: { type: 'integer' },
          kind: {
            type: 'string',
            enum: ['genesis', 'transfer', 'channel_open', 'channel_close', 'channel_expire', 'airdrop', 'bridge_deposit', 'bridge_hold', 'bridge_finalize', 'bridge_release', ...STORAGE_ENTRY_KIND_NAMES],
          },
          body: { type: 'string', description: 'canonical JSON that was hashed' },
          fields: { type: 'object' },
          prev_hash: hex64,
          hash: hex64,
          signature: { type: 'string', pattern: '^([0-9a-f]{128})?$' },
        },
        {
          description:
            'hash = sha256("seedpay/journal/v1\\0" || prev_hash || seq u64 || at_ms u64 || body). The ledger id signs the hash ' +
            'of the last entry of every commit; the other entries of that commit carry "" and are vouched for through the chain.',
        },
      ),
      Audit: object({
        ok: { type: 'boolean' },
        problems: { type: 'array', items: { type: 'string' } },
        total_supply_units: units,
        balance_units: units,
        escrow_units: units,
        accounts: { type: 'integer' },
        open_channels: { type: 'integer' },
        journal_entries: { type: 'integer' },
        head_hash: hex64,
      }),
      ...STORAGE_OPENAPI_SCHEMAS,
    },
  },
} as const;
