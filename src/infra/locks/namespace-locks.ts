/**
 * In-process locks over the S3 namespace, held from a mutation's decision until its event is
 * durable, so that every decision is taken on committed state:
 * - an object mutation holds its bucket shared and its key exclusively;
 * - a bucket mutation (create, delete) holds the bucket exclusively.
 * Reads take no locks: they see the last committed state.
 */
type Release = () => void;

class ReadWriteLock {
  private readers = 0;
  private writer = false;
  private readonly waiting: Array<{ exclusive: boolean; grant: () => void }> = [];

  get idle(): boolean {
    return this.readers === 0 && !this.writer && this.waiting.length === 0;
  }

  acquire(exclusive: boolean): Promise<void> {
    if (this.waiting.length === 0 && this.canGrant(exclusive)) {
      this.take(exclusive);
      return Promise.resolve();
    }
    return new Promise((grant) => this.waiting.push({ exclusive, grant }));
  }

  release(exclusive: boolean): void {
    if (exclusive) this.writer = false;
    else this.readers--;
    while (this.waiting.length > 0 && this.canGrant(this.waiting[0].exclusive)) {
      const next = this.waiting.shift()!;
      this.take(next.exclusive);
      next.grant();
    }
  }

  private canGrant(exclusive: boolean): boolean {
    return exclusive ? this.readers === 0 && !this.writer : !this.writer;
  }

  private take(exclusive: boolean): void {
    if (exclusive) this.writer = true;
    else this.readers++;
  }
}

export class NamespaceLocks {
  private readonly locks = new Map<string, ReadWriteLock>();

  /** Shared on the bucket, exclusive on the key. */
  async lockObject(bucket: string, key: string): Promise<Release> {
    const releaseBucket = await this.acquire(`b:${bucket}`, false);
    const releaseKey = await this.acquire(`o:${bucket}\u0000${key}`, true);
    return () => {
      releaseKey();
      releaseBucket();
    };
  }

  lockBucket(bucket: string): Promise<Release> {
    return this.acquire(`b:${bucket}`, true);
  }

  private async acquire(name: string, exclusive: boolean): Promise<Release> {
    let lock = this.locks.get(name);
    if (!lock) this.locks.set(name, (lock = new ReadWriteLock()));
    await lock.acquire(exclusive);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      lock.release(exclusive);
      if (lock.idle) this.locks.delete(name);
    };
  }
}
