/** A stored value as text: empty shown as a dash (read as "empty"), lists joined, booleans as yes/no, instants in UTC. */
export function Value(props: { v: unknown }) {
  const { v } = props;
  if (v === null || v === undefined || v === '' || (Array.isArray(v) && v.length === 0)) {
    return (
      <span class="empty">
        <span aria-hidden="true">—</span>
        <span class="sr-only">empty</span>
      </span>
    );
  }
  if (typeof v === 'boolean') return <>{v ? 'yes' : 'no'}</>;
  if (Array.isArray(v)) return <>{v.map(String).join(', ')}</>;
  if (typeof v === 'string' && /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/.test(v)) return <Instant iso={v} />;
  if (typeof v === 'object') return <code>{JSON.stringify(v)}</code>;
  return <>{String(v)}</>;
}

/** An ISO-8601 UTC instant as `2026-11-21 10:00:00 UTC`, machine-readable in the time element. */
export function Instant(props: { iso: string | null | undefined }) {
  if (!props.iso) return <Value v={null} />;
  const text = props.iso.replace('T', ' ').replace(/\.\d+Z$|Z$/, ' UTC');
  return <time datetime={props.iso}>{text}</time>;
}
