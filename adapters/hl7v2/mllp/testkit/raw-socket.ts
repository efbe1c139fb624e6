import { connect, type Socket } from 'node:net';
import { decodeChunk, initialDecoderState, type MllpDecodeEvent } from '../framing.ts';

/**
 * A raw TCP sender for the cases no HL7 library can produce (one-byte writes, pipelined frames, junk, half-close),
 * collecting the answer frames it gets back.
 */
export interface RawMllpSocket {
  readonly socket: Socket;
  readonly answers: Uint8Array[];
  /** resolves when `count` answers have arrived (bounded by `timeoutMs`) */
  waitForAnswers(count: number, timeoutMs?: number): Promise<Uint8Array[]>;
  /** resolves when the server has closed the connection */
  readonly closed: Promise<void>;
  write(bytes: Uint8Array | string): Promise<void>;
}

/** `localAddress`: the address to send from (another of 127.0.0.0/8, to be another peer on loopback). */
export async function openRawSocket(port: number, host = '127.0.0.1', localAddress?: string): Promise<RawMllpSocket> {
  const socket = connect({ host, port, ...(localAddress ? { localAddress } : {}) });
  socket.setNoDelay(true);
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('error', reject);
  });
  const answers: Uint8Array[] = [];
  let decoder = initialDecoderState();
  const listeners = new Set<() => void>();
  socket.on('data', (chunk: Buffer) => {
    const result = decodeChunk(decoder, chunk);
    decoder = result.state;
    for (const event of result.events as MllpDecodeEvent[]) if (event.type === 'frame') answers.push(event.payload);
    for (const notify of listeners) notify();
  });
  socket.on('error', () => undefined);
  const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
  return {
    socket,
    answers,
    closed,
    waitForAnswers(count, timeoutMs = 5000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          if (answers.length >= count) {
            cleanup();
            resolve(answers.slice(0, count));
          }
        };
        const timer = setTimeout(() => {
          cleanup();
          reject(new Error(`raw socket: ${answers.length} of ${count} answers within ${timeoutMs} ms`));
        }, timeoutMs);
        const onClose = () => {
          cleanup();
          reject(new Error(`raw socket: closed after ${answers.length} of ${count} answers`));
        };
        const cleanup = () => {
          clearTimeout(timer);
          listeners.delete(check);
          socket.off('close', onClose);
        };
        listeners.add(check);
        socket.once('close', onClose);
        check();
      });
    },
    write(bytes) {
      return new Promise((resolve, reject) => socket.write(bytes, (err) => (err ? reject(err) : resolve())));
    },
  };
}
