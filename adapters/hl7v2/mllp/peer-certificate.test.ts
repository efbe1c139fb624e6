import type { PeerCertificate } from 'node:tls';
import { describe, expect, it } from 'vitest';
import { describePeerCertificate, splitSubjectAltNames } from './peer-certificate.ts';

const base = { serialNumber: '01AB', fingerprint256: 'AA:BB', issuer: { CN: 'Test CA' } };

describe('describePeerCertificate', () => {
  it('uses the subject CN as the identity and keeps the certificate details', () => {
    const cert = { ...base, subject: { CN: 'ehr-interface' }, subjectaltname: 'DNS:ehr.example.org, IP Address:127.0.0.1' };
    expect(describePeerCertificate(cert as unknown as PeerCertificate)).toEqual({
      identity: 'ehr-interface',
      certificate: {
        subjectCN: 'ehr-interface',
        subjectAltNames: ['DNS:ehr.example.org', 'IP Address:127.0.0.1'],
        issuerCN: 'Test CA',
        serialNumber: '01AB',
        fingerprint256: 'AA:BB',
      },
    });
  });

  it('falls back to the first SAN value when there is no CN', () => {
    const cert = { ...base, subject: {}, subjectaltname: 'URI:spiffe://hospital/ehr, DNS:x' };
    expect(describePeerCertificate(cert as unknown as PeerCertificate).identity).toBe('spiffe://hospital/ehr');
  });

  it('gives nothing for an empty certificate (no client certificate sent)', () => {
    expect(describePeerCertificate({})).toEqual({});
  });
});

describe('splitSubjectAltNames', () => {
  it('reads quoted values that hold commas', () => {
    expect(splitSubjectAltNames('DNS:a.example, URI:"http://x/?a=1,2", IP Address:::1')).toEqual([
      'DNS:a.example',
      'URI:http://x/?a=1,2',
      'IP Address:::1',
    ]);
    expect(splitSubjectAltNames(undefined)).toEqual([]);
  });
});
