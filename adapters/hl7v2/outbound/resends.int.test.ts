import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { uuidv7 } from '../../../gateway/events/ids.ts';
import type { CanonicalEvent } from '../../../gateway/events/schema.ts';
import { startOutageProxy } from '../../../gateway/outage-proxy.ts';
import { openStore } from '../../../gateway/store/db.ts';
import { appendEvents, listLedger } from '../../../gateway/store/ledger.ts';
import { testEvent } from '../../../gateway/store/test-fixtures/canonical-events.ts';
import { withTestStores } from '../../../gateway/store/test-support.ts';
import { OutboundResends, ResendNotRecordedError, ResendRunningError } from './resends.ts';
import type { ResendResult } from './worker.ts';

/**
 * Resends kept in the store (PostgreSQL and PGlite): a resend outlives the runner that started it, is taken over
 * where it stopped, is one per EHR across runners, is cancelled from any runner, and goes on after PostgreSQL was
 * away. The EHR is a function here: what goes over MLLP is outbound.int.test.ts's part.
 */

const stores = await withTestStores();
const logger = pino({ level: 'silent' });

async function until(what: string, probe: () => boolean | Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await probe())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** An EHR that takes each event at once, except those the test holds until it lets them go. */
function ehr(hold: (n: number) => Promise<void> | undefined = () => undefined) {
  const received: string[] = [];
  const send = async (event: CanonicalEvent): Promise<ResendResult> => {
    received.push(event.id);
    await hold(received.length);
    return { outcome: 'sent' };
  };
  return { received, send };
}

function gate() {
  let open!: () => void;
  const closed = new Promise<void>((resolve) => (open = resolve));
  return { closed, open };
}

describe.each(stores)('resends kept in the store ($kind)', ({ kind, store, databaseUrl }) => {
  let n = 0;
  /** Five dispenses of a facility of its own, in the ledger. */
  const seed = async (facility: string) => {
    const events = Array.from({ length: 5 }, () => testEvent(facility, ++n));
    await appendEvents(store, events, () => new Date('2026-12-01T00:00:00.000Z'));
    return events.map((e) => e.id);
  };
  /** Resends are recorded straight into the ledger of the store (the gateway does it through its intake). */
  const record = async (event: CanonicalEvent) => void (await appendEvents(store, [event], () => new Date()));
  const runner = (facility: string, send: (event: CanonicalEvent) => Promise<ResendResult>, recordIt = record) =>
    new OutboundResends({ store, record: recordIt, resenders: new Map([[facility, send]]), logger, now: () => new Date(), newId: uuidv7, staleMs: 300, beatMs: 50 });
  const request = (facility: string) => ({ facility, since: new Date('2026-11-30T00:00:00.000Z'), actor: 'analyst:test', reason: 'the EHR was restored from a backup' });

  it('goes on in another runner where a stopped one left off, sending nothing twice', async () => {
    const facility = `TAKE${kind}`;
    const ids = await seed(facility);
    const third = gate();
    const first = ehr((i) => (i === 3 ? third.closed : undefined));
    const a = runner(facility, first.send);
    const job = await a.start(request(facility));
    await until('the third dispense at the EHR', () => first.received.length === 3);
    // The gateway stops while the third is being sent: it is finished, then the runner lets go.
    const stopping = a.stop();
    third.open();
    await stopping;
    expect(first.received).toEqual(ids.slice(0, 3));
    const left = (await a.list()).find((r) => r.id === job.id)!;
    expect(left).toMatchObject({ state: 'running', found: 3, sent: 3 });

    const second = ehr();
    const b = runner(facility, second.send);
    try {
      await until('the resend to be taken over and end', async () => (await b.list()).find((r) => r.id === job.id)?.state === 'done');
      expect(second.received).toEqual(ids.slice(3));
      expect((await b.list()).find((r) => r.id === job.id)).toMatchObject({
        state: 'done',
        found: 5,
        sent: 5,
        actor: 'analyst:test',
        reason: 'the EHR was restored from a backup',
        since: '2026-11-30T00:00:00.000Z',
        finished_at: expect.any(String),
      });
    } finally {
      await b.stop();
    }
  });

  it('records who asked for a resend, why and what in the ledger chain of the facility first, and sends nothing when it cannot', async () => {
    const facility = `AUDIT${kind}`;
    const ids = await seed(facility);
    const refused = ehr();
    const unrecorded = runner(facility, refused.send, async () => {
      throw new Error('the ledger is away');
    });
    try {
      const error = await unrecorded.start(request(facility)).catch((err: unknown) => err);
      expect(error).toBeInstanceOf(ResendNotRecordedError);
      expect((await unrecorded.list()).filter((r) => r.facility === facility)).toEqual([]);
      await new Promise((r) => setTimeout(r, 100));
      expect(refused.received).toEqual([]);
    } finally {
      await unrecorded.stop();
    }

    const sent = ehr();
    const recorded = runner(facility, sent.send);
    try {
      const job = await recorded.start({ ...request(facility), eventIds: [ids[1]!, ids[3]!], since: undefined });
      await until('the resend to end', async () => (await recorded.list()).find((r) => r.id === job.id)?.state === 'done');
      expect(sent.received).toEqual([ids[1], ids[3]]);
      const { entries } = await listLedger(store, { facility, type: 'outbound.resend', limit: 10 });
      expect(entries.map((e) => e.event.payload)).toEqual([
        { resend_id: job.id, actor: 'analyst:test', reason: 'the EHR was restored from a backup', since: null, until: null, event_ids: [ids[1], ids[3]] },
      ]);
      expect(entries[0]!.event.source).toMatchObject({ adapter: 'outbound', message_id: job.id });
    } finally {
      await recorded.stop();
    }
  });

  it('runs one resend per EHR across runners, and stops one cancelled from another runner after the event it is sending', async () => {
    const facility = `CANCEL${kind}`;
    const ids = await seed(facility);
    const firstSend = gate();
    const slow = ehr((i) => (i === 1 ? firstSend.closed : undefined));
    const a = runner(facility, slow.send);
    const other = runner(facility, ehr().send);
    try {
      const job = await a.start(request(facility));
      const refused = await other.start(request(facility)).catch((err: unknown) => err);
      expect(refused).toBeInstanceOf(ResendRunningError);
      expect((refused as ResendRunningError).runningId).toBe(job.id);

      await until('the first dispense at the EHR', () => slow.received.length === 1);
      const cancelled = await other.cancel(job.id, 'analyst:other');
      expect(cancelled).toMatchObject({ cancelled: true, job: { id: job.id, state: 'cancelled', stopped_reason: 'cancelled by analyst:other' } });
      firstSend.open();
      await a.stop();
      expect(slow.received).toEqual([ids[0]]);
      expect((await other.list()).find((r) => r.id === job.id)).toMatchObject({ state: 'cancelled' });
      expect(await other.cancel(job.id, 'analyst:other')).toMatchObject({ cancelled: false });
      expect(await other.cancel(uuidv7(), 'analyst:other')).toBeNull();
      // Once it has ended, the EHR may get a new resend.
      const again = await other.start(request(facility));
      await until('the new resend to end', async () => (await other.list()).find((r) => r.id === again.id)?.state === 'done');
    } finally {
      await Promise.all([a.stop(), other.stop()]);
    }
  });

  it.runIf(kind === 'postgres')('goes on once PostgreSQL is back when it went away under a resend, sending at most the one dispense again', async () => {
    const facility = `OUTAGE${kind}`;
    const ids = (await seed(facility)).slice(0, 5);
    const url = new URL(databaseUrl!);
    const proxy = await startOutageProxy(Number(url.port) || 5432);
    url.port = String(proxy.port);
    const proxied = await openStore({ databaseUrl: url.toString(), dataDir: '', poolSize: 2 });
    const second = gate();
    const sent = ehr((i) => (i === 2 ? second.closed : undefined));
    const runner = new OutboundResends({ store: proxied, record, resenders: new Map([[facility, sent.send]]), logger, now: () => new Date(), newId: uuidv7, staleMs: 300, beatMs: 50 });
    try {
      const job = await runner.start(request(facility));
      await until('the second dispense at the EHR', () => sent.received.length === 2);
      // PostgreSQL goes away while the second is being sent: its progress cannot be written.
      await proxy.cut();
      second.open();
      await new Promise((r) => setTimeout(r, 200));
      await proxy.restore();
      await until('the resend to end', async () => (await runner.list().catch(() => [])).find((r) => r.id === job.id)?.state === 'done');
      // The second was sent, but not written down: it goes once more, then the rest.
      expect(sent.received).toEqual([ids[0], ids[1], ids[1], ids[2], ids[3], ids[4]]);
      expect((await runner.list()).find((r) => r.id === job.id)).toMatchObject({ state: 'done', found: 5, sent: 5 });
    } finally {
      await runner.stop();
      await proxied.close();
      await proxy.close();
    }
  });
});
