import type { Logger } from 'pino';
import type { Metrics } from '../../../gateway/metrics.ts';
import { isResponse } from '../ack-plan.ts';
import { readAckMessage } from '../ack-read.ts';
import type { Hl7Message } from '../message.ts';
import { senderOf } from '../sender.ts';
import type { DeliveryRecords } from './delivery-records.ts';
import { isEcho, type OutboundTarget } from './targets.ts';

/**
 * An EHR in enhanced mode answers a dispense with a commit ACK (CA) on the connection and may send its application
 * acknowledgement later, as a message of its own, to our MLLP listener: a generic ACK, or RRD^O14 (the response
 * v2.5 defines for RDS^O13), or RRE^O12 (for an RDE reversal). It names, in MSA-2, the MSH-10 the
 * dispense went under: its code and ERR codes are added to the dispense's delivery record (so a trace shows whether
 * the EHR applied the dispense), logged, and counted as `application_accepted` or `application_refused`.
 *
 * Only an ACK from the target's own EHR counts — its MSH-3^MSH-4 one of the target's senders (the echo rule's
 * names) — so that another sender cannot mark somebody else's dispense refused or applied.
 */
export function applicationAckRecorder(deps: {
  deliveries: DeliveryRecords;
  targets: readonly OutboundTarget[];
  metrics: Metrics;
}): (message: Hl7Message, receivedAt: Date, log: Logger) => Promise<void> {
  return async (message, receivedAt, log) => {
    if (!isResponse(message)) return;
    const ack = readAckMessage(message);
    if (!ack || !['AA', 'AE', 'AR'].includes(ack.code)) return;
    const sender = senderOf(message);
    const found = await deps.deliveries.addApplicationAck(ack.controlId, { code: ack.code, errors: ack.errors, message_id: message.controlId, at: receivedAt.toISOString() }, (record) => {
      const target = deps.targets.find((t) => t.facility === record.target);
      return target !== undefined && isEcho(target, { adapter: 'hl7v2', sender });
    });
    if (found === 'unknown') return;
    if (found === 'other_sender') {
      log.warn({ control_id: ack.controlId }, 'application acknowledgement of a dispense from a sender that is not its EHR: not recorded');
      return;
    }
    const refused = ack.code !== 'AA';
    deps.metrics.hl7Outbound.inc({ target: found.target, outcome: refused ? 'application_refused' : 'application_accepted' });
    const fields = { target: found.target, event_id: found.event_id, control_id: ack.controlId, ack: ack.code, errors: ack.errors };
    if (refused) log.warn(fields, 'EHR refused a dispense in its application acknowledgement');
    else log.info(fields, 'EHR applied a dispense (application acknowledgement)');
  };
}
