// The airdrop as a person sees it: ask the ledger for a puzzle, solve it in a worker with a progress bar and a
// cancel button, claim, and show the granted amount. One run at a time.
import type { Units } from '../../protocol/money.ts';
import { publicKeyFromHex } from '../../protocol/ed25519.ts';
import { solveInWorker, SolveCancelled, type SolveHandle } from '../../wallet/airdrop-solver.ts';
import { account } from './account.svelte.ts';
import { wallet } from './wallet.svelte.ts';

export type AirdropPhase = 'idle' | 'fetching' | 'solving' | 'claiming' | 'granted' | 'cancelled' | 'failed';

class AirdropState {
  #phase = $state<AirdropPhase>('idle');
  #tries = $state(0);
  #expected = $state(1);
  #granted = $state<Units | null>(null);
  #message = $state<string | null>(null);
  #handle: SolveHandle | null = null;

  get phase(): AirdropPhase {
    return this.#phase;
  }
  /** 0..1 of the expected work; the bar holds near full if luck runs long. */
  get progress(): number {
    return Math.min(0.99, this.#tries / this.#expected);
  }
  get tries(): number {
    return this.#tries;
  }
  get granted(): Units | null {
    return this.#granted;
  }
  get message(): string | null {
    return this.#message;
  }
  get running(): boolean {
    return this.#phase === 'fetching' || this.#phase === 'solving' || this.#phase === 'claiming';
  }

  async start(): Promise<void> {
    if (this.running) return;
    const api = account.api;
    const signer = wallet.signer;
    const me = wallet.account;
    if (!api || !signer || !me) {
      this.#fail(!api ? 'The ledger is not available on this server.' : 'Unlock your wallet first.');
      return;
    }
    this.#phase = 'fetching';
    this.#tries = 0;
    this.#message = null;
    try {
      const challenge = await api.airdropChallenge(me.paymentPublicKeyHex);
      this.#expected = 2 ** challenge.difficulty_bits;
      this.#phase = 'solving';
      this.#handle = solveInWorker(
        { challenge: challenge.challenge, public_key: publicKeyFromHex(me.paymentPublicKeyHex), difficulty_bits: challenge.difficulty_bits },
        (progress) => {
          this.#tries = progress.tries;
        },
      );
      const nonce = await this.#handle.result;
      this.#handle = null;
      this.#phase = 'claiming';
      const result = await api.claimAirdrop(signer, challenge, nonce);
      if (!result.ok) return this.#fail(result.message);
      this.#granted = result.amount_units;
      this.#phase = 'granted';
      await account.refresh();
    } catch (error) {
      this.#handle = null;
      if (error instanceof SolveCancelled) {
        this.#phase = 'cancelled';
        return;
      }
      this.#fail(error instanceof Error ? error.message : 'The airdrop failed.');
    }
  }

  cancel(): void {
    this.#handle?.cancel();
  }

  #fail(message: string): void {
    this.#phase = 'failed';
    this.#message = message;
  }
}

export const airdrop = new AirdropState();
