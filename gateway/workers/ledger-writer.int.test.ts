import pino from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { publishEvent } from '../bus/publish.ts';
import { connectBus } from '../bus/connection.ts';
import { openTestBus, TEST_NATS_URL } from '../bus/test-support.ts';
import { idempotencyKey, sha256Hex, uuidv7 } from '../events/ids.ts';
import type { CanonicalEvent } from '../events/schema.ts';
import { createMetrics } from '../metrics.ts';
import { appendEvents, listLedger, verifyLedger } from '../store/ledger.ts';
import { withTestStores } from '../store/test-support.ts';
import { LedgerCommitWaiter } from './ledger-commits.ts';
import { startLedgerWriter, type LedgerWriter } from './ledger-writer.ts';

/** The ledger writer on real JetStream, on both stores: one row per idempotency key, chains in publish order. */

const stores = await withTestStores();
const logger = pino({ level: 'silent' });

let counter = 0;
function event(facility: string, messageId = `M${++counter}`): CanonicalEvent {
  const raw = sha256Hex(messageId);
  return {
    id: uuidv7(),
    type: 'inv.count',
    facility_id: facility,
    occurred_at: '2026-11-21T10:00:00Z',
    received_at: new Date().toISOString(),
    source: { adapter: 'test', sender: 'CAB^HOSP', message_id: messageId, raw_sha256: raw },
    correlation_id: messageId,
    idempotency_key: idempotencyKey('CAB^HOSP', messageId, raw),
    drug: { ndc11: '00591036901', schedule: 'NC' },
    quantity: { value: 1, unit: 'EA' },
    payload: { n: messageId },
  } as CanonicalEvent;
}

async function until(condition: () => Promise<boolean>, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe.each(stores)('ledger writer on $kind', ({ store }) => {
  let bus: Awaited<ReturnType<typeof openTestBus>>;
  let writer: LedgerWriter | undefined;
  const start = async (localCommits?: LedgerCommitWaiter) =>
    (writer = await startLedgerWriter({
      bus, store, metrics: createMetrics(), logger, instanceId: `w-${uuidv7()}`, partitions: 2, batchMax: 100,
      maxDeliver: 3, ackWaitMs: 2_000, leaseTtlMs: 3_000, localCommits,
    }));
  const rowsOf = async (facility: string) => (await listLedger(store, { facility, limit: 1000 })).entries;

  beforeEach(async () => {
    bus = await openTestBus();
  });
  afterEach(async () => {
    await writer?.stop();
    writer = undefined;
    await bus.cleanup();
  });

  it('writes one row for an event published twice under one idempotency key', async () => {
    const facility = `DUP${counter}`;
    const e = event(facility);
    await publishEvent(bus, e, 2);
    await publishEvent(bus, { ...e, id: uuidv7() }, 2, `${e.idempotency_key}:again`); // past JetStream's dedupe
    await start();
    await until(async () => (await bus.jsm.consumers.info(bus.names.streams.events, `ledger-p${0}`)).num_pending === 0
      && (await bus.jsm.consumers.info(bus.names.streams.events, `ledger-p${1}`)).num_pending === 0
      && (await bus.jsm.consumers.info(bus.names.streams.events, `ledger-p${0}`)).num_ack_pending === 0
      && (await bus.jsm.consumers.info(bus.names.streams.events, `ledger-p${1}`)).num_ack_pending === 0);
    const rows = await rowsOf(facility);
    expect(rows.map((r) => [r.seq, r.event_id])).toEqual([[1, e.id]]);
  });

  it('tells the waiter of its own instance of a commit directly, not only through the bus', async () => {
    const waiter = new LedgerCommitWaiter(bus);
    waiter.close(); // no announcement reaches it over the bus: only the writer's direct word can
    await start(waiter);
    const facility = `LOCAL${counter}`;
    const e = event(facility);
    const expectation = waiter.expect(e.idempotency_key, 10_000);
    await publishEvent(bus, e, 2);
    expect(await expectation.committed).toEqual({ k: e.idempotency_key, id: e.id, chain: facility, seq: 1 });
  });

  it('announces a commit to the waiters of other instances, on connections that do not hear their own publishes', async () => {
    // Each gateway connects with noEcho; what one instance's writer commits must still reach another's edge.
    const writerBus = await connectBus(TEST_NATS_URL, 'writer-instance', bus.names.namespace, { noEcho: true });
    const edgeBus = await connectBus(TEST_NATS_URL, 'edge-instance', bus.names.namespace, { noEcho: true });
    const waiter = new LedgerCommitWaiter(edgeBus);
    try {
      await waiter.ready(edgeBus);
      writer = await startLedgerWriter({
        bus: writerBus, store, metrics: createMetrics(), logger, instanceId: `w-${uuidv7()}`, partitions: 2, batchMax: 100,
        maxDeliver: 3, ackWaitMs: 2_000, leaseTtlMs: 3_000,
      });
      const e = event(`REMOTE${counter}`);
      const expectation = waiter.expect(e.idempotency_key, 10_000);
      await publishEvent(edgeBus, e, 2);
      expect(await expectation.committed).toEqual({ k: e.idempotency_key, id: e.id, chain: e.facility_id, seq: 1 });
    } finally {
      waiter.close();
      await writer?.stop();
      writer = undefined;
      await writerBus.close();
      await edgeBus.close();
    }
  });

  it('writes one row when a writer committed but died before acking, and the message comes again', async () => {
    const facility = `CRASH${counter}`;
    const e = event(facility);
    await publishEvent(bus, e, 2);
    // What a writer that died between its commit and its ack leaves behind: the row, and an unacked message.
    await appendEvents(store, [e], () => new Date());
    await start();
    const partitionConsumers = ['ledger-p0', 'ledger-p1'];
    await until(async () => {
      const infos = await Promise.all(partitionConsumers.map((c) => bus.jsm.consumers.info(bus.names.streams.events, c)));
      return infos.every((i) => i.num_pending === 0 && i.num_ack_pending === 0) && infos.some((i) => i.delivered.stream_seq >= 1);
    });
    expect((await rowsOf(facility)).map((r) => r.seq)).toEqual([1]);
  });

  it('keeps every facility\'s chain in publish order, facilities interleaved across partitions', async () => {
    const facilities = ['ORD-A', 'ORD-B', 'ORD-C'].map((f) => `${f}${counter}`);
    const published: Record<string, string[]> = Object.fromEntries(facilities.map((f) => [f, []]));
    await start();
    const events = Array.from({ length: 150 }, (_, i) => event(facilities[i % 3]!));
    for (let i = 0; i < events.length; i += 25) {
      const slice = events.slice(i, i + 25);
      await Promise.all(slice.map((e) => publishEvent(bus, e, 2)));
      for (const e of slice) published[e.facility_id]!.push(e.id);
    }
    await until(async () => (await Promise.all(facilities.map(rowsOf))).every((rows) => rows.length === 50));
    for (const f of facilities) {
      const rows = await rowsOf(f);
      expect(rows.map((r) => r.seq)).toEqual(Array.from({ length: 50 }, (_, i) => i + 1));
      expect(rows.map((r) => r.event_id)).toEqual(published[f]);
    }
    const report = await verifyLedger(store);
    expect(report.ok).toBe(true);
  });
});
