/**
 * Merges batches that several workers submit while a write is in flight into the next write, so that the store
 * sees one transaction where it would have seen one per worker. The ledger's partition consumers each hand in their
 * batch and wait for it: with the load spread over partitions, each alone would write a row or two per commit, and
 * the commit, not the row, is what costs (README, Performance).
 *
 * A lone submission is written at once (no timer, no added latency). Each submission gets back the results of its
 * own items, in order. A merged write that fails is retried submission by submission, so one batch that cannot be
 * written fails only its own submitter, which then handles it as it would have alone (message by message, DLQ).
 */
export class MergedWrites<T, R> {
  private queue: { items: T[]; resolve: (results: R[]) => void; reject: (error: unknown) => void }[] = [];
  private writing = false;

  /**
   * `write` must return one result per item, in item order. `maxItems` bounds a merged write; a submission is
   * never split, so a single larger one is written alone.
   */
  constructor(
    private readonly write: (items: T[]) => Promise<R[]>,
    private readonly maxItems: number,
  ) {}

  submit(items: T[]): Promise<R[]> {
    return new Promise((resolve, reject) => {
      this.queue.push({ items, resolve, reject });
      if (!this.writing) void this.drain();
    });
  }

  private async drain(): Promise<void> {
    this.writing = true;
    try {
      while (this.queue.length > 0) {
        const group = [this.queue.shift()!];
        let count = group[0]!.items.length;
        while (this.queue.length > 0 && count + this.queue[0]!.items.length <= this.maxItems) {
          const next = this.queue.shift()!;
          group.push(next);
          count += next.items.length;
        }
        await this.writeGroup(group);
      }
    } finally {
      this.writing = false;
    }
  }

  private async writeGroup(group: MergedWrites<T, R>['queue']): Promise<void> {
    if (group.length === 1) {
      const only = group[0]!;
      try {
        only.resolve(await this.write(only.items));
      } catch (error) {
        only.reject(error);
      }
      return;
    }
    let results: R[];
    try {
      results = await this.write(group.flatMap((s) => s.items));
    } catch {
      for (const submission of group) await this.writeGroup([submission]);
      return;
    }
    let at = 0;
    for (const submission of group) {
      submission.resolve(results.slice(at, at + submission.items.length));
      at += submission.items.length;
    }
  }
}
