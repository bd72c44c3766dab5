// When peers leave: seeds after their natural seeding time, downloaders when they lose patience or their session
// ends — each time unless the seeder response model says their earnings keep them (config.ts states the models).
import { UNITS_PER_BTT, type Units } from '../protocol/money.ts';
import { HOUR_MS } from './config.ts';
import type { SimPeer } from './peer.ts';
import { EV_DEPART, EV_PATIENCE, type Swarm } from './swarm.ts';

/**
 * Schedules the natural departure: the publisher at the end of its stay; a completed peer after its natural
 * seeding time; a downloader at its session end (Infinity for arrivals: only patience ends their download).
 */
export function scheduleDeparture(sw: Swarm, peer: SimPeer, now: number): void {
  const { spec } = peer;
  // An earn-mode provider leaves when its plan drops the torrent (board.ts), not on a seeding clock.
  if (spec.origin === 'provider') return;
  const at = spec.origin === 'seed' || spec.origin === 'web_seed' ? spec.leave_by_ms : peer.phase === 'seeding' ? now + spec.natural_seed_ms : spec.leave_by_ms;
  if (!Number.isFinite(at)) return;
  const when = Math.max(now, at);
  peer.departure_token++;
  peer.departure_base_ms = when;
  sw.queue.push(Math.round(when), EV_DEPART, peer.index, peer.departure_token);
}

export function onDepartureCheck(sw: Swarm, peer: SimPeer, token: number, now: number): void {
  if (!peer.present || token !== peer.departure_token) return;
  const next = stayUntil(sw, peer, now);
  if (next === null) {
    sw.leave(peer, now);
    return;
  }
  sw.recorder.stays++;
  sw.queue.push(Math.max(now + 1, Math.ceil(next)), EV_DEPART, peer.index, token);
}

/** A downloader that has received nothing for the patience period gives up (unless its earnings keep it). */
export function onPatienceCheck(sw: Swarm, peer: SimPeer, now: number): void {
  if (peer.phase !== 'leeching') return;
  const due = peer.last_progress_ms + sw.config.patience_ms;
  if (now < due) {
    sw.queue.push(due, EV_PATIENCE, peer.index);
    return;
  }
  const next = stayUntil(sw, peer, now);
  if (next === null) {
    sw.recorder.abandoned++;
    sw.leave(peer, now);
  } else {
    sw.queue.push(Math.max(now + 1, Math.ceil(next)), EV_PATIENCE, peer.index);
  }
}

/** Null: leave now. Otherwise the time of the next check. */
function stayUntil(sw: Swarm, peer: SimPeer, now: number): number | null {
  const r = sw.config.response;
  if (r.kind === 'none' || !peer.spec.speed) return null;
  const base = peer.departure_base_ms ?? now;
  if (now - base >= r.max_extra_ms) return null;
  if (r.kind === 'cumulative') {
    const btt = Number(peer.earned_units) / Number(UNITS_PER_BTT);
    const until = base + Math.min(r.max_extra_ms, btt * r.extra_ms_per_btt);
    return until > now ? until : null;
  }
  decay(sw, peer, now);
  const rate_per_hour = (peer.earn_ewma_units / r.window_ms) * HOUR_MS;
  return rate_per_hour >= peer.spec.reservation_units_per_hour ? now + r.check_ms : null;
}

/** Credits earnings to the exponentially weighted earning rate (the earnings-rate model reads it). */
export function recordEarning(sw: Swarm, peer: SimPeer, units: Units, now: number): void {
  if (sw.config.response.kind !== 'earnings_rate') return;
  decay(sw, peer, now);
  peer.earn_ewma_units += Number(units);
}

function decay(sw: Swarm, peer: SimPeer, now: number): void {
  const r = sw.config.response;
  if (r.kind !== 'earnings_rate') return;
  const dt = now - peer.earn_at_ms;
  if (dt > 0) peer.earn_ewma_units *= Math.exp(-dt / r.window_ms);
  peer.earn_at_ms = now;
}
