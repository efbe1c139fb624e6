import { sha256Hex } from '../events/ids.ts';
import type { CanonicalEvent, EventClass } from '../events/schema.ts';
import { eventClass } from '../events/schema.ts';

/**
 * Stream, subject and bucket names: the only place they are spelled out.
 *
 * Events:      ev.<class>.p<k>.<facility>.<type>      k = partition of the facility (fixed PARTITIONS)
 * Quarantine:  quarantine.<adapter>.<reason>.<source>     source = sourceToken(message id), `_` when none is known
 * Dead letter: dlq.<stream>.<consumer>
 * Commits:     rxgate.ledger.committed                 (core NATS, tells edges waiting on the ledger ack point)
 *
 * A non-empty BUS_NAMESPACE prefixes every one of them (`<ns>.ev.>`, stream `<ns>_EVENTS`, bucket
 * `<ns>_rxgate_leases`), so that several deployments (staging beside production, or parallel test runs) can share
 * one NATS without seeing each other's messages.
 */

export const NAMESPACE_PATTERN = /^[A-Za-z0-9-]{0,32}$/;

export function createBusNames(namespace = '') {
  if (!NAMESPACE_PATTERN.test(namespace)) throw new Error(`bus namespace ${JSON.stringify(namespace)} must match ${NAMESPACE_PATTERN}`);
  const subj = (s: string) => (namespace ? `${namespace}.${s}` : s);
  const named = (s: string) => (namespace ? `${namespace}_${s}` : s);
  return {
    namespace,
    streams: { events: named('EVENTS'), quarantine: named('QUARANTINE'), dlq: named('DLQ') },
    buckets: {
      leases: named('rxgate_leases'),
      evidenceState: named('rxgate_evidence_state'),
      hl7Seen: named('rxgate_hl7_seen'),
      hl7Outbound: named('rxgate_hl7_outbound'),
    },
    subjects: {
      eventsAll: subj('ev.>'),
      quarantineAll: subj('quarantine.>'),
      dlqAll: subj('dlq.>'),
      ledgerCommitted: subj('rxgate.ledger.committed'),
    },
    eventSubject(event: Pick<CanonicalEvent, 'facility_id' | 'type' | 'drug'>, partitions: number): string {
      const cls: EventClass = eventClass(event);
      return subj(`ev.${cls}.p${partitionOf(event.facility_id, partitions)}.${event.facility_id}.${event.type}`);
    },
    /** All events of one partition, every class: what an ordered per-partition consumer filters on. */
    partitionFilter(partition: number): string {
      return subj(`ev.*.p${partition}.>`);
    },
    /**
     * Reason tokens are subject-safe words such as `schema`, `parse`, `auth`. The last token stands for the message id
     * the sender gave (MSH-10, an event's source.message_id), so a message can be traced to its quarantined copies
     * without reading the stream through (quarantineSubjects).
     */
    quarantineSubject(adapter: string, reason: string, messageId?: string): string {
      return subj(`quarantine.${subjectToken(adapter)}.${subjectToken(reason)}.${messageId ? sourceToken(messageId) : '_'}`);
    },
    /**
     * The subject patterns of the quarantine entries of one adapter, reason and/or message id (`*` for what is not
     * given). Without a message id, entries kept before the subject had its message-id token
     * (`quarantine.<adapter>.<reason>`) match too.
     */
    quarantineSubjects(f: { adapter?: string | undefined; reason?: string | undefined; messageId?: string | undefined }): string[] {
      const adapter = f.adapter === undefined ? '*' : subjectToken(f.adapter);
      const reason = f.reason === undefined ? '*' : subjectToken(f.reason);
      if (f.messageId !== undefined) return [subj(`quarantine.${adapter}.${reason}.${sourceToken(f.messageId)}`)];
      return [subj(`quarantine.${adapter}.${reason}.*`), subj(`quarantine.${adapter}.${reason}`)];
    },
    dlqSubject(stream: string, consumer: string): string {
      return subj(`dlq.${subjectToken(stream)}.${subjectToken(consumer)}`);
    },
    /** The subject pattern of the dead letters of one consumer (any when not given). */
    dlqSubjects(f: { consumer?: string | undefined }): string[] {
      return [subj(`dlq.*.${f.consumer === undefined ? '*' : subjectToken(f.consumer)}`)];
    },
  };
}

export type BusNames = ReturnType<typeof createBusNames>;

/** FNV-1a 32-bit: stable across processes and releases, so a facility keeps its partition. */
export function partitionOf(facilityId: string, partitions: number): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < facilityId.length; i++) {
    h ^= facilityId.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h % partitions;
}

/**
 * A message id as a subject token: ids are free text (dots, spaces, wildcards), so the token is a digest, 16 hex
 * digits of SHA-256 — collisions are told apart by the entry's own message-id header.
 */
export function sourceToken(messageId: string): string {
  return sha256Hex(messageId).slice(0, 16);
}

function subjectToken(text: string): string {
  const token = text.replace(/[^A-Za-z0-9_-]/g, '_');
  return token.length > 0 ? token : '_';
}
