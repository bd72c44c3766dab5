// Runs handlers in arrival order when some of them finish asynchronously: a handler that returns a promise holds
// back every later one until it settles; while nothing is pending, handlers run at once (synchronously).
export class OrderedInbox {
  #pending: Promise<void> | null = null;

  push(handle: () => Promise<void> | undefined): void {
    const waiting = this.#pending ? this.#pending.then(handle) : handle();
    if (!waiting) return;
    const settled = waiting.catch(() => {});
    this.#pending = settled;
    void settled.then(() => {
      if (this.#pending === settled) this.#pending = null;
    });
  }
}
