import { headers } from '@nats-io/transport-node';
import type { CanonicalEvent } from '../events/schema.ts';
import type { Bus } from './connection.ts';

export const HEADER = {
  correlationId: 'Rxgate-Correlation-Id',
  eventType: 'Rxgate-Event-Type',
  facility: 'Rxgate-Facility',
} as const;

export interface PublishOutcome {
  subject: string;
  stream_seq: number;
  /** JetStream already had this idempotency key inside its duplicate window. */
  duplicate: boolean;
}

/**
 * Publishes with Nats-Msg-Id = idempotency_key, so JetStream drops a repeat inside the duplicate window and the
 * ledger's unique key catches the rest. Resolves on the PubAck.
 */
export async function publishEvent(bus: Bus, event: CanonicalEvent, partitions: number, msgId?: string): Promise<PublishOutcome> {
  const subject = bus.names.eventSubject(event, partitions);
  const h = headers();
  h.set(HEADER.correlationId, event.correlation_id);
  h.set(HEADER.eventType, event.type);
  h.set(HEADER.facility, event.facility_id);
  const ack = await bus.js.publish(subject, JSON.stringify(event), { msgID: msgId ?? event.idempotency_key, headers: h });
  return { subject, stream_seq: ack.seq, duplicate: ack.duplicate };
}
