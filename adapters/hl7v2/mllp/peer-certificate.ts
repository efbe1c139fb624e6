import type { PeerCertificate } from 'node:tls';
import type { MllpPeerCertificate } from './handler.ts';

/**
 * Turns Node's view of a verified client certificate into the identity handed to the handler. The CN is what most
 * interface engines are configured with; when it is missing (SAN-only certificates) the first SAN stands in.
 * Pure: the caller decides whether the certificate was verified.
 */
export function describePeerCertificate(cert: PeerCertificate | Record<string, never>): { identity?: string; certificate?: MllpPeerCertificate } {
  if (!cert || !('fingerprint256' in cert) || !cert.fingerprint256) return {};
  const subjectAltNames = splitSubjectAltNames(cert.subjectaltname);
  const subjectCN = firstValue(cert.subject?.CN);
  const issuerCN = firstValue(cert.issuer?.CN);
  const certificate: MllpPeerCertificate = {
    ...(subjectCN !== undefined ? { subjectCN } : {}),
    subjectAltNames,
    ...(issuerCN !== undefined ? { issuerCN } : {}),
    serialNumber: cert.serialNumber,
    fingerprint256: cert.fingerprint256,
  };
  const identity = subjectCN ?? sanValue(subjectAltNames[0]);
  return identity !== undefined ? { identity, certificate } : { certificate };
}

/** "DNS:a.example, IP Address:127.0.0.1" → ['DNS:a.example', 'IP Address:127.0.0.1']; Node quotes values holding commas. */
export function splitSubjectAltNames(text: string | undefined): string[] {
  if (!text) return [];
  const names: string[] = [];
  const pattern = /([A-Za-z ]+):("(?:[^"\\]|\\.)*"|[^,]*)(?:,\s*|$)/g;
  for (const match of text.matchAll(pattern)) {
    const [, kind, raw] = match;
    if (!kind || raw === undefined) continue;
    const value = raw.startsWith('"') ? (JSON.parse(raw) as string) : raw;
    names.push(`${kind.trim()}:${value}`);
  }
  return names;
}

function sanValue(name: string | undefined): string | undefined {
  if (name === undefined) return undefined;
  const colon = name.indexOf(':');
  return colon === -1 ? name : name.slice(colon + 1);
}

function firstValue(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}
