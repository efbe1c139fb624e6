import { facilityIdSchema } from '../../../gateway/events/schema.ts';
import { resolveCharset, SUPPORTED_CHARSETS, type Hl7Charset } from '../charset.ts';
import { REVERSAL_FORMS, type ReversalForm } from './rds-builder.ts';

/**
 * HL7_OUTBOUND_TARGETS: which EHR gets the dispenses of which facility (README, "Outbound to EHRs").
 *
 *   FAC1=ehr1.example.org:6661,tls,app=EPIC,facility=HOSP1;FAC2=10.0.0.7:2575,app=CERNER,reversal=rde-ca
 *
 * Targets are separated by `;`; each is `<facility id>=<host>:<port>` followed by comma-separated options:
 * - `tls`: MLLP over TLS (certificates from HL7_OUTBOUND_TLS_*), `servername=NAME` to check another name
 * - `app=NAME`, `facility=NAME`: MSH-5 / MSH-6 (the receiving application and facility; `^` separates HD components)
 * - `reversal=rds-ca|rde-ca|rds-negative`: how a dispense reversal is written (default rds-ca)
 * - `ack=original|enhanced`: original mode (default: MSH-15/16 empty, the EHR answers AA/AE/AR) or enhanced mode
 *   with a commit acknowledgement only (MSH-15 AL, MSH-16 NE: the EHR answers CA/CE/CR)
 * - `charset=NAME`: the character set this EHR reads (MSH-18, HL7 table 0211: `8859/1`, `ASCII`, …); default ASCII,
 *   or UTF-8 declared when a value needs it
 * - `sender=APP^FACILITY`: an HL7 sender that *is* this EHR (repeatable); its own dispenses are never sent back
 *   to it. Default: `app^facility`, which is how the EHR's messages name it when its MSH-3/4 match our MSH-5/6.
 * - `ca=FILE`, `cert=FILE`, `key=FILE` (with `tls`): this EHR's CA bundle and our client certificate and key for it,
 *   in place of HL7_OUTBOUND_TLS_CA/CERT/KEY (paths without `,` or `;`)
 * - `answer_timeout_ms=N`, `connect_timeout_ms=N`, `idle_close_ms=N`: this EHR's own timeouts, in place of
 *   HL7_OUTBOUND_ANSWER_TIMEOUT_MS, HL7_OUTBOUND_CONNECT_TIMEOUT_MS and HL7_OUTBOUND_IDLE_CLOSE_MS
 */
export interface OutboundTarget {
  facility: string;
  host: string;
  port: number;
  tls: boolean;
  servername?: string | undefined;
  receivingApplication?: string | undefined;
  receivingFacility?: string | undefined;
  reversalForm: ReversalForm;
  /** original: MSH-15/16 empty; enhanced: MSH-15 AL, MSH-16 NE, the EHR's commit ACK is the answer */
  ackMode: 'original' | 'enhanced';
  /** MSH-18 of every message to this EHR; undefined: ASCII, or UTF-8 where needed */
  charset?: Hl7Charset | undefined;
  /** `source.sender` values (MSH-3^MSH-4 as the EHR sends them) that are this EHR */
  echoSenders: string[];
  /** PEM files for this EHR, each in place of the gateway-wide one */
  tlsFiles?: { caFile?: string; certFile?: string; keyFile?: string } | undefined;
  /** this EHR's timeouts, each in place of the gateway-wide one */
  timeouts?: { answerTimeoutMs?: number; connectTimeoutMs?: number; idleCloseMs?: number } | undefined;
}

const TLS_FILE_KEYS = { ca: 'caFile', cert: 'certFile', key: 'keyFile' } as const;
/** option → setting, and the least value it takes (an idle close of 0 means never) */
const TIMEOUT_KEYS = {
  answer_timeout_ms: ['answerTimeoutMs', 1],
  connect_timeout_ms: ['connectTimeoutMs', 1],
  idle_close_ms: ['idleCloseMs', 0],
} as const;

export class OutboundTargetsError extends Error {
  constructor(readonly problems: string[]) {
    super(problems.join('; '));
    this.name = 'OutboundTargetsError';
  }
}

const KEYS = ['app', 'facility', 'servername', 'sender', 'reversal', 'ack', 'charset', ...Object.keys(TLS_FILE_KEYS), ...Object.keys(TIMEOUT_KEYS)];
const ADDRESS = /^(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9.-]+):(\d{1,5})$/;

export function parseOutboundTargets(text: string): OutboundTarget[] {
  const problems: string[] = [];
  const targets: OutboundTarget[] = [];
  const entries = text
    .split(';')
    .map((s) => s.trim())
    .filter((s) => s !== '');
  entries.forEach((entry, index) => {
    const where = `target ${index + 1}`;
    const eq = entry.indexOf('=');
    const facility = eq === -1 ? '' : entry.slice(0, eq).trim();
    if (!facilityIdSchema.safeParse(facility).success) {
      problems.push(`${where} must start with a facility id (letters, digits, _ and -) and =`);
      return;
    }
    const [address = '', ...options] = entry
      .slice(eq + 1)
      .split(',')
      .map((s) => s.trim());
    const match = ADDRESS.exec(address);
    const port = match ? Number(match[2]) : NaN;
    if (!match || port < 1 || port > 65535) {
      problems.push(`${where} (${facility}): the address must be host:port`);
      return;
    }
    const target: OutboundTarget = {
      facility,
      host: match[1]!.replace(/^\[|\]$/g, ''),
      port,
      tls: false,
      reversalForm: 'rds-ca',
      ackMode: 'original',
      echoSenders: [],
    };
    for (const option of options) {
      if (option === '') continue;
      if (option === 'tls') {
        target.tls = true;
        continue;
      }
      const at = option.indexOf('=');
      const key = at === -1 ? option : option.slice(0, at).trim();
      const value = at === -1 ? '' : option.slice(at + 1).trim();
      if (value === '' && KEYS.includes(key)) {
        problems.push(`${where} (${facility}): option ${key} needs a value (${key}=…)`);
        continue;
      }
      switch (key) {
        case 'app':
          target.receivingApplication = value;
          break;
        case 'facility':
          target.receivingFacility = value;
          break;
        case 'servername':
          target.servername = value;
          break;
        case 'sender':
          target.echoSenders.push(value);
          break;
        case 'reversal':
          if ((REVERSAL_FORMS as readonly string[]).includes(value)) target.reversalForm = value as ReversalForm;
          else problems.push(`${where} (${facility}): reversal must be one of ${REVERSAL_FORMS.join(', ')}`);
          break;
        case 'ack':
          if (value === 'original' || value === 'enhanced') target.ackMode = value;
          else problems.push(`${where} (${facility}): ack must be original or enhanced`);
          break;
        case 'charset': {
          const charset = resolveCharset(value);
          if (charset === undefined || charset === '') problems.push(`${where} (${facility}): charset must be one of ${SUPPORTED_CHARSETS.join(', ')}`);
          else target.charset = charset;
          break;
        }
        case 'ca':
        case 'cert':
        case 'key':
          (target.tlsFiles ??= {})[TLS_FILE_KEYS[key]] = value;
          break;
        case 'answer_timeout_ms':
        case 'connect_timeout_ms':
        case 'idle_close_ms': {
          const [setting, least] = TIMEOUT_KEYS[key];
          const ms = /^\d{1,10}$/.test(value) ? Number(value) : NaN;
          if (ms >= least) (target.timeouts ??= {})[setting] = ms;
          else problems.push(`${where} (${facility}): ${key} must be a whole number of milliseconds ≥ ${least}`);
          break;
        }
        default:
          problems.push(
            `${where} (${facility}): unknown option ${JSON.stringify(key)} (tls, app=, facility=, reversal=, ack=, charset=, sender=, servername=, ca=, cert=, key=, answer_timeout_ms=, connect_timeout_ms=, idle_close_ms=)`,
          );
      }
    }
    if (target.servername !== undefined && !target.tls) problems.push(`${where} (${facility}): servername needs tls`);
    if (target.tlsFiles && !target.tls) problems.push(`${where} (${facility}): ca, cert and key need tls`);
    if (target.tlsFiles && (target.tlsFiles.certFile === undefined) !== (target.tlsFiles.keyFile === undefined)) {
      problems.push(`${where} (${facility}): cert and key go together`);
    }
    if (target.echoSenders.length === 0 && target.receivingApplication !== undefined) {
      target.echoSenders.push(`${target.receivingApplication}^${target.receivingFacility ?? ''}`);
    }
    if (targets.some((t) => t.facility === facility)) problems.push(`${where}: facility ${facility} has more than one target`);
    targets.push(target);
  });
  if (problems.length > 0) throw new OutboundTargetsError(problems);
  return targets;
}

/** Whether an event's origin is the target itself (compared without case and surrounding blanks). */
export function isEcho(target: OutboundTarget, source: { adapter: string; sender: string }): boolean {
  if (source.adapter !== 'hl7v2') return false;
  const sender = source.sender.trim().toUpperCase();
  return target.echoSenders.some((s) => s.trim().toUpperCase() === sender);
}
