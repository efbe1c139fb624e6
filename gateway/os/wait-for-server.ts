import { setTimeout as sleep } from 'node:timers/promises';
import { rootMessage } from '../store/pg-errors.ts';

export interface ServerWait {
  /** The server's name for messages: "PostgreSQL", "NATS". */
  server: string;
  /** How long to keep trying, from the first attempt; 0 tries once. */
  waitMs: number;
  /** The failures that mean the server is not there yet; any other is thrown at once. */
  isUnreachable: (error: unknown) => boolean;
  /** Told of each failed attempt that will be tried again, e.g. to log a warning. */
  onRetry?: (retry: ServerRetry) => void;
}

export interface ServerRetry {
  server: string;
  attempt: number;
  delayMs: number;
  /** The driver's message: which address, and how it failed. */
  error: string;
}

/** What a caller that knows its server chooses: how long, and who hears of the retries. */
export type StartupWait = Pick<ServerWait, 'waitMs' | 'onRetry'>;

const FIRST_DELAY_MS = 250;
const LONGEST_DELAY_MS = 5_000;

/** Not `cause`: callers report the innermost cause's message, and this one already says it with the count. */
export class ServerWaitExpiredError extends Error {
  constructor(
    readonly server: string,
    readonly attempts: number,
    readonly waitedMs: number,
    readonly lastError: unknown,
  ) {
    super(`${server} did not accept a connection in ${attempts} attempts over ${Math.round(waitedMs / 1000)} s: ${rootMessage(lastError)}`);
    this.name = 'ServerWaitExpiredError';
  }
}

/**
 * Runs `work` until it succeeds, again after each failure that says the server is not reachable yet, with doubling
 * pauses, until `waitMs` has gone by (an attempt begun before then may run on by its own connect timeout). A gateway
 * started beside its database and bus (a compose file, a host reboot) thus waits for them instead of exiting.
 */
export async function retryWhileServerUnreachable<T>(work: () => Promise<T>, wait: ServerWait): Promise<T> {
  const started = performance.now();
  for (let attempt = 1; ; attempt++) {
    try {
      return await work();
    } catch (error) {
      if (!wait.isUnreachable(error)) throw error;
      const waited = performance.now() - started;
      const delayMs = Math.min(LONGEST_DELAY_MS, FIRST_DELAY_MS * 2 ** (attempt - 1), wait.waitMs - waited);
      // A timer may fire a millisecond early, leaving a sliver of the wait: that is not worth another try.
      if (delayMs < 5) {
        if (wait.waitMs <= 0) throw error;
        throw new ServerWaitExpiredError(wait.server, attempt, waited, error);
      }
      wait.onRetry?.({ server: wait.server, attempt, delayMs: Math.round(delayMs), error: rootMessage(error) });
      await sleep(delayMs);
    }
  }
}
