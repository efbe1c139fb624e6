import type { MllpListener } from './mllp/listener.ts';
import type { Hl7Handler } from './pipeline/handler.ts';

/**
 * The MLLP listener as an operator sees it (GET /api/mllp/status, the web UI's Connections page): where it listens,
 * and each open connection — who is on it, since when, what it has carried, whether an answer is pending.
 */

export interface MllpConnectionView {
  id: string;
  remote_address: string;
  remote_port: number;
  tls: boolean;
  /** CN (else first SAN) of the verified client certificate under mutual TLS */
  peer_identity: string | null;
  /** MSH-3^MSH-4 of the last message read on it */
  last_sender: string | null;
  opened_at: string;
  last_frame_at: string | null;
  frames_in: number;
  bytes_in: number;
  answered: number;
  /** frames received and not yet answered */
  waiting: number;
}

export interface MllpStatus {
  port: number | null;
  tls_port: number | null;
  max_connections: number;
  tls_certificate_expires: string | null;
  connections: MllpConnectionView[];
}

export function mllpStatus(listener: MllpListener, handler: Pick<Hl7Handler, 'lastSender'>): MllpStatus {
  return {
    port: listener.address.plain?.port ?? null,
    tls_port: listener.address.tls?.port ?? null,
    max_connections: listener.maxConnections,
    tls_certificate_expires: listener.tlsCertificateExpiry()?.toISOString() ?? null,
    connections: listener.connections().map(({ info, stats }) => ({
      id: info.id,
      remote_address: info.remoteAddress,
      remote_port: info.remotePort,
      tls: info.tls,
      peer_identity: info.peerIdentity ?? null,
      last_sender: handler.lastSender(info) ?? null,
      opened_at: stats.openedAt.toISOString(),
      last_frame_at: stats.lastFrameAt?.toISOString() ?? null,
      frames_in: stats.framesIn,
      bytes_in: stats.bytesIn,
      answered: stats.answered,
      waiting: stats.waiting,
    })),
  };
}
