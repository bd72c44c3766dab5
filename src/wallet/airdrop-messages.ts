// The airdrop solver's worker boundary: commands and events as tagged unions, each checked when it crosses.
import { MAX_DIFFICULTY_BITS, POW_CHALLENGE_BYTES, POW_PUBLIC_KEY_BYTES } from '../protocol/pow.ts';

export type SolverCommand = {
  readonly type: 'solve';
  readonly id: number;
  readonly challenge: Uint8Array;
  readonly public_key: Uint8Array;
  readonly difficulty_bits: number;
};

export type SolverEvent =
  | { readonly type: 'progress'; readonly id: number; readonly tries: number }
  | { readonly type: 'solved'; readonly id: number; readonly nonce: number; readonly tries: number }
  | { readonly type: 'failed'; readonly id: number; readonly message: string };

/** Error text from a worker is shown to a person; keep it short. */
const MAX_MESSAGE_CHARS = 200;

function isId(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;
}

export function parseSolverCommand(data: unknown): SolverCommand | null {
  if (typeof data !== 'object' || data === null) return null;
  const m = data as Record<string, unknown>;
  if (m.type !== 'solve' || !isId(m.id)) return null;
  if (!(m.challenge instanceof Uint8Array) || m.challenge.length !== POW_CHALLENGE_BYTES) return null;
  if (!(m.public_key instanceof Uint8Array) || m.public_key.length !== POW_PUBLIC_KEY_BYTES) return null;
  const bits = m.difficulty_bits;
  if (typeof bits !== 'number' || !Number.isSafeInteger(bits) || bits < 0 || bits > MAX_DIFFICULTY_BITS) return null;
  return { type: 'solve', id: m.id, challenge: m.challenge, public_key: m.public_key, difficulty_bits: bits };
}

export function parseSolverEvent(data: unknown): SolverEvent | null {
  if (typeof data !== 'object' || data === null) return null;
  const m = data as Record<string, unknown>;
  if (!isId(m.id)) return null;
  switch (m.type) {
    case 'progress':
      return isId(m.tries) ? { type: 'progress', id: m.id, tries: m.tries } : null;
    case 'solved':
      return isId(m.nonce) && isId(m.tries) ? { type: 'solved', id: m.id, nonce: m.nonce, tries: m.tries } : null;
    case 'failed':
      return typeof m.message === 'string' ? { type: 'failed', id: m.id, message: m.message.slice(0, MAX_MESSAGE_CHARS) } : null;
    default:
      return null;
  }
}
