// The wallet as the screens see it: status, the public account, and actions with human error messages. The
// unlocked session (a non-extractable CryptoKey, never secret bytes) stays private here and is handed to the peer
// and the ledger through onSession; locking drops it everywhere.
import type { Signer } from '../../protocol/ed25519.ts';
import {
  checkPassword, IdleLock, isValidPhrase, keyFileText, MAX_KEY_FILE_BYTES, openBrowserWallet, PasswordPolicyError, unknownWords,
  type WalletAccount, type WalletSession,
} from '../../wallet/index.ts';

export type WalletStatus = 'loading' | 'empty' | 'locked' | 'unlocked' | 'damaged';
export type LockReason = 'user' | 'idle' | null;

export const WRONG_PASSWORD_MESSAGE = 'That password is not right. Your wallet is safe — try again.';

type SessionListener = (session: WalletSession | null) => void;

class WalletState {
  #status = $state<WalletStatus>('loading');
  #account = $state<WalletAccount | null>(null);
  #damaged = $state<string | null>(null);
  #lockReason = $state<LockReason>(null);
  #busy = $state(false);
  /** The open session's key was created in this visit, so the ledger cannot know it yet. */
  #newKey = false;
  #session: WalletSession | null = null;
  #listeners = new Set<SessionListener>();
  #vault = openBrowserWallet();
  #idle = new IdleLock(() => this.lock('idle'));

  get status(): WalletStatus {
    return this.#status;
  }
  get account(): WalletAccount | null {
    return this.#account;
  }
  get damagedReason(): string | null {
    return this.#damaged;
  }
  get lockReason(): LockReason {
    return this.#lockReason;
  }
  get busy(): boolean {
    return this.#busy;
  }
  /** The unlocked key was created a moment ago here (not restored or imported): nothing on the ledger is its yet. */
  get newKey(): boolean {
    return this.#newKey;
  }
  get signer(): Signer | null {
    return this.#session?.paymentKey.signer ?? null;
  }

  async load(): Promise<void> {
    const state = await this.#vault.inspect();
    if (state.state === 'empty') this.#set('empty', null);
    else if (state.state === 'locked') this.#set('locked', state.account);
    else {
      this.#damaged = state.reason;
      this.#set('damaged', null);
    }
  }

  /** New wallet; returns the phrase for the backup step. Errors are messages for the form. */
  async create(password: string): Promise<{ ok: true; phrase: string } | { ok: false; message: string }> {
    const problem = passwordProblem(password);
    if (problem) return { ok: false, message: problem };
    return this.#run(async () => {
      const { phrase, session } = await this.#vault.create(password);
      this.#open(session, true);
      return { ok: true as const, phrase };
    });
  }

  async restore(phrase: string, password: string): Promise<{ ok: true } | { ok: false; message: string }> {
    const problem = phraseProblem(phrase) ?? passwordProblem(password);
    if (problem) return { ok: false, message: problem };
    return this.#run(async () => {
      this.#open(await this.#vault.restore(phrase, password));
      return { ok: true as const };
    });
  }

  /** null on success, else a message; a wrong password changes nothing. */
  async unlock(password: string): Promise<string | null> {
    return this.#run(async () => {
      const result = await this.#vault.unlock(password);
      if (!result.ok) return result.error === 'wrong_password' ? WRONG_PASSWORD_MESSAGE : 'There is no wallet in this browser.';
      this.#open(result.session);
      return null;
    });
  }

  lock(reason: Exclude<LockReason, null> = 'user'): void {
    if (this.#status !== 'unlocked') return;
    this.#idle.stop();
    this.#session = null;
    this.#lockReason = reason;
    this.#set('locked', this.#account);
    this.#emit();
  }

  /** Activity from the page postpones the idle lock. */
  touch(): void {
    this.#idle.touch();
  }

  setAutoLock(idle_ms: number): void {
    this.#idle.setIdle(idle_ms);
  }

  async changePassword(oldPassword: string, newPassword: string): Promise<string | null> {
    const problem = passwordProblem(newPassword);
    if (problem) return problem;
    return this.#run(async () => ((await this.#vault.changePassword(oldPassword, newPassword)) === 'ok' ? null : 'The current password is not right.'));
  }

  /** A TRON signature of `txID` by this wallet's TRON key, against the password (the key is never kept). */
  async signTron(password: string, txID: string): Promise<{ ok: true; signature_hex: string } | { ok: false; message: string }> {
    if (this.#status !== 'unlocked') return { ok: false, message: 'Unlock the wallet first.' };
    this.touch();
    return this.#run(async () => {
      const result = await this.#vault.signTron(password, txID);
      if (result.ok) return result;
      return { ok: false as const, message: result.error === 'wrong_password' ? WRONG_PASSWORD_MESSAGE : 'There is no wallet in this browser.' };
    });
  }

  async revealPhrase(password: string): Promise<string | null> {
    return this.#run(() => this.#vault.revealPhrase(password));
  }

  async markBackedUp(): Promise<void> {
    await this.#vault.markBackedUp();
    if (this.#account) this.#account = { ...this.#account, backedUp: true };
  }

  /** The encrypted key file, ready to download. It is ciphertext: the password is still needed to use it. */
  async exportKeyFile(): Promise<Blob> {
    return new Blob([keyFileText(await this.#vault.exportKeyFile())], { type: 'application/json' });
  }

  async importKeyFile(file: File, password: string): Promise<string | null> {
    if (file.size > MAX_KEY_FILE_BYTES) return 'That file is too large to be a Seedpay wallet file.';
    const text = await file.text();
    return this.#run(async () => {
      const result = await this.#vault.importKeyFile(text, password);
      if (!result.ok) return result.error === 'wrong_password' ? 'That password does not open this file.' : `This is not a Seedpay wallet file (${result.message}).`;
      this.#open(result.session);
      return null;
    });
  }

  async forget(): Promise<void> {
    this.lock('user');
    await this.#vault.forget();
    this.#set('empty', null);
  }

  /** Called with the session on unlock and null on lock; called at once with the current one. */
  onSession(listener: SessionListener): () => void {
    this.#listeners.add(listener);
    listener(this.#session);
    return () => this.#listeners.delete(listener);
  }

  #open(session: WalletSession, newKey = false): void {
    this.#session = session;
    this.#newKey = newKey;
    this.#lockReason = null;
    this.#set('unlocked', session.account);
    this.#idle.start();
    this.#emit();
  }

  #set(status: WalletStatus, account: WalletAccount | null): void {
    this.#status = status;
    this.#account = account;
  }

  #emit(): void {
    for (const listener of this.#listeners) listener(this.#session);
  }

  async #run<T>(action: () => Promise<T>): Promise<T> {
    this.#busy = true;
    try {
      return await action();
    } finally {
      this.#busy = false;
    }
  }
}

export function passwordProblem(password: string): string | null {
  try {
    checkPassword(password);
    return null;
  } catch (error) {
    if (error instanceof PasswordPolicyError) return error.message;
    throw error;
  }
}

export function phraseProblem(phrase: string): string | null {
  const words = phrase.trim().split(/\s+/).filter(Boolean);
  if (words.length === 0) return 'Enter your recovery phrase.';
  const unknown = unknownWords(phrase);
  if (unknown.length > 0) return `Not in the word list: ${unknown.slice(0, 3).join(', ')}. Check the spelling.`;
  if (![12, 15, 18, 21, 24].includes(words.length)) return `A recovery phrase has 12 or 24 words; this has ${words.length}.`;
  if (!isValidPhrase(phrase)) return 'These words do not form a valid recovery phrase. Check their order.';
  return null;
}

export const wallet = new WalletState();
