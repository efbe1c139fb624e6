/**
 * One budget for the bytes all connections of a listener hold: partial frames, frames queued for the handler and
 * the frame the handler is working on. A connection's own limits bound one sender (a frame and a queue of frames);
 * this bounds them together, so that a thousand senders each halfway through a large frame cannot exhaust memory.
 *
 * Over the limit, connections stop reading — except the one that has held bytes the longest. That one can always
 * finish its frame, which then reaches the handler and frees its bytes, so the listener never stalls itself; what
 * is held stays under the limit plus one frame (plus the reads already in memory when they are counted). Once the
 * total is back under the limit, or another connection becomes the oldest holder, the paused ones are told.
 */

export const DEFAULT_MAX_BUFFERED_BYTES = 256 * 1024 * 1024;

export interface BudgetAccount {
  /** The bytes this connection holds now (set after every change). */
  set(bytes: number): void;
  /** Whether the connection may read more now; when not, `onMayRead` is called once it may. */
  mayRead(): boolean;
  /** The connection is gone: its bytes leave the budget. */
  close(): void;
}

export class BufferBudget {
  private total = 0;
  /** accounts holding bytes, oldest holder first (a Map keeps insertion order) */
  private readonly holders = new Map<Account, true>();
  /** accounts told they may not read, waiting to be told they may */
  private readonly refused = new Set<Account>();
  private over = false;

  /** `onOverChange` hears when the total goes over the limit and when it is back under (for one log line each). */
  constructor(
    readonly limitBytes: number,
    private readonly onOverChange: (over: boolean, heldBytes: number) => void = () => {},
  ) {
    if (!Number.isSafeInteger(limitBytes) || limitBytes < 1) throw new RangeError(`the MLLP buffer budget must be a positive integer, got ${limitBytes}`);
  }

  /** the bytes all accounts hold together */
  heldBytes(): number {
    return this.total;
  }

  /** connections paused by the budget now */
  pausedCount(): number {
    return this.refused.size;
  }

  open(onMayRead: () => void): BudgetAccount {
    const account: Account = { held: 0, onMayRead };
    return {
      set: (bytes) => this.set(account, bytes),
      mayRead: () => this.mayRead(account),
      close: () => {
        this.refused.delete(account);
        this.set(account, 0);
      },
    };
  }

  private allowed(account: Account): boolean {
    return this.total <= this.limitBytes || this.holders.keys().next().value === account;
  }

  private mayRead(account: Account): boolean {
    if (this.allowed(account)) {
      this.refused.delete(account);
      return true;
    }
    this.refused.add(account);
    return false;
  }

  private set(account: Account, bytes: number): void {
    const before = account.held;
    if (bytes === before) return;
    this.total += bytes - before;
    account.held = bytes;
    if (before === 0) this.holders.set(account, true);
    else if (bytes === 0) this.holders.delete(account);
    if (this.total > this.limitBytes !== this.over) {
      this.over = !this.over;
      this.onOverChange(this.over, this.total);
    }
    if (this.refused.size === 0 || bytes > before) return;
    // Less is held, or the oldest holder may have changed: tell those now allowed (after the loop, as they act at once).
    const now = [...this.refused].filter((a) => this.allowed(a));
    for (const a of now) this.refused.delete(a);
    for (const a of now) a.onMayRead();
  }
}

interface Account {
  held: number;
  readonly onMayRead: () => void;
}
