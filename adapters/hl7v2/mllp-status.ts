import type { MllpListener } from './mllp/listener.ts';
import type { OutboundWorkerState } from './outbound/worker.ts';
import type { Hl7Handler } from './pipeline/handler.ts';

/**
 * HL7 v2 over MLLP as an operator sees it (GET /api/mllp/status, the web UI's Connections page): where the listener
 * listens and each open connection — who is on it, since when, what it has carried, whether an answer is pending —
 * and each EHR dispenses are sent on to: how much waits for it, and how its latest delivery went.
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

/** One EHR the gateway sends dispenses to (HL7_OUTBOUND_TARGETS). */
export interface OutboundTargetView {
  facility: string;
  host: string;
  port: number;
  tls: boolean;
  /** its facility's dispenses on the bus not yet delivered (one of them may be in delivery); null when the bus did not say */
  waiting: number | null;
  /** how long the oldest of them has waited, in seconds */
  oldest_waiting_s: number | null;
  /** the latest delivery outcome (`sent`, `unreachable`, `error`, …) with the EHR's answer; null before the first */
  last_outcome: string | null;
  last_ack: string | null;
  last_at: string | null;
  /** when a dispense last reached it (AA/CA); null since this gateway started */
  last_sent_at: string | null;
}

export interface MllpStatus {
  port: number | null;
  tls_port: number | null;
  max_connections: number;
  /** 0: no limit per address */
  max_connections_per_address: number;
  tls_certificate_expires: string | null;
  /** bytes all connections hold now (partial frames, queued frames, frames being handled) */
  buffered_bytes: number;
  /** MLLP_MAX_BUFFERED_BYTES */
  max_buffered_bytes: number;
  /** connections not read from now because the listener holds max_buffered_bytes */
  paused_for_buffer: number;
  connections: MllpConnectionView[];
  /** the EHRs dispenses are sent on to, as this gateway's workers last saw them */
  outbound: OutboundTargetView[];
}

/** Backlog of a target's consumer: what consumerBacklog (gateway/bus/consumer-backlog.ts) measures. */
export type TargetBacklog = (durable: string) => Promise<{ waiting: number; oldestS: number } | null>;

export async function mllpStatus(
  listener: MllpListener,
  handler: Pick<Hl7Handler, 'lastSender'>,
  outbound: readonly OutboundWorkerState[],
  backlog: TargetBacklog,
): Promise<MllpStatus> {
  const targets = await Promise.all(
    outbound.map(async ({ target, durable, last, lastSentAt }): Promise<OutboundTargetView> => {
      // The bus being away leaves the backlog unknown, not the page unanswered.
      const b = await backlog(durable).catch(() => null);
      return {
        facility: target.facility,
        host: target.host,
        port: target.port,
        tls: target.tls,
        waiting: b?.waiting ?? null,
        oldest_waiting_s: b ? Math.round(b.oldestS) : null,
        last_outcome: last?.outcome ?? null,
        last_ack: last?.ack ?? null,
        last_at: last?.at ?? null,
        last_sent_at: lastSentAt ?? null,
      };
    }),
  );
  return {
    port: listener.address.plain?.port ?? null,
    tls_port: listener.address.tls?.port ?? null,
    max_connections: listener.maxConnections,
    max_connections_per_address: listener.maxConnectionsPerAddress,
    tls_certificate_expires: listener.tlsCertificateExpiry()?.toISOString() ?? null,
    ...bufferView(listener.buffered()),
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
    outbound: targets,
  };
}

function bufferView(buffered: ReturnType<MllpListener['buffered']>): Pick<MllpStatus, 'buffered_bytes' | 'max_buffered_bytes' | 'paused_for_buffer'> {
  return { buffered_bytes: buffered.bytes, max_buffered_bytes: buffered.limit, paused_for_buffer: buffered.pausedConnections };
}
