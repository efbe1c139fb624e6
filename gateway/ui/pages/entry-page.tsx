import type { TableName } from '../../../mappings/entities/index.ts';
import type { Entry } from '../../../mappings/service.ts';
import { EntryFields } from '../components/entry-fields.tsx';
import { Layout } from '../components/layout.tsx';
import { Instant } from '../components/value.tsx';
import { uiPath, type PageContext } from '../context.ts';
import { TABLES } from '../labels.ts';

/** One current entry: its fields, who changed it last and why, and the way to edit it and to its history. */
export function EntryPage(props: { page: PageContext; table: TableName; entry: Entry }) {
  const { page, table, entry } = props;
  const t = TABLES[table];
  const title = `${t.singular.charAt(0).toUpperCase()}${t.singular.slice(1)} ${entry.key}`;
  return (
    <Layout title={title} page={page} current="tables">
      <p class="crumbs">
        <a href={uiPath()}>Tables</a> › <a href={uiPath(['tables', table])}>{t.title}</a> › <span class="mono">{entry.key}</span>
      </p>
      <h1>{title}</h1>
      <p>
        Version {entry.version} ({entry.op}), by <strong>{entry.changed_by}</strong> at <Instant iso={entry.changed_at} />: “{entry.reason}”
      </p>
      <div class="actions">
        {page.may('edit') ? (
          <a class="button" href={uiPath(['tables', table, entry.key, 'edit'])}>
            Edit this {t.singular}
          </a>
        ) : null}
        {page.may('history') ? <a href={uiPath(['tables', table, entry.key, 'history'])}>History and rollback</a> : null}
      </div>
      <h2>Fields</h2>
      <EntryFields
        table={table}
        data={entry.data}
        extra={entry.last_verified_at !== undefined ? [{ label: 'Last verified', value: entry.last_verified_at }] : []}
      />
    </Layout>
  );
}
