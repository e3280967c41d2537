/**
 * Frees shared space only once nobody can still be reading it.
 *
 * A shard file that is deleted stays readable by whoever had it open; an extent of a segment
 * file that is freed can be handed to the next upload and overwritten while a slow GET of the
 * deleted version still reads it. Readers therefore enter an epoch when they start and leave
 * it when they are done; a release waits until every reader that entered before it has left.
 * (Such a reader would fail its bitrot checks rather than return another object's bytes, but
 * it should not fail at all.)
 */
export class ReleaseAfterReads {
  private epoch = 0;
  /** Readers in progress, by the epoch they entered. */
  private readonly readers = new Map<number, number>();
  /** Releases waiting for the readers of their epoch and every earlier one, oldest first. */
  private readonly waiting: Array<{ epoch: number; release: () => void }> = [];

  /** A reader starts; call `leave` with the returned epoch when it is done. */
  enter(): number {
    this.readers.set(this.epoch, (this.readers.get(this.epoch) ?? 0) + 1);
    return this.epoch;
  }

  leave(epoch: number): void {
    const count = this.readers.get(epoch);
    if (count === undefined) throw new Error(`no reader entered epoch ${epoch}`);
    if (count === 1) this.readers.delete(epoch);
    else this.readers.set(epoch, count - 1);
    this.drain();
  }

  /** Runs `release` once every reader that has entered so far has left (at once if none). */
  afterCurrentReads(release: () => void): void {
    this.waiting.push({ epoch: this.epoch++, release });
    this.drain();
  }

  /** Readers still in progress (for tests). */
  get activeReaders(): number {
    let total = 0;
    for (const count of this.readers.values()) total += count;
    return total;
  }

  private drain(): void {
    let oldest = Infinity;
    for (const epoch of this.readers.keys()) oldest = Math.min(oldest, epoch);
    while (this.waiting.length > 0 && this.waiting[0].epoch < oldest) this.waiting.shift()!.release();
  }
}
