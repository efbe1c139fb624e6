/** Typed errors of the MLLP transport; each carries the context an operator needs to act on it. */

export class MllpListenError extends Error {
  constructor(
    readonly host: string,
    readonly port: number,
    readonly tls: boolean,
    options: { cause: unknown },
  ) {
    super(`MLLP ${tls ? 'TLS ' : ''}listener could not listen on ${host}:${port}: ${describeCause(options.cause)}`, options);
    this.name = 'MllpListenError';
  }
}

export class MllpTlsConfigError extends Error {
  constructor(
    /** the setting at fault, e.g. MLLP_TLS_CERT */
    readonly setting: string,
    readonly file: string | undefined,
    problem: string,
    options?: { cause: unknown },
  ) {
    super(`MLLP TLS configuration: ${setting}${file ? ` (${file})` : ''} ${problem}`, options);
    this.name = 'MllpTlsConfigError';
  }
}

export function describeCause(cause: unknown): string {
  if (cause instanceof Error) return 'code' in cause && cause.code ? `${String(cause.code)} ${cause.message}` : cause.message;
  return String(cause);
}

/** How one delivery attempt of the outbound client ended. */
export type MllpAttemptOutcome =
  | 'answered'
  | 'connect_failed'
  | 'connect_timeout'
  | 'write_failed'
  | 'answer_timeout'
  | 'closed_before_answer'
  | 'client_closed';

export interface MllpAttempt {
  /** 1-based */
  readonly attempt: number;
  /** backoff waited before this attempt */
  readonly delayBeforeMs: number;
  /** clock times (ms since the epoch) */
  readonly startedAt: number;
  readonly endedAt: number;
  readonly outcome: MllpAttemptOutcome;
  /** error code or message, when the attempt failed */
  readonly detail?: string;
  /** client-local id of the connection used ('c1', 'c2', …); absent when none could be opened */
  readonly connection?: string;
  /** the connection was opened for an earlier message and reused */
  readonly reusedConnection: boolean;
  /** answer frames received during this attempt that `matches` refused */
  readonly unmatchedAnswers: number;
}

/** Every attempt failed: the caller sends the message to the dead-letter stream with this history. */
export class MllpDeliveryError extends Error {
  constructor(
    readonly host: string,
    readonly port: number,
    readonly attempts: readonly MllpAttempt[],
  ) {
    const last = attempts[attempts.length - 1];
    super(
      `MLLP delivery to ${host}:${port} failed after ${attempts.length} attempt(s)` +
        (last ? `; last: ${last.outcome}${last.detail ? ` (${last.detail})` : ''}` : ''),
    );
    this.name = 'MllpDeliveryError';
  }
}

/** send() after close(). */
export class MllpClientClosedError extends Error {
  constructor(
    readonly host: string,
    readonly port: number,
  ) {
    super(`MLLP client for ${host}:${port} is closed`);
    this.name = 'MllpClientClosedError';
  }
}
