import { z } from 'zod';
import { OutboundTargetsError, parseOutboundTargets } from './outbound/targets.ts';
import type { UnhandledAction } from './translate/unhandled-policy.ts';
import { CodeList } from './translate/code-list.ts';
import type { CodeFilter } from './translate/types.ts';

/**
 * The HL7 v2 adapter's settings. gateway/config.ts spreads this shape into the one configuration schema, so the
 * variables are validated, documented and listed in the README with all the others.
 */
const port = z.coerce.number().int().min(0).max(65535);
const bool = z
  .enum(['true', 'false', '1', '0', 'yes', 'no'])
  .transform((v) => v === 'true' || v === '1' || v === 'yes');

/** `KEY=VALUE` pairs separated by commas (each side matching its pattern) → an object. */
const pairList = (key: string, value: string, message: string) =>
  z
    .string()
    .regex(new RegExp(`^\\s*${key}=${value}\\s*(,\\s*${key}=${value}\\s*)*$`), message)
    .transform((text) => Object.fromEntries(text.split(',').map((pair) => pair.trim().split('=') as [string, string])));
const FACILITY_ID = '[A-Za-z0-9_-]{1,64}';

/** An HD value as the sender writes it (spaces inside it are part of it: `GENERAL HOSPITAL`) → a facility id. */
const facilityMap = pairList('[^=,\\s](?:[^=,]*[^=,\\s])?', FACILITY_ID, 'KEY=FACILITY pairs separated by commas');

/** A facility id → the IANA zone its senders write local times in. */
const facilityZones = pairList(FACILITY_ID, '[^=,\\s]+', 'FACILITY=ZONE pairs separated by commas');

/**
 * A message type (`SIU^S12`), a message code (`MDM`, any trigger) or `*` → what becomes of such messages when they
 * are not translated (translate/unhandled-policy.ts). Upper-cased, as MSH-9 is matched.
 */
const unhandledRules = pairList('(?:\\*|[A-Za-z0-9]{3}(?:\\^[A-Za-z0-9]{3})?)', '(?:keep|record|refuse)', 'TYPE=keep|record|refuse pairs separated by commas, TYPE being CODE^TRIGGER, CODE or *').transform(
  (rules) => Object.fromEntries(Object.entries(rules).map(([type, action]) => [type.toUpperCase(), action as UnhandledAction])),
);

/** An HD value of our own MSH-3/MSH-4: `^` separates its components (namespace id^universal id^type). */
const hdText = z.string().regex(/^[^|~\\&\r\n]{1,180}$/, 'an HD value (no | ~ \\ & or line breaks)');

/**
 * `all`, `none`, or codes separated by commas (a local code may hold spaces; `N18*` is every code beginning N18,
 * translate/code-list.ts) → what translation keeps.
 */
const codeFilter = (what: string) =>
  z
    .string()
    .regex(/^\s*(all|none|[^,\s](?:[^,]*[^,\s])?(\s*,\s*[^,\s](?:[^,]*[^,\s])?)*)\s*$/, `\`all\`, \`none\`, or ${what} codes separated by commas`)
    .default('all')
    .transform((text): CodeFilter => {
      const t = text.trim();
      return t === 'all' || t === 'none' ? t : new CodeList(t.split(',').map((code) => code.trim()));
    });
const observationFilter = codeFilter('OBX-3');

export const hl7ConfigShape = {
  MLLP_PORT: port.default(2575).describe('MLLP listener for HL7 v2 (0 picks a free port)'),
  MLLP_HOST: z.string().min(1).default('127.0.0.1').describe('address the MLLP listeners bind'),
  MLLP_TLS_PORT: port.optional().describe('MLLP over TLS; unset means no TLS listener'),
  MLLP_TLS_CERT: z.string().optional().describe('PEM certificate of the MLLP TLS listener'),
  MLLP_TLS_KEY: z.string().optional().describe('PEM private key of the MLLP TLS listener'),
  MLLP_TLS_CA: z.string().optional().describe('PEM CA bundle that client certificates must chain to (mutual TLS)'),
  MLLP_TLS_REQUIRE_CLIENT_CERT: bool.default(true).describe('refuse TLS clients without a valid certificate'),
  MLLP_TLS_RELOAD_CHECK_S: z.coerce
    .number()
    .int()
    .min(0)
    .default(60)
    .describe('how often the TLS certificate, key and CA files are read again, so a renewed certificate is served without a restart (0: only on SIGHUP)'),
  MLLP_MAX_FRAME_BYTES: z.coerce.number().int().min(1024).default(10 * 1024 * 1024).describe('largest MLLP frame; larger ones are answered AR'),
  MLLP_IDLE_TIMEOUT_MS: z.coerce.number().int().min(1000).default(300_000).describe('close an MLLP connection idle this long'),
  MLLP_MAX_CONNECTIONS: z.coerce.number().int().min(1).default(1000).describe('concurrent MLLP connections'),
  MLLP_MAX_CONNECTIONS_PER_ADDRESS: z.coerce
    .number()
    .int()
    .min(0)
    .default(100)
    .describe('concurrent MLLP connections from one peer address, so one sender cannot use up MLLP_MAX_CONNECTIONS (0: no limit; behind a TCP proxy every sender has its address)'),
  MLLP_MAX_BUFFERED_BYTES: z.coerce
    .number()
    .int()
    .min(65_536)
    .default(256 * 1024 * 1024)
    .describe('bytes all MLLP connections together may hold (partial and queued frames); over it they stop reading, except the one holding bytes longest, until it is worked off'),
  MLLP_ALLOWED_SENDERS: z
    .string()
    .optional()
    .describe('who may send what: `identity=APP^FACILITY,…;…` with identity a client-certificate CN, ip:ADDRESS or *'),
  HL7_PROCESSING_IDS: z
    .string()
    .regex(/^\s*[PTD]\s*(,\s*[PTD]\s*)*$/, 'P, T and D separated by commas')
    .default('P')
    .transform((text) => [...new Set(text.split(',').map((id) => id.trim()))])
    .describe('MSH-11 processing ids taken (P production, T training, D debugging); other messages are answered AR with ERR 202, so a test feed pointed here by mistake creates no dispense'),
  HL7_DEDUPE_WINDOW_S: z.coerce.number().int().min(1).default(86_400).describe('a repeated MSH-10 from the same sender within this window gets the same ACK (a resend with other bytes is known as a repeat within DUPLICATE_WINDOW_S: keep this no longer)'),
  HL7_FACILITY_DEFAULT: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, 'a facility id').default('DEFAULT').describe('facility of HL7 messages whose PV1-3.4/MSH-4/MSH-6 is not in HL7_FACILITY_MAP'),
  HL7_FACILITY_MAP: facilityMap.optional().describe('HD values (PV1-3.4, MSH-4, MSH-6) to facility ids: `HOSP1=FAC1,GENERAL HOSPITAL=FAC2,1.2.3.4=FAC3`'),
  HL7_TIME_ZONE: z.string().min(1).default('UTC').describe('IANA zone of HL7 date/times written without an offset'),
  HL7_TIME_ZONE_MAP: facilityZones
    .optional()
    .describe('facilities whose HL7 date/times without an offset are in another zone than HL7_TIME_ZONE: `FAC2=America/Denver,FAC3=America/Phoenix`'),
  HL7_UNHANDLED: unhandledRules
    .optional()
    .describe('what becomes of messages of a type the gateway does not translate, by type: `keep` (an hl7v2.unhandled event holding the text: the default), `record` (the event without the text: type, sender, MSH-10 and the SHA-256 of the bytes), `refuse` (AR with ERR 200/201, the copy in quarantine); the most specific rule wins: `MDM^T02=keep,SIU=refuse,*=record`'),
  HL7_ORDER_OBSERVATIONS: observationFilter.describe(
    'which observations (OBX) of an order its events carry: `all`, `none`, or the OBX-3 codes to keep, primary or alternate, a trailing `*` taking every code that begins so (`29463-7,8302-2,2160-0,33914-3,34714-6`: weight, height, creatinine, eGFR, INR); numbers, codes and dates only, never text',
  ),
  HL7_ADMINISTRATION_OBSERVATIONS: observationFilter.describe(
    'which observations (OBX) of an administration (RAS, VXU) its events carry, as HL7_ORDER_OBSERVATIONS (`30963-3,64994-7,29769-7`: vaccine funding source, funding eligibility, date the VIS was presented)',
  ),
  HL7_ADT_OBSERVATIONS: observationFilter.describe(
    'which observations (OBX) of an ADT message its patient.update carries, as HL7_ORDER_OBSERVATIONS (`29463-7,3141-9,8302-2`: body weight measured and stated, height): the admission weight a dose is calculated by',
  ),
  HL7_RESULT_OBSERVATIONS: observationFilter.describe(
    'which results (OBX) of an ORU^R01 reach the ledger as patient.observation events, as HL7_ORDER_OBSERVATIONS (`2160-0,33914-3,6301-6,2823-3`: creatinine, eGFR, INR, potassium); a message with none of them goes the way HL7_UNHANDLED says, so pair a list with `ORU=record` there; `none` leaves result messages untranslated',
  ),
  HL7_ADT_DIAGNOSES: codeFilter('DG1-3').describe(
    'which diagnoses (DG1) of an ADT message its patient.update carries: `all`, `none`, or the DG1-3 codes to keep, primary or alternate, a trailing `*` taking every code that begins so (`N17*,N18*,N19*,K72*,K74*,O*,Z33*`: kidney failure, liver failure and cirrhosis, pregnancy); codes only, never the description, and never one its sender marks confidential (DG1-18 Y)',
  ),
  HL7_OUTBOUND_TARGETS: z
    .string()
    .transform((text, ctx) => {
      try {
        return parseOutboundTargets(text);
      } catch (err) {
        ctx.addIssue({ code: 'custom', message: err instanceof OutboundTargetsError ? err.message : String(err) });
        return z.NEVER;
      }
    })
    .optional()
    .describe('EHRs that get dispenses back as HL7 v2 (RDS^O13), one per facility: `FAC1=host:port[,tls][,app=APP][,facility=FAC][,reversal=rds-ca|rde-ca|rds-negative][,ack=enhanced][,charset=8859/1…][,sender=APP^FAC][,ca=|cert=|key=FILE][,answer_timeout_ms=|connect_timeout_ms=|idle_close_ms=N];FAC2=…` (adapters/hl7v2/README.md)'),
  HL7_OUTBOUND_APP: hdText.default('RXGATE').describe('MSH-3 (sending application) of outbound HL7 messages'),
  HL7_OUTBOUND_FACILITY: hdText.optional().describe('MSH-4 (sending facility) of outbound HL7 messages (default: the event\'s facility id)'),
  HL7_OUTBOUND_PROCESSING_ID: z.enum(['P', 'T', 'D']).default('P').describe('MSH-11 of outbound HL7 messages: production, training, debugging'),
  HL7_OUTBOUND_ANSWER_TIMEOUT_MS: z.coerce.number().int().min(1).default(30_000).describe('wait for an EHR\'s ACK; then the connection is dropped and the message resent'),
  HL7_OUTBOUND_CONNECT_TIMEOUT_MS: z.coerce.number().int().min(1).default(10_000).describe('wait for the TCP/TLS connection to an EHR'),
  HL7_OUTBOUND_IDLE_CLOSE_MS: z.coerce.number().int().min(0).default(60_000).describe('close the connection to an EHR after this long without a message, before a firewall drops it silently (0: keep it open until the EHR closes it)'),
  HL7_OUTBOUND_RETRY_ATTEMPTS: z.coerce.number().int().min(1).max(20).default(3).describe('sends of one message per delivery before it is handed back to the bus to wait'),
  HL7_OUTBOUND_RETRY_DELAY_MS: z.coerce.number().int().min(0).default(1000).describe('first wait between sends (doubling, at most 60 s; each wait is drawn between half and all of that, so that senders do not retry in step); also the first redelivery delay'),
  HL7_OUTBOUND_TLS_CA: z.string().optional().describe('PEM CA bundle that EHR certificates must chain to (targets with `tls`; default: Node\'s public roots)'),
  HL7_OUTBOUND_TLS_CERT: z.string().optional().describe('PEM client certificate for EHRs that require mutual TLS'),
  HL7_OUTBOUND_TLS_KEY: z.string().optional().describe('PEM private key of HL7_OUTBOUND_TLS_CERT'),
};

export type Hl7Config = z.output<z.ZodObject<typeof hl7ConfigShape>>;
