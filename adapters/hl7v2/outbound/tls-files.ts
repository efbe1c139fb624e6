import { readTlsMaterial } from '../mllp/tls-material.ts';
import type { OutboundTarget } from './targets.ts';

type TlsFiles = { caFile?: string | undefined; certFile?: string | undefined; keyFile?: string | undefined };

/**
 * Reads the PEM files a TLS target will use once at start, so that a wrong path stops the start naming the setting
 * that holds it (the target's own `cert=` in HL7_OUTBOUND_TARGETS, or HL7_OUTBOUND_TLS_CERT), as the listener's
 * files do, instead of surfacing as failed deliveries. The client reads them again for each connection (renewals).
 */
export async function checkOutboundTlsFiles(target: OutboundTarget, gatewayWide: TlsFiles | undefined): Promise<void> {
  if (!target.tls) return;
  const own = target.tlsFiles ?? {};
  const setting = (option: 'ca' | 'cert' | 'key', key: keyof TlsFiles, variable: string) =>
    own[key] !== undefined ? `HL7_OUTBOUND_TARGETS (${target.facility} ${option}=)` : variable;
  await readTlsMaterial(
    { ...gatewayWide, ...own },
    {
      ca: setting('ca', 'caFile', 'HL7_OUTBOUND_TLS_CA'),
      cert: setting('cert', 'certFile', 'HL7_OUTBOUND_TLS_CERT'),
      key: setting('key', 'keyFile', 'HL7_OUTBOUND_TLS_KEY'),
    },
  );
}
