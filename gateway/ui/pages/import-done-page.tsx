import type { ImportReport } from '../../../mappings/service.ts';
import { ImportReportView } from '../components/import-report-view.tsx';
import { Layout } from '../components/layout.tsx';
import { uiPath, type PageContext } from '../context.ts';

/** After applying: the import run and what it did. */
export function ImportDonePage(props: { page: PageContext; report: ImportReport; what: string }) {
  return (
    <Layout title="Import applied" page={props.page} current="import">
      <p class="crumbs">
        <a href={uiPath(['import'])}>Import</a> › Applied
      </p>
      <h1>Imported {props.what}</h1>
      <p>
        Import run {props.report.import_id}: {props.report.counts.added} added, {props.report.counts.changed} changed.
      </p>
      <ImportReportView report={props.report} />
      <p>
        <a href={uiPath(['import'])}>Import another file</a>
      </p>
    </Layout>
  );
}
