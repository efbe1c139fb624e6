/** Keyset paging: back to the first page, on to the next (the list is in key order). */
export function Pager(props: { first?: string | undefined; next?: string | undefined; label: string }) {
  if (!props.first && !props.next) return null;
  return (
    <nav class="pager" aria-label={props.label}>
      {props.first ? <a href={props.first}>First page</a> : null}
      {props.next ? (
        <a href={props.next} rel="next">
          Next page
        </a>
      ) : null}
    </nav>
  );
}
