import type { Logger } from 'pino';
import type { Bus } from '../../gateway/bus/connection.ts';
import { startBatchConsumer, type BusMessage, type RunningConsumer } from '../../gateway/bus/consumer.ts';
import type { CanonicalEvent } from '../../gateway/events/schema.ts';
import type { Metrics } from '../../gateway/metrics.ts';
import { isStoreUnavailable } from '../../gateway/store/pg-errors.ts';
import { decodeEvent } from '../../gateway/workers/ledger-writer.ts';
import { ConflictError } from '../service-errors.ts';
import type { MappingService } from '../service.ts';

/**
 * Keeps the `patients` mapping table in step with the merges senders report (`patient.merge`: HL7 A40, A34, A47, …):
 * the prior token is marked `merged` into the surviving one, and either is added when the table does not have it
 * yet. Tokens are opaque, so nobody could keep this table by hand; each change is an ordinary mapping version (its
 * history kept like an analyst's) by the actor `system:patient-merges`, its reason naming the message it came from.
 *
 * One durable consumer shared by every gateway instance, one merge at a time in stream order, so that A→B then B→C
 * ends with both pointing on. A merge already applied (a redelivery, a replay) changes nothing.
 */

export const PATIENT_MERGES_CONSUMER = 'mappings-patient-merges';
const ACTOR = 'system:patient-merges';

/** The subject filter of merge events in every class, partition and facility, derived from the namespace's `ev.>`. */
export function patientMergeFilter(bus: Bus): string {
  const all = bus.names.subjects.eventsAll;
  return `${all.slice(0, -1)}*.*.*.patient.merge`;
}

export interface MergeProjection {
  handle(batch: BusMessage[]): Promise<void>;
  stop(): Promise<void>;
}

export async function startMergeProjection(o: {
  bus: Bus;
  service: MappingService;
  logger: Logger;
  metrics?: Metrics;
  ackWaitMs: number;
  maxDeliver: number;
}): Promise<MergeProjection> {
  const handle = async (batch: BusMessage[]): Promise<void> => {
    for (const message of batch) await applyMerge(o.service, decodeEvent(message), o.logger);
  };
  const consumer: RunningConsumer = await startBatchConsumer({
    bus: o.bus,
    stream: o.bus.names.streams.events,
    durable: PATIENT_MERGES_CONSUMER,
    filterSubject: patientMergeFilter(o.bus),
    ackWaitMs: o.ackWaitMs,
    maxAckPending: 1,
    maxDeliver: o.maxDeliver,
    batchMax: 1,
    handle,
    isTransient: (err) => isStoreUnavailable(err),
    onDeadLetter: () => o.metrics?.deadLettered.inc({ consumer: PATIENT_MERGES_CONSUMER }),
    logger: o.logger,
  });
  return { handle, stop: () => consumer.stop() };
}

/** One merge into the table: the prior token merged into the survivor, the survivor known (active when new). */
export async function applyMerge(service: MappingService, event: CanonicalEvent, logger: Logger): Promise<void> {
  const survivor = event.patient_ref;
  const prior = event.payload.prior_patient_ref;
  if (event.type !== 'patient.merge' || typeof prior !== 'string' || !survivor || prior === survivor) return;
  const origin = (event.payload.hl7v2 as { message_type?: string } | undefined)?.message_type ?? event.source.adapter;
  const ctx = { actor: ACTOR, reason: `${origin} ${event.source.message_id} from ${event.source.sender} (event ${event.id})`.slice(0, 500) };
  await ensure(service, survivor, { facility_id: event.facility_id, status: 'active', first_seen_at: event.occurred_at }, null, ctx);
  const changed = await ensure(service, prior, { facility_id: event.facility_id, status: 'merged', merged_into: survivor, first_seen_at: event.occurred_at }, { status: 'merged', merged_into: survivor }, ctx);
  if (changed) logger.info({ event_id: event.id, facility: event.facility_id }, 'patient token marked merged in the patients table');
}

/**
 * Creates the token's row when there is none; otherwise applies `patch` (null: leave it as it is). Whether a
 * version was written.
 */
async function ensure(
  service: MappingService,
  token: string,
  created: Record<string, unknown>,
  patch: Record<string, unknown> | null,
  ctx: { actor: string; reason: string },
): Promise<boolean> {
  if (!(await service.get('patients', token))) {
    try {
      await service.create('patients', { token, ...created }, ctx);
      return true;
    } catch (err) {
      // Another instance, or an analyst, made it meanwhile: go on as if it had been there.
      if (!(err instanceof ConflictError)) throw err;
    }
  }
  if (!patch) return false;
  return !(await service.update('patients', token, patch, ctx)).unchanged;
}
