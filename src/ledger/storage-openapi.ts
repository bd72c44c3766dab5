// Paid storage's part of the ledger's OpenAPI document (openapi.ts spreads it in): the routes of storage-http.ts
// and the contract's shape as storage-rows.ts contractView returns it. docs/storage.md tells the whole story.
const hex64 = { type: 'string', pattern: '^[0-9a-f]{64}$' };
const sig = { type: 'string', pattern: '^[0-9a-f]{128}$', description: 'Ed25519 signature, hex' };
const units = { type: 'string', pattern: '^[0-9]{1,20}$', description: 'base units as a decimal string' };
const int = { type: 'integer', minimum: 0 };
const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });
const json = (schema: object) => ({ content: { 'application/json': { schema } } });
const errors = { '4XX': { description: 'refused; nothing changed', ...json(ref('Error')) } };
const object = (properties: Record<string, object>) => ({ type: 'object', additionalProperties: false, required: Object.keys(properties), properties });
const id = [{ name: 'id', in: 'path', required: true, schema: hex64 }];

export const STORAGE_OPENAPI_PATHS = {
  '/storage/info': {
    get: {
      summary: "Paid storage's terms on this ledger: leaves per challenge (44: 10 % loss caught with ≥ 99 % per epoch), shortest epoch, answer size limit",
      responses: { 200: { description: 'ok', ...json(object({ leaves_per_challenge: int, min_epoch_ms: int, max_answer_body_bytes: int })) } },
    },
  },
  '/storage/contracts': {
    get: {
      summary: "A party's contracts, as requester or provider, by id (as stored: reading one cranks it if due)",
      parameters: [
        { name: 'party', in: 'query', required: true, schema: hex64 },
        { name: 'after', in: 'query', required: false, schema: hex64, description: 'continue after this contract id (next_after of the previous page)' },
        { name: 'limit', in: 'query', required: false, schema: { type: 'integer', minimum: 1, maximum: 1000, default: 100 } },
      ],
      responses: {
        200: {
          description: 'ok',
          ...json(object({ party: hex64, contracts: { type: 'array', items: ref('StorageContract') }, next_after: { type: ['string', 'null'], pattern: '^[0-9a-f]{64}$' } })),
        },
        ...errors,
      },
    },
    post: {
      summary: "Open a storage contract signed by both parties: the requester's escrow (price × epochs) and the provider's collateral move in one entry",
      description: 'The contract id is sha256("seedpay/storage-contract-id/v1" || requester || nonce u64 BE). The requester signs the terms ' +
        'with tag 1, the provider with tag 2 (src/protocol/storage-request.ts encodeStorageOpen). The ledger adds the start (now), ' +
        'the leaves per challenge and the beacon commitment of epoch 0.',
      requestBody: {
        required: true,
        ...json(object({
          requester: hex64, provider: hex64, root: hex64, size_bytes: int, leaf_bytes: { type: 'integer', minimum: 64, maximum: 65536 },
          price_units_per_epoch: units, epochs: { type: 'integer', minimum: 1, maximum: 10000 }, collateral_units: units,
          retrieval_price_units: units, epoch_ms: int, answer_window_ms: int, nonce: units, requester_signature: sig, provider_signature: sig,
        })),
      },
      responses: { 201: { description: 'opened', ...json(object({ entry: ref('Entry'), contract: ref('StorageContract') })) }, ...errors },
    },
  },
  '/storage/contracts/{id}': {
    get: {
      summary: 'A contract: terms, phase, money, and the reasons of its last transition (a due contract is cranked first)',
      parameters: id,
      responses: { 200: { description: 'ok', ...json(ref('StorageContract')) }, ...errors },
    },
  },
  '/storage/contracts/{id}/challenge': {
    get: {
      summary: "The open challenge: leaf indexes, deadline, and the revealed beacon secret they derive from; 409 no_open_challenge between epochs",
      parameters: id,
      responses: {
        200: {
          description: 'ok',
          ...json(object({
            contract_id: hex64, epoch: int, indexes: { type: 'array', items: int }, deadline_ms: int, beacon_secret: hex64, root: hex64,
            size_bytes: int, leaf_bytes: int, leaf_count: int,
          })),
        },
        ...errors,
      },
    },
  },
  '/storage/contracts/{id}/answers': {
    post: {
      summary: "The provider's answer: one proof per challenged leaf, in the challenge's order; pays the epoch if every proof verifies before the deadline",
      description: 'Each proof is base64 of its wire form (storage-merkle.ts encodeProof). The provider signs tag 3 || contract id || epoch u64 || ' +
        'proofsDigest(proofs) (encodeStorageAnswer). Stale or replayed answers get stale_answer, forged ones bad_proof, late ones late_answer. ' +
        'After 8 refused answers to one challenge (bad_proof, wrong_proof_count, wrong_index) the next get 429 too_many_bad_answers until the next challenge.',
      parameters: id,
      requestBody: {
        required: true,
        ...json(object({ epoch: int, proofs: { type: 'array', minItems: 1, maxItems: 1024, items: { type: 'string', contentEncoding: 'base64' } }, signature: sig })),
      },
      responses: { 200: { description: 'paid', ...json(object({ entry: ref('Entry'), contract: ref('StorageContract') })) }, ...errors },
    },
  },
};

export const STORAGE_OPENAPI_SCHEMAS = {
  StorageContract: {
    type: 'object',
    description: 'last_effects lists what the last transition did with its reason codes (proof_accepted, epoch_missed, missed_epoch, ' +
      'repeated_misses, too_many_misses, completed, verifier_outage): what the provider is shown.',
    properties: {
      contract_id: hex64, requester: hex64, provider: hex64, terms: { type: 'object' },
      phase: { type: 'string', enum: ['WaitingForEpoch', 'WaitingForAnswer', 'Ended'] }, epoch: int, next_commit: hex64,
      challenge: { type: ['object', 'null'] }, next_epoch_at_ms: { type: ['integer', 'null'] }, escrow_units: units, collateral_units: units,
      paid_units: units, refunded_units: units, slashed_units: units, returned_units: units, passed_epochs: int, missed_epochs: int,
      misses_in_window: int, end_reason: { type: ['string', 'null'], enum: ['completed', 'too_many_misses', null] },
      last_effects: { type: 'array', items: { type: 'object' } }, updated_seq: int,
    },
  },
};

export const STORAGE_ENTRY_KIND_NAMES = ['storage_open', 'storage_challenge', 'storage_settle', 'storage_extend'] as const;
