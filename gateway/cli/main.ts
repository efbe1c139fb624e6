import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { ConfigError, loadConfig, type Config } from '../config.ts';
import { createLogger } from '../log.ts';
import { startGateway } from '../main.ts';
import { mllpSend } from './mllp-send.ts';
import { DataDirLockedError } from '../store/data-dir-lock.ts';
import { openStore } from '../store/db.ts';
import { loadTrustedKeys } from '../checkpoints/keys.ts';
import { verifyLedgerAndCheckpoints, type AuditReport } from '../checkpoints/verify.ts';
import { migrateStore } from '../store/migrate.ts';

const USAGE = `usage: gateway <command>

  start                         run the gateway in the foreground (stops cleanly on SIGINT/SIGTERM)
  migrate                       apply database migrations and exit
  verify-ledger [--facility F]  recompute every ledger chain and check the signed checkpoints; exit 1 and name the first problem
  quarantine list [--adapter A] [--reason R] [--after N] [--limit N]
  quarantine show <id>          the entry with its raw bytes (compliance role)
  quarantine replay <id>        feed the raw bytes to their adapter again
  dlq list [--consumer C] [--after N] [--limit N]
  dlq replay <id>               hand a dead letter to the consumer that gave up on it
  trace <message-id> [--sender S] [--adapter A]
                                what became of a sender's message (HL7 MSH-10; sender as MSH-3^MSH-4): its answer,
                                ledger entries, parked events, quarantined copies and deliveries to EHRs
  history (--patient ID | --visit ID) [--authority A] [--type T] [--after N] [--limit N]
                                one patient's (or visit's) events in the ledger, by the identifier as the EHR writes
                                it (PID-3 / PV1-19: value, assigning authority, type), earlier merged records included;
                                ID - reads it from standard input, out of the shell's history and the process list
  mllp-status                   the MLLP listener and who is connected to it now
  outbound resend <facility> (--since T [--until T] | --event ID…) --reason R [--dry-run]
                                send a facility's dispenses to its EHR again, from the ledger: those recorded from
                                T (ISO 8601) until now or --until, or the events named (analyst role); --dry-run
                                only counts them
  outbound resends              the latest resends to EHRs and how far each got
  outbound cancel <resend-id>   cancel a running resend (it stops after the dispense it is sending)
  mllp-send FILE… [--host H] [--port P] [--tls] [--ca F] [--cert F --key F] [--servername N]
                                send HL7 v2 files over MLLP (default: this gateway's MLLP_HOST:MLLP_PORT, or
                                MLLP_TLS_PORT with TLS), print each ACK

Settings come from the environment (see the README). quarantine, dlq, trace, history, mllp-status and outbound talk to the running gateway's API at
GATEWAY_URL (default http://127.0.0.1:HTTP_PORT) with GATEWAY_TOKEN (default: the token in DATA_DIR/admin.token).`;

/** Returns the process exit code. Errors the user can fix are printed as one line, without a stack. */
export async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  try {
    switch (command) {
      case 'start':
        return await start(loadConfig());
      case 'migrate':
        return await migrate(loadConfig());
      case 'verify-ledger':
        return await verify(loadConfig(), rest);
      case 'mllp-send': {
        const config = loadConfig();
        return await mllpSend(rest, { host: config.MLLP_HOST, port: config.MLLP_PORT, tlsPort: config.MLLP_TLS_PORT });
      }
      case 'quarantine':
      case 'dlq':
        return await evidence(loadConfig(), command, rest);
      case 'trace':
        return await trace(loadConfig(), rest);
      case 'history':
        return await history(loadConfig(), rest);
      case 'mllp-status':
        console.log(JSON.stringify(await api(loadConfig(), 'GET', '/api/mllp/status'), null, 2));
        return 0;
      case 'outbound':
        return await outbound(loadConfig(), rest);
      case undefined:
      case 'help':
      case '--help':
      case '-h':
        console.log(USAGE);
        return command === undefined ? 2 : 0;
      default:
        console.error(`gateway: unknown command "${command}"\n\n${USAGE}`);
        return 2;
    }
  } catch (err) {
    if (err instanceof ConfigError || err instanceof DataDirLockedError || err instanceof CliError) {
      console.error(`gateway: ${err.message}`);
      return 2;
    }
    // Anything else that stops a command (store or bus unreachable, nats-server missing) is still one line;
    // LOG_LEVEL=debug adds the stack.
    const e = err instanceof Error ? err : new Error(String(err));
    console.error(`gateway: ${e.message}`);
    if (process.env.LOG_LEVEL === 'debug' || process.env.LOG_LEVEL === 'trace') console.error(e.stack);
    return 1;
  }
}

class CliError extends Error {}

async function start(config: Config): Promise<number> {
  const logger = createLogger(config.LOG_LEVEL);
  const gateway = await startGateway(config, logger);
  // SIGHUP: read the MLLP TLS certificate files again now (a renewal), instead of at the next periodic check.
  const reloadTls = () => {
    gateway.hl7.listener.reloadTls().then(
      (outcome) => logger.info({ signal: 'SIGHUP', outcome }, 'MLLP TLS certificate files read again'),
      (err: Error) => logger.error({ signal: 'SIGHUP', reason: 'tls_reload_failed', err: err.message }, 'MLLP TLS certificate not reloaded'),
    );
  };
  process.on('SIGHUP', reloadTls);
  const failure = await new Promise<Error | undefined>((resolve) => {
    const stop = (signal: string) => {
      logger.info({ signal }, 'stopping');
      resolve(undefined);
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
    void gateway.failed.then(resolve);
  });
  process.off('SIGHUP', reloadTls);
  await gateway.stop();
  if (failure) {
    logger.error({ exit_code: EXIT_START_AGAIN, error: failure.message }, 'stopped: start the gateway again');
    return EXIT_START_AGAIN;
  }
  logger.info('stopped');
  return 0;
}

/**
 * The exit code of a gateway that stopped because only a new start can go on (the server lost the events stream):
 * EX_TEMPFAIL, for a supervisor that restarts on failure (systemd Restart=on-failure, a container restart policy).
 */
export const EXIT_START_AGAIN = 75;

async function migrate(config: Config): Promise<number> {
  const store = await openStore({ databaseUrl: config.DATABASE_URL, dataDir: config.DATA_DIR, poolSize: 1 });
  try {
    await migrateStore(store, {
      waitMs: config.STARTUP_WAIT_S * 1000,
      onRetry: ({ server, attempt, delayMs, error }) => console.error(`${server} not reachable yet (attempt ${attempt}: ${error}); trying again in ${delayMs} ms`),
    });
    console.log(`migrations applied (${store.kind})`);
    return 0;
  } finally {
    await store.close();
  }
}

async function verify(config: Config, args: string[]): Promise<number> {
  const { values } = parseArgs({ args, options: { facility: { type: 'string' }, json: { type: 'boolean' } } });
  let report;
  try {
    const store = await openStore({ databaseUrl: config.DATABASE_URL, dataDir: config.DATA_DIR, poolSize: 2 });
    try {
      report = await verifyLedgerAndCheckpoints(store, await loadTrustedKeys(config), { chain: values.facility });
    } finally {
      await store.close();
    }
  } catch (err) {
    // The embedded store is held by a running gateway: ask it instead.
    if (!(err instanceof DataDirLockedError)) throw err;
    const q = values.facility ? `?facility=${encodeURIComponent(values.facility)}` : '';
    report = (await api(config, 'GET', `/api/ledger/verify${q}`)) as AuditReport;
  }
  if (values.json) console.log(JSON.stringify(report, null, 2));
  else {
    for (const c of report.chains) console.log(`chain ${c.chain}: ${c.entries} entries, head ${c.head_seq} ${c.head_hash}`);
    const cp = report.checkpoints;
    if (cp.latest) console.log(`checkpoints: ${cp.checked} verified, newest ${cp.latest.number} at ${cp.latest.created_at} (key ${cp.latest.key_id})`);
    else if (!cp.first_problem) console.log('checkpoints: none yet');
    if (report.first_break) console.log(`LEDGER BROKEN: ${report.first_break.message}`);
    if (cp.first_problem) console.log(`CHECKPOINT FAILED: ${cp.first_problem.message}`);
    if (report.ok) console.log('ledger verified: every chain is intact and matches its signed checkpoints');
  }
  return report.ok ? 0 : 1;
}

async function evidence(config: Config, kind: 'quarantine' | 'dlq', args: string[]): Promise<number> {
  const [action, ...rest] = args;
  const { values, positionals } = parseArgs({
    args: rest,
    allowPositionals: true,
    options: { adapter: { type: 'string' }, reason: { type: 'string' }, consumer: { type: 'string' }, after: { type: 'string' }, limit: { type: 'string' } },
  });
  const id = positionals[0];
  switch (action) {
    case 'list': {
      const q = new URLSearchParams(Object.entries(values).filter(([, v]) => v !== undefined) as [string, string][]);
      console.log(JSON.stringify(await api(config, 'GET', `/api/${kind}?${q}`), null, 2));
      return 0;
    }
    case 'show':
      if (!id) throw new CliError(`${kind} show needs an id`);
      console.log(JSON.stringify(await api(config, 'GET', `/api/${kind}/${encodeURIComponent(id)}`), null, 2));
      return 0;
    case 'replay':
      if (!id) throw new CliError(`${kind} replay needs an id`);
      console.log(JSON.stringify(await api(config, 'POST', `/api/${kind}/${encodeURIComponent(id)}/replay`), null, 2));
      return 0;
    default:
      throw new CliError(`${kind} needs one of: list, show <id>, replay <id>`);
  }
}

async function trace(config: Config, args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({ args, allowPositionals: true, options: { sender: { type: 'string' }, adapter: { type: 'string' } } });
  const [messageId] = positionals;
  if (!messageId) throw new CliError('trace needs a message id (HL7 MSH-10)');
  const q = new URLSearchParams({ message_id: messageId });
  for (const [k, v] of Object.entries(values)) if (v !== undefined) q.set(k, v);
  console.log(JSON.stringify(await api(config, 'GET', `/api/trace?${q}`), null, 2));
  return 0;
}

async function history(config: Config, args: string[]): Promise<number> {
  const { values } = parseArgs({
    args,
    options: { patient: { type: 'string' }, visit: { type: 'string' }, authority: { type: 'string' }, type: { type: 'string' }, after: { type: 'string' }, limit: { type: 'string' } },
  });
  if ((values.patient === undefined) === (values.visit === undefined)) throw new CliError('history needs either --patient ID or --visit ID (- to read it from standard input)');
  const given = (values.patient ?? values.visit)!;
  const value = given === '-' ? (await readStdin()).trim() : given;
  const identifier = { value, authority: values.authority ?? '', type: values.type ?? '' };
  const kind = values.patient !== undefined ? 'patient' : 'encounter';
  const token = (await api(config, 'POST', '/api/tokens', { [kind]: identifier })) as { patient_ref?: string; encounter_ref?: string; known: boolean; merged_from?: string[] };
  const q = new URLSearchParams(
    kind === 'patient' ? { patient_ref: [token.patient_ref!, ...(token.merged_from ?? [])].join(',') } : { encounter_ref: token.encounter_ref! },
  );
  if (values.after !== undefined) q.set('after', values.after);
  if (values.limit !== undefined) q.set('limit', values.limit);
  const page = (await api(config, 'GET', `/api/ledger?${q}`)) as { entries: unknown[]; next_after?: number };
  console.log(JSON.stringify({ ...token, ...page }, null, 2));
  return 0;
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

async function outbound(config: Config, args: string[]): Promise<number> {
  const [action, ...rest] = args;
  if (action === 'resends') {
    console.log(JSON.stringify(await api(config, 'GET', '/api/outbound/resends'), null, 2));
    return 0;
  }
  if (action === 'cancel') {
    const [id] = rest;
    if (!id) throw new CliError('outbound cancel needs the id of a resend (gateway outbound resends lists them)');
    console.log(JSON.stringify(await api(config, 'DELETE', `/api/outbound/resends/${encodeURIComponent(id)}`), null, 2));
    return 0;
  }
  if (action !== 'resend') throw new CliError('outbound needs one of: resend <facility> …, resends, cancel <resend-id>');
  const { values, positionals } = parseArgs({
    args: rest,
    allowPositionals: true,
    options: { since: { type: 'string' }, until: { type: 'string' }, event: { type: 'string', multiple: true }, reason: { type: 'string' }, 'dry-run': { type: 'boolean' } },
  });
  const [facility] = positionals;
  if (!facility) throw new CliError('outbound resend needs the facility whose EHR gets the dispenses');
  if (!values.reason) throw new CliError('outbound resend needs --reason (it is kept with the resend, in the ledger)');
  const body = { since: values.since, until: values.until, event_ids: values.event, reason: values.reason, dry_run: values['dry-run'] };
  console.log(JSON.stringify(await api(config, 'POST', `/api/outbound/${encodeURIComponent(facility)}/resend`, body), null, 2));
  return 0;
}

async function api(config: Config, method: string, path: string, body?: unknown): Promise<unknown> {
  const base = config.GATEWAY_URL ?? `http://127.0.0.1:${config.HTTP_PORT}`;
  let token = config.GATEWAY_TOKEN;
  if (!token) {
    try {
      token = (await readFile(join(config.DATA_DIR, 'admin.token'), 'utf8')).trim();
    } catch {
      throw new CliError('set GATEWAY_TOKEN (no DATA_DIR/admin.token to fall back on)');
    }
  }
  let res: Response;
  try {
    res = await fetch(new URL(path, base), {
      method,
      headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? null : JSON.stringify(body),
    });
  } catch (err) {
    throw new CliError(`cannot reach the gateway at ${base}: ${(err as Error).message} (is it running? set GATEWAY_URL)`);
  }
  const answer = (await res.json().catch(() => null)) as { error?: { message?: string; details?: unknown } } | null;
  if (!res.ok) {
    const details = answer?.error?.details === undefined ? '' : ` ${JSON.stringify(answer.error.details)}`;
    throw new CliError(`${method} ${path} answered ${res.status}: ${answer?.error?.message ?? res.statusText}${details}`);
  }
  return answer;
}
