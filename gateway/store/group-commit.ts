/**
 * Group commit: writes submitted while an earlier write is in flight wait for it and then go together, as one
 * statement. A lone writer is written at once (no timer, no added latency); under concurrency the number of
 * round trips and commits drops to one per batch instead of one per item. Each submit settles when the batch
 * holding its item has been written, or fails with that batch's error.
 */
export class GroupCommit<T> {
  private queue: { item: T; settle: (error?: unknown) => void }[] = [];
  private writing = false;

  constructor(
    private readonly write: (items: T[]) => Promise<void>,
    private readonly maxBatch = 500,
  ) {}

  submit(item: T): Promise<void> {
    return new Promise((resolve, reject) => {
      this.queue.push({ item, settle: (error) => (error === undefined ? resolve() : reject(error)) });
      if (!this.writing) void this.drain();
    });
  }

  private async drain(): Promise<void> {
    this.writing = true;
    try {
      while (this.queue.length > 0) {
        const batch = this.queue.splice(0, this.maxBatch);
        let failure: unknown;
        try {
          await this.write(batch.map((b) => b.item));
        } catch (error) {
          failure = error ?? new Error('group write failed');
        }
        for (const b of batch) b.settle(failure);
      }
    } finally {
      this.writing = false;
    }
  }
}
