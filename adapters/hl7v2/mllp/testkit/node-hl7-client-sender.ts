import type { ConnectionOptions } from 'node:tls';
import { Client, Message, type Connection, type InboundResponse } from 'node-hl7-client';

/**
 * node-hl7-client 3.2.0 as a sender peer (PEERS.md), used the only safe way: wait for the socket before the first
 * send and await each ACK before the next (sending earlier silently opens another socket), and check MSA-2 on every
 * ACK (it takes any read holding 0x1C and 0x0D for a whole frame).
 */

export interface Hl7ClientAck {
  readonly code: string;
  readonly controlId: string;
  readonly text: string;
}

export interface NodeHl7ClientSender {
  /** sends one message (segments separated by CR) and resolves with its ACK; rejects if MSA-2 is not its MSH-10 */
  send(text: string): Promise<Hl7ClientAck>;
  close(): Promise<void>;
}

export class AckMismatchError extends Error {
  constructor(
    readonly expected: string,
    readonly received: string,
  ) {
    super(`ACK for the wrong message: MSA-2 ${JSON.stringify(received)}, expected ${JSON.stringify(expected)}`);
    this.name = 'AckMismatchError';
  }
}

export async function connectNodeHl7Client(options: {
  host?: string;
  port: number;
  tls?: ConnectionOptions;
  ackTimeoutMs?: number;
}): Promise<NodeHl7ClientSender> {
  const client = new Client({ host: options.host ?? '127.0.0.1', ...(options.tls ? { tls: options.tls } : {}) });
  let pending: { resolve: (ack: Hl7ClientAck) => void; reject: (err: Error) => void; controlId: string } | undefined;
  const connection: Connection = client.createConnection({ port: options.port, waitAck: true }, async (res: InboundResponse) => {
    const message = res.getMessage();
    const ack = { code: message.get('MSA.1').toString(), controlId: message.get('MSA.2').toString(), text: message.toString() };
    const waiting = pending;
    pending = undefined;
    if (!waiting) return;
    if (ack.controlId === waiting.controlId) waiting.resolve(ack);
    else waiting.reject(new AckMismatchError(waiting.controlId, ack.controlId));
  });
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`node-hl7-client: no connection to port ${options.port}`)), 5000);
    connection.once('connect', () => {
      clearTimeout(timer);
      resolve();
    });
  });
  const ackTimeoutMs = options.ackTimeoutMs ?? 5000;
  return {
    async send(text: string) {
      if (pending) throw new Error('node-hl7-client: send before the previous ACK');
      const message = new Message({ text });
      const controlId = message.get('MSH.10').toString();
      const ack = new Promise<Hl7ClientAck>((resolve, reject) => {
        const timer = setTimeout(() => {
          pending = undefined;
          reject(new Error(`node-hl7-client: no ACK for ${controlId} within ${ackTimeoutMs} ms`));
        }, ackTimeoutMs);
        pending = {
          controlId,
          resolve: (a) => (clearTimeout(timer), resolve(a)),
          reject: (e) => (clearTimeout(timer), reject(e)),
        };
      });
      await connection.sendMessage(message);
      return ack;
    },
    async close() {
      await connection.close();
      client.closeAll();
    },
  };
}
