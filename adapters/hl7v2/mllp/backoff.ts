/** Retry policy of the outbound client: how many attempts, and how long to wait before each retry. */
export interface RetryPolicy {
  /** attempts in all, the first included (1 = no retry) */
  readonly attempts: number;
  /** wait before the second attempt */
  readonly initialDelayMs: number;
  /** each further wait is the previous one times this */
  readonly multiplier: number;
  /** no wait is longer than this */
  readonly maxDelayMs: number;
  /**
   * Share of each wait that is random (0 to 1): a wait is drawn between (1 − jitter) and 1 times its exponential
   * value, so that senders cut off together (an EHR restarting) do not all come back in the same instant.
   */
  readonly jitter: number;
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = { attempts: 5, initialDelayMs: 1000, multiplier: 2, maxDelayMs: 60_000, jitter: 0.5 };

export function retryPolicy(partial: Partial<RetryPolicy> = {}): RetryPolicy {
  const policy = { ...DEFAULT_RETRY_POLICY, ...partial };
  if (!Number.isSafeInteger(policy.attempts) || policy.attempts < 1) throw new RangeError(`retry attempts must be an integer ≥ 1, got ${policy.attempts}`);
  for (const key of ['initialDelayMs', 'maxDelayMs'] as const) {
    if (!Number.isFinite(policy[key]) || policy[key] < 0) throw new RangeError(`retry ${key} must be ≥ 0, got ${policy[key]}`);
  }
  if (!Number.isFinite(policy.multiplier) || policy.multiplier < 1) throw new RangeError(`retry multiplier must be ≥ 1, got ${policy.multiplier}`);
  if (!(policy.jitter >= 0 && policy.jitter <= 1)) throw new RangeError(`retry jitter must be between 0 and 1, got ${policy.jitter}`);
  return policy;
}

/**
 * Wait before attempt number `attempt` (1-based): none before the first, then exponential, capped, less the random
 * share. `random` returns a number in [0, 1); `() => 0` gives the longest wait, which is what a budget must allow.
 */
export function delayBeforeAttempt(policy: RetryPolicy, attempt: number, random: () => number): number {
  if (attempt <= 1) return 0;
  const exponential = Math.min(policy.maxDelayMs, policy.initialDelayMs * policy.multiplier ** (attempt - 2));
  return Math.round(exponential * (1 - policy.jitter * random()));
}
