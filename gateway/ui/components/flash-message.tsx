import type { Flash } from '../session.ts';

/**
 * The outcome of the previous action (saved, resolved, logged out, …). The region is always on the page so that
 * assistive technology treats it as a live region; errors are announced assertively.
 */
export function FlashMessage(props: { flash?: Flash | undefined }) {
  const { flash } = props;
  return (
    <div id="messages" role={flash?.kind === 'error' ? 'alert' : 'status'} aria-live={flash?.kind === 'error' ? 'assertive' : 'polite'}>
      {flash ? (
        <div class={flash.kind === 'error' ? 'flash error' : 'flash'}>
          <p>{flash.text}</p>
        </div>
      ) : null}
    </div>
  );
}
