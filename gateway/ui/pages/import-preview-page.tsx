import type { ImportReport } from '../../../mappings/service.ts';
import { CsrfField } from '../components/csrf-field.tsx';
import { ErrorSummary, type SummaryProblem } from '../components/error-summary.tsx';
import { FormField } from '../components/form-field.tsx';
import { ImportReportView } from '../components/import-report-view.tsx';
import { Layout } from '../components/layout.tsx';
import { uiPath, type PageContext } from '../context.ts';
import { TABLE_LIST } from '../labels.ts';
import type { StagedImport } from '../session.ts';

/** The dry run's report, and the confirmation that applies the same upload. */
export function ImportPreviewPage(props: {
  page: PageContext;
  staged: StagedImport;
  report: ImportReport;
  reason: string;
  errors: Record<string, string[]>;
  problems: SummaryProblem[];
}) {
  const { page, staged, report } = props;
  const what = staged.kind === 'csv' ? `${staged.files[0]?.name ?? 'CSV'} into ${TABLE_LIST.find((t) => t.name === staged.table)?.title ?? staged.table}` : staged.files.map((f) => f.name).join(' and ');
  const applicable = report.counts.added + report.counts.changed;
  return (
    <Layout title={props.problems.length > 0 ? 'Error: Import preview' : 'Import preview'} page={page} current="import">
      <p class="crumbs">
        <a href={uiPath(['import'])}>Import</a> › Preview
      </p>
      <h1>Preview: {what}</h1>
      <ErrorSummary problems={props.problems} />
      <p>This was a dry run: nothing has been written yet.</p>
      <ImportReportView report={report} />
      <h2>Apply</h2>
      {applicable === 0 ? (
        <p>There is nothing to apply: no line would add or change an entry.</p>
      ) : page.may('importApply') ? (
        <form class="stack" method="post" action={uiPath(['import', 'apply'])}>
          <CsrfField token={page.csrf} />
          <input type="hidden" name="staged" value={staged.id} />
          <FormField
            id="f-reason"
            name="reason"
            label="Why (kept with every version the import writes)"
            control="textarea"
            required={true}
            maxlength={500}
            value={props.reason}
            errors={props.errors.reason}
          />
          <div class="actions">
            <button type="submit">
              Apply the import ({report.counts.added} added, {report.counts.changed} changed)
            </button>
            <a href={uiPath(['import'])}>Cancel</a>
          </div>
        </form>
      ) : (
        <p>
          Your role, <strong>{page.role}</strong>, may preview imports but not apply them. Ask an administrator to import this file.
        </p>
      )}
    </Layout>
  );
}
