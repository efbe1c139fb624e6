/**
 * bench/mappings: the drug resolver and the FDA directory import.
 *
 *   npx tsx bench/mappings/run.ts [--seconds 5] [--connections 32] [--stores postgres,pglite]
 *
 * Prints one JSON line per measure:
 *   - `lookup_in_process`: NDC → drug + schedule from the resolver cache (35,319 drugs of the FDA unfinished-drug
 *     package list), codes written in their original layouts and as NDC-11, lookups/s on one core (goal ≥ 1,000,000);
 *   - `lookup_http`: GET /api/mappings/lookup?ndc=… on a running gateway (PostgreSQL, embedded nats-server), from a
 *     bounded loopback client in a worker thread with keep-alive connections, requests/s (goal ≥ 5,000);
 *   - `import_fda_packages`: the 35,321-line package file imported into empty tables (35,319 drugs), seconds
 *     (goal ≤ 5), then the same file again (nothing changes), per store.
 * Needs PostgreSQL on 127.0.0.1:5432 (BENCH_DATABASE_ADMIN_URL) and nats-server on PATH (or in /usr/sbin).
 */
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { Worker } from 'node:worker_threads';
import pino from 'pino';
import { freshDatabase } from '../fresh-database.ts';
import { loadConfig } from '../../gateway/config.ts';
import { startGateway } from '../../gateway/main.ts';
import { openStore, type Store } from '../../gateway/store/db.ts';
import { migrateStore } from '../../gateway/store/migrate.ts';
import { readFdaDirectory } from '../../mappings/import-fda.ts';
import { createDrugResolver, type DrugCode } from '../../mappings/resolver.ts';
import type { DeaSchedule } from '../../mappings/schedule.ts';
import { MappingService } from '../../mappings/service.ts';

const { values: args } = parseArgs({
  options: {
    seconds: { type: 'string', default: '5' },
    connections: { type: 'string', default: '32' },
    stores: { type: 'string', default: 'postgres,pglite' },
  },
});
const SECONDS = Number(args.seconds);
const PACKAGE_FILE = new URL('../../conformance/ndc/openfda__ndc_unfinished_package.txt', import.meta.url);
const logger = pino({ level: 'warn' });
const round = (x: number, d = 1) => Math.round(x * 10 ** d) / 10 ** d;
const print = (o: Record<string, unknown>) => console.log(JSON.stringify({ bench: 'mappings', ...o }));
const SCHEDULES: DeaSchedule[] = ['II', 'III', 'IV', 'V', 'NC', 'NC', 'NC', 'NC'];


function packageRows() {
  const read = readFdaDirectory({ package: { name: 'package.txt', bytes: new Uint8Array(readFileSync(PACKAGE_FILE)) } }, { verifiedAt: new Date().toISOString() });
  return read.drugs.map((d) => ({ ndc11: d.input.ndc11 as string, original: d.input.ndc_original as string, description: d.input.description as string }));
}

function lookupInProcess(): void {
  const rows = packageRows();
  // Schedules are bench values (the unfinished-drug list has none), spread so every class is exercised.
  const resolver = createDrugResolver({
    drugs: rows.map((r) => ({ ndc11: r.ndc11, description: r.description })),
    schedules: rows.map((r, i) => ({ ndc11: r.ndc11, schedule: SCHEDULES[i % SCHEDULES.length]! })),
  });
  const codes: DrugCode[][] = [];
  for (let i = 0; i < rows.length; i++) codes.push([{ system: 'NDC', code: i % 2 === 0 ? rows[i]!.original : rows[i]!.ndc11 }]);
  let sink = 0;
  const run = (ms: number) => {
    const end = performance.now() + ms;
    let n = 0;
    while (performance.now() < end) {
      for (let i = 0; i < 10_000; i++) {
        const r = resolver.resolve(codes[(n + i) % codes.length]!, 'HOSP1');
        if (r.matchedBy === 'ndc') sink++;
      }
      n += 10_000;
    }
    return n;
  };
  run(500); // warm-up (JIT)
  const started = performance.now();
  const n = run(SECONDS * 1000);
  const perSecond = n / ((performance.now() - started) / 1000);
  if (sink === 0) throw new Error('no lookup matched');
  print({ case: 'lookup_in_process', drugs: rows.length, lookups: n, lookups_per_s: Math.round(perSecond), goal_per_s: 1_000_000, meets_goal: perSecond >= 1_000_000 });
}

async function importFda(kind: 'postgres' | 'pglite'): Promise<void> {
  const db = kind === 'postgres' ? await freshDatabase('rxgate_bench_map') : undefined;
  const dataDir = await mkdtemp(join(tmpdir(), 'rxgate-bench-map-'));
  let store: Store | undefined;
  try {
    store = await openStore({ databaseUrl: db?.url, dataDir, poolSize: 4 });
    await migrateStore(store);
    const service = new MappingService({ store, resolver: createDrugResolver(), logger, chain: 'MAPPINGS' });
    const bytes = new Uint8Array(readFileSync(PACKAGE_FILE));
    const ctx = { actor: 'admin:bench', reason: 'bench import' };
    for (const run of ['empty_tables', 'unchanged'] as const) {
      const started = performance.now();
      const report = await service.importFda({ package: { name: 'package.txt', bytes } }, { dryRun: false }, ctx);
      const seconds = (performance.now() - started) / 1000;
      print({ case: 'import_fda_packages', store: kind, run, lines: 35_321, counts: report.counts, seconds: round(seconds, 2), goal_s: 5, meets_goal: seconds <= 5 });
    }
  } finally {
    await store?.close();
    await db?.drop();
    await rm(dataDir, { recursive: true, force: true });
  }
}

/** A bounded loopback client in a worker thread: `connections` keep-alive connections, each one request at a time. */
const CLIENT = `
const { parentPort, workerData } = require('node:worker_threads');
const http = require('node:http');
const { port, token, paths, seconds, connections } = workerData;
const agent = new http.Agent({ keepAlive: true, maxSockets: connections });
const latencies = [];
let ok = 0, failed = 0, i = 0;
const end = Date.now() + seconds * 1000;
function one() {
  return new Promise((resolve) => {
    const path = paths[i++ % paths.length];
    const t = process.hrtime.bigint();
    const req = http.get({ host: '127.0.0.1', port, path, agent, headers: { authorization: 'Bearer ' + token } }, (res) => {
      res.resume();
      res.on('end', () => {
        latencies.push(Number(process.hrtime.bigint() - t) / 1e6);
        if (res.statusCode === 200) ok++; else failed++;
        resolve();
      });
    });
    req.on('error', () => { failed++; resolve(); });
  });
}
async function loop() { while (Date.now() < end) await one(); }
const started = Date.now();
Promise.all(Array.from({ length: connections }, loop)).then(() => {
  latencies.sort((a, b) => a - b);
  const p = (q) => latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))] || 0;
  parentPort.postMessage({ ok, failed, seconds: (Date.now() - started) / 1000, p50: p(0.5), p99: p(0.99) });
  agent.destroy();
});
`;

async function lookupHttp(): Promise<void> {
  const db = await freshDatabase('rxgate_bench_map');
  const dataDir = await mkdtemp(join(tmpdir(), 'rxgate-bench-map-gw-'));
  const token = 'bench-token-0123456789abcdef';
  const gw = await startGateway(
    loadConfig({
      HTTP_PORT: '0',
      MLLP_PORT: '0',
      DATA_DIR: dataDir,
      DATABASE_URL: db.url,
      NATS_SERVER_BIN: process.env.NATS_SERVER_BIN ?? (process.env.PATH?.includes('/usr/sbin') ? 'nats-server' : '/usr/sbin/nats-server'),
      AUTH_TOKENS: `pharmacist:${token}`,
      LOG_LEVEL: 'warn',
    }),
    logger,
  );
  try {
    const bytes = new Uint8Array(readFileSync(PACKAGE_FILE));
    await gw.mappings.service.importFda({ package: { name: 'package.txt', bytes } }, { dryRun: false }, { actor: 'admin:bench', reason: 'bench import' });
    const rows = packageRows();
    for (const [i, r] of rows.entries()) gw.mappings.resolver.applySchedule(r.ndc11, SCHEDULES[i % SCHEDULES.length]!); // cache only
    const paths = rows.slice(0, 5000).map((r) => `/api/mappings/lookup?ndc=${encodeURIComponent(r.original)}`);
    const connections = Number(args.connections);
    const result = await new Promise<{ ok: number; failed: number; seconds: number; p50: number; p99: number }>((resolve, reject) => {
      const w = new Worker(CLIENT, { eval: true, workerData: { port: gw.httpPort, token, paths, seconds: SECONDS, connections } });
      w.once('message', resolve);
      w.once('error', reject);
    });
    const perSecond = result.ok / result.seconds;
    print({
      case: 'lookup_http',
      connections,
      requests: result.ok,
      failed: result.failed,
      requests_per_s: Math.round(perSecond),
      p50_ms: round(result.p50, 2),
      p99_ms: round(result.p99, 2),
      goal_per_s: 5_000,
      meets_goal: perSecond >= 5_000 && result.failed === 0,
    });
  } finally {
    await gw.stop();
    await db.drop();
    await rm(dataDir, { recursive: true, force: true });
  }
}

lookupInProcess();
for (const kind of args.stores.split(',') as ('postgres' | 'pglite')[]) await importFda(kind);
await lookupHttp();
