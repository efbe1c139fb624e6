import type { TableName } from '../../../mappings/entities/index.ts';
import type { HistoryItem } from '../../../mappings/service.ts';
import { DiffTable } from '../components/diff-table.tsx';
import { Layout } from '../components/layout.tsx';
import { Instant } from '../components/value.tsx';
import { uiPath, type PageContext } from '../context.ts';
import { TABLES } from '../labels.ts';

/** Every version of an entry, newest first, each as the diff from the version before it; older ones can be restored. */
export function HistoryPage(props: { page: PageContext; table: TableName; entryKey: string; versions: HistoryItem[] }) {
  const { page, table, entryKey } = props;
  const t = TABLES[table];
  const newestFirst = [...props.versions].reverse();
  const latest = newestFirst[0];
  const title = `History of ${t.singular} ${entryKey}`;
  return (
    <Layout title={title} page={page} current="tables">
      <p class="crumbs">
        <a href={uiPath()}>Tables</a> › <a href={uiPath(['tables', table])}>{t.title}</a> ›{' '}
        {latest && !latest.deleted ? (
          <a class="mono" href={uiPath(['tables', table, entryKey])}>
            {entryKey}
          </a>
        ) : (
          <span class="mono">{entryKey}</span>
        )}{' '}
        › History
      </p>
      <h1>{title}</h1>
      <p>
        {props.versions.length} {props.versions.length === 1 ? 'version' : 'versions'}, newest first. A change never overwrites a version; a rollback
        restores an earlier version’s values as a new version.
      </p>
      {newestFirst.map((v) => (
        <section class="version" aria-labelledby={`v-${v.version}`}>
          <h2 id={`v-${v.version}`}>
            Version {v.version}: {describeOp(v)}
            {v === latest ? <span class="badge">current</span> : null}
          </h2>
          <p>
            By <strong>{v.changed_by}</strong> at <Instant iso={v.changed_at} />. Why: “{v.reason}”
            {v.import_id !== null ? ` (import run ${v.import_id})` : ''}
            {v.change_event_id ? (
              <>
                {' '}
                Compliance event <code>{v.change_event_id}</code>.
              </>
            ) : null}
          </p>
          <DiffTable
            changes={v.changes}
            created={v.previous === null}
            caption={v.previous === null ? `What version ${v.version} set` : `What version ${v.version} changed (version ${v.version - 1} → ${v.version})`}
            before={`Version ${v.version - 1}`}
            after={`Version ${v.version}`}
          />
          {v !== latest && page.may('edit') ? (
            <p>
              <a href={uiPath(['tables', table, entryKey, 'rollback'], { to: v.version })}>Roll back to version {v.version}…</a>
            </p>
          ) : null}
        </section>
      ))}
    </Layout>
  );
}

export function describeOp(v: Pick<HistoryItem, 'op' | 'rollback_to' | 'deleted'>): string {
  if (v.op === 'rollback') return v.deleted ? `rolled back to version ${v.rollback_to} (deleted)` : `rolled back to version ${v.rollback_to}`;
  if (v.op === 'delete') return 'deleted';
  if (v.op === 'create') return 'created';
  if (v.op === 'import') return 'imported';
  return 'updated';
}
