import type { DeliveryRecord } from '../../../adapters/hl7v2/outbound/delivery-records.ts';
import { ResendEventButton } from '../components/resend-form.tsx';
import type { MessageQuery, MessageTrace } from '../../trace/message-trace.ts';
import { FormField } from '../components/form-field.tsx';
import { QuarantineTable } from '../components/quarantine-table.tsx';
import { Layout } from '../components/layout.tsx';
import { Instant, Value } from '../components/value.tsx';
import { uiPath, type PageContext } from '../context.ts';

/**
 * A message trace: the form (message id, sender), and what the gateway knows of that message — the answer it got,
 * its ledger entries, its events waiting for a mapping (linked to their pending code) and its quarantined copies.
 */
export function TracePage(props: { page: PageContext; query?: MessageQuery | undefined; trace?: MessageTrace | undefined; problem?: string | undefined }) {
  const { page, query, trace } = props;
  return (
    <Layout title={query ? `Trace of ${query.message_id}` : 'Trace a message'} page={page} current="trace">
      <h1>Trace a message</h1>
      <p>
        What became of a message a sender sent, found by the id the sender gave it: the answer it got, the ledger entries its events became, the
        events waiting for a drug mapping, the copies kept in quarantine, and what the EHRs its dispenses were sent on to answered. Only positions,
        codes and reasons are shown, never the message's content. The MSH-10 an EHR quotes back for a dispense it got from this gateway works too.
      </p>
      <form class="search" method="get" action={uiPath(['trace'])} role="search">
        <FormField
          id="f-message_id"
          name="message_id"
          label="Message id"
          value={query?.message_id ?? ''}
          hint="HL7: MSH-10, the message control id. API: the event's source.message_id."
          errors={props.problem ? [props.problem] : undefined}
          required
          maxlength={256}
        />
        <FormField
          id="f-sender"
          name="sender"
          label="Sender (optional)"
          value={query?.sender ?? ''}
          hint="HL7: MSH-3^MSH-4 as the sender wrote them, such as EPIC^GENHOSP1. Leave empty to search every sender."
          maxlength={512}
        />
        <button type="submit">Trace</button>
      </form>
      {trace ? <TraceResult page={page} trace={trace} /> : null}
    </Layout>
  );
}

function TraceResult(props: { page: PageContext; trace: MessageTrace }) {
  const { page, trace } = props;
  const id = trace.query.message_id;
  // After a replay, back to this same trace, which then shows what became of it.
  const returnTo = uiPath(['trace'], { message_id: id, sender: trace.query.sender, adapter: trace.query.adapter });
  const nothing = trace.answers.length + trace.ledger.length + trace.parked.length + trace.quarantine.length === 0 && trace.unavailable.length === 0;
  const partNames = { answers: 'answers given', deliveries: 'deliveries to EHRs', ledger: 'ledger', parked: 'events waiting for a mapping', quarantine: 'quarantine' } as const;
  const count = (n: number, one: string, many: string) => `${n} ${n === 1 ? one : many}`;
  return (
    <section aria-labelledby="trace-result">
      <h2 id="trace-result">Message {id}</h2>
      {trace.sent_as ? (
        <p>
          {trace.sent_as.control_id} is the MSH-10 this gateway sent a dispense to an EHR under (event{' '}
          <span class="mono">{trace.sent_as.event_id}</span>). What follows is the message that dispense came from:{' '}
          <a href={uiPath(['trace'], { message_id: trace.sent_as.message.message_id, sender: trace.sent_as.message.sender, adapter: trace.sent_as.message.adapter })}>
            {trace.sent_as.message.message_id}
          </a>
          {trace.sent_as.message.sender ? ` from ${trace.sent_as.message.sender}` : ''}.
        </p>
      ) : null}
      <p role="status">
        {nothing
          ? `Nothing is known of message ${id}${trace.query.sender ? ` from ${trace.query.sender}` : ''}: it has not arrived, or its answer is no longer remembered and it made no ledger entry, parked event or quarantined copy.`
          : `${count(trace.answers.length, 'answer', 'answers')}, ${count(trace.ledger.length, 'ledger entry', 'ledger entries')}, ${count(trace.parked.length, 'event waiting for a mapping', 'events waiting for a mapping')}, ${count(trace.quarantine.length, 'copy', 'copies')} in quarantine.`}
        {trace.truncated ? ' Only the first 100 of each are shown.' : ''}
      </p>
      {trace.unavailable.length > 0 ? (
        <div class="flash error">
          <p>
            Not read just now, their server being unreachable: {trace.unavailable.map((p) => partNames[p]).join(', ')}. What is shown may be incomplete.
          </p>
        </div>
      ) : null}
      {trace.answers.length > 0 ? (
        <>
          <h3>Answers given</h3>
          <ul>
            {trace.answers.map((a) => (
              <li>
                <strong>{a.acks.map((ack) => ack.code).join(' then ') || 'no acknowledgement asked for'}</strong> to {a.sender} ({a.adapter}) at{' '}
                <Instant iso={a.answered_at} />
                {a.acks.some((ack) => ack.errors.length > 0) ? `: ${a.acks.flatMap((ack) => ack.errors).join('; ')}` : ''}
                {a.event_ids.length > 0 ? `; ${count(a.event_ids.length, 'event', 'events')}` : ''}
              </li>
            ))}
          </ul>
        </>
      ) : null}
      {trace.ledger.length > 0 ? (
        <div class="table-wrap">
          <table>
            <caption>In the ledger</caption>
            <thead>
              <tr>
                <th scope="col">Facility</th>
                <th scope="col" class="num">
                  Seq
                </th>
                <th scope="col">Type</th>
                <th scope="col">Recorded</th>
                <th scope="col">Sender</th>
                <th scope="col">Event id</th>
                {page.mayUse('outboundResend') ? <th scope="col">Send again</th> : null}
              </tr>
            </thead>
            <tbody>
              {trace.ledger.map((e) => (
                <tr>
                  <th scope="row">{e.chain}</th>
                  <td class="num">{e.seq}</td>
                  <td>{e.type}</td>
                  <td>
                    <Instant iso={e.recorded_at} />
                  </td>
                  <td>
                    <Value v={e.sender} />
                  </td>
                  <td class="mono">{e.event_id}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : null}
      {trace.parked.length > 0 ? (
        <div class="table-wrap">
          <table>
            <caption>Waiting for a drug mapping</caption>
            <thead>
              <tr>
                <th scope="col">Code</th>
                <th scope="col">Facility</th>
                <th scope="col">Type</th>
                <th scope="col">Parked</th>
                <th scope="col">Released</th>
              </tr>
            </thead>
            <tbody>
              {trace.parked.map((p) => (
                <tr>
                  <th scope="row">
                    <a class="mono" href={uiPath(['pending', p.pending_id])}>
                      {p.system} {p.code}
                    </a>
                  </th>
                  <td>{p.facility_id}</td>
                  <td>{p.type}</td>
                  <td>
                    <Instant iso={p.parked_at} />
                  </td>
                  <td>{p.released_at ? <Instant iso={p.released_at} /> : 'still waiting'}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : null}
      {trace.deliveries.length > 0 ? (
        <div class="table-wrap">
          <table>
            <caption>Sent on to EHRs</caption>
            <thead>
              <tr>
                <th scope="col">To (facility)</th>
                <th scope="col">Outcome</th>
                <th scope="col">Answer</th>
                <th scope="col">When</th>
                <th scope="col">MSH-10 sent</th>
                <th scope="col">Event id</th>
                {page.mayUse('outboundResend') ? <th scope="col">Send again</th> : null}
              </tr>
            </thead>
            <tbody>
              {trace.deliveries.map((d) => (
                <tr>
                  <th scope="row">{d.target}</th>
                  <td>{DELIVERY_OUTCOMES[d.outcome]}</td>
                  <td>
                    <Value v={[d.ack, ...d.errors].filter(Boolean).join('; ')} />
                    {d.application_ack ? (
                      <div>
                        then its application ACK {d.application_ack.message_id}: {[d.application_ack.code, ...d.application_ack.errors].join('; ')} at{' '}
                        <Instant iso={d.application_ack.at} />
                      </div>
                    ) : null}
                  </td>
                  <td>
                    <Instant iso={d.at} />
                  </td>
                  <td class="mono">
                    <Value v={d.control_id} />
                  </td>
                  <td class="mono">{d.event_id}</td>
                  {page.mayUse('outboundResend') ? (
                    <td>
                      <ResendEventButton page={page} facility={d.target} eventId={d.event_id} outcome={d.outcome} returnTo={returnTo} />
                    </td>
                  ) : null}
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : null}
      {trace.quarantine.length > 0 ? <QuarantineTable page={page} entries={trace.quarantine} caption="Kept in quarantine" returnTo={returnTo} /> : null}
    </section>
  );
}

/** A delivery's outcome as an analyst reads it (OutboundOutcome). */
const DELIVERY_OUTCOMES: Record<DeliveryRecord['outcome'], string> = {
  sent: 'sent, acknowledged',
  skipped_echo: 'not sent: it came from this EHR',
  rejected: 'the EHR cannot take it now (AR); it waits on the bus',
  error: 'refused by the EHR (AE); retried, then dead-lettered',
  unreachable: 'the EHR cannot be reached; it waits on the bus',
  no_answer: 'no answer from the EHR; retried, then dead-lettered',
  invalid: 'not sent: the message cannot be built',
  dead_lettered: 'given up: in the dead letters',
};
