import { describe, expect, it } from 'vitest';
import { captureLogs } from './testkit/log-capture.ts';
import { EXPIRY_WARNING_DAYS, warnOfNearExpiry } from './tls-reload.ts';

const now = new Date('2026-12-04T12:00:00Z');
const inDays = (days: number) => new Date(now.getTime() + days * 86_400_000);

describe('warnOfNearExpiry', () => {
  it('says nothing while the certificate has a fortnight or more', () => {
    const logs = captureLogs();
    warnOfNearExpiry(inDays(EXPIRY_WARNING_DAYS), logs.logger, now);
    warnOfNearExpiry(inDays(400), logs.logger, now);
    expect(logs.lines).toEqual([]);
  });

  it('warns with the days left inside the last fortnight, and differently once expired', () => {
    const logs = captureLogs();
    warnOfNearExpiry(inDays(3.5), logs.logger, now);
    warnOfNearExpiry(inDays(-1), logs.logger, now);
    expect(logs.lines).toMatchObject([
      { level: 40, reason: 'tls_certificate_expiring', days_left: 3, tls_certificate_expires: '2026-12-08T00:00:00.000Z' },
      { level: 40, reason: 'tls_certificate_expired', days_left: 0, msg: 'MLLP TLS certificate has expired: senders will refuse it' },
    ]);
  });
});
