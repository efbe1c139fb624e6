import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestBus } from '../bus/test-support.ts';
import { idempotencyKey, sha256Hex, uuidv7 } from '../events/ids.ts';
import type { CanonicalEvent } from '../events/schema.ts';
import { createMetrics } from '../metrics.ts';
import { listLedger } from '../store/ledger.ts';
import { withTestStores } from '../store/test-support.ts';
import { LedgerCommitWaiter } from '../workers/ledger-commits.ts';
import { startLedgerWriter, type LedgerWriter } from '../workers/ledger-writer.ts';
import { acceptEvents, EarlierEventGoneError, type IntakeDeps } from './accept.ts';

/**
 * The edge's half of the delivery promise with message ids of the adapter's own (`msgIds`): a second copy under
 * an id JetStream already holds is a repeat even when its content (and so its idempotency key) differs, and is
 * answered with the first copy's event at either ack point; without such ids, other content is another event.
 */

const store = (await withTestStores({ kinds: ['postgres'] }))[0]!.store;
const logger = pino({ level: 'silent' });

describe('acceptEvents with message ids of the adapter', () => {
  let bus: Awaited<ReturnType<typeof openTestBus>>;
  let writer: LedgerWriter;
  let waiter: LedgerCommitWaiter;
  const facility = `REP${Math.floor(Math.random() * 1e6)}`;
  const intake = (ackPoint: 'bus' | 'ledger'): IntakeDeps => ({
    bus,
    store: store,
    metrics: createMetrics(),
    waiter,
    logger,
    config: { ACK_POINT: ackPoint, ACK_TIMEOUT_MS: 15_000, PARTITIONS: 2, TEST_CRASH_AFTER_PUBACK: false },
  });

  beforeAll(async () => {
    bus = await openTestBus();
    waiter = new LedgerCommitWaiter(bus);
    await waiter.ready(bus);
    writer = await startLedgerWriter({
      bus, store: store, metrics: createMetrics(), logger, instanceId: `w-${uuidv7()}`, partitions: 2, batchMax: 100, maxDeliver: 3, ackWaitMs: 5_000, leaseTtlMs: 3_000,
    });
  });

  afterAll(async () => {
    await writer?.stop();
    waiter?.close();
    await bus?.cleanup();
  });

  /** A dispense as sent under `messageId`, its bytes (and so its key) told apart by `sentAt`. */
  function dispense(messageId: string, sentAt: string): CanonicalEvent {
    const raw = sha256Hex(`${messageId}|${sentAt}`);
    return {
      id: uuidv7(),
      type: 'rx.dispense',
      facility_id: facility,
      occurred_at: '2026-11-21T10:00:00Z',
      received_at: sentAt,
      source: { adapter: 'test', sender: 'PHARM^HOSP', message_id: messageId, raw_sha256: raw },
      correlation_id: messageId,
      idempotency_key: idempotencyKey('PHARM^HOSP', messageId, raw),
      drug: { ndc11: '00591036901', schedule: 'II' },
      quantity: { value: 30, unit: 'TAB' },
      payload: {},
    } as CanonicalEvent;
  }
  const ledgerRows = async () => (await listLedger(store, { facility, limit: 1000 })).entries;

  it('answers a copy of other content under a held id with the first event, at the ledger ack point', async () => {
    const first = dispense('M1', '2026-11-21T10:00:00.000Z');
    const resent = dispense('M1', '2026-11-21T10:02:00.000Z');
    expect(resent.idempotency_key).not.toBe(first.idempotency_key);
    const [a] = await acceptEvents(intake('ledger'), [first], ['id-M1']);
    expect(a).toMatchObject({ event_id: first.id, duplicate: false, ledger: { chain: facility, seq: 1 } });
    expect(a!.differs).toBeUndefined();
    const [b] = await acceptEvents(intake('ledger'), [resent], ['id-M1']);
    expect(b).toMatchObject({ event_id: first.id, duplicate: true, differs: true, ledger: { chain: facility, seq: 1 } });
    expect((await ledgerRows()).map((r) => r.event_id)).toEqual([first.id]);
  });

  it('does the same at the bus ack point', async () => {
    const first = dispense('M2', '2026-11-21T11:00:00.000Z');
    const [a] = await acceptEvents(intake('bus'), [first], ['id-M2']);
    expect(a).toMatchObject({ event_id: first.id, duplicate: false, ack_point: 'bus' });
    const [b] = await acceptEvents(intake('bus'), [dispense('M2', '2026-11-21T11:05:00.000Z')], ['id-M2']);
    expect(b).toMatchObject({ event_id: first.id, duplicate: true, differs: true, ack_point: 'bus' });
  });

  it('says so, with a typed error, when the earlier copy is no longer in the stream', async () => {
    await acceptEvents(intake('ledger'), [dispense('M4', '2026-11-21T13:00:00.000Z')], ['id-M4']);
    const { state } = await bus.jsm.streams.info(bus.names.streams.events);
    await bus.jsm.streams.deleteMessage(bus.names.streams.events, state.last_seq);
    const error = await acceptEvents(intake('ledger'), [dispense('M4', '2026-11-21T13:01:00.000Z')], ['id-M4']).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(EarlierEventGoneError);
    expect(error).toMatchObject({ seq: state.last_seq });
  });

  it('takes other content for another event when the ids are the idempotency keys', async () => {
    const first = dispense('M3', '2026-11-21T12:00:00.000Z');
    const other = dispense('M3', '2026-11-21T12:01:00.000Z');
    const [[a], [b]] = [await acceptEvents(intake('ledger'), [first]), await acceptEvents(intake('ledger'), [other])];
    expect([a!.duplicate, b!.duplicate, b!.event_id]).toEqual([false, false, other.id]);
    expect((await ledgerRows()).filter((r) => r.event.source.message_id === 'M3')).toHaveLength(2);
  });
});
