import { DiscardPolicy, RetentionPolicy, StorageType } from '@nats-io/jetstream';
import { nanos } from '@nats-io/transport-node';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { idempotencyKey, sha256Hex, uuidv7 } from '../events/ids.ts';
import type { CanonicalEvent } from '../events/schema.ts';
import { createLogger } from '../log.ts';
import { createMetrics } from '../metrics.ts';
import { startBacklogWatch } from '../workers/backlog-watch.ts';
import { consumerBacklog } from './consumer-backlog.ts';
import { ensureConsumer } from './consumer.ts';
import { BusFullError } from './jetstream-publisher.ts';
import { publishEvent } from './publish.ts';
import { partitionOf } from './subjects.ts';
import { ensureStreams } from './streams.ts';
import { openTestBus } from './test-support.ts';

type TestBus = Awaited<ReturnType<typeof openTestBus>>;

const HOUR_MS = 3_600_000;

function event(n: number, facility = 'HOSP1'): CanonicalEvent {
  const raw = sha256Hex(`raw-${n}`);
  return {
    id: uuidv7(),
    type: 'rx.dispense',
    facility_id: facility,
    occurred_at: '2026-11-01T10:00:00Z',
    received_at: '2026-11-01T10:00:01.000Z',
    source: { adapter: 'test', sender: 'EHR^HOSP', message_id: `MSG${n}`, raw_sha256: raw },
    correlation_id: `c-${n}`,
    idempotency_key: idempotencyKey('EHR^HOSP', `MSG${n}`, raw),
    drug: { ndc11: '00591036901', schedule: 'II' },
    payload: { note: 'x'.repeat(400) },
  } as CanonicalEvent;
}

describe('the events stream keeps events for EVENTS_MAX_AGE_DAYS and up to EVENTS_MAX_BYTES, quarantine up to QUARANTINE_MAX_BYTES', () => {
  let bus: TestBus;
  beforeEach(async () => {
    bus = await openTestBus();
  });
  afterEach(async () => {
    await bus.cleanup();
  });

  it('brings a stream made without limits up to the configured age and size, keeping what it holds', async () => {
    // the stream as an earlier version made it: no limits at all, the oldest dropped when a server limit is reached
    await bus.jsm.streams.delete(bus.names.streams.events);
    await bus.jsm.streams.add({
      name: bus.names.streams.events,
      subjects: [bus.names.subjects.eventsAll],
      storage: StorageType.File,
      retention: RetentionPolicy.Limits,
      discard: DiscardPolicy.Old,
      num_replicas: 1,
      duplicate_window: nanos(60_000),
    });
    await publishEvent(bus, event(1), 4);
    expect((await bus.jsm.streams.info(bus.names.streams.events)).config).toMatchObject({ max_age: 0, max_bytes: -1, discard: DiscardPolicy.Old });

    await ensureStreams(bus, { duplicateWindowMs: 60_000, eventsMaxAgeMs: 7 * 24 * HOUR_MS, eventsMaxBytes: 64 * 1024, quarantineMaxBytes: 1 << 20 });
    const after = await bus.jsm.streams.info(bus.names.streams.events);
    expect(after.config).toMatchObject({
      max_age: nanos(7 * 24 * HOUR_MS),
      max_bytes: 64 * 1024,
      discard: DiscardPolicy.New,
      retention: RetentionPolicy.Limits,
      storage: StorageType.File,
      duplicate_window: nanos(60_000),
    });
    expect(after.state.messages).toBe(1);
    // Quarantine and dead letters are evidence: they keep no age limit; a full quarantine refuses, never drops.
    expect((await bus.jsm.streams.info(bus.names.streams.quarantine)).config).toMatchObject({ max_age: 0, max_bytes: 1 << 20, discard: DiscardPolicy.New });
    expect((await bus.jsm.streams.info(bus.names.streams.dlq)).config).toMatchObject({ max_age: 0, max_bytes: -1 });

    await ensureStreams(bus, { duplicateWindowMs: 60_000 });
    expect((await bus.jsm.streams.info(bus.names.streams.events)).config).toMatchObject({ max_age: 0, max_bytes: -1 });
  });

  it('refuses a new event with BusFullError once the stream is full, and keeps every event it took', async () => {
    await ensureStreams(bus, { duplicateWindowMs: 60_000, eventsMaxBytes: 16 * 1024 });
    let stored = 0;
    let refusal: unknown;
    // each event is ~1 KB with its headers: the stream is full after about sixteen; the loop stops at the refusal
    for (let n = 0; n < 100 && !refusal; n++) {
      try {
        await publishEvent(bus, event(n), 4);
        stored++;
      } catch (err) {
        refusal = err;
      }
    }
    expect(refusal).toBeInstanceOf(BusFullError);
    expect((refusal as BusFullError).message).toMatch(/maximum bytes exceeded/);
    expect(stored).toBeGreaterThan(5);
    const info = await bus.jsm.streams.info(bus.names.streams.events);
    // nothing old was dropped to make room: every event taken is still there, from the first on
    expect(info.state.messages).toBe(stored);
    expect(info.state.first_seq).toBe(1);
  });

  it("measures a consumer's backlog by the oldest event it has not acknowledged, and warns at half the age limit", async () => {
    const durable = 'ledger-hosp1';
    const partition = partitionOf('HOSP1', 4);
    const filter = bus.names.partitionFilter(partition);
    await ensureConsumer(bus, { stream: bus.names.streams.events, durable, filterSubject: filter, ackWaitMs: 30_000 });
    expect(await consumerBacklog(bus, bus.names.streams.events, 'no-such-consumer', Date.now())).toBeNull();
    expect(await consumerBacklog(bus, bus.names.streams.events, durable, Date.now())).toMatchObject({ pending: 0, ackPending: 0, ageS: 0 });

    // An event of another partition first: the consumer's oldest is found by its filter, not at the next sequence.
    const elsewhere = ['HOSP2', 'HOSP3', 'HOSP4', 'HOSP5'].find((f) => partitionOf(f, 4) !== partition)!;
    expect((await publishEvent(bus, event(99, elsewhere), 4)).stream_seq).toBe(1);
    // stored a few milliseconds apart, so that the one measured from shows in the age
    await new Promise((r) => setTimeout(r, 20));
    const published = [];
    for (let n = 0; n < 3; n++) published.push(await publishEvent(bus, event(n), 4));
    const stored = await Promise.all(published.map((p) => bus.jsm.streams.getMessage(bus.names.streams.events, { seq: p.stream_seq })));
    const [t1, t2] = stored.map((m) => m!.time.getTime());

    const now = t1! + 1.5 * HOUR_MS;
    expect(await consumerBacklog(bus, bus.names.streams.events, durable, now)).toEqual({
      stream: bus.names.streams.events,
      consumer: durable,
      pending: 3,
      ackPending: 0,
      ageS: (now - t1!) / 1000,
    });

    // The first one handled: the backlog's age is now the second one's.
    const consumer = await bus.js.consumers.get(bus.names.streams.events, durable);
    const first = await consumer.next({ expires: 5_000 });
    expect(first?.seq).toBe(published[0]!.stream_seq);
    await first!.ackAck();
    expect((await consumerBacklog(bus, bus.names.streams.events, durable, now))!.ageS).toBe((now - t2!) / 1000);

    const lines: string[] = [];
    const metrics = createMetrics();
    const watch = (atMs: number) =>
      startBacklogWatch({
        bus,
        metrics,
        logger: createLogger('info', { write: (line: string) => void lines.push(line) }),
        consumers: () => [durable],
        maxAgeMs: 2 * HOUR_MS,
        intervalMs: 3_600_000,
        now: () => atMs,
      });
    const early = watch(t2! + 0.9 * HOUR_MS);
    await early.check();
    await early.stop();
    expect(lines).toEqual([]);

    const late = watch(t2! + 1.1 * HOUR_MS);
    await late.check();
    await late.stop();
    expect(lines).toHaveLength(1);
    expect(JSON.parse(lines[0]!)).toMatchObject({
      level: 40,
      consumer: durable,
      backlog_age_s: Math.round(1.1 * 3600),
      max_age_s: 7200,
      waiting: 2,
      msg: expect.stringMatching(/half of EVENTS_MAX_AGE_DAYS/),
    });
    const gauge = (await metrics.consumerBacklogAge.get()).values.find((v) => v.labels.consumer === durable);
    expect(gauge?.value).toBeCloseTo((1.1 * HOUR_MS) / 1000, 6);
    expect((await metrics.consumerPending.get()).values.find((v) => v.labels.consumer === durable)?.value).toBe(2);
  });
});
