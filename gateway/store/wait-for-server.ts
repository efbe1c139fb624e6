import { setTimeout as sleep } from 'node:timers/promises';
import { isStoreUnreachable, rootMessage } from './pg-errors.ts';

export interface WaitForServerOptions {
  /** How long to keep trying, from the first attempt; 0 tries once. */
  waitMs: number;
  /** Told of each failed attempt that will be tried again, e.g. to log a warning. */
  onRetry?: (retry: { attempt: number; delayMs: number; error: string }) => void;
}

const FIRST_DELAY_MS = 250;
const LONGEST_DELAY_MS = 5_000;

/** Not `cause`: callers report the innermost cause's message, and this one already says it with the count. */
export class ServerWaitExpiredError extends Error {
  constructor(
    readonly attempts: number,
    readonly waitedMs: number,
    readonly lastError: unknown,
  ) {
    super(`PostgreSQL did not accept a connection in ${attempts} attempts over ${Math.round(waitedMs / 1000)} s: ${rootMessage(lastError)}`);
    this.name = 'ServerWaitExpiredError';
  }
}

/**
 * Runs `work` until it succeeds, again after each failure that says the server is not reachable yet (refused,
 * reset, connect timeout, starting up, too many clients), with doubling pauses, until `waitMs` has gone by. A
 * gateway started beside its database (a compose file, a host reboot) thus waits for it instead of exiting; any
 * other failure, such as a bad migration, is thrown at once.
 */
export async function retryWhileServerUnreachable<T>(work: () => Promise<T>, opts: WaitForServerOptions): Promise<T> {
  const started = performance.now();
  for (let attempt = 1; ; attempt++) {
    try {
      return await work();
    } catch (error) {
      if (!isStoreUnreachable(error)) throw error;
      const waited = performance.now() - started;
      const delayMs = Math.min(LONGEST_DELAY_MS, FIRST_DELAY_MS * 2 ** (attempt - 1), opts.waitMs - waited);
      if (delayMs <= 0) {
        if (opts.waitMs <= 0) throw error;
        throw new ServerWaitExpiredError(attempt, waited, error);
      }
      opts.onRetry?.({ attempt, delayMs: Math.round(delayMs), error: rootMessage(error) });
      await sleep(delayMs);
    }
  }
}
