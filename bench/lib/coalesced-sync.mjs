/**
 * Shares one sync among concurrent callers: a caller that arrives while a sync
 * runs waits for the next one (the running one may have started before its
 * write), and everyone who arrives meanwhile shares that next one. The same
 * rule as cairn's segment and staging-directory syncs.
 */
export class CoalescedSync {
  #running = null;
  #queued = null;
  constructor(syncOnce) {
    this.syncOnce = syncOnce;
  }
  sync() {
    if (!this.#running) return (this.#running = this.syncOnce().finally(() => (this.#running = null)));
    const next = () => ((this.#queued = null), this.sync());
    return (this.#queued ??= this.#running.then(next, next));
  }
}
