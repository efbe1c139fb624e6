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
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = { attempts: 5, initialDelayMs: 1000, multiplier: 2, maxDelayMs: 60_000 };

export function retryPolicy(partial: Partial<RetryPolicy> = {}): RetryPolicy {
  const policy = { ...DEFAULT_RETRY_POLICY, ...partial };
  if (!Number.isSafeInteger(policy.attempts) || policy.attempts < 1) throw new RangeError(`retry attempts must be an integer ≥ 1, got ${policy.attempts}`);
  for (const key of ['initialDelayMs', 'maxDelayMs'] as const) {
    if (!Number.isFinite(policy[key]) || policy[key] < 0) throw new RangeError(`retry ${key} must be ≥ 0, got ${policy[key]}`);
  }
  if (!Number.isFinite(policy.multiplier) || policy.multiplier < 1) throw new RangeError(`retry multiplier must be ≥ 1, got ${policy.multiplier}`);
  return policy;
}

/** Wait before attempt number `attempt` (1-based): none before the first, then exponential, capped. */
export function delayBeforeAttempt(policy: RetryPolicy, attempt: number): number {
  if (attempt <= 1) return 0;
  return Math.min(policy.maxDelayMs, policy.initialDelayMs * policy.multiplier ** (attempt - 2));
}
