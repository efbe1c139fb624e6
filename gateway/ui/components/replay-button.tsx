import type { QuarantineView } from '../../bus/quarantine.ts';
import { uiPath, type PageContext } from '../context.ts';
import { CsrfField } from './csrf-field.tsx';
import { Instant } from './value.tsx';

/**
 * Replays a quarantined entry through its adapter (POST /ui/quarantine/{id}/replay), for the roles that may;
 * `returnTo` is the page to come back to, with the outcome shown there. Nothing for an entry already accepted.
 */
export function ReplayButton(props: { page: PageContext; entry: QuarantineView; returnTo: string }) {
  const { page, entry } = props;
  if (!page.mayUse('evidenceReplay') || entry.state?.status === 'replayed') return null;
  return (
    <form method="post" action={uiPath(['quarantine', entry.id, 'replay'])} class="inline">
      <CsrfField token={page.csrf} />
      <input type="hidden" name="return" value={props.returnTo} />
      <button type="submit" class="secondary" aria-label={`Replay entry ${entry.id}`}>
        Replay
      </button>
    </form>
  );
}

/** What became of an entry's replays: `accepted at …`, `refused again at …`, or `no`. */
export function ReplayState(props: { entry: QuarantineView }) {
  const { state } = props.entry;
  if (!state) return <>no</>;
  return (
    <>
      {state.status === 'replayed' ? 'accepted' : 'refused again'} at <Instant iso={state.at} />
    </>
  );
}
