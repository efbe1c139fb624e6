import type { ImportReport, ReportLine } from '../../../mappings/service.ts';
import { fieldLabel, TABLES } from '../labels.ts';
import { Value } from './value.tsx';

/** How many lines of each status a report page lists (the counts are always complete). */
const SHOWN_PER_STATUS = 300;

const STATUS_TEXT: Record<ReportLine['status'], string> = {
  error: 'Errors',
  skipped: 'Skipped',
  added: 'Added',
  changed: 'Changed',
  unchanged: 'Unchanged',
};

/** An import's outcome (or a dry run's): counts per table, then the lines by status, with their changes and errors. */
export function ImportReportView(props: { report: ImportReport }) {
  const { report } = props;
  const c = report.counts;
  const tables = Object.entries(report.tables);
  const verb = report.dry_run ? 'would be' : 'were';
  return (
    <>
      <h2>{report.dry_run ? 'What the import would do' : 'What the import did'}</h2>
      <ul class="counts" aria-label="Line counts">
        <li>
          <strong>{c.added}</strong> added
        </li>
        <li>
          <strong>{c.changed}</strong> changed
        </li>
        <li>
          <strong>{c.unchanged}</strong> unchanged
        </li>
        <li>
          <strong>{c.skipped}</strong> skipped
        </li>
        <li>
          <strong>{c.errors}</strong> {c.errors === 1 ? 'error' : 'errors'}
        </li>
      </ul>
      {report.compliance_events > 0 ? (
        <p>
          {report.compliance_events} DEA schedule {report.compliance_events === 1 ? `change ${verb === 'were' ? 'was' : verb} written to the ledger as a compliance event` : `changes ${verb} written to the ledger as compliance events`}.
        </p>
      ) : null}
      {tables.length > 1 ? (
        <div class="table-wrap">
          <table>
            <caption>Per table</caption>
            <thead>
              <tr>
                <th scope="col">Table</th>
                <th scope="col" class="num">Added</th>
                <th scope="col" class="num">Changed</th>
                <th scope="col" class="num">Unchanged</th>
                <th scope="col" class="num">Skipped</th>
                <th scope="col" class="num">Errors</th>
              </tr>
            </thead>
            <tbody>
              {tables.map(([name, n]) => (
                <tr>
                  <th scope="row">{TABLES[name as keyof typeof TABLES]?.title ?? name}</th>
                  <td class="num">{n!.added}</td>
                  <td class="num">{n!.changed}</td>
                  <td class="num">{n!.unchanged}</td>
                  <td class="num">{n!.skipped}</td>
                  <td class="num">{n!.errors}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : null}
      {(['error', 'skipped', 'added', 'changed', 'unchanged'] as const).map((status) => {
        const lines = report.lines.filter((l) => l.status === status);
        if (lines.length === 0) return null;
        const shown = lines.slice(0, SHOWN_PER_STATUS);
        return (
          <section aria-labelledby={`lines-${status}`}>
            <h3 id={`lines-${status}`}>
              {STATUS_TEXT[status]} ({lines.length}
              {lines.length > shown.length ? `, the first ${shown.length} shown` : ''})
            </h3>
            <div class="table-wrap">
              <table>
                <caption class="sr-only">{STATUS_TEXT[status]} lines</caption>
                <thead>
                  <tr>
                    <th scope="col">File</th>
                    {tables.length > 1 ? <th scope="col">Table</th> : null}
                    <th scope="col" class="num">Line</th>
                    <th scope="col">Key</th>
                    <th scope="col">Details</th>
                  </tr>
                </thead>
                <tbody>
                  {shown.map((l) => (
                    <tr>
                      <td>{l.file ?? TABLES[l.table].title}</td>
                      {tables.length > 1 ? <td>{TABLES[l.table].title}</td> : null}
                      <td class="num">{l.line}</td>
                      <td class="mono">
                        <Value v={l.key} />
                      </td>
                      <td>
                        <LineDetails line={l} />
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          </section>
        );
      })}
      {report.lines_truncated ? <p class="muted">The report lists the first 5,000 lines; the counts above cover them all.</p> : null}
    </>
  );
}

function LineDetails(props: { line: ReportLine }) {
  const l = props.line;
  return (
    <>
      {l.errors?.map((e) => (
        <p class="status-error">
          {fieldLabel(e.field)}
          {e.column !== undefined ? ` (column ${e.column})` : ''}: {e.message}
        </p>
      ))}
      {l.message ? <p>{l.message}</p> : null}
      {l.status === 'added' && l.changes ? (
        <ul>
          {l.changes
            .filter((ch) => ch.after !== null && ch.after !== undefined && ch.after !== '')
            .map((ch) => (
              <li>
                {fieldLabel(ch.field)}: <Value v={ch.after} />
              </li>
            ))}
        </ul>
      ) : l.changes && l.changes.length > 0 ? (
        <ul>
          {l.changes.map((ch) => (
            <li>
              {fieldLabel(ch.field)}:{' '}
              <del>
                <Value v={ch.before} />
              </del>{' '}
              →{' '}
              <ins>
                <Value v={ch.after} />
              </ins>
            </li>
          ))}
        </ul>
      ) : null}
    </>
  );
}
