import { connect, type Socket } from 'node:net';
import { performance } from 'node:perf_hooks';
import { decodeChunk, frame, initialDecoderState } from '../../adapters/hl7v2/mllp/framing.ts';
import { acknowledgedIdOf } from '../../adapters/hl7v2/mllp/testkit/minimal-ack.ts';
import { connectNodeHl7Client } from '../../adapters/hl7v2/mllp/testkit/node-hl7-client-sender.ts';
import { instantiate, type BenchMessageTemplate } from './messages.ts';

/**
 * The two benchmark senders. Each connection sends one message, waits for its ACK, checks MSA-2 against the
 * message's MSH-10, and only then sends the next (HL7 original mode). Connections share one counter, so `messages`
 * is the total over all of them.
 */

export type SenderKind = 'net' | 'node-hl7-client';

export interface SenderOptions {
  port: number;
  connections: number;
  messages: number;
  templates: readonly BenchMessageTemplate[];
  /** makes control ids unique per case */
  idPrefix: string;
  ackTimeoutMs: number;
  /**
   * Paced mode: messages are due at this many per second over all connections, and each latency runs from the
   * moment its message was due, not from when a connection got round to it, so a receiver that falls behind shows
   * it in the latencies (no coordinated omission). Unset: every connection sends as fast as its ACKs come back.
   */
  ratePerS?: number;
}

export interface SenderRun {
  /** one per message, in ms, from the write (paced: from when it was due) to its ACK */
  latenciesMs: Float64Array;
  /** one per message, in ms since startedAtMs: where its latency began */
  latencyStartsMs: Float64Array;
  /** epoch ms when the run began */
  startedAtMs: number;
  elapsedMs: number;
  payloadBytes: number;
}

export class BenchAckError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'BenchAckError';
  }
}

export async function runSender(kind: SenderKind, options: SenderOptions): Promise<SenderRun> {
  const latenciesMs = new Float64Array(options.messages);
  const latencyStartsMs = new Float64Array(options.messages);
  let next = 0;
  let payloadBytes = 0;
  const take = () => (next < options.messages ? next++ : -1);
  const messageFor = (n: number) => {
    const controlId = `${options.idPrefix}-${n}`;
    return { controlId, text: instantiate(options.templates[n % options.templates.length]!, controlId) };
  };

  const workers =
    kind === 'net'
      ? await Promise.all(Array.from({ length: options.connections }, () => openNetSender(options.port, options.ackTimeoutMs)))
      : await Promise.all(Array.from({ length: options.connections }, () => openHl7ClientSender(options.port, options.ackTimeoutMs)));
  const started = performance.now();
  try {
    await Promise.all(
      workers.map(async (worker) => {
        for (let n = take(); n !== -1; n = take()) {
          const { controlId, text } = messageFor(n);
          payloadBytes += text.length;
          let t0 = performance.now();
          if (options.ratePerS) {
            const due = started + (n * 1000) / options.ratePerS;
            if (due > t0) await new Promise((r) => setTimeout(r, due - t0));
            // A timer may fire up to a millisecond early (libuv keeps time in whole, cached milliseconds): a message
            // sent before it was due is timed from its send, never from a moment before it.
            t0 = Math.min(due, performance.now());
          }
          await worker.send(text, controlId);
          latenciesMs[n] = performance.now() - t0;
          latencyStartsMs[n] = t0 - started;
        }
      }),
    );
  } finally {
    await Promise.all(workers.map((w) => w.close()));
  }
  return { latenciesMs, latencyStartsMs, startedAtMs: performance.timeOrigin + started, elapsedMs: performance.now() - started, payloadBytes };
}

interface Worker {
  send(text: string, controlId: string): Promise<void>;
  close(): Promise<void>;
}

async function openHl7ClientSender(port: number, ackTimeoutMs: number): Promise<Worker> {
  const client = await connectNodeHl7Client({ port, ackTimeoutMs });
  return {
    async send(text, controlId) {
      const ack = await client.send(text); // rejects unless MSA-2 = MSH-10
      if (ack.code !== 'AA') throw new BenchAckError(`${controlId}: ${ack.code}`);
    },
    close: () => client.close(),
  };
}

async function openNetSender(port: number, ackTimeoutMs: number): Promise<Worker> {
  const socket: Socket = connect({ host: '127.0.0.1', port });
  socket.setNoDelay(true);
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('error', reject);
  });
  let decoder = initialDecoderState();
  let waiting: { resolve: (answer: Uint8Array) => void; reject: (err: Error) => void } | undefined;
  socket.on('data', (chunk: Buffer) => {
    const result = decodeChunk(decoder, chunk);
    decoder = result.state;
    for (const event of result.events) {
      if (event.type !== 'frame') continue;
      const w = waiting;
      waiting = undefined;
      w?.resolve(event.payload);
    }
  });
  socket.on('error', (err) => waiting?.reject(err));
  socket.on('close', () => waiting?.reject(new BenchAckError('receiver closed the connection')));
  return {
    async send(text, controlId) {
      const answer = await new Promise<Uint8Array>((resolve, reject) => {
        const timer = setTimeout(() => reject(new BenchAckError(`${controlId}: no ACK within ${ackTimeoutMs} ms`)), ackTimeoutMs);
        waiting = {
          resolve: (a) => (clearTimeout(timer), resolve(a)),
          reject: (e) => (clearTimeout(timer), reject(e)),
        };
        socket.write(frame(Buffer.from(text, 'latin1')));
      });
      const ack = acknowledgedIdOf(answer);
      if (ack?.controlId !== controlId) throw new BenchAckError(`ACK for ${ack?.controlId}, expected ${controlId}`);
      if (ack.code !== 'AA') throw new BenchAckError(`${controlId}: ${ack.code}`);
    },
    async close() {
      socket.destroy();
    },
  };
}
