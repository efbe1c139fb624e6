import { describe, expect, it } from 'vitest';
import { AllowListSyntaxError, connectionIdentities, parseAllowList, senderAllowed } from './sender-allow-list.ts';

describe('MLLP sender allow-list', () => {
  const rules = parseAllowList('ehr1.hosp.example=EPIC^HOSP1,EPIC^HOSP2; ip:127.0.0.1=LAB^*');

  it('parses identity=APP^FACILITY rules', () => {
    expect(rules).toEqual([
      { identity: 'ehr1.hosp.example', senders: [{ application: 'EPIC', facility: 'HOSP1' }, { application: 'EPIC', facility: 'HOSP2' }] },
      { identity: 'ip:127.0.0.1', senders: [{ application: 'LAB', facility: '*' }] },
    ]);
  });

  it('lets a verified certificate speak only for its senders', () => {
    const ids = connectionIdentities({ peerIdentity: 'ehr1.hosp.example', remoteAddress: '10.1.2.3' });
    expect(senderAllowed(rules, ids, { application: 'EPIC', facility: 'HOSP2' })).toBe(true);
    expect(senderAllowed(rules, ids, { application: 'epic', facility: 'hosp1' })).toBe(true);
    expect(senderAllowed(rules, ids, { application: 'EPIC', facility: 'HOSP3' })).toBe(false);
    expect(senderAllowed(rules, ids, { application: 'LAB', facility: 'HOSP1' })).toBe(false);
  });

  it('matches plain connections by address, IPv4-mapped included, with wildcards', () => {
    const ids = connectionIdentities({ remoteAddress: '::ffff:127.0.0.1' });
    expect(ids).toEqual(['ip:127.0.0.1']);
    expect(senderAllowed(rules, ids, { application: 'LAB', facility: 'ANY' })).toBe(true);
    expect(senderAllowed(rules, ids, { application: 'EPIC', facility: 'HOSP1' })).toBe(false);
  });

  it('matches IPv6 addresses however either side writes them', () => {
    const v6 = parseAllowList('ip:0:0:0:0:0:0:0:1=LAB^*; ip:2001:DB8::0:7=EPIC^HOSP1');
    expect(v6.map((r) => r.identity)).toEqual(['ip:::1', 'ip:2001:db8::7']);
    expect(senderAllowed(v6, connectionIdentities({ remoteAddress: '::1' }), { application: 'LAB', facility: 'X' })).toBe(true);
    expect(senderAllowed(v6, connectionIdentities({ remoteAddress: '2001:db8:0:0:0:0:0:7' }), { application: 'EPIC', facility: 'HOSP1' })).toBe(true);
    expect(senderAllowed(v6, connectionIdentities({ remoteAddress: '2001:db8::8' }), { application: 'EPIC', facility: 'HOSP1' })).toBe(false);
  });

  it.each(['ip:10.0.0.300=LAB^*', 'ip:ehr1.hosp.example=LAB^*', 'ip:=LAB^*'])('refuses %j: what follows ip: is no address', (text) => {
    expect(() => parseAllowList(text)).toThrow(/rule 1: "ip:[^"]*" is not ip: followed by an IPv4 or IPv6 address/);
  });

  it('allows everyone without rules', () => {
    expect(senderAllowed(parseAllowList(undefined), ['ip:1.2.3.4'], { application: 'X', facility: 'Y' })).toBe(true);
  });

  it.each(['nobody', 'CN=x=', 'ip:1.2.3.4=EPIC', 'ip:1.2.3.4=A^B^C'])('refuses the malformed rule %j with its position', (text) => {
    expect(() => parseAllowList(text)).toThrow(AllowListSyntaxError);
    expect(() => parseAllowList(text)).toThrow(/rule 1/);
  });
});
