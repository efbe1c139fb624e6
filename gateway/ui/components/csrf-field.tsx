/** The session's CSRF token, posted back with every form and checked before the route runs. */
export function CsrfField(props: { token: string }) {
  return <input type="hidden" name="_csrf" value={props.token} />;
}
