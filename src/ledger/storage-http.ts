// Paid storage's routes on the ledger's hono app (http.ts mounts them): open, read one or a party's, the open challenge, the answer.
// Only the answer may carry a large body (the proofs), bounded by MAX_ANSWER_BODY_BYTES.
import type { Context, Hono } from 'hono';
import type { StorageApi } from './storage-api.ts';
import { MAX_ANSWER_BODY_BYTES } from './storage-requests.ts';

type Body = (c: Context, limit?: number) => Promise<Record<string, unknown>>;

export function storageRoutes(app: Hono, storage: StorageApi, body: Body): void {
  app.get('/storage/info', (c) => c.json(storage.info()));
  app.get('/storage/contracts', async (c) => c.json(await storage.list(c.req.query('party'), c.req.query('after'), c.req.query('limit'))));
  app.post('/storage/contracts', async (c) => c.json(await storage.open(await body(c)), 201));
  app.get('/storage/contracts/:id', async (c) => c.json(await storage.contract(c.req.param('id'))));
  app.get('/storage/contracts/:id/challenge', async (c) => c.json(await storage.challenge(c.req.param('id'))));
  app.post('/storage/contracts/:id/answers', async (c) => c.json(await storage.answer(c.req.param('id'), await body(c, MAX_ANSWER_BODY_BYTES))));
}
