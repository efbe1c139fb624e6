import { z } from 'zod';
import { NAMESPACE_PATTERN } from './bus/subjects.ts';
import { facilityIdSchema } from './events/schema.ts';
import { hl7ConfigShape } from '../adapters/hl7v2/config.ts';

/**
 * Every setting of the gateway, read from the environment. This schema is the one source of truth for the
 * configuration: the README's configuration table is written from it, and nothing else reads process.env.
 */

const port = z.coerce.number().int().min(0).max(65535);
const positiveInt = z.coerce.number().int().positive();
const bool = z
  .enum(['true', 'false', '1', '0', 'yes', 'no'])
  .transform((v) => v === 'true' || v === '1' || v === 'yes');

export const configSchema = z.object({
  HTTP_PORT: port.default(8080).describe('port of the HTTP API, FHIR and UI'),
  HTTP_HOST: z.string().min(1).default('127.0.0.1').describe('address the HTTP server binds (0.0.0.0 for all)'),
  DATA_DIR: z.string().min(1).default('./data').describe('folder for the embedded PGlite store and NATS store'),
  DATABASE_URL: z
    .string()
    .regex(/^postgres(ql)?:\/\//, 'a postgres:// or postgresql:// URL')
    .optional()
    .describe('external PostgreSQL; unset means embedded PGlite in DATA_DIR/pg'),
  DATABASE_POOL_SIZE: positiveInt.default(10).describe('PostgreSQL connections per gateway process'),
  NATS_URL: z
    .string()
    .regex(/^(nats|tls|wss?):\/\//, 'a nats://host:port URL')
    .optional()
    .describe('external NATS with JetStream; unset means the gateway starts nats-server on loopback'),
  BUS_NAMESPACE: z
    .string()
    .regex(NAMESPACE_PATTERN, 'letters, digits and - (at most 32)')
    .default('')
    .describe('prefix of every stream, subject and bucket, to share one NATS between deployments'),
  STARTUP_WAIT_S: z.coerce
    .number()
    .int()
    .min(0)
    .default(60)
    .describe('at start, how long to keep retrying an external PostgreSQL or NATS that refuses or does not answer connections (0: one try)'),
  NATS_SERVER_BIN: z.string().min(1).default('nats-server').describe('nats-server binary for the embedded bus'),
  NATS_EMBEDDED_PORT: port.default(0).describe('port of the embedded nats-server (0 picks a free one)'),
  ACK_POINT: z
    .enum(['ledger', 'bus'])
    .default('ledger')
    .describe('when senders get a positive ack: after the ledger commit, or after the JetStream PubAck'),
  ACK_TIMEOUT_MS: positiveInt.default(10_000).describe('how long an edge waits for its ack point before 503'),
  PARTITIONS: z.coerce.number().int().min(1).max(256).default(4).describe('ordering partitions (fixed per deployment)'),
  DUPLICATE_WINDOW_S: positiveInt.default(86_400).describe('JetStream duplicate window of the EVENTS stream'),
  EVENTS_MAX_AGE_DAYS: z.coerce
    .number()
    .min(0)
    .default(7)
    .describe(
      'how long the EVENTS stream keeps an event (0: for ever); the ledger is the lasting record. An event still waiting for a consumer (an EHR or a store that is down) is deleted at this age too: rxgate_consumer_backlog_age_seconds, and a warning once a backlog is half this old, say when one gets close',
    ),
  EVENTS_MAX_BYTES: z.coerce
    .number()
    .int()
    .min(0)
    .default(0)
    .describe('largest size of the EVENTS stream in bytes (0: no limit but the disk); once full, new events are refused (HL7 AR, HTTP 503 bus_full) and none is dropped'),
  QUARANTINE_MAX_BYTES: z.coerce
    .number()
    .int()
    .min(0)
    .default(0)
    .describe('largest size of the QUARANTINE stream in bytes (0: no limit but the disk); once full, input that would be kept there is answered HL7 AR / HTTP 503 (resend later) instead, so a flood of bad input cannot fill the disk the events need'),
  MAX_DELIVER: z.coerce.number().int().min(1).max(1000).default(5).describe('deliveries before a message goes to DLQ'),
  ACK_WAIT_MS: positiveInt
    .default(5_000)
    .describe(
      'redelivery timeout of an unacknowledged message; what a consumer holds is kept from redelivery meanwhile, so this is how long a delivery lost with a NATS connection (or a crashed gateway) waits before it is sent again, and how long (and a second) a consumer that finds such deliveries, after a reconnect or at its start, holds back the messages behind them to keep the order',
    ),
  LEDGER_BATCH_MAX: z.coerce.number().int().min(1).max(5000).default(500).describe('events per ledger transaction'),
  LEASE_TTL_MS: z.coerce.number().int().min(1000).default(15_000).describe('partition ownership lease lifetime'),
  AUTH_TOKENS: z
    .string()
    .optional()
    .describe('comma-separated role:token pairs (roles: analyst, pharmacist, compliance, admin, system)'),
  AUTH_TOKENS_FILE: z.string().optional().describe('file with one role:token pair per line (# comments allowed)'),
  PHI_TOKEN_KEY: z.string().optional().describe('HMAC key of patient tokens: 32 bytes as base64 or 64 hex (default: made once in DATA_DIR/keys)'),
  PHI_VAULT_KEY: z.string().optional().describe('AES-256-GCM key of the PHI vault: 32 bytes as base64 or 64 hex (default: made once in DATA_DIR/keys)'),
  LEDGER_SIGNING_KEY: z
    .string()
    .optional()
    .describe('Ed25519 private key (32-byte seed as base64 or 64 hex) that signs ledger checkpoints (default: made once in DATA_DIR/keys)'),
  LEDGER_VERIFY_KEYS: z
    .string()
    .optional()
    .describe('comma-separated Ed25519 public keys (32 bytes, base64 or hex) whose checkpoints verify-ledger trusts (default: this gateway\'s own)'),
  LEDGER_CHECKPOINT_INTERVAL_S: z.coerce
    .number()
    .int()
    .min(0)
    .default(300)
    .describe('how often the heads of all ledger chains are signed when they moved (0: only on request)'),
  MAPPINGS_CHAIN: facilityIdSchema
    .default('MAPPINGS')
    .describe('ledger chain (facility_id) of the mapping.change compliance events written when a DEA schedule mapping changes'),
  MAPPINGS_REFRESH_MS: z.coerce
    .number()
    .int()
    .min(1000)
    .default(30_000)
    .describe('how often the drug resolver cache reloads the mapping tables (changes made through this gateway apply at once) and parked events are swept'),
  MAPPINGS_IMPORT_MAX_BYTES: positiveInt.default(256 * 1024 * 1024).describe('largest mapping import (FDA directory files, CSV) accepted over HTTP'),
  ...hl7ConfigShape,
  HEAP_GROWING_PERCENT: z.coerce
    .number()
    .int()
    .min(0)
    .max(1000)
    .default(400)
    .describe('how far the JavaScript heap may grow past what is live before the next full garbage collection, in percent (0: V8 decides); higher means fewer full collections and more memory'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info').describe('log level of the JSON logs'),
  INSTANCE_ID: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, 'letters, digits, _ and - (1-64)').optional()
    .describe('name of this gateway instance, unique per running process (default: host-pid)'),
  GATEWAY_URL: z.url().optional().describe('CLI only: the running gateway (default http://127.0.0.1:HTTP_PORT)'),
  GATEWAY_TOKEN: z.string().min(16).optional().describe('CLI only: bearer token (default: DATA_DIR/admin.token)'),
  TEST_CRASH_AFTER_PUBACK: bool.default(false).describe('test only: SIGKILL self after a PubAck, before the ledger write'),
});

export type Config = z.infer<typeof configSchema>;

export class ConfigError extends Error {
  constructor(
    readonly variable: string,
    readonly expected: string,
  ) {
    super(`configuration error: ${variable} ${expected}`);
    this.name = 'ConfigError';
  }
}

/** Parses the environment; the first bad variable becomes a ConfigError naming it and what it expects. */
export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
  const relevant: Record<string, string> = {};
  for (const key of Object.keys(configSchema.shape)) {
    const value = env[key];
    if (value !== undefined && value !== '') relevant[key] = value;
  }
  const parsed = configSchema.safeParse(relevant);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const variable = String(issue.path[0] ?? 'environment');
    throw new ConfigError(variable, `must be ${describeExpectation(issue)} (got ${JSON.stringify(relevant[variable])})`);
  }
  const { EVENTS_MAX_AGE_DAYS, DUPLICATE_WINDOW_S } = parsed.data;
  if (EVENTS_MAX_AGE_DAYS > 0 && EVENTS_MAX_AGE_DAYS * 86_400 < DUPLICATE_WINDOW_S) {
    // JetStream recognises a repeat by the first copy's message id; once that copy is deleted, a repeat is not one.
    throw new ConfigError('EVENTS_MAX_AGE_DAYS', `must be 0 or cover DUPLICATE_WINDOW_S (${DUPLICATE_WINDOW_S} s = ${DUPLICATE_WINDOW_S / 86_400} days), got ${EVENTS_MAX_AGE_DAYS}`);
  }
  if (parsed.data.AUTH_TOKENS && parsed.data.AUTH_TOKENS_FILE) {
    throw new ConfigError('AUTH_TOKENS_FILE', 'must not be set together with AUTH_TOKENS (choose one)');
  }
  return parsed.data;
}

function describeExpectation(issue: z.core.$ZodIssue): string {
  switch (issue.code) {
    case 'invalid_value':
      return `one of ${issue.values.map((v) => String(v)).join(', ')}`;
    case 'too_small':
      return `at least ${String(issue.minimum)}`;
    case 'too_big':
      return `at most ${String(issue.maximum)}`;
    case 'invalid_type':
      return issue.expected === 'int' ? 'a whole number' : `a ${issue.expected}`;
    case 'invalid_format':
      return issue.message.startsWith('Invalid') ? `in the form ${issue.format}` : issue.message;
    default:
      return issue.message;
  }
}
