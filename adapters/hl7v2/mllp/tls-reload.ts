import { X509Certificate } from 'node:crypto';
import type { Server as TlsServer } from 'node:tls';
import type { Logger } from 'pino';
import { MllpTlsConfigError } from './errors.ts';
import { readTlsMaterial, sameTlsMaterial, secureContextOptions, type TlsFiles, type TlsMaterial } from './tls-material.ts';

export type TlsReloadOutcome = 'reloaded' | 'unchanged';

/**
 * The TLS listener's certificate, key and CA, read again from their files, so that a renewed certificate is served
 * without a restart: new handshakes get it, connections already open keep theirs. Material that cannot be used
 * (unreadable, not PEM, a key that does not match the certificate — as while a renewal has written one file and not
 * yet the other) leaves the one in service in place and is reported; the next check tries again.
 */
export class TlsReloader {
  private inService: TlsMaterial;
  private expiry: Date | undefined;
  private running: Promise<TlsReloadOutcome> | undefined;

  constructor(
    private readonly server: TlsServer,
    private readonly files: TlsFiles,
    initial: TlsMaterial,
    private readonly logger: Logger,
  ) {
    this.inService = initial;
    this.expiry = expiryOf(initial);
  }

  /** When the certificate in service expires (its first one, the leaf, when the file holds a chain). */
  certificateExpiry(): Date | undefined {
    return this.expiry;
  }

  /** Reads the files; installs them when they differ from what is in service. Calls at once share one read. */
  reload(): Promise<TlsReloadOutcome> {
    this.running ??= this.readAndInstall().finally(() => (this.running = undefined));
    return this.running;
  }

  private async readAndInstall(): Promise<TlsReloadOutcome> {
    const next = await readTlsMaterial(this.files);
    if (sameTlsMaterial(next, this.inService)) return 'unchanged';
    try {
      this.server.setSecureContext(secureContextOptions(next));
    } catch (cause) {
      const problem = `was not put in service: MLLP_TLS_CERT, MLLP_TLS_KEY and MLLP_TLS_CA cannot be used together (${(cause as Error).message}); the previous certificate stays`;
      throw new MllpTlsConfigError('MLLP_TLS_CERT', this.files.certFile, problem, { cause });
    }
    this.inService = next;
    this.expiry = expiryOf(next);
    this.logger.info({ reason: 'files_changed', tls_certificate_expires: this.expiry?.toISOString() }, 'MLLP TLS certificate reloaded');
    if (this.expiry) warnOfNearExpiry(this.expiry, this.logger);
    return 'reloaded';
  }
}

function expiryOf(material: TlsMaterial): Date | undefined {
  // validTo is OpenSSL's text ("Dec  6 20:37:00 2026 GMT"), which Date reads; Node 20 has no validToDate.
  return material.cert ? new Date(new X509Certificate(material.cert).validTo) : undefined;
}

/** Checks the files every `intervalMs` (a reload logs itself; a failed one is logged here); returns the stop. */
export function checkTlsFilesPeriodically(reloader: TlsReloader, intervalMs: number, logger: Logger): () => void {
  const timer = setInterval(() => {
    reloader.reload().catch((err: Error) => logger.error({ reason: 'tls_reload_failed', err: err.message }, 'MLLP TLS certificate not reloaded'));
  }, intervalMs);
  timer.unref();
  return () => clearInterval(timer);
}

/** Senders refuse an expired certificate; a fortnight's notice in the log, beside the metric, for those without alerts. */
export const EXPIRY_WARNING_DAYS = 14;

export function warnOfNearExpiry(expiry: Date, logger: Logger, now = new Date()): void {
  const days = (expiry.getTime() - now.getTime()) / 86_400_000;
  if (days >= EXPIRY_WARNING_DAYS) return;
  logger.warn(
    { reason: days <= 0 ? 'tls_certificate_expired' : 'tls_certificate_expiring', tls_certificate_expires: expiry.toISOString(), days_left: Math.max(0, Math.floor(days)) },
    days <= 0 ? 'MLLP TLS certificate has expired: senders will refuse it' : 'MLLP TLS certificate expires soon: renew it',
  );
}
