// The demand board's shell in `npm start` (docs/cdn-board.md): takes the signed bids the tracker finds in announces,
// reads each bidder's ledger balance so fake demand counts for nothing, and serves GET /board and /board/<info_hash>.
import { Hono } from 'hono';
import { checkDemandBidUnsigned, isInfoHashHex, verifyDemandBid, type DemandBidCode } from '../protocol/demand-bid.ts';
import { DemandBoard, type OfferCode } from '../protocol/demand-board.ts';
import { compareDemand, summarize, torrentBoard, type SwarmCounts, type TorrentDemand } from '../protocol/demand-summary.ts';
import type { Units } from '../protocol/money.ts';

/** Torrents listed by GET /board, most expected earnings first; the rest are one /board/<info_hash> away. */
export const MAX_BOARD_LIST = 500;
/** A bidder's balance is read again when its bid is re-announced and the last read is older than this. */
export const BALANCE_REFRESH_MS = 30_000;
/** Ledger reads in flight; a bid arriving beyond it keeps its last read (the next re-announce reads again). */
export const MAX_PENDING_BALANCE_READS = 64;
/**
 * New bids one tracker socket may have verified per minute (each costs an Ed25519 verification); more are ignored.
 * Re-sending a held bid costs no verification and does not count: a peer re-signs only when its bid changes.
 */
export const MAX_BIDS_PER_SOCKET_PER_MIN = 120;
const MINUTE_MS = 60_000;

/** Reads a bidder's spendable ledger balance; null when it cannot be read now. */
export type BalanceReader = (public_key: string) => Promise<Units | null>;

export interface DemandBoardOptions {
  now?: () => number;
  /** Without it, bids are not weighed (every bid counts at its face value). */
  readBalance?: BalanceReader;
}

export type BidOutcome = OfferCode | DemandBidCode | 'rate_limited';

export interface DemandBoardService {
  /** GET / (all torrents with live bids) and GET /:info_hash; mount at /board. */
  readonly app: Hono;
  /** Called by the tracker for each announce carrying the field; `socket` identifies the sender for rate limits. */
  offer(field: unknown, info_hash: string, socket: object): BidOutcome;
  /** The tracker's swarms by info hash; set once the tracker is mounted. */
  setSwarms(stats: () => Record<string, { complete: number; incomplete: number }>): void;
  /** Resolves once every balance read started so far has finished (tests). */
  settled(): Promise<void>;
  /** How many offers ended with each outcome since start (diagnostics, also under GET /board). */
  outcomes(): Partial<Record<BidOutcome, number>>;
}

/** The ledger service's own HTTP app, read in-process (no socket): GET /accounts/<key> → balance_units. */
export function ledgerBalanceReader(ledgerApp: { request(path: string): Response | Promise<Response> }): BalanceReader {
  return async (public_key) => {
    const response = await ledgerApp.request(`/accounts/${public_key}`);
    if (response.status === 404) return 0n; // never funded
    if (!response.ok) return null;
    const body = (await response.json()) as { balance_units?: unknown };
    return typeof body.balance_units === 'string' && /^\d{1,20}$/.test(body.balance_units) ? BigInt(body.balance_units) : null;
  };
}

export function createDemandBoardService(options: DemandBoardOptions = {}): DemandBoardService {
  const now = options.now ?? Date.now;
  const readBalance = options.readBalance ?? null;
  const weigh = readBalance !== null;
  const board = new DemandBoard();
  const pending = new Set<Promise<void>>();
  const counts: Partial<Record<BidOutcome, number>> = {};
  const perSocket = new WeakMap<object, { window_start_ms: number; checks: number }>();
  let swarms: () => Record<string, { complete: number; incomplete: number }> = () => ({});

  const count = (outcome: BidOutcome): BidOutcome => {
    counts[outcome] = (counts[outcome] ?? 0) + 1;
    return outcome;
  };

  const refreshBalance = (info_hash: string, public_key: string) => {
    if (!readBalance || pending.size >= MAX_PENDING_BALANCE_READS) return;
    const read = readBalance(public_key)
      .then((balance) => {
        if (balance !== null) board.setBalance(info_hash, public_key, balance, now());
      })
      .catch(() => {}) // an unreadable balance leaves the last one; the bid counts as unfunded until read
      .finally(() => pending.delete(read));
    pending.add(read);
  };

  const swarmOf = (all: ReturnType<typeof swarms>, info_hash: string): SwarmCounts => {
    const swarm = all[info_hash];
    return { seeders: swarm?.complete ?? 0, leechers: swarm?.incomplete ?? 0 };
  };

  const app = new Hono();
  app.use('*', async (c, next) => {
    await next();
    c.header('Cache-Control', 'no-store');
    c.header('Access-Control-Allow-Origin', '*'); // providers on other origins read the board
  });
  app.get('/', (c) => {
    const at = now();
    board.prune(at);
    const all = swarms();
    const torrents: TorrentDemand[] = board
      .torrents(at)
      .map((ih) => summarize(ih, board.live(ih, at), swarmOf(all, ih), weigh))
      .sort(compareDemand)
      .slice(0, MAX_BOARD_LIST);
    return c.json({ at_ms: at, weighed_by_balance: weigh, torrents, outcomes: counts });
  });
  app.get('/:info_hash', (c) => {
    const info_hash = c.req.param('info_hash');
    if (!isInfoHashHex(info_hash)) return c.json({ error: 'invalid_info_hash', message: 'expected 40 lowercase hex characters' }, 400);
    const at = now();
    return c.json({ at_ms: at, ...torrentBoard(info_hash, board.live(info_hash, at), swarmOf(swarms(), info_hash), weigh) });
  });

  return {
    app,
    offer(field, info_hash, socket) {
      const at = now();
      const checked = checkDemandBidUnsigned(field, info_hash, at);
      if (!checked.ok) return count(checked.code);
      const { bid } = checked;
      if (!board.holds(bid)) {
        const window = perSocket.get(socket);
        if (!window || at - window.window_start_ms >= MINUTE_MS) perSocket.set(socket, { window_start_ms: at, checks: 1 });
        else if (window.checks >= MAX_BIDS_PER_SOCKET_PER_MIN) return count('rate_limited');
        else window.checks += 1;
        if (!verifyDemandBid(bid)) return count('bad_signature');
      }
      const result = board.offer(bid, at);
      if (result.ok && result.code !== 'withdrawn') {
        const read_at = board.record(bid.info_hash, bid.public_key)?.balance_read_at_ms ?? null;
        if (result.code === 'accepted' || read_at === null || at - read_at >= BALANCE_REFRESH_MS) refreshBalance(bid.info_hash, bid.public_key);
      }
      return count(result.code);
    },
    setSwarms(stats) {
      swarms = stats;
    },
    async settled() {
      while (pending.size > 0) await Promise.all([...pending]);
    },
    outcomes: () => ({ ...counts }),
  };
}
