import { CsrfField } from '../components/csrf-field.tsx';
import { ErrorSummary, type SummaryProblem } from '../components/error-summary.tsx';
import { FormField } from '../components/form-field.tsx';
import { Layout } from '../components/layout.tsx';
import { uiPath, type PageContext } from '../context.ts';
import { TABLE_LIST } from '../labels.ts';

/**
 * Import, in two steps: upload a file for a dry run (what would be added, changed, left alone, refused — line by
 * line), then confirm to apply exactly that upload. Analysts preview; applying takes a role that may (admin).
 */

export interface ImportFormState {
  form: 'csv' | 'fda';
  table?: string;
  errors: Record<string, string[]>;
  problems: SummaryProblem[];
}

export function ImportPage(props: { page: PageContext; state?: ImportFormState | undefined; maxBytes: number }) {
  const { page, state } = props;
  const err = (id: string) => state?.errors[id];
  return (
    <Layout title={state && state.problems.length > 0 ? 'Error: Import' : 'Import'} page={page} current="import">
      <h1>Import</h1>
      <ErrorSummary problems={state?.problems ?? []} />
      <p>
        Every import starts with a dry run that changes nothing: it shows, line by line, what would be added, changed, left unchanged or
        refused. {page.may('importApply') ? 'You can then apply it.' : 'Applying it takes an administrator.'} Files up to{' '}
        {Math.floor(props.maxBytes / (1024 * 1024))} MiB.
      </p>
      <div class="grid-2">
        <section aria-labelledby="csv-title">
          <h2 id="csv-title">CSV of one table</h2>
          <form class="stack" method="post" action={uiPath(['import', 'preview'])} enctype="multipart/form-data">
            <CsrfField token={page.csrf} />
            <input type="hidden" name="kind" value="csv" />
            <FormField
              id="csv-table"
              name="table"
              label="Table"
              control="select"
              value={state?.form === 'csv' ? (state.table ?? '') : ''}
              options={TABLE_LIST.map((t) => ({ value: t.name, label: t.title }))}
              errors={err('csv-table')}
            />
            <FormField
              id="csv-file"
              name="file"
              label="CSV file"
              control="file"
              accept=".csv,text/csv"
              required={true}
              hint="The header names the fields, as an export writes them; columns left out keep their values; an import never deletes."
              errors={err('csv-file')}
            />
            <button type="submit">Preview CSV import</button>
          </form>
        </section>
        <section aria-labelledby="fda-title">
          <h2 id="fda-title">FDA NDC Directory</h2>
          <form class="stack" method="post" action={uiPath(['import', 'preview'])} enctype="multipart/form-data">
            <CsrfField token={page.csrf} />
            <input type="hidden" name="kind" value="fda" />
            <FormField id="fda-product" name="product" label="product.txt" control="file" accept=".txt,text/plain,text/tab-separated-values" hint="Tab-separated, as the FDA publishes it." errors={err('fda-product')} />
            <FormField id="fda-package" name="package" label="package.txt" control="file" accept=".txt,text/plain,text/tab-separated-values" hint="Either file alone works; both give drugs and their DEA schedules." errors={err('fda-package')} />
            <button type="submit">Preview FDA import</button>
          </form>
        </section>
      </div>
    </Layout>
  );
}
