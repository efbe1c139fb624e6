import type { DeadLetterView, FailureRecord } from '../../bus/dead-letter.ts';
import { FormField } from '../components/form-field.tsx';
import { Layout } from '../components/layout.tsx';
import { Pager } from '../components/pager.tsx';
import { ReplayButton, ReplayState } from '../components/replay-button.tsx';
import { Instant } from '../components/value.tsx';
import { uiPath, type PageContext } from '../context.ts';

/**
 * Dead letters: the messages a consumer gave up on after its deliveries (the ledger writer, an outbound EHR feed),
 * with each attempt's failure, and a replay through that consumer once the cause is fixed. No bodies: they may hold
 * PHI.
 */
export function DeadLettersPage(props: { page: PageContext; consumer?: string | undefined; entries: DeadLetterView[]; after?: number | undefined; nextAfter?: number | undefined }) {
  const { page, consumer, entries } = props;
  const here = uiPath(['dead-letters'], { consumer, after: props.after });
  return (
    <Layout title="Dead letters" page={page} current="dead-letters">
      <h1>Dead letters</h1>
      <p>
        Messages a consumer gave up on after its deliveries — an event the ledger writer could not record, a dispense an EHR kept refusing — oldest
        first, with the failure of each attempt. Fix the cause, then replay: the message goes to that consumer again (and only to it), and the
        outcome is kept beside the entry.
      </p>
      <form class="search" method="get" action={uiPath(['dead-letters'])} role="search">
        <FormField id="f-consumer" name="consumer" label="Consumer" value={consumer ?? ''} hint="Such as ledger-p0 or hl7-outbound-HOSP1." maxlength={128} />
        <button type="submit">Show</button>
      </form>
      {entries.length === 0 ? (
        <p role="status">{consumer ? `No dead letters of ${consumer}.` : 'No dead letters: every message reached its consumers.'}</p>
      ) : (
        <div class="table-wrap">
          <table>
            <caption>
              Dead letters{props.after ? ', continued' : ''} ({entries.length} shown{props.nextAfter ? ', more on the next page' : ''})
            </caption>
            <thead>
              <tr>
                <th scope="col" class="num">
                  Entry
                </th>
                <th scope="col">Given up</th>
                <th scope="col">Consumer</th>
                <th scope="col">Message</th>
                <th scope="col" class="num">
                  Deliveries
                </th>
                <th scope="col">Last failure</th>
                <th scope="col">Replayed</th>
                <th scope="col">
                  <span class="sr-only">Action</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {entries.map((d) => (
                <tr>
                  <th scope="row" class="num">
                    {d.id}
                  </th>
                  <td>
                    <Instant iso={d.dead_lettered_at} />
                  </td>
                  <td class="mono">{d.consumer}</td>
                  <td class="wrap">
                    {d.subject} <span class="mono">#{d.stream_seq}</span>
                  </td>
                  <td class="num">{d.deliveries}</td>
                  <td class="failure">
                    <LastFailure failures={d.failures} />
                  </td>
                  <td>
                    <ReplayState state={d.state} />
                  </td>
                  <td>
                    <ReplayButton page={page} action={uiPath(['dead-letters', d.id, 'replay'])} label={`Replay dead letter ${d.id}`} state={d.state} returnTo={here} />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <Pager
        label="Pages of dead letters"
        first={props.after !== undefined ? uiPath(['dead-letters'], { consumer }) : undefined}
        next={props.nextAfter !== undefined ? uiPath(['dead-letters'], { consumer, after: props.nextAfter }) : undefined}
      />
    </Layout>
  );
}

/** The last failure, and the earlier ones folded away (the history keeps up to ten). */
function LastFailure(props: { failures: FailureRecord[] }) {
  const last = props.failures.at(-1);
  if (!last) return <>none recorded</>;
  const earlier = props.failures.slice(0, -1).reverse();
  return (
    <>
      <p>
        <Instant iso={last.at} />: {last.error}
      </p>
      {earlier.length > 0 ? (
        <details>
          <summary>{earlier.length === 1 ? '1 earlier failure' : `${earlier.length} earlier failures`}</summary>
          <ol reversed>
            {earlier.map((f) => (
              <li>
                <Instant iso={f.at} />: {f.error}
              </li>
            ))}
          </ol>
        </details>
      ) : null}
    </>
  );
}
