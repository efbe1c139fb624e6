import { eventSummary } from '../../history/event-summary.ts';
import type { PatientHistory } from '../../history/patient-history.ts';
import type { LedgerEntry } from '../../store/ledger.ts';
import { CsrfField } from '../components/csrf-field.tsx';
import { FormField } from '../components/form-field.tsx';
import { Layout } from '../components/layout.tsx';
import { Instant, Value } from '../components/value.tsx';
import { uiPath, type PageContext } from '../context.ts';

/** What the form was given (kept on the page only, never in its address). */
export interface HistoryForm {
  kind: string;
  value: string;
  authority: string;
  type: string;
}

const KINDS = [
  { value: 'patient', label: 'A patient identifier (PID-3, such as an MRN)' },
  { value: 'encounter', label: 'A visit number (PV1-19)' },
] as const;

/**
 * One patient's or one stay's events in the ledger, found by the identifier the user holds. The form posts (an
 * identifier in an address would stay in browser histories and proxy logs); the page shows the token the ledger
 * holds, whether a message with that identifier has arrived, and the events, each linked to its message's trace.
 */
export function PatientHistoryPage(props: { page: PageContext; form?: HistoryForm; problems?: Record<string, string>; history?: PatientHistory }) {
  const { page, form, history } = props;
  const problems = props.problems ?? {};
  const err = (name: string) => (problems[name] ? [problems[name]!] : undefined);
  return (
    <Layout title="Patient history" page={page} current="patients">
      <h1>Patient history</h1>
      <p>
        The ledger keeps patients and visits as tokens, never their identifiers. Give the identifier as the EHR writes it — its value, the
        assigning authority and the type — and the gateway finds the token it gave it and the events recorded under it, in the order the ledger recorded them. The
        identifier is not kept or logged.
      </p>
      <form method="post" action={uiPath(['patients'])} class="search">
        <CsrfField token={page.csrf} />
        <FormField id="f-kind" name="kind" label="What you have" control="select" options={KINDS} value={form?.kind ?? 'patient'} errors={err('kind')} />
        <FormField id="f-value" name="value" label="Identifier" value={form?.value ?? ''} hint="CX-1: the MRN or the visit number itself." errors={err('value')} required maxlength={256} />
        <FormField
          id="f-authority"
          name="authority"
          label="Assigning authority"
          value={form?.authority ?? ''}
          hint="CX-4 as the EHR writes it, such as HOSP1, or its OID when it gives no name."
          errors={err('authority')}
          maxlength={256}
        />
        <FormField
          id="f-type"
          name="type"
          label="Identifier type"
          value={form?.type ?? ''}
          hint="CX-5: MR for a medical record number; a visit number without one is VN."
          errors={err('type')}
          maxlength={32}
        />
        <button type="submit">Find</button>
      </form>
      {history && form ? <HistoryResult page={page} form={form} history={history} /> : null}
    </Layout>
  );
}

function HistoryResult(props: { page: PageContext; form: HistoryForm; history: PatientHistory }) {
  const { page, form, history } = props;
  const what = history.kind === 'patient' ? 'patient' : 'visit';
  return (
    <section aria-labelledby="history-result">
      <h2 id="history-result">Events of this {what}</h2>
      <p role="status">
        {history.known ? `A message with this ${what} has reached the gateway` : `No message with this ${what} has reached the gateway (or it was written differently)`};{' '}
        its token is <span class="mono">{history.ref}</span>. {history.entries.length === 0 ? 'The ledger holds no event under it.' : `${history.entries.length} event${history.entries.length === 1 ? '' : 's'} below.`}
      </p>
      {history.merged_from.length > 0 ? (
        <p>
          {history.merged_from.length === 1 ? 'One earlier record was' : `${history.merged_from.length} earlier records were`} merged into this patient; their events
          are included: {history.merged_from.map((ref, i) => (
            <>
              {i > 0 ? ', ' : ''}
              <span class="mono">{ref}</span>
            </>
          ))}
          .
        </p>
      ) : null}
      {history.entries.length > 0 ? (
        <div class="table-wrap">
          <table>
            <caption>In the ledger, in the order recorded</caption>
            <thead>
              <tr>
                <th scope="col">Recorded</th>
                <th scope="col">Facility</th>
                <th scope="col">Type</th>
                <th scope="col">What</th>
                <th scope="col">Drug</th>
                <th scope="col">Schedule</th>
                <th scope="col" class="num">
                  Quantity
                </th>
                <th scope="col">Message</th>
              </tr>
            </thead>
            <tbody>
              {history.entries.map((e) => (
                <HistoryRow entry={e} />
              ))}
            </tbody>
          </table>
        </div>
      ) : null}
      {history.next_after !== undefined ? (
        <form method="post" action={uiPath(['patients'])}>
          <CsrfField token={page.csrf} />
          {(['kind', 'value', 'authority', 'type'] as const).map((name) => (
            <input type="hidden" name={name} value={form[name]} />
          ))}
          <input type="hidden" name="after" value={String(history.next_after)} />
          <button type="submit">Later events</button>
        </form>
      ) : null}
    </section>
  );
}

function HistoryRow(props: { entry: LedgerEntry }) {
  const { event } = props.entry;
  const source = event.source;
  return (
    <tr>
      <td>
        <Instant iso={props.entry.recorded_at} />
      </td>
      <td>{props.entry.chain}</td>
      <th scope="row">{event.type}</th>
      <td>
        <Value v={eventSummary(event)} />
      </td>
      <td class="mono">
        <Value v={event.drug?.ndc11 ?? event.drug?.rxnorm} />
      </td>
      <td>
        <Value v={event.drug?.schedule} />
      </td>
      <td class="num">
        <Value v={event.quantity ? `${event.quantity.value} ${event.quantity.unit}` : undefined} />
      </td>
      <td>
        <a href={uiPath(['trace'], { message_id: source.message_id, sender: source.sender, adapter: source.adapter })}>{source.message_id}</a>
      </td>
    </tr>
  );
}
