import type { CanonicalEvent, EventClass } from '../events/schema.ts';
import { eventClass } from '../events/schema.ts';

/**
 * Subject and stream names: the only place they are spelled out.
 *
 * Events:      ev.<class>.p<k>.<facility>.<type>      k = partition of the facility (fixed PARTITIONS)
 * Quarantine:  quarantine.<adapter>.<reason>
 * Dead letter: dlq.<stream>.<consumer>
 * Commits:     rxgate.ledger.committed                 (core NATS, tells edges waiting on the ledger ack point)
 */
export const STREAMS = {
  events: 'EVENTS',
  quarantine: 'QUARANTINE',
  dlq: 'DLQ',
} as const;

export const SUBJECTS = {
  eventsAll: 'ev.>',
  quarantineAll: 'quarantine.>',
  dlqAll: 'dlq.>',
  ledgerCommitted: 'rxgate.ledger.committed',
} as const;

/** FNV-1a 32-bit: stable across processes and releases, so a facility keeps its partition. */
export function partitionOf(facilityId: string, partitions: number): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < facilityId.length; i++) {
    h ^= facilityId.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h % partitions;
}

export function eventSubject(event: Pick<CanonicalEvent, 'facility_id' | 'type' | 'drug'>, partitions: number): string {
  const cls: EventClass = eventClass(event);
  return `ev.${cls}.p${partitionOf(event.facility_id, partitions)}.${event.facility_id}.${event.type}`;
}

/** All events of one partition, every class: what an ordered per-partition consumer filters on. */
export function partitionFilter(partition: number): string {
  return `ev.*.p${partition}.>`;
}

/** Reason tokens are subject-safe words such as `schema`, `parse`, `auth`. */
export function quarantineSubject(adapter: string, reason: string): string {
  return `quarantine.${subjectToken(adapter)}.${subjectToken(reason)}`;
}

export function dlqSubject(stream: string, consumer: string): string {
  return `dlq.${subjectToken(stream)}.${subjectToken(consumer)}`;
}

function subjectToken(text: string): string {
  const token = text.replace(/[^A-Za-z0-9_-]/g, '_');
  return token.length > 0 ? token : '_';
}
