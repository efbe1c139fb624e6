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
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import postgres from 'postgres';
import { connectBus } from '../../gateway/bus/connection.ts';
import { startEmbeddedNats } from '../../gateway/bus/embedded-nats.ts';
import { ensureStreams } from '../../gateway/bus/streams.ts';
import { freshDatabase } from '../fresh-database.ts';
import { percentile, round } from './stats.ts';

const { values: args } = parseArgs({
  options: { count: { type: 'string', default: '3000' }, bytes: { type: 'string', default: '1500' } },
});
const count = Number(args.count);
const body = 'x'.repeat(Number(args.bytes));

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

const db = await freshDatabase('rxgate_bench_floor');
const sql = postgres(db.url, { max: 1, onnotice: () => undefined });
try {
  await sql`create table floor (id bigserial primary key, body jsonb not null)`;
  const row = JSON.stringify({ body });
  // autocommit: each insert is its own transaction, so each waits for its WAL flush (synchronous_commit)
  emit({ step: 'postgres_commit', bytes: row.length, ...(await timeEach(() => sql`insert into floor (body) values (${row}::jsonb)`)) });
} finally {
  await sql.end();
  await db.drop();
}

const dir = await mkdtemp(join(tmpdir(), 'rxgate-bench-floor-'));
const nats = await startEmbeddedNats({ bin: 'nats-server', dataDir: dir });
try {
  const bus = await connectBus(nats.url, 'bench-floor');
  await ensureStreams(bus, { duplicateWindowMs: 120_000 });
  let n = 0;
  const payload = JSON.stringify({ body });
  emit({
    step: 'jetstream_puback',
    nats_sync: nats.sync,
    bytes: payload.length,
    ...(await timeEach(() => bus.js.publish(bus.names.eventSubject({ facility_id: 'FLOOR', type: 'inv.count' }, 4), payload, { msgID: `floor-${n++}` }))),
  });
  await bus.close();
} finally {
  await nats.stop();
  await rm(dir, { recursive: true, force: true });
}
