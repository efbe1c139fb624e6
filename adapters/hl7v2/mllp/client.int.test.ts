import { createServer, type AddressInfo } from 'node:net';
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { createMllpClient, type MllpClientOptions } from './client.ts';
import { systemClock, type Clock } from './clock.ts';
import { MllpClientClosedError, MllpDeliveryError } from './errors.ts';
import { MllpEncodeError } from './framing.ts';
import { captureLogs } from './testkit/log-capture.ts';
import { PHI_MARKER, rdeMessage } from './testkit/messages.ts';
import { acknowledgedIdOf, controlIdOf, minimalAck } from './testkit/minimal-ack.ts';
import { startNodeHl7ServerPeer } from './testkit/node-hl7-server-peer.ts';
import { PYTHON_HL7_PRESENT, startPythonHl7Receiver } from './testkit/python-hl7-receiver.ts';
import { startScriptedPeer } from './testkit/scripted-peer.ts';

const bytes = (s: string) => Buffer.from(s, 'latin1');
/** What the HL7 layer will pass: the answer is ours when MSA-2 is our MSH-10. */
const answersTo = (controlId: string) => (answer: Uint8Array) => acknowledgedIdOf(answer)?.controlId === controlId;

const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => undefined);
});

function client(port: number, options: Partial<MllpClientOptions> = {}) {
  const c = createMllpClient({ host: '127.0.0.1', port, logger: pino({ level: 'silent' }), answerTimeoutMs: 2000, ...options });
  cleanups.push(() => c.close());
  return c;
}

/** Real timers for timeouts; backoff waits recorded and skipped, so retry tests take no wall time. */
function recordingClock(): Clock & { sleeps: number[] } {
  const sleeps: number[] = [];
  return { ...systemClock, sleeps, sleep: async (ms) => void sleeps.push(ms) };
}

/** Real timers, except those of `idleMs`: held until the test fires them, so idle closes need no waiting. */
function idleClock(idleMs: number): Clock & { idleTimers(): number; fireIdle(): void } {
  const held = new Set<() => void>();
  return {
    ...systemClock,
    setTimer(ms, fn) {
      if (ms !== idleMs) return systemClock.setTimer(ms, fn);
      held.add(fn);
      return () => held.delete(fn);
    },
    idleTimers: () => held.size,
    fireIdle() {
      const due = [...held];
      held.clear();
      for (const fn of due) fn();
    },
  };
}

/** A peer answering AA, and a client whose idle close after `idleMs` waits until the test fires it. */
async function idleSetup(idleMs: number) {
  const peer = await startScriptedPeer(({ payload }) => ({ answers: [minimalAck(payload, 'AA')] }));
  cleanups.push(() => peer.close());
  const clock = idleClock(idleMs);
  return { peer, clock, c: client(peer.port, { clock, idleCloseMs: idleMs }) };
}

/** Polls a condition every 10 ms for at most 2 s. */
async function until(condition: () => boolean): Promise<void> {
  for (let i = 0; i < 200 && !condition(); i++) await new Promise((resolve) => setTimeout(resolve, 10));
  expect(condition()).toBe(true);
}

describe('MLLP client against node-hl7-server 2.4.0', () => {
  it('sends messages over one reused connection and matches each ACK by MSA-2', async () => {
    const peer = await startNodeHl7ServerPeer({ host: '127.0.0.1' });
    cleanups.push(() => peer.close());
    const c = client(peer.port);
    for (let i = 0; i < 20; i++) {
      const { answer, attempts } = await c.send(bytes(rdeMessage(`OUT${i}`)), answersTo(`OUT${i}`));
      expect(acknowledgedIdOf(answer)).toEqual({ code: 'AA', controlId: `OUT${i}` });
      expect(attempts).toHaveLength(1);
      expect(attempts[0]).toMatchObject({ outcome: 'answered', connection: 'c1', reusedConnection: i > 0, unmatchedAnswers: 0 });
    }
    expect(peer.connections()).toBe(1);
  });

  it('keeps call order when sends are not awaited one by one', async () => {
    const peer = await startNodeHl7ServerPeer({ host: '127.0.0.1' });
    cleanups.push(() => peer.close());
    const c = client(peer.port);
    const results = await Promise.all(Array.from({ length: 10 }, (_, i) => c.send(bytes(rdeMessage(`Q${i}`)), answersTo(`Q${i}`))));
    expect(results.map((r) => acknowledgedIdOf(r.answer)?.controlId)).toEqual(Array.from({ length: 10 }, (_, i) => `Q${i}`));
    expect(peer.connections()).toBe(1);
  });
});

if (!PYTHON_HL7_PRESENT) console.warn('python3-hl7 is missing: the MLLP client test against its receiver is skipped');

describe.skipIf(!PYTHON_HL7_PRESENT)("MLLP client against python-hl7's asyncio receiver (a non-JavaScript peer)", () => {
  it('sends messages over one reused connection and matches each of its ACKs by MSA-2', async () => {
    const peer = await startPythonHl7Receiver();
    cleanups.push(() => peer.close());
    const c = client(peer.port);
    for (let i = 0; i < 10; i++) {
      const { answer, attempts } = await c.send(bytes(rdeMessage(`PY${i}`)), answersTo(`PY${i}`));
      expect(acknowledgedIdOf(answer)).toEqual({ code: 'AA', controlId: `PY${i}` });
      expect(attempts).toMatchObject([{ outcome: 'answered', connection: 'c1', reusedConnection: i > 0 }]);
    }
  });
});

describe('MLLP client against hand-written peers', () => {
  it('never takes a late answer for the next message: the timed-out connection is discarded', async () => {
    // connection 1 answers after 150 ms (too late for a 100 ms timeout); connection 2 after 60 ms. Had connection 1
    // been reused, the second message would meet the first one's late answer (at 150 ms) before its own.
    const peer = await startScriptedPeer(({ connection, payload }) => ({
      delayMs: connection === 1 ? 150 : 60,
      answers: [minimalAck(payload, 'AA')],
    }));
    cleanups.push(() => peer.close());
    const c = client(peer.port, { answerTimeoutMs: 100, retry: { attempts: 1 } });
    const anyAnswer = () => true; // even a matcher that accepts anything must not get the late answer

    const first = await c.send(bytes(rdeMessage('LATE1')), anyAnswer).catch((e: unknown) => e);
    expect(first).toBeInstanceOf(MllpDeliveryError);
    expect((first as MllpDeliveryError).attempts).toMatchObject([{ outcome: 'answer_timeout', connection: 'c1' }]);

    const second = await c.send(bytes(rdeMessage('NEXT2')), anyAnswer);
    expect(acknowledgedIdOf(second.answer)?.controlId).toBe('NEXT2');
    expect(second.attempts).toMatchObject([{ outcome: 'answered', connection: 'c2', reusedConnection: false }]);
    expect(peer.log.map((l) => [l.connection, controlIdOf(l.payload)])).toEqual([
      [1, 'LATE1'],
      [2, 'NEXT2'],
    ]);
  });

  it('retries a timed-out message on a new connection and succeeds there', async () => {
    const peer = await startScriptedPeer(({ connection, payload }) => (connection === 1 ? {} : { answers: [minimalAck(payload, 'AA')] }));
    cleanups.push(() => peer.close());
    const clock = recordingClock();
    const c = client(peer.port, { answerTimeoutMs: 100, retry: { attempts: 3, initialDelayMs: 500 }, clock, random: () => 0 });
    const { attempts } = await c.send(bytes(rdeMessage('R1')), answersTo('R1'));
    expect(attempts.map((a) => [a.outcome, a.connection, a.delayBeforeMs])).toEqual([
      ['answer_timeout', 'c1', 0],
      ['answered', 'c2', 500],
    ]);
    expect(clock.sleeps).toEqual([500]);
  });

  it('ignores answers to other messages and takes the one that matches', async () => {
    const peer = await startScriptedPeer(({ payload }) => ({
      answers: [minimalAck(bytes(rdeMessage('SOMEONE-ELSE')), 'AA'), minimalAck(payload, 'AE')],
    }));
    cleanups.push(() => peer.close());
    const c = client(peer.port);
    const { answer, attempts } = await c.send(bytes(rdeMessage('M1')), answersTo('M1'));
    expect(acknowledgedIdOf(answer)).toEqual({ code: 'AE', controlId: 'M1' });
    expect(attempts[0]).toMatchObject({ outcome: 'answered', unmatchedAnswers: 1 });
  });

  it('retries when the receiver hangs up without answering', async () => {
    const peer = await startScriptedPeer(({ connection, payload }) => (connection === 1 ? { close: true } : { answers: [minimalAck(payload, 'AA')] }));
    cleanups.push(() => peer.close());
    const c = client(peer.port, { clock: recordingClock(), retry: { attempts: 2 } });
    const { attempts } = await c.send(bytes(rdeMessage('H1')), answersTo('H1'));
    expect(attempts.map((a) => a.outcome)).toEqual(['closed_before_answer', 'answered']);
  });

  it('reconnects when the receiver dropped the idle connection', async () => {
    const peer = await startScriptedPeer(({ payload }) => ({ answers: [minimalAck(payload, 'AA')] }));
    cleanups.push(() => peer.close());
    const c = client(peer.port);
    await c.send(bytes(rdeMessage('D1')), answersTo('D1'));
    peer.dropConnections();
    await new Promise((resolve) => setTimeout(resolve, 50));
    const { attempts } = await c.send(bytes(rdeMessage('D2')), answersTo('D2'));
    expect(attempts).toMatchObject([{ outcome: 'answered', connection: 'c2', reusedConnection: false }]);
    expect(peer.connections()).toBe(2);
  });

  it('closes a connection idle for idleCloseMs, and opens a new one for the next message', async () => {
    const { peer, clock, c } = await idleSetup(5_000);
    await c.send(bytes(rdeMessage('I1')), answersTo('I1'));
    expect(clock.idleTimers()).toBe(1);
    clock.fireIdle();
    await until(() => peer.openConnections() === 0);
    const { attempts } = await c.send(bytes(rdeMessage('I2')), answersTo('I2'));
    expect(attempts).toMatchObject([{ outcome: 'answered', connection: 'c2', reusedConnection: false }]);
    expect(peer.connections()).toBe(2);
  });

  it('keeps a connection that carries a message before the idle close, and starts the wait again', async () => {
    const { peer, clock, c } = await idleSetup(5_000);
    await c.send(bytes(rdeMessage('K1')), answersTo('K1'));
    const { attempts } = await c.send(bytes(rdeMessage('K2')), answersTo('K2'));
    expect(attempts).toMatchObject([{ connection: 'c1', reusedConnection: true }]);
    // the first wait was cancelled by K2, the second armed after its answer
    expect(clock.idleTimers()).toBe(1);
    expect(peer.openConnections()).toBe(1);
  });

  it('keeps the connection open with idleCloseMs 0', async () => {
    const { peer, clock, c } = await idleSetup(0);
    await c.send(bytes(rdeMessage('Z1')), answersTo('Z1'));
    expect(clock.idleTimers()).toBe(0);
    expect(peer.openConnections()).toBe(1);
  });

  it('gives up after the last attempt with the whole history and the backoff it waited', async () => {
    // a port that was just free: connections are refused
    const server = createServer();
    await new Promise<void>((resolve) => server.listen({ host: '127.0.0.1', port: 0 }, resolve));
    const port = (server.address() as AddressInfo).port;
    await new Promise((resolve) => server.close(resolve));
    const clock = recordingClock();
    const logs = captureLogs();
    const c = client(port, { clock, logger: logs.logger, retry: { attempts: 4, initialDelayMs: 100, multiplier: 3, maxDelayMs: 500 }, random: () => 0 });
    const error = await c.send(bytes(rdeMessage('DLQ1')), answersTo('DLQ1')).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MllpDeliveryError);
    const delivery = error as MllpDeliveryError;
    expect(delivery).toMatchObject({ host: '127.0.0.1', port });
    expect(delivery.attempts.map((a) => [a.attempt, a.outcome, a.delayBeforeMs])).toEqual([
      [1, 'connect_failed', 0],
      [2, 'connect_failed', 100],
      [3, 'connect_failed', 300],
      [4, 'connect_failed', 500],
    ]);
    expect(delivery.attempts[0]!.detail).toContain('ECONNREFUSED');
    expect(clock.sleeps).toEqual([100, 300, 500]);
    expect(logs.text()).not.toContain(PHI_MARKER);
  });

  it('refuses a payload that cannot be framed, without sending', async () => {
    const peer = await startScriptedPeer(() => ({}));
    cleanups.push(() => peer.close());
    const c = client(peer.port);
    await expect(c.send(bytes('MSH|^~\\&|A\x1cB'), () => true)).rejects.toBeInstanceOf(MllpEncodeError);
    expect(peer.connections()).toBe(0);
  });

  it('fails the send in progress when closed, and refuses sends after', async () => {
    const peer = await startScriptedPeer(() => ({}));
    cleanups.push(() => peer.close());
    const c = client(peer.port, { retry: { attempts: 3 } });
    const pending = c.send(bytes(rdeMessage('C1')), () => true).catch((e: unknown) => e);
    await new Promise((resolve) => setTimeout(resolve, 50));
    await c.close();
    const error = (await pending) as MllpDeliveryError;
    expect(error).toBeInstanceOf(MllpDeliveryError);
    expect(error.attempts.map((a) => a.outcome)).toEqual(['client_closed']);
    await expect(c.send(bytes(rdeMessage('C2')), () => true)).rejects.toBeInstanceOf(MllpClientClosedError);
    expect(peer.log.map((l) => controlIdOf(l.payload))).toEqual(['C1']);
  });
});
