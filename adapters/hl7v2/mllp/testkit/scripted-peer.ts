import { createServer, type AddressInfo, type Socket } from 'node:net';
import { decodeChunk, frame, initialDecoderState } from '../framing.ts';

/**
 * A hand-written MLLP receiver whose behaviour per frame is scripted: answer late, answer twice, answer the wrong
 * message, or hang up. For the client cases that no well-behaved peer produces.
 */
export interface ScriptStep {
  delayMs?: number;
  /** bytes written as they are, before the answers: junk, half a frame, a frame cut into pieces */
  raw?: Uint8Array[];
  /** answer payloads to write, in order (framed by the peer) */
  answers?: Uint8Array[];
  /** close the connection (after the answers, if any) */
  close?: boolean;
}

export interface PeerLog {
  connection: number;
  frame: number;
  payload: Uint8Array;
  /** the client had closed the connection before the scripted answer was due */
  closedBeforeAnswer?: boolean;
}

export interface ScriptedPeer {
  readonly port: number;
  readonly log: PeerLog[];
  connections(): number;
  /** connections open now */
  openConnections(): number;
  /** close every open connection (as a receiver dropping idle connections would) */
  dropConnections(): void;
  close(): Promise<void>;
}

export async function startScriptedPeer(script: (ctx: { connection: number; frame: number; payload: Uint8Array }) => ScriptStep): Promise<ScriptedPeer> {
  const sockets = new Set<Socket>();
  const log: PeerLog[] = [];
  let connections = 0;
  const server = createServer((socket) => {
    const connection = ++connections;
    sockets.add(socket);
    let decoder = initialDecoderState();
    let frames = 0;
    let closed = false;
    socket.on('close', () => {
      closed = true;
      sockets.delete(socket);
    });
    socket.on('error', () => undefined);
    socket.on('data', (chunk: Buffer) => {
      const result = decodeChunk(decoder, chunk);
      decoder = result.state;
      for (const event of result.events) {
        if (event.type !== 'frame') continue;
        const entry: PeerLog = { connection, frame: ++frames, payload: event.payload };
        log.push(entry);
        const step = script({ connection, frame: entry.frame, payload: event.payload });
        const act = () => {
          if (closed) {
            entry.closedBeforeAnswer = true;
            return;
          }
          for (const bytes of step.raw ?? []) socket.write(bytes);
          for (const answer of step.answers ?? []) socket.write(frame(answer));
          if (step.close) socket.end(() => socket.destroy());
        };
        if (step.delayMs) setTimeout(act, step.delayMs);
        else act();
      }
    });
  });
  await new Promise<void>((resolve) => server.listen({ host: '127.0.0.1', port: 0 }, resolve));
  return {
    port: (server.address() as AddressInfo).port,
    log,
    connections: () => connections,
    openConnections: () => sockets.size,
    dropConnections() {
      for (const socket of sockets) socket.destroy();
    },
    async close() {
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}
