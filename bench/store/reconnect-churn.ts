/**
 * bench/store/reconnect-churn.ts: how the PostgreSQL driver behind the store (postgres.js, with the gateway's own
 * pool options from gateway/store/postgres-client.ts) comes through repeated short losses of its connections.
 *
 *   npx tsx bench/store/reconnect-churn.ts [--runs 5] [--blips 10] [--callers 6] [--pool 4]
 *
 * Each run is a child process: `--callers` loops keep querying (a small select, a transaction holding an advisory
 * lock, a select with a 2 KB parameter) through a loopback relay (gateway/outage-proxy.ts) that is cut `--blips`
 * times for 0.1–0.7 s. Four seconds after the last blip every query should have settled, and the pool should be
 * answering. One JSON line per run, {"bench":"pg_reconnect_churn",driver,done,failed,stuck,progress_2s,crashed}:
 * `stuck` counts queries still unsettled, `crashed` says the child died of an uncaught exception (its message is
 * in `error`). Against a database on 127.0.0.1:5432 (BENCH_DATABASE_ADMIN_URL).
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { startOutageProxy } from '../../gateway/outage-proxy.ts';
import { createPostgresClient } from '../../gateway/store/postgres-client.ts';
import { BENCH_ADMIN_URL } from '../fresh-database.ts';

const { values: args } = parseArgs({
  options: {
    runs: { type: 'string', default: '5' },
    blips: { type: 'string', default: '10' },
    callers: { type: 'string', default: '6' },
    pool: { type: 'string', default: '4' },
    child: { type: 'boolean', default: false },
  },
});

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
// The package does not export its manifest; it is read where npm put it.
const driverVersion = (): string =>
  `postgres ${(JSON.parse(readFileSync(new URL('../../node_modules/postgres/package.json', import.meta.url), 'utf8')) as { version: string }).version}`;

async function churn(): Promise<void> {
  const admin = new URL(BENCH_ADMIN_URL);
  const proxy = await startOutageProxy(Number(admin.port || 5432));
  admin.port = String(proxy.port);
  const sql = createPostgresClient(admin.toString(), Number(args.pool));
  const started = new Map<number, number>();
  let next = 0;
  let done = 0;
  let failed = 0;
  let stop = false;
  const caller = async (lockKey: number) => {
    while (!stop) {
      const id = next++;
      started.set(id, Date.now());
      try {
        if (id % 3 === 0) await sql`select ${id}::int as n`;
        else if (id % 3 === 1) await sql.begin(async (tx) => void (await tx`select pg_advisory_xact_lock(${lockKey})`));
        else await sql`select ${'x'.repeat(2000)}::text as t`;
        done++;
      } catch {
        failed++;
        await sleep(10);
      }
      started.delete(id);
    }
  };
  const callers = Array.from({ length: Number(args.callers) }, (_, k) => caller(k));
  for (let blip = 0; blip < Number(args.blips); blip++) {
    await sleep(200 + Math.random() * 300);
    await proxy.cut();
    await sleep(100 + Math.random() * 600);
    await proxy.restore();
  }
  await sleep(4000);
  const now = Date.now();
  const stuck = [...started.values()].filter((at) => now - at > 3500).length;
  const before = done;
  await sleep(2000);
  console.log(JSON.stringify({ done, failed, stuck, progress_2s: done - before }));
  stop = true;
  void callers;
  process.exit(0);
}

async function run(index: number): Promise<void> {
  const child = spawn(process.execPath, [...process.execArgv, fileURLToPath(import.meta.url), '--child', '--blips', args.blips, '--callers', args.callers, '--pool', args.pool], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (err += chunk.toString()));
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  const result = out.trim() ? (JSON.parse(out.trim().split('\n').pop()!) as Record<string, number>) : {};
  const crashed = code !== 0;
  const error = crashed ? (err.split('\n').find((line) => /Error/.test(line)) ?? `exit ${code}`).trim() : undefined;
  console.log(JSON.stringify({ bench: 'pg_reconnect_churn', run: index, driver: driverVersion(), blips: Number(args.blips), callers: Number(args.callers), pool: Number(args.pool), ...result, crashed, ...(error ? { error } : {}) }));
}

if (args.child) await churn();
else for (let i = 1; i <= Number(args.runs); i++) await run(i);
