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

  /** Takes the lock if nobody holds it in a conflicting way or waits for it. */
  tryAcquire(exclusive: boolean): boolean {
    if (this.waiting.length > 0 || !this.canGrant(exclusive)) return false;
    this.take(exclusive);
    return true;
  }

  /** Waits for the lock behind those already waiting (when `tryAcquire` could not take it). */
  queue(exclusive: boolean): Promise<void> {
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
    // Uncontended locks are granted without a promise (the common case, on every write).
    const bucketLock = this.acquire(`b:${bucket}`, false);
    const releaseBucket = typeof bucketLock === 'function' ? bucketLock : await bucketLock;
    const keyLock = this.acquire(`o:${bucket}\u0000${key}`, true);
    const releaseKey = typeof keyLock === 'function' ? keyLock : await keyLock;
    return () => {
      releaseKey();
      releaseBucket();
    };
  }

  async lockBucket(bucket: string): Promise<Release> {
    return this.acquire(`b:${bucket}`, true);
  }

  /** The release at once when the lock is free, else the promise of it. */
  private acquire(name: string, exclusive: boolean): Release | Promise<Release> {
    let lock = this.locks.get(name);
    if (!lock) this.locks.set(name, (lock = new ReadWriteLock()));
    const held = lock;
    let released = false;
    const release = () => {
      if (released) return;
      released = true;
      held.release(exclusive);
      if (held.idle) this.locks.delete(name);
    };
    return held.tryAcquire(exclusive) ? release : held.queue(exclusive).then(() => release);
  }
}
