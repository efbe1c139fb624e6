import pino from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { idempotencyKey, sha256Hex, uuidv7 } from '../events/ids.ts';
import type { CanonicalEvent } from '../events/schema.ts';
import { startBatchConsumer, TransientError, type BusMessage } from './consumer.ts';
import { getDeadLetter, listDeadLetters, replayDeadLetter } from './dead-letter.ts';
import { startPartitionLeases } from './partition-leases.ts';
import { publishEvent } from './publish.ts';
import { toHeaders } from './evidence-stream.ts';
import { findQuarantinedByMessage, getQuarantined, listQuarantine, quarantine, replayQuarantined } from './quarantine.ts';
import { ensureStreams } from './streams.ts';
import { openTestBus, TEST_NATS_URL } from './test-support.ts';
import { connectBus, type Bus } from './connection.ts';

const logger = pino({ level: 'silent' });
type TestBus = Awaited<ReturnType<typeof openTestBus>>;

function event(facility: string, messageId: string, type: CanonicalEvent['type'] = 'rx.dispense'): CanonicalEvent {
  const raw = sha256Hex(`raw-${messageId}`);
  return {
    id: uuidv7(),
    type,
    facility_id: facility,
    occurred_at: '2026-11-01T10:00:00Z',
    received_at: '2026-11-01T10:00:01.000Z',
    source: { adapter: 'test', sender: 'EHR^HOSP', message_id: messageId, raw_sha256: raw },
    correlation_id: `c-${messageId}`,
    idempotency_key: idempotencyKey('EHR^HOSP', messageId, raw),
    drug: { ndc11: '00591036901', schedule: 'II' },
    payload: { n: messageId },
  } as CanonicalEvent;
}

async function until(condition: () => boolean | Promise<boolean>, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 25));
  }
}

describe('bus on real NATS JetStream', () => {
  let bus: TestBus;
  beforeEach(async () => {
    bus = await openTestBus();
  });
  afterEach(async () => {
    await bus.cleanup();
  });

  it('creates the streams idempotently with the configured duplicate window', async () => {
    await ensureStreams(bus, { duplicateWindowMs: 120_000 });
    await ensureStreams(bus, { duplicateWindowMs: 120_000 });
    const info = await bus.jsm.streams.info(bus.names.streams.events);
    expect(info.config.subjects).toEqual([`${bus.names.namespace}.ev.>`]);
    expect(info.config.duplicate_window).toBe(120_000 * 1_000_000);
    expect(info.config.storage).toBe('file');
  });

  it('publishes on the class/partition subject and drops a repeat of the same idempotency key', async () => {
    const e = event('HOSP1', 'MSG1');
    const first = await publishEvent(bus, e, 4);
    const again = await publishEvent(bus, { ...e, id: uuidv7() }, 4);
    expect(first.duplicate).toBe(false);
    expect(again.duplicate).toBe(true);
    expect(again.stream_seq).toBe(first.stream_seq);
    expect(first.subject).toMatch(new RegExp(`^${bus.names.namespace}\\.ev\\.ctl\\.p[0-3]\\.HOSP1\\.rx\\.dispense$`));
    const info = await bus.jsm.streams.info(bus.names.streams.events);
    expect(info.state.messages).toBe(1);
  });

  it('dead-letters a poison message with its failure history and lets its neighbours through', async () => {
    for (const id of ['A', 'POISON', 'B']) await publishEvent(bus, event('HOSP1', id), 1);
    const handled: string[] = [];
    const handle = async (batch: BusMessage[]) => {
      const ids = batch.map((m) => (JSON.parse(new TextDecoder().decode(m.data)) as CanonicalEvent).source.message_id);
      if (ids.includes('POISON')) throw new Error(`cannot handle ${ids.join(',')}`);
      handled.push(...ids);
    };
    const consumer = await startBatchConsumer({
      bus,
      stream: bus.names.streams.events,
      durable: 'test-poison',
      filterSubject: bus.names.partitionFilter(0),
      ackWaitMs: 5_000,
      maxDeliver: 3,
      batchMax: 10,
      backoffMs: () => 50,
      logger,
      handle,
    });
    try {
      await until(async () => (await listDeadLetters(bus, { limit: 10 })).entries.length === 1);
      const { entries } = await listDeadLetters(bus, { limit: 10 });
      const dead = entries[0]!;
      expect(dead.consumer).toBe('test-poison');
      expect(dead.deliveries).toBe(3);
      expect(dead.failures.map((f) => f.delivery)).toEqual([1, 2, 3]);
      expect(dead.failures[2]!.error).toContain('cannot handle POISON');
      expect(JSON.parse(dead.body).source.message_id).toBe('POISON');
      expect(handled.sort()).toEqual(['A', 'B']);
      // The server holds nothing back for it: terminated, not left pending until its ack wait runs out.
      await until(async () => (await bus.jsm.consumers.info(bus.names.streams.events, 'test-poison')).num_ack_pending === 0, 2_000); // well within its 5 s ack wait
      const info = await bus.jsm.consumers.info(bus.names.streams.events, 'test-poison');
      expect([info.num_ack_pending, info.num_pending, info.ack_floor.stream_seq]).toEqual([0, 0, info.delivered.stream_seq]);

      // Replay goes to the named consumer's handler only; here it still fails, and that is recorded.
      const failed = await replayDeadLetter(bus, dead.id, new Map([['test-poison', handle]]), 'admin:test');
      expect(failed).toEqual({ replayed: false, error: 'cannot handle POISON' });
      const fixed = await replayDeadLetter(bus, dead.id, new Map([['test-poison', async () => undefined]]), 'admin:test');
      expect(fixed).toEqual({ replayed: true });
      expect((await getDeadLetter(bus, dead.id))!.state).toMatchObject({ status: 'replayed', by: 'admin:test' });
    } finally {
      await consumer.stop();
    }
  });

  it('retries transient failures in place, never dead-letters them, and keeps the partition in order', async () => {
    for (const id of ['T1', 'T2']) await publishEvent(bus, event('HOSP2', id), 1);
    let outage = true;
    let attempts = 0;
    const handled: string[] = [];
    const consumer = await startBatchConsumer({
      bus,
      stream: bus.names.streams.events,
      durable: 'test-transient',
      filterSubject: bus.names.partitionFilter(0),
      // Shorter than the outage: what is held must not come back as a second delivery meanwhile.
      ackWaitMs: 1_000,
      maxDeliver: 2,
      batchMax: 10,
      backoffMs: () => 50,
      logger,
      handle: async (batch) => {
        attempts++;
        if (outage) throw new TransientError('store down');
        handled.push(...batch.map((m) => new TextDecoder().decode(m.data)).map((text) => (JSON.parse(text) as CanonicalEvent).source.message_id));
      },
    });
    try {
      await until(() => attempts >= 4); // past maxDeliver, still no dead letter
      // Published during the outage: it waits behind the failing batch instead of overtaking it.
      await publishEvent(bus, event('HOSP2', 'T3'), 1);
      await new Promise((r) => setTimeout(r, 2_500));
      expect(handled).toEqual([]);
      expect((await listDeadLetters(bus, { limit: 10 })).entries).toHaveLength(0);
      outage = false;
      await until(() => handled.length >= 3);
      await new Promise((r) => setTimeout(r, 200));
      expect(handled).toEqual(['T1', 'T2', 'T3']);
      const info = await bus.jsm.consumers.info(bus.names.streams.events, 'test-transient');
      expect(info.num_redelivered).toBe(0);
      expect(info.num_ack_pending).toBe(0);
    } finally {
      await consumer.stop();
    }
  });

  it('stops at once while a batch fails transiently, and the next worker of the partition gets the batch', async () => {
    await publishEvent(bus, event('HOSP2', 'S1'), 1);
    let attempts = 0;
    const spec = {
      bus,
      stream: bus.names.streams.events,
      durable: 'test-transient-stop',
      filterSubject: bus.names.partitionFilter(0),
      ackWaitMs: 6_000,
      maxDeliver: 5,
      batchMax: 10,
      backoffMs: () => 20_000, // the pause is then half of ack_wait: 3 s
      logger,
    };
    const failing = await startBatchConsumer({
      ...spec,
      handle: async () => {
        attempts++;
        throw new TransientError('store down');
      },
    });
    await until(() => attempts >= 1);
    const started = Date.now();
    await failing.stop();
    expect(Date.now() - started).toBeLessThan(1_500);
    expect(attempts).toBe(1);

    const handled: number[] = [];
    const next = await startBatchConsumer({ ...spec, handle: async (batch) => void handled.push(...batch.map((m) => m.seq)) });
    try {
      await until(() => handled.length >= 1, 12_000);
      expect(handled).toEqual([1]);
    } finally {
      await next.stop();
    }
  });

  it('takes the message a dead worker held before the ones published since, when it starts in its place', async () => {
    await publishEvent(bus, event('HOSP2', 'D1'), 1);
    const spec = {
      stream: bus.names.streams.events,
      durable: 'test-dead-holder',
      filterSubject: bus.names.partitionFilter(0),
      ackWaitMs: 1_500,
      maxDeliver: 5,
      batchMax: 10,
      logger,
    };
    // A worker on a connection of its own takes D1 and dies with it: its connection is gone, nothing handed back.
    const doomedBus = await connectBus(TEST_NATS_URL, 'doomed', bus.names.namespace);
    let release: () => void = () => undefined;
    let taken = false;
    const doomed = await startBatchConsumer({
      ...spec,
      bus: doomedBus,
      handle: () => new Promise<void>((resolve) => ((taken = true), (release = resolve))),
    });
    await until(() => taken);
    await doomedBus.nc.close();
    await publishEvent(bus, event('HOSP2', 'D2'), 1);

    const handled: string[] = [];
    const next = await startBatchConsumer({ ...spec, bus, handle: async (batch) => void handled.push(...batch.map((m) => (JSON.parse(new TextDecoder().decode(m.data)) as CanonicalEvent).source.message_id)) });
    try {
      await until(() => handled.length >= 2, 12_000);
      expect(handled).toEqual(['D1', 'D2']); // D2 arrived at once, D1 only after ack_wait: held, then in stream order
    } finally {
      await next.stop();
      release();
      await doomed.stop();
    }
  });

  it('keeps rejected input raw in quarantine and replays it through its adapter', async () => {
    const raw = new TextEncoder().encode('{"not":"an event"}');
    const id = await quarantine(bus, {
      adapter: 'api',
      reason: 'invalid_event',
      message: 'bad',
      details: [{ field: 'type', message: 'required' }],
      correlation_id: 'corr-1',
      content_type: 'application/json',
      raw,
      received_at: '2026-11-01T00:00:00.000Z',
    });
    await quarantine(bus, { adapter: 'hl7v2', reason: 'parse', message: 'x', correlation_id: 'c2', raw, received_at: '2026-11-01T00:00:00.000Z' });
    const listed = await listQuarantine(bus, { limit: 10, adapter: 'api' });
    expect(listed.entries.map((e) => e.id)).toEqual([id]);
    expect(listed.entries[0]).toMatchObject({ reason: 'invalid_event', correlation_id: 'corr-1', size: raw.length });
    const found = await getQuarantined(bus, id);
    expect(new TextDecoder().decode(found!.raw)).toBe('{"not":"an event"}');
    expect(found!.entry.details).toEqual([{ field: 'type', message: 'required' }]);

    let seen = '';
    const outcome = await replayQuarantined(
      bus,
      id,
      new Map([['api', async (bytes: Uint8Array) => ((seen = new TextDecoder().decode(bytes)), { accepted: true as const, event_ids: ['e1'] })]]),
      'analyst:test',
    );
    expect(outcome).toEqual({ accepted: true, event_ids: ['e1'] });
    expect(seen).toBe('{"not":"an event"}');
    // The entry stays (evidence) and records what became of it.
    expect((await getQuarantined(bus, id))!.entry.state).toMatchObject({ status: 'replayed', by: 'analyst:test' });
  });

  it('lists quarantine by adapter and reason, and finds a message\'s copies by its id, without reading the stream through', async () => {
    const kept = (adapter: string, reason: string, source?: { sender?: string; message_id: string }) =>
      quarantine(bus, { adapter, reason, message: 'm', correlation_id: 'c', raw: new Uint8Array([1]), received_at: '2026-11-01T00:00:00.000Z', source });
    // An entry kept before the subject named the message id: quarantine.<adapter>.<reason>, no source headers.
    const legacy = (await bus.publisher.publish(bus.names.subjects.quarantineAll.replace('>', 'trace.old'), new Uint8Array([2]), {
      headers: toHeaders({ 'Rxgate-Adapter': 'trace', 'Rxgate-Reason': 'old' }),
    })).seq;
    const a = await kept('trace', 'parse', { sender: 'EHR^H1', message_id: 'M 1.*' });
    const between = await Promise.all(Array.from({ length: 30 }, (_, i) => kept('other', 'parse', { sender: 'EHR^H1', message_id: `N${i}` })));
    const b = await kept('trace', 'translate', { sender: 'EHR^H2', message_id: 'M 1.*' });
    const c = await kept('trace', 'parse');
    const d = await kept('trace', 'old', { message_id: 'M2' });

    const byAdapter = await listQuarantine(bus, { limit: 10, adapter: 'trace' });
    expect(byAdapter.entries.map((e) => e.id)).toEqual([legacy, a, b, c, d]);
    expect(byAdapter.next_after).toBeUndefined();
    expect((await listQuarantine(bus, { limit: 10, adapter: 'trace', reason: 'old' })).entries.map((e) => e.id)).toEqual([legacy, d]);
    // Paged: the cursor is the last entry returned, and a page is followed only when more entries are there.
    const first = await listQuarantine(bus, { limit: 2, adapter: 'trace', reason: 'parse' });
    expect(first).toMatchObject({ entries: [{ id: a }, { id: c }] });
    expect(first.next_after).toBeUndefined();
    const paged = await listQuarantine(bus, { limit: 1, adapter: 'trace', reason: 'parse' });
    expect(paged.entries.map((e) => e.id)).toEqual([a]);
    expect((await listQuarantine(bus, { limit: 1, adapter: 'trace', reason: 'parse', after: paged.next_after })).entries.map((e) => e.id)).toEqual([c]);

    const copies = await findQuarantinedByMessage(bus, { message_id: 'M 1.*', limit: 10 });
    expect(copies.entries.map((e) => [e.id, e.reason, e.source])).toEqual([
      [a, 'parse', { sender: 'EHR^H1', message_id: 'M 1.*' }],
      [b, 'translate', { sender: 'EHR^H2', message_id: 'M 1.*' }],
    ]);
    expect((await findQuarantinedByMessage(bus, { message_id: 'M 1.*', sender: 'EHR^H2', limit: 10 })).entries.map((e) => e.id)).toEqual([b]);
    expect((await findQuarantinedByMessage(bus, { message_id: 'M 1.*', adapter: 'other', limit: 10 })).entries).toEqual([]);
    // One entry among thirty-odd: found with a handful of requests, not one per entry in the stream.
    const requestsBefore = bus.nc.stats().outMsgs;
    expect((await findQuarantinedByMessage(bus, { message_id: 'N7', limit: 10 })).entries.map((e) => e.id)).toEqual([between[7]]);
    expect(bus.nc.stats().outMsgs - requestsBefore).toBeLessThan(8);
    expect((await findQuarantinedByMessage(bus, { message_id: 'nobody', limit: 10 })).entries).toEqual([]);
    // Headers are single lines: an id with a line break is kept with a blank for it, and still found by the id as sent.
    const multiLine = await kept('api', 'invalid_event', { sender: 'pos 7', message_id: 'A:1\r\nB' });
    expect((await findQuarantinedByMessage(bus, { message_id: 'A:1\r\nB', limit: 10 })).entries.map((e) => [e.id, e.source])).toEqual([
      [multiLine, { sender: 'pos 7', message_id: 'A:1 B' }],
    ]);
  });

  it('gives each partition one owner, hands partitions over on stop, and moves a dead owner\'s after its TTL', async () => {
    const owners: Record<string, Set<number>> = { a: new Set(), b: new Set(), c: new Set() };
    const start = (who: 'a' | 'b' | 'c', on: Bus) =>
      startPartitionLeases({
        bus: on,
        name: 'test',
        partitions: 4,
        instanceId: who,
        ttlMs: 1_500,
        logger,
        onAcquire: async (p) => void owners[who]!.add(p),
        onRelease: async (p) => void owners[who]!.delete(p),
      });
    const a = await start('a', bus);
    const busB = await connectBus(TEST_NATS_URL, 'lease-b', bus.names.namespace);
    const b = await start('b', busB);
    expect(owners.a!.size).toBe(4);
    expect(owners.b!.size).toBe(0);

    await a.stop(); // a clean stop releases at once
    await until(() => owners.b!.size === 4, 5_000);
    expect(b.owned()).toEqual([0, 1, 2, 3]);

    const c = await start('c', bus);
    expect(owners.c!.size).toBe(0);
    await busB.close(); // b dies without releasing: its leases lapse after the TTL
    await until(() => owners.c!.size === 4, 8_000);
    await b.stop();
    await c.stop();
  });
});
