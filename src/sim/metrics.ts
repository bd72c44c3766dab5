// What a run records: a time series sampled every `sample_ms`, counters of protocol events, and at the end the
// per-peer outcomes the summary is computed from. Nothing here feeds back into the model.
import type { Units } from '../protocol/money.ts';
import type { Swarm } from './swarm.ts';

export interface Sample {
  readonly t_ms: number;
  readonly present: number;
  readonly seeds: number;
  readonly leechers: number;
  /** Distributed copies among present peers (0 with some piece missing). */
  readonly copies: number;
  readonly completed: number;
  readonly spent_units: Units;
}

export interface PeerOutcome {
  readonly index: number;
  readonly origin: string;
  readonly speed: boolean;
  readonly cheat: string;
  readonly bandwidth_class: number;
  readonly arrival_ms: number;
  /** Download time, or null if it never completed (or arrived complete). */
  readonly download_ms: number | null;
  /** Time spent seeding after completing (until departure or the horizon). */
  readonly seeded_ms: number;
  readonly natural_seed_ms: number;
  readonly arrived: boolean;
  readonly spent_units: Units;
  readonly earned_units: Units;
  readonly final_units: Units;
  readonly initial_units: Units;
  readonly max_unpaid_pieces: number;
}

export class Recorder {
  readonly #sw: Swarm;
  readonly samples: Sample[] = [];
  outcomes: PeerOutcome[] = [];
  completed = 0;
  choke_rounds = 0;
  bans = 0;
  bad_pieces = 0;
  withheld_payments = 0;
  payment_chokes = 0;
  stays = 0;
  /** Calls into the real protocol code: how much of the run is the shipped machines at work. */
  payer_cranks = 0;
  payee_cranks = 0;
  bid_decisions = 0;
  paid_pieces = 0;
  free_pieces = 0;
  abandoned = 0;
  end_ms = 0;
  /** Largest number of pieces any provider had started and not been paid for, per requester, over the run. */
  max_unpaid_pieces = 0;
  /** Most corrupt pieces one requester took from one provider before banning it. */
  max_bad_pieces_per_pair = 0;

  constructor(sw: Swarm) {
    this.#sw = sw;
  }

  sample(now: number): void {
    const sw = this.#sw;
    sw.checkAlive(now);
    let spent = 0n;
    let completed = 0;
    for (const peer of sw.peers) {
      spent += peer.spent_units;
      if (peer.completed_ms >= 0 && peer.spec.origin !== 'seed') completed++;
    }
    this.completed = completed;
    this.samples.push({
      t_ms: now, present: sw.present_count, seeds: sw.seeds_present, leechers: sw.present_count - sw.seeds_present,
      copies: sw.availability.distributedCopies(), completed, spent_units: spent,
    });
  }

  /** Called once after every connection closed and every channel settled. */
  finish(now: number): void {
    const sw = this.#sw;
    this.end_ms = now;
    this.outcomes = sw.peers.map((peer) => {
      const { spec } = peer;
      const arrived = peer.phase !== 'pending';
      const done = peer.completed_ms >= 0;
      const end = peer.left_ms >= 0 ? peer.left_ms : now;
      return {
        index: spec.index, origin: spec.origin, speed: spec.speed, cheat: spec.cheat, bandwidth_class: spec.bandwidth_class,
        arrival_ms: spec.arrival_ms,
        download_ms: done && spec.origin !== 'seed' ? peer.completed_ms - spec.arrival_ms : null,
        seeded_ms: done && arrived ? Math.max(0, end - peer.completed_ms) : 0,
        natural_seed_ms: spec.natural_seed_ms,
        arrived, spent_units: peer.spent_units, earned_units: peer.earned_units,
        final_units: peer.free_units + peer.locked_units, initial_units: spec.balance_units, max_unpaid_pieces: peer.max_unpaid_out,
      };
    });
  }
}
