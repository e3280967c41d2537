/**
 * One sync shared by concurrent callers (group commit for files): a caller that arrives
 * while a sync runs waits for the next one — the running one may have started before the
 * caller's write — and every caller that arrives meanwhile shares that next one.
 */
export class CoalescedSync {
  private running: Promise<void> | undefined;
  private queued: Promise<void> | undefined;

  constructor(private readonly syncOnce: () => Promise<void>) {}

  sync(): Promise<void> {
    if (!this.running) return (this.running = this.run());
    this.queued ??= this.running
      .catch(() => undefined)
      .then(() => {
        this.queued = undefined;
        return this.sync();
      });
    return this.queued;
  }

  private async run(): Promise<void> {
    try {
      await this.syncOnce();
    } finally {
      this.running = undefined;
    }
  }
}
