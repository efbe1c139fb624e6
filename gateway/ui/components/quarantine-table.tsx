import type { QuarantineView } from '../../bus/quarantine.ts';
import { uiPath, type PageContext } from '../context.ts';
import { ReplayButton, ReplayState } from './replay-button.tsx';
import { Instant, Value } from './value.tsx';

/**
 * Quarantine entries as a table: why each was refused and what became of its replays, with the Replay button for
 * the roles that may. `messageIds` adds the message id each input gave, linked to its trace; `returnTo` is where a
 * replay comes back to. No content: the raw bytes may hold PHI.
 */
export function QuarantineTable(props: { page: PageContext; entries: QuarantineView[]; caption: string; returnTo: string; messageIds?: boolean }) {
  const { page, entries } = props;
  return (
    <div class="table-wrap">
      <table>
        <caption>{props.caption}</caption>
        <thead>
          <tr>
            <th scope="col" class="num">
              Entry
            </th>
            <th scope="col">Received</th>
            <th scope="col">Adapter and reason</th>
            <th scope="col">Sender</th>
            {props.messageIds ? <th scope="col">Message id</th> : null}
            <th scope="col">What was wrong</th>
            <th scope="col">Replayed</th>
            <th scope="col">
              <span class="sr-only">Action</span>
            </th>
          </tr>
        </thead>
        <tbody>
          {entries.map((e) => (
            <tr>
              <th scope="row" class="num">
                {e.id}
              </th>
              <td>
                <Instant iso={e.received_at} />
              </td>
              <td>
                {e.adapter} {e.reason}
              </td>
              <td>
                <Value v={e.source?.sender} />
              </td>
              {props.messageIds ? (
                <td>
                  {e.source && page.mayUse('trace') ? (
                    <a class="mono" href={uiPath(['trace'], { message_id: e.source.message_id, sender: e.source.sender, adapter: e.adapter })}>
                      {e.source.message_id}
                    </a>
                  ) : (
                    <Value v={e.source?.message_id} />
                  )}
                </td>
              ) : null}
              <td>{e.message}</td>
              <td>
                <ReplayState state={e.state} />
              </td>
              <td>
                <ReplayButton
                  page={page}
                  action={uiPath(['quarantine', e.id, 'replay'])}
                  label={`Replay entry ${e.id}`}
                  state={e.state}
                  returnTo={props.returnTo}
                />
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
