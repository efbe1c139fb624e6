import { JetStreamApiError } from '@nats-io/jetstream';
import { errors, headers } from '@nats-io/transport-node';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { JetStreamPublisher } from './jetstream-publisher.ts';
import { openTestBus } from './test-support.ts';

/** The stored publish against the real JetStream: PubAcks, repeats by message id, and each way it can fail. */

type TestBus = Awaited<ReturnType<typeof openTestBus>>;
const bytes = (text: string) => new TextEncoder().encode(text);

describe('JetStreamPublisher', () => {
  let bus: TestBus;
  let publisher: JetStreamPublisher;
  beforeEach(async () => {
    bus = await openTestBus();
    publisher = new JetStreamPublisher(bus.nc);
  });
  afterEach(async () => {
    publisher.close();
    await bus.cleanup();
  });

  const eventSubject = (facility_id: string) => bus.names.eventSubject({ facility_id, type: 'rx.dispense', drug: { schedule: 'NC' } }, 4);

  it('stores messages in order and answers each with its own stream sequence', async () => {
    const target = `${bus.names.streams.events}`;
    const base = (await bus.jsm.streams.info(target)).state.last_seq;
    const subj = eventSubject('PUB1');
    const acks = await Promise.all(Array.from({ length: 50 }, (_, i) => publisher.publish(subj, bytes(`m${i}`), { msgId: `pub-order-${i}` })));
    expect(acks.map((a) => a.seq)).toEqual(Array.from({ length: 50 }, (_, i) => base + i + 1));
    expect(new Set(acks.map((a) => a.stream))).toEqual(new Set([target]));
    expect(acks.every((a) => !a.duplicate)).toBe(true);
    const stored = await bus.jsm.streams.getMessage(target, { seq: base + 7 });
    expect(new TextDecoder().decode(stored!.data)).toBe('m6');
    expect(publisher.inFlight).toBe(0);
  });

  it('names a repeated message id as a duplicate of the first message, keeping the caller\'s headers', async () => {
    const subj = eventSubject('PUB2');
    const h = headers();
    h.set('Rxgate-Facility', 'PUB2');
    const first = await publisher.publish(subj, bytes('one'), { msgId: 'same-id', headers: h });
    const again = await publisher.publish(subj, bytes('two'), { msgId: 'same-id' });
    expect(again).toEqual({ stream: first.stream, seq: first.seq, duplicate: true });
    const stored = await bus.jsm.streams.getMessage(bus.names.streams.events, { seq: first.seq });
    expect(stored!.header.get('Rxgate-Facility')).toBe('PUB2');
    expect(stored!.header.get('Nats-Msg-Id')).toBe('same-id');
  });

  it('fails with NoRespondersError when no stream takes the subject', async () => {
    await expect(publisher.publish(`${bus.names.streams.events}-nobody.listens`, bytes('x'))).rejects.toBeInstanceOf(errors.NoRespondersError);
  });

  it('fails with JetStream\'s own error when the stream refuses the message', async () => {
    const subj = eventSubject('PUB3');
    const h = headers();
    h.set('Nats-Expected-Stream', 'NOT-THIS-STREAM');
    const refused = publisher.publish(subj, bytes('x'), { headers: h });
    await expect(refused).rejects.toBeInstanceOf(JetStreamApiError);
    await expect(refused).rejects.toThrow(/stream/i);
  });

  it.each([
    ['that is not JSON', 'not json', /not JSON/],
    ['without a stream and sequence', '{"ok":true}', /without a stream and sequence/],
  ])('refuses an answer %s, naming the subject, and keeps serving', async (_, reply, message) => {
    const subject = `${bus.names.streams.events}-odd.x`;
    const odd = bus.nc.subscribe(subject, { callback: (_err, msg) => void msg.respond(bytes(reply)) });
    try {
      await bus.nc.flush();
      await expect(publisher.publish(subject, bytes('x'))).rejects.toMatchObject({ name: 'RequestError', message: expect.stringMatching(message) });
      expect(publisher.inFlight).toBe(0);
      expect((await publisher.publish(eventSubject('PUB4'), bytes('after'), { msgId: `after-${reply}` })).duplicate).toBe(false);
    } finally {
      odd.unsubscribe();
    }
  });

  it('times out a publish nobody answers, and forgets it', async () => {
    const quiet = new JetStreamPublisher(bus.nc, 200);
    const sub = bus.nc.subscribe(`${bus.names.streams.events}-silent.>`); // a responder that never replies
    try {
      const started = Date.now();
      await expect(quiet.publish(`${bus.names.streams.events}-silent.x`, bytes('x'))).rejects.toMatchObject({ name: 'TimeoutError' });
      expect(Date.now() - started).toBeGreaterThanOrEqual(200);
      expect(Date.now() - started).toBeLessThan(2000);
      expect(quiet.inFlight).toBe(0);
    } finally {
      sub.unsubscribe();
      quiet.close();
    }
  });

  it('refuses what is still waiting when it is closed', async () => {
    const closing = new JetStreamPublisher(bus.nc, 60_000);
    const sub = bus.nc.subscribe(`${bus.names.streams.events}-closing.>`);
    const waiting = closing.publish(`${bus.names.streams.events}-closing.x`, bytes('x'));
    await bus.nc.flush();
    closing.close();
    sub.unsubscribe();
    await expect(waiting).rejects.toMatchObject({ name: 'ClosedConnectionError' });
  });
});
