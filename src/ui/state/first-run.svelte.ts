// Whether this browser has been through the first-run flow; the flow itself is a view, only "done" is remembered.
import { loadPref, savePref } from '../lib/prefs-store.ts';

const FIRST_RUN_KEY = 'first-run-done';

class FirstRunState {
  #done = $state<boolean | null>(null);

  /** null while loading. */
  get done(): boolean | null {
    return this.#done;
  }

  async load(): Promise<void> {
    this.#done = (await loadPref(FIRST_RUN_KEY)) === true;
  }

  async finish(): Promise<void> {
    this.#done = true;
    await savePref(FIRST_RUN_KEY, true);
  }

  async restart(): Promise<void> {
    this.#done = false;
    await savePref(FIRST_RUN_KEY, false);
  }
}

export const firstRun = new FirstRunState();
