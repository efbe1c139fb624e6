import type { PendingDetail } from '../../../mappings/pending/service.ts';
import type { Suggestion } from '../../../mappings/pending/suggest.ts';
import { CsrfField } from '../components/csrf-field.tsx';
import { ErrorSummary, type SummaryProblem } from '../components/error-summary.tsx';
import { FormField } from '../components/form-field.tsx';
import { Layout } from '../components/layout.tsx';
import { Instant, Value } from '../components/value.tsx';
import { uiPath, type PageContext } from '../context.ts';

/**
 * One pending code: what arrived, the events waiting on it, suggestions (best first), and the resolution. Each
 * suggestion is one button that resolves the code to it and releases the waiting events; a second form takes any
 * other NDC (and, for a drug the tables do not know yet, its description).
 */

export const RESOLVE_SCHEDULES = [
  { value: '', label: 'Keep the drug’s current schedule (needed when it has none)' },
  { value: 'II', label: 'II' },
  { value: 'III', label: 'III' },
  { value: 'IV', label: 'IV' },
  { value: 'V', label: 'V' },
  { value: 'NC', label: 'NC (not controlled)' },
] as const;

/** The fields of a new drug the "another NDC" form offers (drug.<name> in the service's problems). */
export const NEW_DRUG_FIELDS = [
  { name: 'proprietary_name', label: 'Proprietary name' },
  { name: 'nonproprietary_name', label: 'Nonproprietary name' },
  { name: 'strength', label: 'Strength' },
  { name: 'description', label: 'Package description' },
] as const;

export interface PendingFormState {
  /** which form was sent */
  form: 'suggestion' | 'other';
  values: Record<string, string>;
  /** messages per control id */
  errors: Record<string, string[]>;
  problems: SummaryProblem[];
}

export function PendingPage(props: { page: PageContext; pending: PendingDetail; suggestions: Suggestion[]; q: string; state?: PendingFormState | undefined }) {
  const { page, pending: p, suggestions, state } = props;
  const sent = (form: PendingFormState['form'], name: string) => (state?.form === form ? (state.values[name] ?? '') : '');
  const err = (id: string) => state?.errors[id];
  const open = p.status === 'open' || p.waiting > 0;
  const releases = `${p.waiting} waiting ${p.waiting === 1 ? 'event' : 'events'}`;
  const title = `Pending code ${p.system} ${p.code}`;
  return (
    <Layout title={state && state.problems.length > 0 ? `Error: ${title}` : title} page={page} current="pending">
      <p class="crumbs">
        <a href={uiPath(['pending'])}>Pending codes</a> › <span class="mono">{p.code}</span>
      </p>
      <h1>{title}</h1>
      <ErrorSummary problems={state?.problems ?? []} />
      <dl class="fields">
        <dt>System</dt>
        <dd>{p.system}</dd>
        <dt>Code</dt>
        <dd class="mono">{p.code}</dd>
        <dt>Facility</dt>
        <dd>{p.facility_id}</dd>
        <dt>As the sender described it</dt>
        <dd>
          <Value v={p.display} />
        </dd>
        <dt>Events waiting</dt>
        <dd>
          <strong>{p.waiting}</strong> (of {p.events_total} parked on this code)
        </dd>
        <dt>First and last seen</dt>
        <dd>
          <Instant iso={p.first_seen_at} /> – <Instant iso={p.last_seen_at} />
        </dd>
        <dt>Status</dt>
        <dd>
          {p.status}
          {p.resolved_by ? (
            <>
              {' '}
              by {p.resolved_by} at <Instant iso={p.resolved_at} />
            </>
          ) : null}
          {p.resolution && typeof p.resolution.ndc11 === 'string' ? (
            <>
              {' '}
              to{' '}
              <a class="mono" href={uiPath(['tables', 'drugs', p.resolution.ndc11])}>
                {p.resolution.ndc11}
              </a>
            </>
          ) : null}
        </dd>
      </dl>

      {open && page.may('pendingResolve') ? (
        <>
          <h2 id="suggestions-title">Suggestions</h2>
          <form method="get" action={uiPath(['pending', p.id])} class="search" role="search" aria-label="Search drugs for this code">
            <FormField id="f-q" name="q" label="Search drugs with your own words" control="search" value={props.q} hint="Names, strength, description; the sender’s description is always used too." maxlength={200} />
            <button type="submit" class="secondary">
              Search
            </button>
          </form>
          {suggestions.length === 0 ? (
            <p>No known drug looks like this code. Resolve it to an NDC below.</p>
          ) : (
            <form method="post" action={uiPath(['pending', p.id, 'resolve'])} class="wide" aria-labelledby="suggestions-title">
              <CsrfField token={page.csrf} />
              <input type="hidden" name="form" value="suggestion" />
              <p>
                Give the reason once, then choose the drug: its button resolves the code and releases the <strong>{releases}</strong> to the
                ledger.
              </p>
              <FormField
                id="s-reason"
                name="reason"
                label="Why (kept with the mapping versions)"
                control="textarea"
                required={true}
                maxlength={500}
                value={sent('suggestion', 'reason')}
                errors={err('s-reason')}
              />
              <FormField id="s-schedule" name="schedule" label="DEA schedule" control="select" options={RESOLVE_SCHEDULES} value={sent('suggestion', 'schedule')} errors={err('s-schedule')} />
              <div class="table-wrap">
                <table>
                  <caption>Known drugs this code may mean, best first</caption>
                  <thead>
                    <tr>
                      <th scope="col">NDC-11</th>
                      <th scope="col">Drug</th>
                      <th scope="col">Schedule</th>
                      <th scope="col">Why suggested</th>
                      <th scope="col">Resolve</th>
                    </tr>
                  </thead>
                  <tbody>
                    {suggestions.map((s) => (
                      <tr>
                        <th scope="row">
                          <a class="mono" href={uiPath(['tables', 'drugs', s.ndc11])}>
                            {s.ndc11}
                          </a>
                        </th>
                        <td>
                          {[s.proprietary_name, s.nonproprietary_name, s.strength].filter(Boolean).join(' · ') || <Value v={null} />}
                          {s.description ? (
                            <>
                              <br />
                              <span class="muted">{s.description}</span>
                            </>
                          ) : null}
                        </td>
                        <td>{s.schedule ?? 'none yet'}</td>
                        <td>{s.reasons.join('; ')}</td>
                        <td>
                          <button type="submit" name="ndc11" value={s.ndc11}>
                            Resolve to {s.ndc11}, release {p.waiting} {p.waiting === 1 ? 'event' : 'events'}
                          </button>
                        </td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </div>
            </form>
          )}

          <h2 id="other-title">Resolve to another NDC</h2>
          <form method="post" action={uiPath(['pending', p.id, 'resolve'])} class="stack" aria-labelledby="other-title">
            <CsrfField token={page.csrf} />
            <input type="hidden" name="form" value="other" />
            <FormField
              id="o-ndc11"
              name="ndc11"
              label="NDC"
              required={true}
              hint="Any hyphenated layout (4-4-2, 5-3-2, 5-4-1, 5-4-2) or 11 digits."
              value={sent('other', 'ndc11')}
              errors={err('o-ndc11')}
              maxlength={20}
            />
            <FormField id="o-schedule" name="schedule" label="DEA schedule" control="select" options={RESOLVE_SCHEDULES} value={sent('other', 'schedule')} errors={err('o-schedule')} />
            <fieldset>
              <legend>Only for a drug the tables do not know yet</legend>
              {NEW_DRUG_FIELDS.map((f) => (
                <FormField id={`o-drug-${f.name}`} name={`drug_${f.name}`} label={f.label} value={sent('other', `drug_${f.name}`)} errors={err(`o-drug-${f.name}`)} />
              ))}
            </fieldset>
            <FormField
              id="o-reason"
              name="reason"
              label="Why (kept with the mapping versions)"
              control="textarea"
              required={true}
              maxlength={500}
              value={sent('other', 'reason')}
              errors={err('o-reason')}
            />
            <button type="submit">Resolve and release the {releases}</button>
          </form>
        </>
      ) : open ? (
        <p>Your role may see this code but not resolve it.</p>
      ) : null}

      <h2>Parked events</h2>
      {p.events.length === 0 ? (
        <p>No events are parked on this code.</p>
      ) : (
        <div class="table-wrap">
          <table>
            <caption>
              Events parked on this code, in the order they arrived{p.events.length >= 100 ? ' (the first 100)' : ''}
            </caption>
            <thead>
              <tr>
                <th scope="col">Event id</th>
                <th scope="col">Type</th>
                <th scope="col">Facility</th>
                <th scope="col">Parked at</th>
                <th scope="col">Released</th>
              </tr>
            </thead>
            <tbody>
              {p.events.map((e) => (
                <tr>
                  <td class="mono">{e.event_id}</td>
                  <td>{e.type}</td>
                  <td>{e.facility_id}</td>
                  <td>
                    <Instant iso={e.parked_at} />
                  </td>
                  <td>
                    {e.released_at ? (
                      <>
                        <Instant iso={e.released_at} /> ({e.released_class})
                      </>
                    ) : (
                      'waiting'
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </Layout>
  );
}
