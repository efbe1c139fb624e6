import type { TableName } from '../../../mappings/entities/index.ts';
import type { FieldChange } from '../../../mappings/versioning.ts';
import { CsrfField } from '../components/csrf-field.tsx';
import { DiffTable } from '../components/diff-table.tsx';
import { ErrorSummary, type SummaryProblem } from '../components/error-summary.tsx';
import { fieldId, FormField } from '../components/form-field.tsx';
import { Layout } from '../components/layout.tsx';
import { uiPath, type PageContext } from '../context.ts';
import { TABLES } from '../labels.ts';

/** Confirms a rollback: what it would change (current → the chosen version), and why. */
export function RollbackPage(props: {
  page: PageContext;
  table: TableName;
  entryKey: string;
  toVersion: number;
  currentVersion: number;
  changes: FieldChange[];
  restoresDeletion: boolean;
  reason: string;
  errors: Record<string, string[]>;
  problems: SummaryProblem[];
}) {
  const { page, table, entryKey, toVersion, currentVersion } = props;
  const t = TABLES[table];
  const title = `Roll back ${t.singular} ${entryKey} to version ${toVersion}`;
  return (
    <Layout title={props.problems.length > 0 ? `Error: ${title}` : title} page={page} current="tables">
      <p class="crumbs">
        <a href={uiPath()}>Tables</a> › <a href={uiPath(['tables', table])}>{t.title}</a> ›{' '}
        <a href={uiPath(['tables', table, entryKey, 'history'])}>History of {entryKey}</a> › Roll back
      </p>
      <h1>{title}</h1>
      <ErrorSummary problems={props.problems} />
      <p>
        The rollback writes version {currentVersion + 1} with the values of version {toVersion}
        {props.restoresDeletion ? ', which deletes the entry again' : ''}. It is a change like any other and can be rolled back in turn.
      </p>
      <DiffTable changes={props.changes} caption={`What the rollback changes (version ${currentVersion} → values of version ${toVersion})`} before={`Now (version ${currentVersion})`} after={`After (as version ${toVersion})`} />
      <form class="stack" method="post" action={uiPath(['tables', table, entryKey, 'rollback'])}>
        <CsrfField token={page.csrf} />
        <input type="hidden" name="to" value={String(toVersion)} />
        <input type="hidden" name="expected_version" value={String(currentVersion)} />
        <FormField id={fieldId('reason')} name="reason" label="Why (kept with the version)" control="textarea" value={props.reason} required={true} maxlength={500} errors={props.errors.reason} />
        <div class="actions">
          <button type="submit">Roll back to version {toVersion}</button>
          <a href={uiPath(['tables', table, entryKey, 'history'])}>Cancel</a>
        </div>
      </form>
    </Layout>
  );
}
