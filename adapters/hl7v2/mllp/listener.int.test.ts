import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { createMllpClient } from './client.ts';
import { frame } from './framing.ts';
import type { MllpHandler } from './handler.ts';
import { startMllpListener, type MllpListener, type MllpListenerOptions } from './listener.ts';
import { captureLogs, waitFor } from './testkit/log-capture.ts';
import { PHI_MARKER, rdeMessage } from './testkit/messages.ts';
import { acknowledgedIdOf, controlIdOf, minimalAck, transportOnlyHandler } from './testkit/minimal-ack.ts';
import { connectNodeHl7Client, type NodeHl7ClientSender } from './testkit/node-hl7-client-sender.ts';
import { randomInt, seededRandom } from './testkit/prng.ts';
import { openRawSocket, type RawMllpSocket } from './testkit/raw-socket.ts';

const bytes = (s: string) => Buffer.from(s, 'latin1');
const text = (b: Uint8Array) => Buffer.from(b).toString('latin1');

const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => undefined);
});

async function listen(options: Partial<MllpListenerOptions> & { handler: MllpHandler }) {
  const logs = captureLogs();
  const listener = await startMllpListener({ logger: logs.logger, port: 0, ...options });
  cleanups.push(() => listener.stop({ graceMs: 1000 }));
  return { listener, logs, port: listener.address.plain!.port };
}

/** The most bytes the listener held, and connections it held back, as sampled every millisecond until stop(). */
function sampleBuffered(listener: MllpListener) {
  const seen = { peak: 0, pausedAtOnce: 0, stop: () => clearInterval(timer) };
  const timer = setInterval(() => {
    const now = listener.buffered();
    seen.peak = Math.max(seen.peak, now.bytes);
    seen.pausedAtOnce = Math.max(seen.pausedAtOnce, now.pausedConnections);
  }, 1);
  return seen;
}

async function hl7Client(port: number): Promise<NodeHl7ClientSender> {
  const client = await connectNodeHl7Client({ port });
  cleanups.push(() => client.close());
  return client;
}

async function raw(port: number): Promise<RawMllpSocket> {
  const socket = await openRawSocket(port);
  cleanups.push(async () => socket.socket.destroy());
  return socket;
}

describe('MLLP listener, node-hl7-client 3.2.0 as the sender', () => {
  it('answers each message with an AA quoting its MSH-10, in order, on one connection', async () => {
    const handler = transportOnlyHandler();
    const { port, listener, logs } = await listen({ handler });
    const client = await hl7Client(port);
    for (let i = 0; i < 20; i++) {
      const ack = await client.send(rdeMessage(`MSG${i}`));
      expect(ack).toMatchObject({ code: 'AA', controlId: `MSG${i}` });
    }
    expect(handler.calls.map((c) => controlIdOf(c.bytes))).toEqual(Array.from({ length: 20 }, (_, i) => `MSG${i}`));
    expect(text(handler.calls[0]!.bytes)).toBe(rdeMessage('MSG0'));
    expect(new Set(handler.calls.map((c) => c.conn.id)).size).toBe(1);
    expect(handler.calls[0]!.conn).toMatchObject({ remoteAddress: '127.0.0.1', tls: false });
    expect(handler.calls[0]!.conn.peerIdentity).toBeUndefined();
    expect(listener.connectionCount()).toBe(1);
    // logs carry ids and reasons, never payload bytes (PHI)
    expect(logs.text()).not.toContain(PHI_MARKER);
    expect(logs.text()).not.toContain('MSG0');
  });

  it('lists its open connections, oldest first, with what each has carried and whether an answer is pending', async () => {
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    const base = transportOnlyHandler();
    const handler: MllpHandler = {
      ...base,
      async onMessage(payload, conn) {
        if (controlIdOf(payload) === 'HOLD') await held;
        return base.onMessage(payload, conn);
      },
    };
    const { port, listener } = await listen({ handler });
    expect(listener.connections()).toEqual([]);
    const first = await raw(port);
    const second = await raw(port);
    await first.write(frame(bytes(rdeMessage('S1'))));
    await first.write(frame(bytes(rdeMessage('S2'))));
    await first.waitForAnswers(2);
    await second.write(frame(bytes(rdeMessage('HOLD'))));
    await waitFor(() => listener.connections()[1]?.stats.waiting === 1, 'the held frame at the handler');
    const [a, b] = listener.connections();
    expect(a!.stats).toMatchObject({ framesIn: 2, bytesIn: 2 * (Buffer.byteLength(rdeMessage('S1')) + 3), answered: 2, waiting: 0 });
    expect(a!.stats.lastFrameAt!.getTime()).toBeGreaterThanOrEqual(a!.stats.openedAt.getTime());
    expect(a!.info).toMatchObject({ remoteAddress: '127.0.0.1', remotePort: first.socket.localPort, tls: false });
    expect(b!.stats).toMatchObject({ framesIn: 1, answered: 0, waiting: 1 });
    release();
    await second.waitForAnswers(1);
    expect(listener.connections()[1]!.stats).toMatchObject({ answered: 1, waiting: 0 });
    first.socket.destroy();
    await waitFor(() => listener.connections().length === 1, 'the closed connection to leave the list');
    expect(listener.connections()[0]!.info.remotePort).toBe(second.socket.localPort);
  });

  it('answers an oversize frame through onOversize with an AR quoting MSA-2, and the connection goes on', async () => {
    const handler = transportOnlyHandler();
    const { port, logs } = await listen({ handler, maxFrameBytes: 1000, oversizePrefixBytes: 200 });
    const client = await hl7Client(port);
    const big = rdeMessage('BIG1', { filler: 'x'.repeat(5000) });
    expect(await client.send(big)).toMatchObject({ code: 'AR', controlId: 'BIG1' });
    expect(await client.send(rdeMessage('SMALL2'))).toMatchObject({ code: 'AA', controlId: 'SMALL2' });
    const oversize = handler.calls.find((c) => c.kind === 'oversize')!;
    expect(oversize.size).toBe(Buffer.byteLength(big));
    expect(oversize.bytes.length).toBe(200);
    expect(logs.lines.some((l) => l.reason === 'frame_too_large' && l.limit === 1000)).toBe(true);
  });

  it('serves 50 concurrent connections, each in order, concurrently with each other', async () => {
    let inFlight = 0;
    let maxInFlight = 0;
    const perConnection = new Map<string, number>();
    const base = transportOnlyHandler();
    const handler: MllpHandler = {
      ...base,
      async onMessage(payload, conn) {
        perConnection.set(conn.id, (perConnection.get(conn.id) ?? 0) + 1);
        inFlight += 1;
        maxInFlight = Math.max(maxInFlight, inFlight);
        await new Promise((resolve) => setTimeout(resolve, 2));
        inFlight -= 1;
        return minimalAck(payload, 'AA');
      },
    };
    const { port, listener } = await listen({ handler });
    const clients = await Promise.all(Array.from({ length: 50 }, () => hl7Client(port)));
    await waitFor(() => listener.connectionCount() === 50, '50 connections');
    await Promise.all(
      clients.map(async (client, c) => {
        for (let i = 0; i < 5; i++) expect(await client.send(rdeMessage(`C${c}-M${i}`))).toMatchObject({ code: 'AA', controlId: `C${c}-M${i}` });
      }),
    );
    expect(perConnection.size).toBe(50);
    expect([...perConnection.values()].every((n) => n === 5)).toBe(true);
    expect(maxInFlight).toBeGreaterThan(1);
  });
});

describe('MLLP listener, framing over the wire', () => {
  it('reassembles a frame written one byte at a time', async () => {
    const handler = transportOnlyHandler();
    const { port } = await listen({ handler });
    const socket = await raw(port);
    const framed = frame(bytes(rdeMessage('ONEBYTE')));
    for (const byte of framed) {
      await socket.write(Uint8Array.of(byte));
      if (byte === 0x0d) await new Promise((resolve) => setImmediate(resolve)); // let reads split on segment ends too
    }
    const [ack] = await socket.waitForAnswers(1);
    expect(acknowledgedIdOf(ack!)).toEqual({ code: 'AA', controlId: 'ONEBYTE' });
    expect(handler.calls).toHaveLength(1);
    expect(text(handler.calls[0]!.bytes)).toBe(rdeMessage('ONEBYTE'));
  });

  it('answers 50 frames sent in one write, one at a time and in order, pausing reads while they queue', async () => {
    let inFlight = 0;
    let maxInFlight = 0;
    const handler: MllpHandler = {
      ...transportOnlyHandler(),
      async onMessage(payload) {
        inFlight += 1;
        maxInFlight = Math.max(maxInFlight, inFlight);
        await new Promise((resolve) => setTimeout(resolve, 1));
        inFlight -= 1;
        return minimalAck(payload, 'AA');
      },
    };
    const { port, logs } = await listen({ handler, maxQueuedFrames: 4 });
    const socket = await raw(port);
    const ids = Array.from({ length: 50 }, (_, i) => `P${i}`);
    await socket.write(Buffer.concat(ids.map((id) => frame(bytes(rdeMessage(id))))));
    const answers = await socket.waitForAnswers(50);
    expect(answers.map((a) => acknowledgedIdOf(a)?.controlId)).toEqual(ids);
    expect(maxInFlight).toBe(1);
    expect(logs.lines.some((l) => String(l.msg).includes('paused'))).toBe(true);
  });

  it('answers 100 frames with junk between them, written in random splits (seeded)', async () => {
    const handler = transportOnlyHandler();
    const { port } = await listen({ handler });
    const socket = await raw(port);
    const random = seededRandom(2026);
    const ids = Array.from({ length: 100 }, (_, i) => `S${i}`);
    const stream = Buffer.concat(ids.flatMap((id, i) => [i % 7 === 3 ? bytes('\r\njunk') : Buffer.alloc(0), frame(bytes(rdeMessage(id, { filler: 'y'.repeat(randomInt(random, 0, 3000)) })))]));
    for (let pos = 0; pos < stream.length; ) {
      const size = randomInt(random, 1, 4000);
      await socket.write(stream.subarray(pos, pos + size));
      pos += size;
      if (random() < 0.3) await new Promise((resolve) => setImmediate(resolve));
    }
    const answers = await socket.waitForAnswers(100);
    expect(answers.map((a) => acknowledgedIdOf(a)?.controlId)).toEqual(ids);
    expect(handler.calls.filter((c) => c.kind === 'discard').map((c) => text(c.bytes))).toEqual(Array(14).fill('\r\njunk'));
  });

  it('reports junk before a frame and a frame cut off by the peer closing', async () => {
    const handler = transportOnlyHandler();
    const { port, logs } = await listen({ handler });
    const socket = await raw(port);
    await socket.write(Buffer.concat([bytes('GET / HTTP/1.0\r\n'), frame(bytes(rdeMessage('J1')))]));
    await socket.waitForAnswers(1);
    await socket.write(bytes(`\x0b${rdeMessage('CUT')}`.slice(0, 60)));
    await new Promise((resolve) => setTimeout(resolve, 20));
    socket.socket.end();
    await waitFor(() => handler.calls.filter((c) => c.kind === 'discard').length === 2, 'two discards');
    const discards = handler.calls.filter((c) => c.kind === 'discard');
    expect(discards.map((d) => d.reason)).toEqual(['junk_before_start', 'closed_mid_frame']);
    expect(text(discards[0]!.bytes)).toBe('GET / HTTP/1.0\r\n');
    expect(discards[1]!.size).toBe(59);
    expect(logs.text()).not.toContain(PHI_MARKER);
  });

  it('still answers a sender that half-closes right after its frame', async () => {
    const { port } = await listen({ handler: transportOnlyHandler() });
    const socket = await raw(port);
    socket.socket.end(frame(bytes(rdeMessage('HALF'))));
    const [ack] = await socket.waitForAnswers(1);
    expect(acknowledgedIdOf(ack!)?.controlId).toBe('HALF');
    await socket.closed;
  });

  it('closes an idle connection with a logged reason and reports the partial frame it held', async () => {
    const handler = transportOnlyHandler();
    const { port, logs } = await listen({ handler, idleTimeoutMs: 150 });
    const socket = await raw(port);
    await socket.write(bytes(`\x0bMSH|^~\\&|EHR|HOSP`));
    const started = Date.now();
    await socket.closed;
    expect(Date.now() - started).toBeGreaterThanOrEqual(100);
    expect(handler.calls.find((c) => c.kind === 'discard')).toMatchObject({ reason: 'idle_timeout_mid_frame', size: 17 });
    await waitFor(() => logs.lines.some((l) => l.reason === 'idle_timeout'), 'idle log');
  });

  it('does not count its own slow handler as the sender being idle', async () => {
    const handler = transportOnlyHandler({ delay: () => new Promise((resolve) => setTimeout(resolve, 300)) });
    const { port } = await listen({ handler, idleTimeoutMs: 100 });
    const socket = await raw(port);
    await socket.write(frame(bytes(rdeMessage('SLOW'))));
    const [ack] = await socket.waitForAnswers(1);
    expect(acknowledgedIdOf(ack!)?.controlId).toBe('SLOW');
  });

  it('holds all connections together to MLLP_MAX_BUFFERED_BYTES: over it they wait, the oldest reads on, every frame is answered', async () => {
    const limit = 256 * 1024;
    const maxFrameBytes = 256 * 1024;
    const senders = 12;
    // One frame at a time, 40 ms each, as behind a slow store: frames pile up while the senders keep writing.
    const base = transportOnlyHandler();
    let turn = Promise.resolve();
    const handler: MllpHandler = {
      ...base,
      onMessage(payload, conn) {
        turn = turn.then(() => new Promise((resolve) => setTimeout(resolve, 40)));
        return turn.then(() => base.onMessage(payload, conn));
      },
    };
    // An idle timeout shorter than the wait: a connection the budget holds back is not an idle sender.
    const { port, listener, logs } = await listen({ handler, maxFrameBytes, maxBufferedBytes: limit, idleTimeoutMs: 300 });
    const sampler = sampleBuffered(listener);
    try {
      const sockets = await Promise.all(Array.from({ length: senders }, () => raw(port)));
      await Promise.all(
        sockets.map(async (socket, i) => {
          const big = frame(bytes(rdeMessage(`BIG${i}`, { filler: 'x'.repeat(200 * 1024) })));
          for (let at = 0; at < big.length; at += 16 * 1024) await socket.write(big.subarray(at, at + 16 * 1024));
        }),
      );
      const answers = await Promise.all(sockets.map((socket) => socket.waitForAnswers(1, 20_000)));
      expect(answers.map(([answer]) => acknowledgedIdOf(answer!)?.controlId)).toEqual(Array.from({ length: senders }, (_, i) => `BIG${i}`));
    } finally {
      sampler.stop();
    }
    const { peak, pausedAtOnce } = sampler;
    expect(pausedAtOnce).toBeGreaterThan(0);
    // The limit, plus the frame the oldest holder may finish, plus one read (64 KiB) per connection counted after it
    // arrived; all twelve frames held at once would be 2.4 MB.
    expect(peak).toBeLessThanOrEqual(limit + maxFrameBytes + senders * 64 * 1024);
    expect(base.calls.filter((c) => c.kind === 'discard')).toEqual([]);
    // Each time the listener goes over and comes back under is logged, for the listener, not per connection.
    const logged = logs.lines.filter((l) => l.reason === 'buffer_budget' && Number(l.level) >= 30);
    expect(logged.length).toBeGreaterThanOrEqual(2);
    expect(logged.every((l) => l.conn === undefined)).toBe(true);
    expect(logged[0]).toMatchObject({ level: 40, limit });
    expect(logged.at(-1)).toMatchObject({ level: 30, limit });
    await waitFor(() => listener.buffered().bytes === 0, 'every byte released');
    expect(listener.buffered()).toEqual({ bytes: 0, limit, pausedConnections: 0 });
  });

  it('answers every frame, in order, of twenty senders writing random sizes in random pieces behind a small budget (seeded)', async () => {
    const random = seededRandom(Number(process.env.BUDGET_SEED ?? 20261207));
    const limit = 128 * 1024;
    const maxFrameBytes = 160 * 1024;
    const base = transportOnlyHandler();
    const handler: MllpHandler = {
      ...base,
      async onMessage(payload, conn) {
        await new Promise((resolve) => setTimeout(resolve, randomInt(random, 0, 5)));
        return base.onMessage(payload, conn);
      },
    };
    const { port, listener } = await listen({ handler, maxFrameBytes, maxBufferedBytes: limit });
    const sampler = sampleBuffered(listener);
    const senders = 20;
    const framesEach = 6;
    try {
      const answered = await Promise.all(
        Array.from({ length: senders }, async (_, s) => {
          const socket = await raw(port);
          // Each sender pipelines its frames, cut into pieces of 1 byte to 64 KiB written with short random pauses.
          const stream = Buffer.concat(
            Array.from({ length: framesEach }, (_, f) => frame(bytes(rdeMessage(`B${s}-${f}`, { filler: 'y'.repeat(randomInt(random, 0, 150 * 1024)) })))),
          );
          for (let at = 0; at < stream.length; ) {
            const piece = randomInt(random, 1, 64 * 1024);
            await socket.write(stream.subarray(at, at + piece));
            at += piece;
            if (random() < 0.3) await new Promise((resolve) => setTimeout(resolve, randomInt(random, 0, 3)));
          }
          return (await socket.waitForAnswers(framesEach, 60_000)).map((a) => acknowledgedIdOf(a)?.controlId);
        }),
      );
      expect(answered).toEqual(Array.from({ length: senders }, (_, s) => Array.from({ length: framesEach }, (_, f) => `B${s}-${f}`)));
    } finally {
      sampler.stop();
    }
    const { peak, pausedAtOnce } = sampler;
    expect(pausedAtOnce).toBeGreaterThan(1);
    expect(peak).toBeLessThanOrEqual(limit + maxFrameBytes + senders * 64 * 1024);
    await waitFor(() => listener.buffered().bytes === 0, 'every byte released');
    expect(listener.buffered().pausedConnections).toBe(0);
  }, 120_000);

  it('listens on IPv6 (MLLP_HOST=::1): a sender there is known by its address, and our client reaches it', async () => {
    const handler = transportOnlyHandler();
    const { port, listener } = await listen({ handler, host: '::1' });
    expect(listener.address.plain).toMatchObject({ address: '::1', family: 'IPv6' });
    const v6 = await openRawSocket(port, '::1');
    cleanups.push(async () => v6.socket.destroy());
    await v6.write(frame(bytes(rdeMessage('V6-RAW'))));
    expect(acknowledgedIdOf((await v6.waitForAnswers(1))[0]!)).toEqual({ code: 'AA', controlId: 'V6-RAW' });
    const client = createMllpClient({ host: '::1', port, logger: pino({ level: 'silent' }), answerTimeoutMs: 2000 });
    cleanups.push(() => client.close());
    const { answer } = await client.send(bytes(rdeMessage('V6-CLIENT')), (a) => acknowledgedIdOf(a)?.controlId === 'V6-CLIENT');
    expect(acknowledgedIdOf(answer)).toEqual({ code: 'AA', controlId: 'V6-CLIENT' });
    expect(handler.calls.map((c) => [controlIdOf(c.bytes), c.conn.remoteAddress])).toEqual([
      ['V6-RAW', '::1'],
      ['V6-CLIENT', '::1'],
    ]);
  });

  it('refuses connections over the limit with a logged reason', async () => {
    const { port, listener, logs } = await listen({ handler: transportOnlyHandler(), maxConnections: 3 });
    const kept = await Promise.all([raw(port), raw(port), raw(port)]);
    await waitFor(() => listener.connectionCount() === 3, 'three connections');
    const refused = await raw(port);
    await refused.closed;
    expect(logs.lines.some((l) => l.reason === 'max_connections' && l.limit === 3)).toBe(true);
    // the kept connections still work, and a slot frees when one leaves
    await kept[0]!.write(frame(bytes(rdeMessage('K0'))));
    expect(acknowledgedIdOf((await kept[0]!.waitForAnswers(1))[0]!)?.controlId).toBe('K0');
    kept[1]!.socket.destroy();
    await waitFor(() => listener.connectionCount() === 2, 'a free slot');
    const next = await raw(port);
    await next.write(frame(bytes(rdeMessage('N1'))));
    expect(acknowledgedIdOf((await next.waitForAnswers(1))[0]!)?.controlId).toBe('N1');
  });

  it('refuses an address its connections over MLLP_MAX_CONNECTIONS_PER_ADDRESS, while other addresses still get in', async () => {
    const { port, listener, logs } = await listen({ handler: transportOnlyHandler(), maxConnectionsPerAddress: 2 });
    const kept = await Promise.all([raw(port), raw(port)]);
    await waitFor(() => listener.connectionCount() === 2, 'two connections');
    const refused = await raw(port);
    await refused.closed;
    expect(logs.lines.filter((l) => l.reason === 'max_connections_per_address')).toMatchObject([{ limit: 2, remote_address: '127.0.0.1', tls: false }]);
    // Another sender, on another address, is served as ever.
    const other = await openRawSocket(port, '127.0.0.1', '127.0.0.2');
    cleanups.push(async () => other.socket.destroy());
    await other.write(frame(bytes(rdeMessage('OTHER'))));
    expect(acknowledgedIdOf((await other.waitForAnswers(1))[0]!)?.controlId).toBe('OTHER');
    // And the first address gets a slot back when one of its connections leaves.
    kept[0]!.socket.destroy();
    await waitFor(() => listener.connectionCount() === 2, 'a free slot');
    const again = await raw(port);
    await again.write(frame(bytes(rdeMessage('AGAIN'))));
    expect(acknowledgedIdOf((await again.waitForAnswers(1))[0]!)?.controlId).toBe('AGAIN');
  });

  it('writes several answer frames in order (commit then application ACK), or none', async () => {
    const handler: MllpHandler = {
      ...transportOnlyHandler(),
      async onMessage(payload) {
        if (controlIdOf(payload) === 'SILENT') return [];
        return [minimalAck(payload, 'AA'), minimalAck(payload, 'AE')];
      },
    };
    const { port } = await listen({ handler });
    const socket = await raw(port);
    await socket.write(Buffer.concat([frame(bytes(rdeMessage('SILENT'))), frame(bytes(rdeMessage('TWO')))]));
    const answers = await socket.waitForAnswers(2);
    expect(answers.map((a) => acknowledgedIdOf(a))).toEqual([
      { code: 'AA', controlId: 'TWO' },
      { code: 'AE', controlId: 'TWO' },
    ]);
  });

  it('closes without an answer when the handler fails, so the sender retries', async () => {
    const handler: MllpHandler = { ...transportOnlyHandler(), onMessage: async () => Promise.reject(new Error('bus down')) };
    const { port, logs } = await listen({ handler });
    const socket = await raw(port);
    await socket.write(frame(bytes(rdeMessage('F1'))));
    await socket.closed;
    expect(socket.answers).toHaveLength(0);
    expect(logs.lines.some((l) => l.reason === 'handler_failed')).toBe(true);
  });

  it('closes when onOversize answers null', async () => {
    const handler: MllpHandler = { ...transportOnlyHandler(), onOversize: async () => null };
    const { port } = await listen({ handler, maxFrameBytes: 100 });
    const socket = await raw(port);
    await socket.write(frame(bytes(rdeMessage('BIG'))));
    await socket.closed;
    expect(socket.answers).toHaveLength(0);
  });
});

describe('MLLP listener, senders that misbehave', () => {
  it('stops taking frames from a sender that does not read its answers, and answers them all in order once it does', async () => {
    // Answers of 128 KiB: what the kernel buffers between the two sockets is a few MiB, so the listener's writes block.
    const padding = Buffer.from(`NTE|1||${'x'.repeat(128 * 1024)}\r`, 'latin1');
    const handler = transportOnlyHandler();
    const answering: MllpHandler = { ...handler, onMessage: async (payload, conn) => Buffer.concat([(await handler.onMessage(payload, conn)) as Uint8Array, padding]) };
    const { port } = await listen({ handler: answering, maxQueuedFrames: 4 });
    const socket = await raw(port);
    socket.socket.pause();
    const ids = Array.from({ length: 300 }, (_, i) => `B${i}`);
    socket.socket.write(Buffer.concat(ids.map((id) => frame(bytes(rdeMessage(id))))));
    // The listener stops handling (its answers cannot be delivered) well before the 300th frame…
    let seen = -1;
    while (seen !== handler.calls.length) {
      seen = handler.calls.length;
      await new Promise((resolve) => setTimeout(resolve, 300));
    }
    expect(handler.calls.length).toBeLessThan(ids.length);
    // …and once the sender reads, every frame is answered, in order.
    socket.socket.resume();
    const answers = await socket.waitForAnswers(ids.length, 20_000);
    expect(answers.map((a) => acknowledgedIdOf(a)?.controlId)).toEqual(ids);
  });

  it('drops the answer of a sender that reset the connection while its message was handled, says so, and serves the next', async () => {
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    const handler = transportOnlyHandler({ delay: (payload) => (controlIdOf(payload) === 'GONE' ? held : Promise.resolve()) });
    const { port, logs } = await listen({ handler });
    const leaving = await raw(port);
    await leaving.write(frame(bytes(rdeMessage('GONE'))));
    await waitFor(() => handler.calls.length === 1, 'the frame in the handler');
    // A reset, not a FIN: a sender that half-closes may still wait for its answer, and gets it (above).
    leaving.socket.resetAndDestroy();
    await waitFor(() => logs.lines.some((l) => l.msg === 'MLLP connection closed' && l.unanswered === 1), 'the close, one frame unanswered');
    release();
    const next = await raw(port);
    await next.write(frame(bytes(rdeMessage('NEXT'))));
    expect(acknowledgedIdOf((await next.waitForAnswers(1))[0]!)?.controlId).toBe('NEXT');
  });

  it('logs a reset as a socket error and reports the frame it cut off', async () => {
    const handler = transportOnlyHandler();
    const { port, logs } = await listen({ handler });
    const socket = await raw(port);
    await socket.write(bytes(`\x0b${rdeMessage('RST')}`.slice(0, 40)));
    await new Promise((resolve) => setTimeout(resolve, 20));
    socket.socket.resetAndDestroy();
    await waitFor(() => logs.lines.some((l) => l.msg === 'MLLP connection closed'), 'the close');
    expect(logs.lines.find((l) => l.msg === 'MLLP connection closed')).toMatchObject({ reason: 'socket_error', unanswered: 0 });
    expect(handler.calls).toEqual([expect.objectContaining({ kind: 'discard', reason: 'closed_mid_frame', size: 39 })]);
    expect(logs.text()).not.toContain(PHI_MARKER);
  });
});

describe('MLLP listener stop()', () => {
  it('answers the frame in flight, refuses new connections, then closes', async () => {
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const handler = transportOnlyHandler({ delay: () => gate });
    const { port, listener, logs } = await listen({ handler });
    const client = await hl7Client(port);
    const ack = client.send(rdeMessage('INFLIGHT'));
    await waitFor(() => handler.calls.length === 1, 'the frame reaching the handler');
    const stopped = listener.stop({ graceMs: 5000 });
    await new Promise((resolve) => setTimeout(resolve, 30));
    // no new connection is served while stopping
    const late = await openRawSocket(port).catch(() => undefined);
    if (late) await late.closed;
    release();
    expect(await ack).toMatchObject({ code: 'AA', controlId: 'INFLIGHT' });
    await stopped;
    expect(listener.connectionCount()).toBe(0);
    expect(logs.lines.some((l) => l.reason === 'listener_stopping' && l.unanswered === 0)).toBe(true);
  });

  it('cuts connections still busy after the grace period', async () => {
    const handler = transportOnlyHandler({ delay: () => new Promise(() => undefined) });
    const { port, listener, logs } = await listen({ handler });
    const socket = await raw(port);
    await socket.write(frame(bytes(rdeMessage('STUCK'))));
    await waitFor(() => handler.calls.length === 1, 'the frame reaching the handler');
    await listener.stop({ graceMs: 100 });
    await socket.closed;
    expect(logs.lines.some((l) => l.reason === 'stop_grace_expired')).toBe(true);
  });
});
