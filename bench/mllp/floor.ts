/**
 * bench/mllp/floor.ts: the least a durable ACK must wait for on this machine, one message at a time — one
 * PostgreSQL commit of a ledger-sized row (the ledger ack point) and one JetStream PubAck of an event (the bus ack
 * point) — beside which bench/mllp's one-connection figures can be read.
 *
 *   npx tsx bench/mllp/floor.ts [--count 3000] [--bytes 1500]
 *
 * One JSON line per step: {"bench":"durable_floor","step":"postgres_commit"|"jetstream_puback",p50_ms,p99_ms,per_s}.
 * PostgreSQL on 127.0.0.1:5432 (a fresh database, BENCH_DATABASE_ADMIN_URL), nats-server started in a temporary
 * folder with the gateway's own configuration (file storage).
 *
 * Then what PostgreSQL spends, in CPU, on the ledger's own append (appendEvents into the migrated schema, four
 * writers at once, as the ledger writer and its neighbours do): one line per batch size,
 * {"step":"ledger_commit_cpu",rows_per_commit,pg_cpu_ms_per_commit,pg_cpu_ms_per_row,commits_per_s} — the part of
 * each message's CPU that batching can and cannot take away (Linux only: read from /proc).
 */
import { parseArgs } from 'node:util';
import { openStore } from '../../gateway/store/db.ts';
import { appendEvents, ChainHeads } from '../../gateway/store/ledger.ts';
import { migrateStore } from '../../gateway/store/migrate.ts';
import { freshDatabase } from '../fresh-database.ts';
import { benchEvent } from '../ledger/bench-event.ts';
import { cpuAccountingAvailable, postgresCpuSeconds } from './cpu.ts';
import { openDurableSteps } from './durable-steps.ts';
import { percentile, round } from './stats.ts';

const { values: args } = parseArgs({
  options: {
    count: { type: 'string', default: '3000' },
    bytes: { type: 'string', default: '1500' },
    'cpu-seconds': { type: 'string', default: '4' },
  },
});
const count = Number(args.count);

async function timeEach(step: () => Promise<unknown>): Promise<{ p50_ms: number; p99_ms: number; per_s: number }> {
  for (let i = 0; i < Math.min(200, count); i++) await step(); // warm connections and caches
  const latencies = new Float64Array(count);
  const started = performance.now();
  for (let i = 0; i < count; i++) {
    const t = performance.now();
    await step();
    latencies[i] = performance.now() - t;
  }
  const elapsed = performance.now() - started;
  latencies.sort();
  return { p50_ms: round(percentile(latencies, 50), 3), p99_ms: round(percentile(latencies, 99), 3), per_s: Math.round(count / (elapsed / 1000)) };
}

const emit = (line: Record<string, unknown>) => process.stdout.write(`${JSON.stringify({ bench: 'durable_floor', ...line })}\n`);

const durable = await openDurableSteps('floor', Number(args.bytes));
try {
  emit({ step: 'postgres_commit', bytes: durable.bytes, ...(await timeEach(durable.commit)) });
  emit({ step: 'jetstream_puback', nats_sync: durable.natsSync, bytes: durable.bytes, ...(await timeEach(durable.puback)) });
} finally {
  await durable.close();
}

if (cpuAccountingAvailable()) {
  const ledgerDb = await freshDatabase('rxgate_bench_floor_ledger');
  const store = await openStore({ databaseUrl: ledgerDb.url, dataDir: '', poolSize: 4 });
  try {
    await migrateStore(store);
    let n = 0;
    for (const rows of [1, 2, 8, 32]) {
      const writers = Array.from({ length: 4 }, (_, w) => ({ facility: `FLOOR${rows}W${w}`, heads: new ChainHeads() }));
      const appendOnce = (w: (typeof writers)[number]) =>
        appendEvents(store, Array.from({ length: rows }, () => benchEvent(n++, 'floor', w.facility)), () => new Date(), w.heads);
      for (const w of writers) for (let i = 0; i < 20; i++) await appendOnce(w); // heads known, statements prepared
      const deadline = performance.now() + Number(args['cpu-seconds']) * 1000;
      const cpuBefore = postgresCpuSeconds();
      let commits = 0;
      const started = performance.now();
      await Promise.all(
        writers.map(async (w) => {
          while (performance.now() < deadline) {
            await appendOnce(w);
            commits++;
          }
        }),
      );
      const cpuMs = (postgresCpuSeconds() - cpuBefore) * 1000;
      emit({
        step: 'ledger_commit_cpu',
        rows_per_commit: rows,
        writers: writers.length,
        pg_cpu_ms_per_commit: round(cpuMs / commits, 3),
        pg_cpu_ms_per_row: round(cpuMs / (commits * rows), 3),
        commits_per_s: Math.round(commits / ((performance.now() - started) / 1000)),
      });
    }
  } finally {
    await store.close();
    await ledgerDb.drop();
  }
}
