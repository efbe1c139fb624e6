import type { ResendJob, ResendPreview } from '../../../adapters/hl7v2/outbound/resends.ts';
import type { PageContext } from '../context.ts';
import { CsrfField } from './csrf-field.tsx';
import { ErrorSummary, type SummaryProblem } from './error-summary.tsx';
import { FormField } from './form-field.tsx';
import { Instant } from './value.tsx';

/** What the resend form was filled with, and its problems, when it comes back to be corrected. */
export interface ResendFormState {
  values: { facility: string; since: string; until: string; reason: string };
  errors: Record<string, string[]>;
  summary: SummaryProblem[];
  /** what Count first found */
  preview?: ResendPreview | undefined;
}

/**
 * Sends an EHR's dispenses again from the ledger (POST /api/outbound/{facility}/resend), for analysts: the facility,
 * the recording times, and why.
 */
export function ResendForm(props: { page: PageContext; facilities: readonly string[]; state?: ResendFormState | undefined }) {
  const { page, facilities, state } = props;
  if (!page.mayUse('outboundResend') || facilities.length === 0) return null;
  const values = state?.values ?? { facility: facilities[0]!, since: '', until: '', reason: '' };
  return (
    <section aria-labelledby="resend-title">
      <h2 id="resend-title">Send dispenses again</h2>
      <p>
        When an EHR has lost dispenses it already took, send them again from the ledger: each goes under the MSH-10 it had, one after the other
        in the order they were recorded. Who asked and why is recorded in the ledger first.
      </p>
      <ErrorSummary problems={state?.summary ?? []} />
      {state?.preview ? (
        <p role="status">
          {state.preview.found === 0 ? (
            <>No dispense of {state.preview.facility} was recorded in that range: nothing would be sent.</>
          ) : (
            <>
              {state.preview.found} {state.preview.found === 1 ? 'dispense or reversal' : 'dispenses and reversals'} of {state.preview.facility} would be
              sent again, recorded from <Instant iso={state.preview.first_recorded_at} /> to{' '}
              <Instant iso={state.preview.last_recorded_at} />.
            </>
          )}
        </p>
      ) : null}
      <form method="post" action="/ui/connections/resend">
        <CsrfField token={page.csrf} />
        <FormField id="f-facility" name="facility" label="To the EHR of facility" control="select" value={values.facility} options={facilities.map((f) => ({ value: f, label: f }))} errors={state?.errors['facility']} required />
        <FormField id="f-since" name="since" label="Recorded since" hint="ISO 8601 with its offset, e.g. 2026-12-06T14:00:00Z" value={values.since} errors={state?.errors['since']} required maxlength={40} />
        <FormField id="f-until" name="until" label="Recorded before" hint="The same form; empty: now" value={values.until} errors={state?.errors['until']} maxlength={40} />
        <FormField id="f-reason" name="reason" label="Why" control="textarea" value={values.reason} errors={state?.errors['reason']} required maxlength={500} />
        <button type="submit" name="action" value="count" class="secondary">
          Count first
        </button>{' '}
        <button type="submit" name="action" value="send">
          Send again
        </button>
      </form>
    </section>
  );
}

/**
 * Sends one event to its EHR again (an event_ids resend), beside its delivery on the trace page; for analysts, and
 * only for deliveries that are over (a dispense still waiting on the bus goes out by itself).
 */
export function ResendEventButton(props: { page: PageContext; facility: string; eventId: string; outcome: string; returnTo: string }) {
  const { page } = props;
  if (!page.mayUse('outboundResend') || !['sent', 'error', 'no_answer', 'invalid', 'dead_lettered'].includes(props.outcome)) return null;
  return (
    <form method="post" action="/ui/trace/resend" class="inline">
      <CsrfField token={page.csrf} />
      <input type="hidden" name="facility" value={props.facility} />
      <input type="hidden" name="event_id" value={props.eventId} />
      <input type="hidden" name="return" value={props.returnTo} />
      <label>
        <span class="sr-only">Why send event {props.eventId} again</span>
        <input type="text" name="reason" required maxlength={500} placeholder="why" autocomplete="off" />
      </label>{' '}
      <button type="submit" class="secondary">
        Send again
      </button>
    </form>
  );
}

/** The latest resends, newest first, with how far each got; analysts may cancel a running one. */
export function ResendTable(props: { page: PageContext; resends: readonly ResendJob[] }) {
  const { page } = props;
  if (props.resends.length === 0) return <p>No dispenses have been sent again.</p>;
  return (
    <div class="table-wrap">
      <table>
        <caption>Resends ({props.resends.length}), newest first</caption>
        <thead>
          <tr>
            <th scope="col">Started</th>
            <th scope="col">Facility</th>
            <th scope="col">Asked by, why</th>
            <th scope="col">Recorded</th>
            <th scope="col">State</th>
            <th scope="col" class="num">
              Found
            </th>
            <th scope="col" class="num">
              Sent
            </th>
            <th scope="col" class="num">
              Skipped
            </th>
            <th scope="col" class="num">
              Refused
            </th>
          </tr>
        </thead>
        <tbody>
          {props.resends.map((r) => (
            <tr>
              <th scope="row">
                <Instant iso={r.started_at} />
              </th>
              <td>{r.facility}</td>
              <td>
                {r.actor}: {r.reason}
              </td>
              <td>
                {r.event_ids !== null ? (
                  `${r.event_ids} chosen events`
                ) : (
                  <>
                    from <Instant iso={r.since} /> to <Instant iso={r.until} />
                  </>
                )}
              </td>
              <td>
                {r.state}
                {r.state === 'running' && page.mayUse('outboundResend') ? (
                  <form method="post" action={`/ui/connections/resends/${r.id}/cancel`} class="inline">
                    <CsrfField token={page.csrf} />{' '}
                    <button type="submit" class="secondary" aria-label={`Cancel the resend to ${r.facility} started ${r.started_at}`}>
                      Cancel
                    </button>
                  </form>
                ) : null}
                {r.stopped_reason ? `: ${r.stopped_reason}` : ''}
                {r.resume_since ? (
                  <>
                    {' '}
                    (resend from <Instant iso={r.resume_since} /> to go on)
                  </>
                ) : null}
              </td>
              <td class="num">{r.found}</td>
              <td class="num">{r.sent}</td>
              <td class="num">{r.skipped}</td>
              <td class="num">{r.refused}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
