/**
 * bench/ledger: canonical events (~1 KB) from JetStream publish to ledger row, through the real ledger writer.
 *
 *   npx tsx bench/ledger/run.ts [--events 50000] [--rate 5000] [--pglite-rate 1000] [--seconds 10] [--stores postgres,pglite]
 *
 * Prints one JSON line per case:
 *   - `ledger` saturating: publish with a window of in-flight events, report events/s and publish→commit latency;
 *   - `ledger` paced: offer --rate events/s for --seconds and report the latency a sender sees at that rate;
 *   - `jetstream_publish`: the raw publish rate with the server's default fsync, with `sync_interval: always` where
 *     the server accepts it (2.10+), and into an R3 stream of a three-node loopback cluster (the durable setting
 *     2.9 offers), awaiting each publish and with 256 in flight.
 * Needs PostgreSQL on 127.0.0.1:5432 (BENCH_DATABASE_ADMIN_URL) and nats-server on PATH; it starts its own
 * nats-servers in a temporary folder so that nothing else on the machine shares them.
 */
import { spawnSync } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import pino from 'pino';
import { freshDatabase } from '../fresh-database.ts';
import { connectBus, type Bus } from '../../gateway/bus/connection.ts';
import { startEmbeddedNats, type EmbeddedNats } from '../../gateway/bus/embedded-nats.ts';
import { publishEvent } from '../../gateway/bus/publish.ts';
import { ensureStreams } from '../../gateway/bus/streams.ts';
import { uuidv7 } from '../../gateway/events/ids.ts';
import { createMetrics } from '../../gateway/metrics.ts';
import { openStore, type Store } from '../../gateway/store/db.ts';
import { migrateStore } from '../../gateway/store/migrate.ts';
import { benchEvent } from './bench-event.ts';
import { startLocalCluster } from './nats-cluster.ts';
import { LedgerCommitWaiter } from '../../gateway/workers/ledger-commits.ts';
import { startLedgerWriter } from '../../gateway/workers/ledger-writer.ts';

const { values: args } = parseArgs({
  options: {
    events: { type: 'string', default: '50000' },
    rate: { type: 'string', default: '5000' },
    'pglite-rate': { type: 'string', default: '1000' },
    seconds: { type: 'string', default: '10' },
    window: { type: 'string', default: '1024' },
    stores: { type: 'string', default: 'postgres,pglite' },
  },
});
const logger = pino({ level: 'warn' });
const FACILITIES = Array.from({ length: 20 }, (_, i) => `FAC${String(i).padStart(2, '0')}`);
const makeEvent = (n: number, run: string) => benchEvent(n, run, FACILITIES[n % FACILITIES.length]!);

function percentile(sorted: number[], p: number): number {
  return sorted.length === 0 ? 0 : sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

const round = (x: number, d = 1) => Math.round(x * 10 ** d) / 10 ** d;


/** Publishes `count` events (or paces them at `rate`/s) and measures publish → ledger commit per event. */
async function runLedgerCase(
  bus: Bus,
  store: Store,
  o: { count: number; window: number; rate?: number },
): Promise<Record<string, number>> {
  const metrics = createMetrics();
  const writer = await startLedgerWriter({
    bus, store, metrics, logger, instanceId: 'bench', partitions: 4, batchMax: 500, maxDeliver: 5, ackWaitMs: 30_000, leaseTtlMs: 15_000,
  });
  const waiter = new LedgerCommitWaiter(bus);
  await waiter.ready(bus);
  const run = uuidv7().slice(-8);
  const latencies: number[] = [];
  const pubAck: number[] = [];
  const started = performance.now();
  let inFlight = 0;
  let next = 0;
  await new Promise<void>((resolve, reject) => {
    const send = () => {
      const e = makeEvent(next++, run);
      inFlight++;
      const t0 = performance.now();
      const expectation = waiter.expect(e.idempotency_key, 60_000);
      publishEvent(bus, e, 4)
        .then(() => {
          pubAck.push(performance.now() - t0);
          return expectation.committed;
        })
        .then((c) => {
          if (!c) throw new Error('commit not announced');
          latencies.push(performance.now() - t0);
          inFlight--;
          if (latencies.length === o.count) resolve();
          else if (!o.rate) fill();
        })
        .catch(reject);
    };
    // Saturating: keep `window` events in flight. Paced: every 2 ms send what the schedule says is due.
    const fill = () => {
      while (next < o.count && inFlight < o.window) send();
    };
    if (!o.rate) return fill();
    const ticker = setInterval(() => {
      const due = Math.min(o.count, Math.floor(((performance.now() - started) / 1000) * o.rate!));
      while (next < due) send();
      if (next >= o.count) clearInterval(ticker);
    }, 2);
  });
  const seconds = (performance.now() - started) / 1000;
  const batches = await metrics.ledgerBatchSize.get();
  const appends = await metrics.ledgerAppendSeconds.get();
  const total = (m: typeof batches, name: string) => m.values.find((v) => v.metricName === name)?.value ?? 0;
  const batchCount = total(batches, 'rxgate_ledger_batch_events_count');
  await writer.stop();
  waiter.close();
  latencies.sort((a, b) => a - b);
  pubAck.sort((a, b) => a - b);
  return {
    events: o.count,
    events_per_s: round(o.count / seconds, 0),
    p50_ms: round(percentile(latencies, 50), 2),
    p99_ms: round(percentile(latencies, 99), 2),
    // what a sender would wait for with ACK_POINT=bus
    puback_p50_ms: round(percentile(pubAck, 50), 2),
    puback_p99_ms: round(percentile(pubAck, 99), 2),
    mean_batch_events: round(total(batches, 'rxgate_ledger_batch_events_sum') / batchCount, 1),
    mean_batch_ms: round((1000 * total(appends, 'rxgate_ledger_append_seconds_sum')) / batchCount, 2),
  };
}

async function rawPublishRate(bus: Bus, count: number, window: number, subject = 'ev.gen.p0.RAW.inv.count'): Promise<number> {
  const payload = JSON.stringify(makeEvent(0, 'raw'));
  const started = performance.now();
  let sent = 0;
  const worker = async () => {
    while (sent < count) {
      const n = sent++;
      await bus.js.publish(subject, payload, { msgID: `raw-${window}-${n}-${started}` });
    }
  };
  await Promise.all(Array.from({ length: window }, worker));
  return round(count / ((performance.now() - started) / 1000), 0);
}

/** Raw publish rate into an R3 stream of a three-node loopback cluster. */
async function clusterPublishRates(): Promise<Record<string, number>> {
  const dir = await mkdtemp(join(tmpdir(), 'rxgate-bench-cluster-'));
  const cluster = await startLocalCluster(dir);
  try {
    const { connect } = await import('@nats-io/transport-node');
    const { jetstream, jetstreamManager } = await import('@nats-io/jetstream');
    const nc = await connect({ servers: cluster.url.split(','), noAsyncTraces: true });
    let jsm;
    for (let i = 0; ; i++) {
      try {
        jsm = await jetstreamManager(nc);
        await jsm.streams.add({ name: 'R3', subjects: ['r3.>'], num_replicas: 3 });
        break;
      } catch (err) {
        if (i > 100) throw err; // JetStream needs a meta leader first
        await new Promise((r) => setTimeout(r, 200));
      }
    }
    const bus = { js: jetstream(nc), names: { namespace: '' } } as unknown as Bus;
    const result = { await_each_msgs_per_s: await rawPublishRate(bus, 5_000, 1, 'r3.x'), in_flight_256_msgs_per_s: await rawPublishRate(bus, 30_000, 256, 'r3.x') };
    await nc.close();
    return result;
  } finally {
    await cluster.stop();
    await rm(dir, { recursive: true, force: true });
  }
}

async function withNats<T>(fn: (nats: EmbeddedNats, bus: Bus) => Promise<T>): Promise<T> {
  const dir = await mkdtemp(join(tmpdir(), 'rxgate-bench-'));
  const nats = await startEmbeddedNats({ bin: 'nats-server', dataDir: dir });
  const bus = await connectBus(nats.url, 'bench');
  await ensureStreams(bus, { duplicateWindowMs: 120_000 });
  try {
    return await fn(nats, bus);
  } finally {
    await bus.close();
    await nats.stop();
    await rm(dir, { recursive: true, force: true });
  }
}

function emit(line: Record<string, unknown>): void {
  process.stdout.write(`${JSON.stringify(line)}\n`);
}

const machine = { cores: (await import('node:os')).cpus().length, node: process.version, nats_server: spawnSync('nats-server', ['--version'], { encoding: 'utf8' }).stdout.trim() };

for (const storeKind of args.stores!.split(',')) {
  const pg = storeKind === 'postgres' ? await freshDatabase('rxgate_bench') : null;
  const dataDir = await mkdtemp(join(tmpdir(), 'rxgate-bench-store-'));
  const store = await openStore({ databaseUrl: pg?.url, dataDir, poolSize: 10 });
  await migrateStore(store);
  try {
    const count = storeKind === 'pglite' ? Math.min(Number(args.events), 20_000) : Number(args.events);
    await withNats(async (nats, bus) => {
      const saturating = await runLedgerCase(bus, store, { count, window: Number(args.window) });
      emit({ bench: 'ledger', mode: 'saturating', store: storeKind, nats_sync: nats.sync, window: Number(args.window), ...saturating, machine });
    });
    await withNats(async (nats, bus) => {
      const rate = Number(storeKind === 'pglite' ? args['pglite-rate'] : args.rate);
      const paced = await runLedgerCase(bus, store, { count: rate * Number(args.seconds), window: 100_000, rate });
      emit({ bench: 'ledger', mode: 'paced', offered_per_s: rate, store: storeKind, nats_sync: nats.sync, ...paced, machine });
    });
  } finally {
    await store.close();
    await pg?.drop();
    await rm(dataDir, { recursive: true, force: true });
  }
}

await withNats(async (nats, bus) => {
  const awaitEach = await rawPublishRate(bus, 10_000, 1);
  const windowed = await rawPublishRate(bus, 50_000, 256);
  emit({ bench: 'jetstream_publish', nats_sync: nats.sync, await_each_msgs_per_s: awaitEach, in_flight_256_msgs_per_s: windowed, machine });
  if (nats.sync !== 'always') {
    emit({
      bench: 'jetstream_publish',
      nats_sync: 'always',
      skipped: `nats-server ${nats.version} refuses sync_interval (it exists from 2.10); see README "Durability"`,
    });
  }
});
emit({ bench: 'jetstream_publish', nats_sync: 'r3_cluster', ...(await clusterPublishRates()), machine });
