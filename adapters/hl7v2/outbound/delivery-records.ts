import type { Bus } from '../../../gateway/bus/connection.ts';
import type { OutboundOutcome } from './worker.ts';
import { RecordBucket } from '../../../gateway/bus/kv-bucket.ts';

/**
 * What became of each dispense sent on to its EHR: the latest outcome of its delivery, by event id, for a message
 * trace ("the EHR says it never got it"). Kept in a JetStream KV bucket for as long as the events stream keeps
 * events (EVENTS_MAX_AGE_DAYS), so every gateway instance sees every worker's records.
 */
export interface DeliveryRecord {
  event_id: string;
  /** the target's facility id (HL7_OUTBOUND_TARGETS) */
  target: string;
  outcome: OutboundOutcome;
  /** MSH-10 of the message sent; null when none was built */
  control_id: string | null;
  /** MSA-1 of the EHR's answer; null without one */
  ack: string | null;
  /** the answer's ERR codes and locations, or why nothing was sent or answered — never the EHR's free text */
  errors: string[];
  at: string;
  /** sends within this delivery */
  attempts: number;
  /**
   * The EHR's application acknowledgement, when it sent one later as a message of its own (enhanced mode: the
   * answer on the connection was a commit ACK, CA)
   */
  application_ack?: ApplicationAck;
}

export interface ApplicationAck {
  /** MSA-1: AA, AE or AR */
  code: string;
  /** its ERR codes and locations, never its free text */
  errors: string[];
  /** MSH-10 of the acknowledgement message */
  message_id: string;
  /** when the gateway received it */
  at: string;
}

/** The MSH-10 the outbound worker writes (rds-builder.ts controlIdForEvent), and the key prefix that maps it back. */
const CONTROL_ID = /^RX[0-9A-F]{18}$/;
const SENT_AS = 'sent-as.';

export class DeliveryRecords {
  private constructor(private readonly bucket: RecordBucket) {}

  /** `maxAgeMs`: how long a record is kept; 0 for ever. */
  static async open(bus: Bus, maxAgeMs: number): Promise<DeliveryRecords> {
    return new DeliveryRecords(await RecordBucket.open(bus, bus.names.buckets.hl7Outbound, { ttlMs: maxAgeMs, history: 1 }));
  }

  /** Best effort, beside the delivery and never holding it up (an event id is a UUID, a valid key). */
  record(r: DeliveryRecord): void {
    this.bucket.putWithoutWaiting(r.event_id, JSON.stringify(r));
    // The MSH-10 it was sent under leads back to the event, for an EHR that quotes it (controlIdForEvent: RX + hex).
    if (r.control_id && CONTROL_ID.test(r.control_id)) this.bucket.putWithoutWaiting(`${SENT_AS}${r.control_id}`, r.event_id);
  }

  /**
   * Adds the EHR's application acknowledgement to the delivery record of the dispense it names by the MSH-10 it was
   * sent under, when `fromItsEhr` says the acknowledgement came from that record's EHR. The updated record;
   * `unknown` when that MSH-10 or its record is not known here; `other_sender` (nothing written) when it came from
   * somebody else.
   */
  async addApplicationAck(
    controlId: string,
    ack: ApplicationAck,
    fromItsEhr: (record: DeliveryRecord) => boolean,
  ): Promise<DeliveryRecord | 'unknown' | 'other_sender'> {
    const eventId = await this.eventSentAs(controlId);
    if (!eventId) return 'unknown';
    const [current] = await this.get([eventId]);
    if (!current) return 'unknown';
    if (!fromItsEhr(current)) return 'other_sender';
    const updated = { ...current, application_ack: ack };
    this.bucket.putWithoutWaiting(eventId, JSON.stringify(updated));
    return updated;
  }

  /** The event a message sent to an EHR was built from, by the MSH-10 it went under; null when none is known. */
  async eventSentAs(controlId: string): Promise<string | null> {
    if (!CONTROL_ID.test(controlId)) return null;
    return (await this.bucket.get(`${SENT_AS}${controlId}`))?.string() ?? null;
  }

  /** The records of these events, where there are any, in the order asked. */
  async get(eventIds: readonly string[]): Promise<DeliveryRecord[]> {
    const entries = await Promise.all(eventIds.map((id) => this.bucket.get(id)));
    return entries.flatMap((e) => (e ? [e.json<DeliveryRecord>()] : []));
  }
}
