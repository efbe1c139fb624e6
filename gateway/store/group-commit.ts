/**
 * Group commit: what is submitted while an earlier write is in flight waits for it and then goes together, as one
 * write. A lone submission is written at once (no timer, no added latency); under concurrency the number of round
 * trips and commits drops to one per write instead of one per submission. The PHI vault submits single rows; the
 * ledger writer submits each partition's batch, so that the batches of all partitions share a transaction (with the
 * load spread over partitions each alone would be a row or two, and the commit, not the row, is what costs:
 * README, Performance).
 *
 * A submission is never split; a write takes whole submissions up to `maxItems` items (a larger one goes alone).
 * Each submission settles when the write holding it is done, with the results of its own items in order (`write`
 * returns one result per item, or nothing). When a write of several submissions fails, `onFailure` decides:
 * `fail-together` fails each of them with that error; `retry-apart` writes them again one by one, so that a
 * submission that cannot be written fails alone and the others go through.
 */
export interface GroupCommitOptions {
  maxItems?: number;
  onFailure?: 'fail-together' | 'retry-apart';
  /**
   * A write that has not settled after this long fails its submissions with StoreWriteTimeoutError (a transient
   * error: the callers retry) and the next write starts. postgres.js 3.4 could leave a query unsent and unsettled
   * after its connections were cut (seen in gateway/outage.int.test.ts); without a bound, every later write would
   * queue behind it for good. Should the abandoned write land after all, the ledger's keys and the vault's upsert
   * make the retry harmless.
   */
  timeoutMs?: number;
}

/** The bound the ledger writer and the PHI vault put on one write (a ledger batch commits in milliseconds). */
export const STORE_WRITE_TIMEOUT_MS = 5_000;

export class StoreWriteTimeoutError extends Error {
  /** read by isStoreUnreachable (pg-errors.ts): the store is treated as unreachable, the write as retryable */
  readonly code = 'STORE_WRITE_TIMEOUT';
  constructor(timeoutMs: number) {
    super(`the store did not confirm a write within ${timeoutMs} ms`);
    this.name = 'StoreWriteTimeoutError';
  }
}

interface Submission<T, R> {
  items: T[];
  resolve: (results: R[]) => void;
  reject: (error: unknown) => void;
}

export class GroupCommit<T, R = void> {
  private queue: Submission<T, R>[] = [];
  private writing = false;
  private readonly maxItems: number;
  private readonly retryApart: boolean;
  private readonly timeoutMs: number | undefined;

  constructor(
    private readonly write: (items: T[]) => Promise<R[] | void>,
    options: GroupCommitOptions = {},
  ) {
    this.maxItems = options.maxItems ?? 500;
    this.retryApart = options.onFailure === 'retry-apart';
    this.timeoutMs = options.timeoutMs;
  }

  /** One item; settles with its result. */
  async submit(item: T): Promise<R> {
    return (await this.submitAll([item]))[0]!;
  }

  /** Items that go into one write together; settles with their results in order. */
  submitAll(items: T[]): Promise<R[]> {
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

  private async writeGroup(group: Submission<T, R>[]): Promise<void> {
    let results: R[];
    try {
      results = (await this.bounded(this.write(group.length === 1 ? group[0]!.items : group.flatMap((s) => s.items)))) ?? [];
    } catch (error) {
      // Apart, a stalled store would stall each submission in turn: a timeout fails them together.
      if (this.retryApart && group.length > 1 && !(error instanceof StoreWriteTimeoutError)) {
        for (const submission of group) await this.writeGroup([submission]);
      } else {
        for (const submission of group) submission.reject(error ?? new Error('group write failed'));
      }
      return;
    }
    let at = 0;
    for (const submission of group) {
      submission.resolve(results.slice(at, at + submission.items.length));
      at += submission.items.length;
    }
  }

  private bounded<V>(write: Promise<V>): Promise<V> {
    const timeoutMs = this.timeoutMs;
    if (timeoutMs === undefined) return write;
    let timer: NodeJS.Timeout | undefined;
    const expired = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new StoreWriteTimeoutError(timeoutMs)), timeoutMs);
    });
    return Promise.race([write, expired]).finally(() => clearTimeout(timer));
  }
}
