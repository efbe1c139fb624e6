import { headers } from '@nats-io/transport-node';
import { canonicalJson } from '../events/canonical-json.ts';
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

const encoder = new TextEncoder();

/**
 * Publishes with Nats-Msg-Id = idempotency_key, so JetStream drops a repeat inside the duplicate window and the
 * ledger's unique key catches the rest. Resolves on the PubAck. The payload is the event's RFC 8785 text — the text
 * the ledger hashes — `text` when the caller has made it already (storableEventJson), and this process remembers
 * what it published (bus.published) for its own consumers.
 */
export async function publishEvent(bus: Bus, event: CanonicalEvent, partitions: number, msgId?: string, text?: string): Promise<PublishOutcome> {
  const subject = bus.names.eventSubject(event, partitions);
  const h = headers();
  // append, not set: the headers are new, and set first looks for the key to delete it.
  h.append(HEADER.correlationId, event.correlation_id);
  h.append(HEADER.eventType, event.type);
  h.append(HEADER.facility, event.facility_id);
  const payloadText = text ?? canonicalJson(event);
  const payload = encoder.encode(payloadText);
  const ack = await bus.publisher.publish(subject, payload, { msgId: msgId ?? event.idempotency_key, headers: h });
  // A duplicate's sequence is the earlier message's, which holds that message's bytes, not these.
  if (!ack.duplicate && ack.stream === bus.names.streams.events) bus.published.remember(ack.seq, { event, text: payloadText }, payload);
  return { subject, stream_seq: ack.seq, duplicate: ack.duplicate };
}
