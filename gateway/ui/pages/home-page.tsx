import type { Diagnostics } from '../../../mappings/diagnostics.ts';
import { Layout } from '../components/layout.tsx';
import { uiPath, type PageContext } from '../context.ts';
import { TABLE_LIST } from '../labels.ts';

/** The start page: the tables, the pending queue's size, and the schedule diagnostics when the role may see them. */
export function HomePage(props: { page: PageContext; diagnostics?: Diagnostics | undefined }) {
  const { page, diagnostics: d } = props;
  const pending = d && page.may('pendingRead') ? d.pending : undefined;
  return (
    <Layout title="Mapping tables" page={page} current="tables">
      <h1>Mapping tables</h1>
      {pending ? (
        <p>
          <a href={uiPath(['pending'])}>
            {pending.open} open pending {pending.open === 1 ? 'code' : 'codes'}
          </a>
          , with {pending.waiting_events} parked {pending.waiting_events === 1 ? 'event' : 'events'} waiting for a mapping.
        </p>
      ) : null}
      <div class="table-wrap">
        <table>
          <caption>Tables you can browse and search</caption>
          <thead>
            <tr>
              <th scope="col">Table</th>
              <th scope="col">What it holds</th>
            </tr>
          </thead>
          <tbody>
            {TABLE_LIST.map((t) => (
              <tr>
                <th scope="row">
                  <a href={uiPath(['tables', t.name])}>{t.title}</a>
                </th>
                <td>{t.about}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {d ? (
        <>
          <h2>Diagnostics</h2>
          <dl class="fields">
            <dt>NDC-to-schedule match rate</dt>
            <dd>
              {(d.schedule_match.rate * 100).toFixed(2)} % ({d.schedule_match.matched} of {d.schedule_match.total} drugs; goal{' '}
              {(d.schedule_match.goal * 100).toFixed(1)} %) {d.schedule_match.meets_goal ? '— meets the goal' : '— below the goal'}
            </dd>
            <dt>Unclassified controlled substances</dt>
            <dd>
              {d.unclassified_controlled.count} {d.unclassified_controlled.count === 0 ? '(as it must be)' : '(must be 0)'}
            </dd>
            <dt>Schedule mappings not verified in 24 h</dt>
            <dd>{d.unverified_24h.count}</dd>
          </dl>
        </>
      ) : null}
    </Layout>
  );
}
