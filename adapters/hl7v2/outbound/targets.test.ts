import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../../gateway/config.ts';
import { isEcho, OutboundTargetsError, parseOutboundTargets } from './targets.ts';
import { settingsForTarget, type OutboundSettings } from './worker.ts';

describe('HL7_OUTBOUND_TARGETS', () => {
  it('reads facility, address, TLS and the options of each target', () => {
    expect(parseOutboundTargets(' FAC1=ehr1.example.org:6661,tls,app=EPIC,facility=HOSP1 ; FAC-2=[::1]:2575,reversal=rde-ca,sender=ADT^1.2.3^ISO^H2,sender=X^Y;')).toEqual([
      {
        facility: 'FAC1',
        host: 'ehr1.example.org',
        port: 6661,
        tls: true,
        receivingApplication: 'EPIC',
        receivingFacility: 'HOSP1',
        reversalForm: 'rds-ca',
        ackMode: 'original',
        echoSenders: ['EPIC^HOSP1'],
      },
      { facility: 'FAC-2', host: '::1', port: 2575, tls: false, reversalForm: 'rde-ca', ackMode: 'original', echoSenders: ['ADT^1.2.3^ISO^H2', 'X^Y'] },
    ]);
    expect(parseOutboundTargets('F=10.0.0.7:2575,tls,servername=ehr.example.org')[0]).toMatchObject({ tls: true, servername: 'ehr.example.org', echoSenders: [] });
    expect(parseOutboundTargets('F=ehr:6661,tls,ca=/etc/rxgate/ehr-ca.pem,cert=/etc/rxgate/c.pem,key=/etc/rxgate/k.pem,answer_timeout_ms=5000,idle_close_ms=0')[0]).toMatchObject({
      tlsFiles: { caFile: '/etc/rxgate/ehr-ca.pem', certFile: '/etc/rxgate/c.pem', keyFile: '/etc/rxgate/k.pem' },
      timeouts: { answerTimeoutMs: 5000, idleCloseMs: 0 },
    });
  });

  it('takes each reversal form', () => {
    for (const form of ['rds-ca', 'rde-ca', 'rds-negative'] as const) {
      expect(parseOutboundTargets(`F=ehr:2575,reversal=${form}`)[0]!.reversalForm).toBe(form);
    }
  });

  it('takes the acknowledgement mode of the EHR', () => {
    expect(parseOutboundTargets('F=ehr:2575,ack=enhanced')[0]!.ackMode).toBe('enhanced');
    expect(parseOutboundTargets('F=ehr:2575,ack=original')[0]!.ackMode).toBe('original');
  });

  it('takes the character set of the EHR by its table 0211 value or a common alias', () => {
    expect(parseOutboundTargets('F=ehr:2575,charset=8859/1')[0]!.charset).toBe('8859/1');
    expect(parseOutboundTargets('F=ehr:2575,charset=iso-8859-15')[0]!.charset).toBe('8859/15');
    expect(parseOutboundTargets('F=ehr:2575,charset=GB 18030-2000')[0]!.charset).toBe('GB 18030-2000');
    expect(parseOutboundTargets('F=ehr:2575')[0]!.charset).toBeUndefined();
  });

  it('serves a target with its own timeouts and TLS files, and the gateway-wide ones for the rest', () => {
    const settings: OutboundSettings = {
      sendingApplication: 'RXGATE',
      processingId: 'P',
      answerTimeoutMs: 30_000,
      connectTimeoutMs: 10_000,
      idleCloseMs: 60_000,
      retry: { attempts: 3, initialDelayMs: 1000 },
      tls: { caFile: '/etc/rxgate/ca.pem', certFile: '/etc/rxgate/client.pem', keyFile: '/etc/rxgate/client.key' },
    };
    const [own, plain] = parseOutboundTargets('A=ehr-a:6661,tls,ca=/etc/rxgate/a-ca.pem,connect_timeout_ms=2000;B=ehr-b:2575');
    expect(settingsForTarget(settings, own!)).toEqual({
      ...settings,
      connectTimeoutMs: 2000,
      tls: { caFile: '/etc/rxgate/a-ca.pem', certFile: '/etc/rxgate/client.pem', keyFile: '/etc/rxgate/client.key' },
    });
    expect(settingsForTarget(settings, plain!)).toEqual(settings);
  });

  it('names every problem', () => {
    const problems = (text: string) => {
      try {
        parseOutboundTargets(text);
        return [];
      } catch (err) {
        expect(err).toBeInstanceOf(OutboundTargetsError);
        return (err as OutboundTargetsError).problems;
      }
    };
    expect(problems('ehr:2575')).toEqual(['target 1 must start with a facility id (letters, digits, _ and -) and =']);
    expect(problems('F=ehr')).toEqual(['target 1 (F): the address must be host:port']);
    expect(problems('F=ehr:70000')).toEqual(['target 1 (F): the address must be host:port']);
    expect(problems('F=ehr:1,reversal=rds-x,ack=AL,charset=UNICODE UTF-16,colour=red,app=')).toEqual([
      'target 1 (F): reversal must be one of rds-ca, rde-ca, rds-negative',
      'target 1 (F): ack must be original or enhanced',
      expect.stringMatching(/^target 1 \(F\): charset must be one of ASCII, UNICODE UTF-8, 8859\/1, 8859\/2, .*, BIG-5$/),
      'target 1 (F): unknown option "colour" (tls, app=, facility=, reversal=, ack=, charset=, sender=, servername=, ca=, cert=, key=, answer_timeout_ms=, connect_timeout_ms=, idle_close_ms=)',
      'target 1 (F): option app needs a value (app=…)',
    ]);
    expect(problems('F=ehr:1,answer_timeout_ms=0,connect_timeout_ms=2s,idle_close_ms=-1,ca=/x.pem')).toEqual([
      'target 1 (F): answer_timeout_ms must be a whole number of milliseconds ≥ 1',
      'target 1 (F): connect_timeout_ms must be a whole number of milliseconds ≥ 1',
      'target 1 (F): idle_close_ms must be a whole number of milliseconds ≥ 0',
      'target 1 (F): ca, cert and key need tls',
    ]);
    expect(problems('F=ehr:1,tls,cert=/c.pem')).toEqual(['target 1 (F): cert and key go together']);
    expect(problems('F=a:1,servername=x;F=b:2')).toEqual(['target 1 (F): servername needs tls', 'target 2: facility F has more than one target']);
  });

  it('is checked when the configuration loads', () => {
    expect(loadConfig({ HL7_OUTBOUND_TARGETS: 'F=ehr:2575,app=EPIC' }).HL7_OUTBOUND_TARGETS).toHaveLength(1);
    expect(loadConfig({}).HL7_OUTBOUND_TARGETS).toBeUndefined();
    expect(() => loadConfig({ HL7_OUTBOUND_TARGETS: 'F=ehr' })).toThrow(ConfigError);
    expect(() => loadConfig({ HL7_OUTBOUND_TARGETS: 'F=ehr' })).toThrow(/HL7_OUTBOUND_TARGETS.*host:port/);
    expect(() => loadConfig({ HL7_OUTBOUND_APP: 'A|B' })).toThrow(/HL7_OUTBOUND_APP/);
  });

  it('recognises the EHR itself as the sender of an HL7 event, and nobody else', () => {
    const [target] = parseOutboundTargets('F=ehr:1,app=EPIC,facility=HOSP1');
    expect(isEcho(target!, { adapter: 'hl7v2', sender: 'EPIC^HOSP1' })).toBe(true);
    expect(isEcho(target!, { adapter: 'hl7v2', sender: ' epic^hosp1 ' })).toBe(true);
    expect(isEcho(target!, { adapter: 'hl7v2', sender: 'PHARM^HOSP1' })).toBe(false);
    expect(isEcho(target!, { adapter: 'api', sender: 'EPIC^HOSP1' })).toBe(false);
    const [bare] = parseOutboundTargets('F=ehr:1');
    expect(isEcho(bare!, { adapter: 'hl7v2', sender: '^' })).toBe(false);
  });
});
