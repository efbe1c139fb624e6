import type { EntryState } from '../../bus/evidence-stream.ts';
import type { PageContext } from '../context.ts';
import { CsrfField } from './csrf-field.tsx';
import { Instant } from './value.tsx';

/**
 * Replays a quarantined entry or a dead letter (a POST to `action`), for the roles that may; `returnTo` is the
 * page to come back to, where the outcome is shown. Nothing once the entry has been replayed with success.
 */
export function ReplayButton(props: { page: PageContext; action: string; label: string; state: EntryState | undefined; returnTo: string }) {
  const { page } = props;
  if (!page.mayUse('evidenceReplay') || props.state?.status === 'replayed') return null;
  return (
    <form method="post" action={props.action} class="inline">
      <CsrfField token={page.csrf} />
      <input type="hidden" name="return" value={props.returnTo} />
      <button type="submit" class="secondary" aria-label={props.label}>
        Replay
      </button>
    </form>
  );
}

/** What became of an entry's replays: `accepted at …`, `refused again at …`, or `no`. */
export function ReplayState(props: { state: EntryState | undefined }) {
  const { state } = props;
  if (!state) return <>no</>;
  return (
    <>
      {state.status === 'replayed' ? 'accepted' : 'refused again'} at <Instant iso={state.at} />
    </>
  );
}
