import type { PendingEntry } from '../../../mappings/pending/store.ts';
import { Layout } from '../components/layout.tsx';
import { Pager } from '../components/pager.tsx';
import { Instant, Value } from '../components/value.tsx';
import { uiPath, type PageContext } from '../context.ts';

export type PendingFilter = 'open' | 'resolved' | 'all';

/** The pending queue: codes that arrived without a mapping, with how many events wait on each. */
export function PendingListPage(props: { page: PageContext; status: PendingFilter; entries: PendingEntry[]; after?: number | undefined; nextAfter?: number | undefined }) {
  const { page, status, entries } = props;
  const filters: { value: PendingFilter; text: string }[] = [
    { value: 'open', text: 'Open' },
    { value: 'resolved', text: 'Resolved' },
    { value: 'all', text: 'All' },
  ];
  return (
    <Layout title="Pending codes" page={page} current="pending">
      <h1>Pending codes</h1>
      <p>
        Drug codes that arrived without a mapping. Their events are parked, in order, until the code is resolved; resolving it writes the
        mappings and releases the events to the ledger.
      </p>
      <nav aria-label="Which pending codes" class="actions">
        {filters.map((f) => (
          <a href={uiPath(['pending'], { status: f.value === 'open' ? undefined : f.value })} aria-current={f.value === status ? 'page' : undefined}>
            {f.text}
          </a>
        ))}
      </nav>
      {entries.length === 0 ? (
        <p role="status">{status === 'open' ? 'No pending codes: every code that arrived has a mapping.' : 'No pending codes here.'}</p>
      ) : (
        <div class="table-wrap">
          <table>
            <caption>
              {status === 'all' ? 'All pending codes' : `${status === 'open' ? 'Open' : 'Resolved'} pending codes`} ({entries.length} shown)
            </caption>
            <thead>
              <tr>
                <th scope="col">Code</th>
                <th scope="col">System</th>
                <th scope="col">Facility</th>
                <th scope="col">As the sender described it</th>
                <th scope="col" class="num">
                  Events waiting
                </th>
                <th scope="col">Last seen</th>
                <th scope="col">Status</th>
              </tr>
            </thead>
            <tbody>
              {entries.map((p) => (
                <tr>
                  <th scope="row">
                    <a class="mono" href={uiPath(['pending', p.id])}>
                      {p.code}
                    </a>
                  </th>
                  <td>{p.system}</td>
                  <td>{p.facility_id}</td>
                  <td>
                    <Value v={p.display} />
                  </td>
                  <td class="num">{p.waiting}</td>
                  <td>
                    <Instant iso={p.last_seen_at} />
                  </td>
                  <td>{p.status === 'resolved' ? `resolved by ${p.resolved_by ?? '?'}` : 'open'}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <Pager
        label="Pages of pending codes"
        first={props.after !== undefined ? uiPath(['pending'], { status: status === 'open' ? undefined : status }) : undefined}
        next={props.nextAfter !== undefined ? uiPath(['pending'], { status: status === 'open' ? undefined : status, after: props.nextAfter }) : undefined}
      />
    </Layout>
  );
}
