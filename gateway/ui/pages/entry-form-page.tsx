import { SPECS, type TableName } from '../../../mappings/entities/index.ts';
import { CsrfField } from '../components/csrf-field.tsx';
import { ErrorSummary, type SummaryProblem } from '../components/error-summary.tsx';
import { fieldId, FormField } from '../components/form-field.tsx';
import { Layout } from '../components/layout.tsx';
import { Value } from '../components/value.tsx';
import { uiPath, type PageContext } from '../context.ts';
import { fieldLabel, formFields, TABLES } from '../labels.ts';

/**
 * Create or edit an entry. Every problem the service finds is shown beside its field (and listed at the top); the
 * reason is required and kept with the version. An edit is conditional on the version it started from.
 */

export interface EntryFormProps {
  page: PageContext;
  table: TableName;
  mode: 'create' | 'edit';
  /** edit: the entry's key, its key fields' values and the version the form was opened at */
  entryKey?: string;
  keyValues?: Record<string, unknown>;
  expectedVersion?: number;
  values: Record<string, string>;
  reason: string;
  /** messages per field name (`reason` included) */
  errors: Record<string, string[]>;
  problems: SummaryProblem[];
  /** a problem that is not about one field (conflict, …) */
  notice?: { text: string; link?: { href: string; text: string } } | undefined;
}

export function EntryFormPage(p: EntryFormProps) {
  const t = TABLES[p.table];
  const spec = SPECS[p.table];
  const title = p.mode === 'create' ? `Add a ${t.singular}` : `Edit ${t.singular} ${p.entryKey}`;
  const action = p.mode === 'create' ? uiPath(['tables', p.table, 'new']) : uiPath(['tables', p.table, p.entryKey!, 'edit']);
  const hasErrors = p.problems.length > 0;
  return (
    <Layout title={hasErrors ? `Error: ${title}` : title} page={p.page} current="tables">
      <p class="crumbs">
        <a href={uiPath()}>Tables</a> › <a href={uiPath(['tables', p.table])}>{t.title}</a>
        {p.entryKey ? (
          <>
            {' › '}
            <a class="mono" href={uiPath(['tables', p.table, p.entryKey])}>
              {p.entryKey}
            </a>
          </>
        ) : null}
      </p>
      <h1>{title}</h1>
      <ErrorSummary problems={p.problems} />
      {p.notice ? (
        <div class="flash error" role="alert">
          <p>
            {p.notice.text} {p.notice.link ? <a href={p.notice.link.href}>{p.notice.link.text}</a> : null}
          </p>
        </div>
      ) : null}
      <form class="stack" method="post" action={action}>
        <CsrfField token={p.page.csrf} />
        {p.expectedVersion !== undefined ? <input type="hidden" name="expected_version" value={String(p.expectedVersion)} /> : null}
        {p.mode === 'edit' ? (
          <dl class="fields">
            {spec.keyFields.map((f) => (
              <>
                <dt>{fieldLabel(f)}</dt>
                <dd class="readonly">
                  <Value v={p.keyValues?.[f]} />
                </dd>
              </>
            ))}
            <dt>Editing version</dt>
            <dd>{p.expectedVersion}</dd>
          </dl>
        ) : null}
        <fieldset>
          <legend>{p.mode === 'create' ? `The new ${t.singular}` : 'Fields'}</legend>
          {formFields(p.table, p.mode).map(({ def, ui }) => (
            <FormField
              id={fieldId(def.name)}
              name={def.name}
              label={ui.label}
              hint={ui.hint}
              control={ui.control}
              options={ui.options}
              value={p.values[def.name] ?? ''}
              errors={p.errors[def.name]}
              required={p.mode === 'create' && spec.keyFields.includes(def.name) && def.name !== 'facility_id'}
            />
          ))}
        </fieldset>
        <FormField
          id={fieldId('reason')}
          name="reason"
          label="Why (kept with the version)"
          control="textarea"
          value={p.reason}
          required={true}
          maxlength={500}
          hint="Say what the change is based on: the label, a ticket, a pharmacist’s decision."
          errors={p.errors.reason}
        />
        <div class="actions">
          <button type="submit">{p.mode === 'create' ? `Add ${t.singular}` : 'Save changes'}</button>
          <a href={p.entryKey ? uiPath(['tables', p.table, p.entryKey]) : uiPath(['tables', p.table])}>Cancel</a>
        </div>
      </form>
    </Layout>
  );
}
