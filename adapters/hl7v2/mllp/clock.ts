/** Time, passed in: the client's backoff and timeouts run on it, so tests can record and shorten them. */
export interface Clock {
  /** milliseconds since the epoch */
  now(): number;
  /** waits `ms` (the backoff between attempts) */
  sleep(ms: number): Promise<void>;
  /** calls `fn` after `ms`; returns a function that cancels it */
  setTimer(ms: number, fn: () => void): () => void;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
  setTimer(ms, fn) {
    const timer = setTimeout(fn, ms);
    return () => clearTimeout(timer);
  },
};
