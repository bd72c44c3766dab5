// The exchange API's OpenAPI 3.1 document, served at /ledger/exchange/openapi.json; test/exchange checks that it
// lists exactly the routes the app serves.
import { EXCHANGE_ERROR_STATUS } from './requests.ts';

const hex64 = { type: 'string', pattern: '^[0-9a-f]{64}$' };
const units = { type: 'string', pattern: '^[0-9]{1,20}$', description: 'base units (1 BTT = 1,000,000) as a decimal string' };
const tron = { type: 'string', pattern: '^T[1-9A-HJ-NP-Za-km-z]{33}$', description: 'TRON address, Base58Check (checksum verified)' };
const json = (schema: object) => ({ content: { 'application/json': { schema } } });
const errors = { '4XX': { description: 'refused; nothing changed', ...json({ $ref: '#/components/schemas/Error' }) } };
const ok = (description: string, schema: object = { type: 'object' }) => ({ 200: { description, ...json(schema) }, ...errors });
const path = (name: string, schema: object) => ({ name, in: 'path', required: true, schema });

export const EXCHANGE_OPENAPI = {
  openapi: '3.1.0',
  info: {
    title: 'Seedpay exchange (BTT between TRON and the ledger)',
    version: '1',
    description:
      'Deposit: send TRC-10 BTT (token 1002000) to the hot wallet with the memo "seedpay:<ledger account>"; it is credited ' +
      'once its block is solidified (19 confirmations), once per txID. Withdraw: a request signed by the ledger account ' +
      '(src/protocol/exchange-request.ts) is held on the ledger, queued under the daily limit (never refused for it), paid ' +
      'on TRON, and made final when solidified or refunded when the payment provably failed.',
  },
  paths: {
    '/info': { get: { summary: 'Hot wallet, token id, limits, confirmations required', responses: ok('ok') } },
    '/deposits': {
      post: {
        summary: 'Report a deposit by its TRON txID; answers where it is (broadcast, confirming k/19, credited)',
        requestBody: { required: true, ...json({ type: 'object', additionalProperties: false, required: ['tx_id'], properties: { tx_id: hex64 } }) },
        responses: ok('status', { $ref: '#/components/schemas/Deposit' }),
      },
    },
    '/deposits/{tx_id}': { get: { summary: 'Where a deposit is', parameters: [path('tx_id', hex64)], responses: ok('status', { $ref: '#/components/schemas/Deposit' }) } },
    '/withdrawals': {
      post: {
        summary: 'Withdraw to a TRON address (signed by the account; id = sha256("seedpay/withdrawal-id/v1" || account || nonce))',
        requestBody: {
          required: true,
          ...json({
            type: 'object',
            additionalProperties: false,
            required: ['account', 'to_address', 'amount_units', 'nonce', 'signature'],
            properties: { account: hex64, to_address: tron, amount_units: units, nonce: { type: 'string' }, signature: { type: 'string', pattern: '^[0-9a-f]{128}$' } },
          }),
        },
        responses: { 201: { description: 'held and queued', ...json({ $ref: '#/components/schemas/Withdrawal' }) }, ...errors },
      },
    },
    '/withdrawals/{id}': { get: { summary: 'A withdrawal: queued (position, ETA), paying (k/19), completed or refunded', parameters: [path('id', hex64)], responses: ok('ok', { $ref: '#/components/schemas/Withdrawal' }) } },
    '/accounts/{account}/transfers': { get: { summary: "An account's deposits and withdrawals, newest first", parameters: [path('account', hex64)], responses: ok('ok') } },
    '/audit': { get: { summary: 'Bridged liabilities against the hot wallet’s holdings; 500 if liabilities exceed holdings', responses: { 200: { description: 'holds', ...json({ type: 'object' }) }, 500: { description: 'does not hold' } } } },
    '/openapi.json': { get: { summary: 'This document', responses: { 200: { description: 'ok' } } } },
  },
  components: {
    schemas: {
      Error: { type: 'object', required: ['error', 'message'], properties: { error: { type: 'string', enum: Object.keys(EXCHANGE_ERROR_STATUS) }, message: { type: 'string' } } },
      Deposit: {
        type: 'object',
        properties: {
          tx_id: hex64,
          account: { type: ['string', 'null'] },
          amount_units: units,
          state: { type: 'string', enum: ['broadcast', 'confirming', 'credited', 'unattributed'] },
          block_number: { type: ['integer', 'null'] },
          confirmations: { type: 'integer' },
          required_confirmations: { type: 'integer' },
        },
      },
      Withdrawal: {
        type: 'object',
        properties: {
          id: hex64,
          account: hex64,
          to_address: tron,
          amount_units: units,
          state: { type: 'string', enum: ['requested', 'queued', 'paying', 'completed', 'refunded'] },
          position: { type: ['integer', 'null'] },
          eta_ms: { type: ['integer', 'null'] },
          tx_id: { type: ['string', 'null'] },
          confirmations: { type: 'integer' },
          reason: { type: ['string', 'null'] },
        },
      },
    },
  },
} as const;
