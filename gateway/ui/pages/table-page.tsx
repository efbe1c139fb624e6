import { SPECS, type TableName } from '../../../mappings/entities/index.ts';
import type { Entry } from '../../../mappings/service.ts';
import { FormField } from '../components/form-field.tsx';
import { Layout } from '../components/layout.tsx';
import { Pager } from '../components/pager.tsx';
import { Value } from '../components/value.tsx';
import { uiPath, type PageContext } from '../context.ts';
import { fieldLabel, TABLES } from '../labels.ts';

/** One mapping table: search, the current entries in key order, paging, and links to add and export. */
export function TablePage(props: { page: PageContext; table: TableName; q: string; after?: string | undefined; entries: Entry[]; nextAfter?: string | undefined; problem?: string | undefined }) {
  const { page, table, q, entries } = props;
  const t = TABLES[table];
  const spec = SPECS[table];
  const keyLabel = spec.keyFields.length === 1 ? fieldLabel(spec.keyFields[0]!) : 'Key';
  const columns = t.columns;
  return (
    <Layout title={t.title} page={page} current="tables">
      <p class="crumbs">
        <a href={uiPath()}>Tables</a> › {t.title}
      </p>
      <h1>{t.title}</h1>
      <p>{t.about}</p>
      <form class="search" method="get" action={uiPath(['tables', table])} role="search">
        <FormField
          id="f-q"
          name="q"
          label={`Search ${t.title.toLowerCase()}`}
          control="search"
          value={q}
          hint={`Part of ${spec.searchFields.map(fieldLabel).join(', ')}${spec.keyFields.includes('ndc11') ? '; an NDC in any layout' : ''}.`}
          errors={props.problem ? [props.problem] : undefined}
          maxlength={200}
        />
        <button type="submit">Search</button>
        {q ? (
          <a class="button secondary" href={uiPath(['tables', table])}>
            Clear
          </a>
        ) : null}
      </form>
      <div class="actions">
        {page.may('edit') ? (
          <a class="button" href={uiPath(['tables', table, 'new'])}>
            Add a {t.singular}
          </a>
        ) : null}
        {page.may('export') ? <a href={uiPath(['export', table])}>Export {t.title.toLowerCase()} as CSV</a> : null}
      </div>
      {entries.length === 0 ? (
        <p role="status">{q ? `No ${t.title.toLowerCase()} match “${q}”.` : `No ${t.title.toLowerCase()} yet.`}</p>
      ) : (
        <div class="table-wrap">
          <table>
            <caption>
              {q ? `${t.title} matching “${q}”` : t.title}
              {props.after ? ', continued' : ''} ({entries.length} shown{props.nextAfter ? ', more on the next page' : ''})
            </caption>
            <thead>
              <tr>
                <th scope="col">{keyLabel}</th>
                {columns.map((c) => (
                  <th scope="col">{fieldLabel(c)}</th>
                ))}
                <th scope="col" class="num">
                  Version
                </th>
              </tr>
            </thead>
            <tbody>
              {entries.map((e) => (
                <tr>
                  <th scope="row">
                    <a href={uiPath(['tables', table, e.key])} class="mono">
                      {e.key}
                    </a>
                  </th>
                  {columns.map((c) => (
                    <td>
                      <Value v={e.data[c]} />
                    </td>
                  ))}
                  <td class="num">{e.version}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <Pager
        label={`Pages of ${t.title.toLowerCase()}`}
        first={props.after ? uiPath(['tables', table], { q }) : undefined}
        next={props.nextAfter ? uiPath(['tables', table], { q, after: props.nextAfter }) : undefined}
      />
    </Layout>
  );
}
