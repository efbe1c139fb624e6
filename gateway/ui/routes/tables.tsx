import { Hono } from 'hono';
import { isTableName, SPECS, type TableName } from '../../../mappings/entities/index.ts';
import type { FieldProblem } from '../../../mappings/errors.ts';
import { ConflictError, NotFoundError, ValidationError } from '../../../mappings/service-errors.ts';
import type { ChangeResult, Entry } from '../../../mappings/service.ts';
import { diffData } from '../../../mappings/versioning.ts';
import { pageContext, uiPath, type UiContext, type UiDeps, type UiEnv } from '../context.ts';
import { placeProblems, positiveInt, text, type FormBody } from '../forms.ts';
import { forbidden } from '../guard.tsx';
import { formFields, TABLES } from '../labels.ts';
import { EntryFormPage } from '../pages/entry-form-page.tsx';
import { EntryPage } from '../pages/entry-page.tsx';
import { HistoryPage } from '../pages/history-page.tsx';
import { MessagePage } from '../pages/message-page.tsx';
import { RollbackPage } from '../pages/rollback-page.tsx';
import { TablePage } from '../pages/table-page.tsx';
import { render } from '../render.ts';
import type { SessionStore } from '../session.ts';

/**
 * The mapping tables: browse and search (`/ui/tables/{table}`), one entry, create, edit, history with diffs,
 * rollback; and the CSV export. Every change goes through MappingService with the session's grant label as actor.
 */

const PAGE_SIZE = 50;

/** What a new entry's form starts with (the service's own defaults, made visible). */
const CREATE_DEFAULTS: Partial<Record<TableName, Record<string, string>>> = {
  schedules: { source: 'manual' },
  codes: { facility_id: '*' },
  prescribers: { active: 'true' },
  patients: { status: 'active' },
};

export function tablesRoutes(deps: UiDeps & { sessions: SessionStore }) {
  const app = new Hono<UiEnv>();
  const { sessions } = deps;
  const service = deps.mappings.service;
  const page = (c: UiContext) => pageContext(c, sessions);

  const notFound = (c: UiContext, message: string, back?: { href: string; text: string }) =>
    render(
      c,
      <MessagePage title="Not found" page={page(c)} {...(back ? { back } : {})}>
        <p>{message}</p>
      </MessagePage>,
      404,
    );

  const tableOf = (c: UiContext): TableName | undefined => {
    const t = c.req.param('table') ?? '';
    return isTableName(t) ? t : undefined;
  };
  const noTable = (c: UiContext) => notFound(c, `There is no mapping table “${c.req.param('table') ?? ''}”.`);
  const ctxOf = (c: UiContext, reason: string) => ({ actor: c.get('session').grant.label, reason, correlationId: c.get('correlationId') });

  /** A form's values as the service takes them: text as typed, and "no value" where an empty box means that. */
  const dataOf = (table: TableName, mode: 'create' | 'edit', body: FormBody) => {
    const values: Record<string, string> = {};
    const data: Record<string, unknown> = {};
    for (const { def, ui } of formFields(table, mode)) {
      const v = text(body, def.name);
      values[def.name] = v;
      data[def.name] = ui.emptyAsNull && v.trim() === '' ? null : v;
    }
    return { values, data };
  };

  /** An entry's stored values as form text. */
  const valuesOf = (table: TableName, entry: Entry): Record<string, string> => {
    const values: Record<string, string> = {};
    for (const { def } of formFields(table, 'edit')) {
      const v = entry.data[def.name];
      values[def.name] = v === null || v === undefined ? '' : Array.isArray(v) ? v.join(';') : String(v);
    }
    return values;
  };

  /**
   * The service checks the reason before the fields; a form should show every problem at once, so a missing reason
   * is found here first, together with what validation says of the fields.
   */
  const precheck = (table: TableName, reason: string, data: Record<string, unknown>): FieldProblem[] => {
    if (reason.trim() !== '') return [];
    const problems: FieldProblem[] = [{ field: 'reason', code: 'required', message: 'say why (it is kept with the version)' }];
    try {
      service.validate(table, data);
    } catch (err) {
      if (err instanceof ValidationError) problems.unshift(...err.problems);
      else throw err;
    }
    return problems;
  };

  const outcome = (what: string, r: ChangeResult): string => {
    const ev = r.compliance_event;
    let text = `${what}: version ${r.version.version}.`;
    if (ev?.status === 'recorded') text += ` The schedule change is recorded in the ledger${ev.ledger ? ` (chain ${ev.ledger.chain}, #${ev.ledger.seq})` : ''}.`;
    else if (ev?.status === 'published') text += ' The schedule change event is published.';
    else if (ev?.status === 'pending') text += ' The schedule change event will be published shortly.';
    return text;
  };

  app.get('/tables/:table', async (c) => {
    const table = tableOf(c);
    if (!table) return noTable(c);
    const denied = forbidden(c, sessions, 'read', `read the ${table} table`);
    if (denied) return denied;
    const q = (c.req.query('q') ?? '').trim();
    const after = c.req.query('after');
    if (q.length > 200 || (after !== undefined && after.length > 300)) {
      return render(c, <TablePage page={page(c)} table={table} q={q.slice(0, 200)} entries={[]} problem="Search for at most 200 characters." />, 422);
    }
    const list = await service.list(table, { q, ...(after ? { after } : {}), limit: PAGE_SIZE });
    return render(c, <TablePage page={page(c)} table={table} q={q} after={after} entries={list.entries} nextAfter={list.next_after} />);
  });

  app.get('/tables/:table/new', async (c) => {
    const table = tableOf(c);
    if (!table) return noTable(c);
    const denied = forbidden(c, sessions, 'edit', `add ${TABLES[table].singular} entries`);
    if (denied) return denied;
    return render(c, <EntryFormPage page={page(c)} table={table} mode="create" values={{ ...CREATE_DEFAULTS[table] }} reason="" errors={{}} problems={[]} />);
  });

  app.post('/tables/:table/new', async (c) => {
    const table = tableOf(c);
    if (!table) return noTable(c);
    const denied = forbidden(c, sessions, 'edit', `add ${TABLES[table].singular} entries`);
    if (denied) return denied;
    const body = await c.req.parseBody();
    const { values, data } = dataOf(table, 'create', body);
    const reason = text(body, 'reason');
    const again = (status: 409 | 422, errors: Record<string, string[]>, problems: ReturnType<typeof placeProblems>['summary'], notice?: { text: string; link?: { href: string; text: string } }) =>
      render(c, <EntryFormPage page={page(c)} table={table} mode="create" values={values} reason={reason} errors={errors} problems={problems} notice={notice} />, status);
    try {
      const missing = precheck(table, reason, data);
      if (missing.length > 0) throw new ValidationError(missing);
      const result = await service.create(table, data, ctxOf(c, reason));
      c.get('session').flash = { kind: 'ok', text: outcome(`Added ${TABLES[table].singular} ${result.entry!.key}`, result) };
      return c.redirect(uiPath(['tables', table, result.entry!.key]), 303);
    } catch (err) {
      if (err instanceof ValidationError) {
        const shown = new Set([...formFields(table, 'create').map((f) => f.def.name), 'reason']);
        const placed = placeProblems(err.problems, shown);
        return again(422, placed.errors, placed.summary);
      }
      if (err instanceof ConflictError && err.code === 'exists') {
        const key = String(err.details?.key ?? '');
        return again(409, {}, [], { text: `This ${TABLES[table].singular} exists already; edit it instead.`, link: { href: uiPath(['tables', table, key]), text: `Open ${key}` } });
      }
      throw err;
    }
  });

  app.get('/tables/:table/:key', async (c) => {
    const table = tableOf(c);
    if (!table) return noTable(c);
    const denied = forbidden(c, sessions, 'read', `read the ${table} table`);
    if (denied) return denied;
    const key = c.req.param('key');
    const entry = await service.get(table, key);
    if (!entry) return notFound(c, `There is no current ${TABLES[table].singular} ${key}. It may have been deleted; its history still shows it.`, { href: uiPath(['tables', table]), text: `Back to ${TABLES[table].title.toLowerCase()}` });
    return render(c, <EntryPage page={page(c)} table={table} entry={entry} />);
  });

  app.get('/tables/:table/:key/edit', async (c) => {
    const table = tableOf(c);
    if (!table) return noTable(c);
    const denied = forbidden(c, sessions, 'edit', `edit ${TABLES[table].singular} entries`);
    if (denied) return denied;
    const key = c.req.param('key');
    const entry = await service.get(table, key);
    if (!entry) return notFound(c, `There is no current ${TABLES[table].singular} ${key}.`);
    return render(
      c,
      <EntryFormPage page={page(c)} table={table} mode="edit" entryKey={key} keyValues={entry.data} expectedVersion={entry.version} values={valuesOf(table, entry)} reason="" errors={{}} problems={[]} />,
    );
  });

  app.post('/tables/:table/:key/edit', async (c) => {
    const table = tableOf(c);
    if (!table) return noTable(c);
    const denied = forbidden(c, sessions, 'edit', `edit ${TABLES[table].singular} entries`);
    if (denied) return denied;
    const key = c.req.param('key');
    const body = await c.req.parseBody();
    const { values, data } = dataOf(table, 'edit', body);
    const reason = text(body, 'reason');
    const expectedVersion = positiveInt(body, 'expected_version');
    const again = async (status: 409 | 422, errors: Record<string, string[]>, problems: ReturnType<typeof placeProblems>['summary'], notice?: { text: string; link?: { href: string; text: string } }) => {
      const entry = await service.get(table, key);
      if (!entry) return notFound(c, `There is no current ${TABLES[table].singular} ${key}.`);
      return render(
        c,
        <EntryFormPage
          page={page(c)}
          table={table}
          mode="edit"
          entryKey={key}
          keyValues={entry.data}
          expectedVersion={expectedVersion ?? entry.version}
          values={values}
          reason={reason}
          errors={errors}
          problems={problems}
          notice={notice}
        />,
        status,
      );
    };
    try {
      const current = reason.trim() === '' ? await service.get(table, key) : undefined;
      const missing = current ? precheck(table, reason, { ...current.data, ...data, ...(table === 'schedules' ? { verified_at: null } : {}) }) : [];
      if (missing.length > 0) throw new ValidationError(missing);
      const result = await service.update(table, key, data, ctxOf(c, reason), expectedVersion !== undefined ? { expectedVersion } : {});
      c.get('session').flash = result.unchanged
        ? { kind: 'ok', text: `Nothing changed, so no version was written (still version ${result.version.version}).` }
        : { kind: 'ok', text: outcome(`Saved ${TABLES[table].singular} ${key}`, result) };
      return c.redirect(uiPath(['tables', table, key]), 303);
    } catch (err) {
      if (err instanceof ValidationError) {
        const shown = new Set([...formFields(table, 'edit').map((f) => f.def.name), 'reason']);
        const placed = placeProblems(err.problems, shown);
        return again(422, placed.errors, placed.summary);
      }
      if (err instanceof NotFoundError) return notFound(c, err.message);
      if (err instanceof ConflictError) {
        const now = typeof err.details?.version === 'number' ? ` (it is at version ${err.details.version} now)` : '';
        return again(409, {}, [], {
          text: `Someone else changed this ${TABLES[table].singular} after you opened it${now}, so nothing was saved. Your values are below; compare them with the current entry and save again.`,
          link: { href: uiPath(['tables', table, key]), text: 'Open the current entry' },
        });
      }
      throw err;
    }
  });

  app.get('/tables/:table/:key/history', async (c) => {
    const table = tableOf(c);
    if (!table) return noTable(c);
    const denied = forbidden(c, sessions, 'history', 'read the history of mapping entries');
    if (denied) return denied;
    const key = c.req.param('key');
    try {
      const versions = await service.history(table, key);
      return render(c, <HistoryPage page={page(c)} table={table} entryKey={key} versions={versions} />);
    } catch (err) {
      if (err instanceof NotFoundError) return notFound(c, `There is no ${TABLES[table].singular} ${key}, and there never was.`);
      throw err;
    }
  });

  /** The rollback confirmation: the diff from the current version to the chosen one. */
  const rollbackPage = async (c: UiContext, table: TableName, key: string, to: number | undefined, reason: string, placed: ReturnType<typeof placeProblems>, status: 200 | 409 | 422) => {
    const history = await service.history(table, key);
    const latest = history[history.length - 1]!;
    const target = history.find((v) => v.version === to);
    if (!target) return notFound(c, `${TABLES[table].singular} ${key} has no version ${to ?? ''}.`, { href: uiPath(['tables', table, key, 'history']), text: 'Back to the history' });
    const changes = diffData(SPECS[table], latest.deleted ? null : latest.data, target.deleted ? null : target.data);
    return render(
      c,
      <RollbackPage
        page={page(c)}
        table={table}
        entryKey={key}
        toVersion={target.version}
        currentVersion={latest.version}
        changes={changes}
        restoresDeletion={target.deleted}
        reason={reason}
        errors={placed.errors}
        problems={placed.summary}
      />,
      status,
    );
  };

  app.get('/tables/:table/:key/rollback', async (c) => {
    const table = tableOf(c);
    if (!table) return noTable(c);
    const denied = forbidden(c, sessions, 'edit', 'roll back mapping entries');
    if (denied) return denied;
    const key = c.req.param('key');
    try {
      return await rollbackPage(c, table, key, positiveInt(c.req.query(), 'to'), '', { errors: {}, summary: [] }, 200);
    } catch (err) {
      if (err instanceof NotFoundError) return notFound(c, err.message);
      throw err;
    }
  });

  app.post('/tables/:table/:key/rollback', async (c) => {
    const table = tableOf(c);
    if (!table) return noTable(c);
    const denied = forbidden(c, sessions, 'edit', 'roll back mapping entries');
    if (denied) return denied;
    const key = c.req.param('key');
    const body = await c.req.parseBody();
    const to = positiveInt(body, 'to');
    const reason = text(body, 'reason');
    const expectedVersion = positiveInt(body, 'expected_version');
    try {
      if (to === undefined) throw new NotFoundError(`${TABLES[table].singular} ${key} has no such version`);
      const result = await service.rollback(table, key, to, ctxOf(c, reason), expectedVersion !== undefined ? { expectedVersion } : {});
      c.get('session').flash = { kind: 'ok', text: outcome(`Rolled ${TABLES[table].singular} ${key} back to version ${to}`, result) };
      return c.redirect(uiPath(['tables', table, key, 'history']), 303);
    } catch (err) {
      if (err instanceof ValidationError) {
        return rollbackPage(c, table, key, to, reason, placeProblems(err.problems, new Set(['reason'])), 422);
      }
      if (err instanceof ConflictError) {
        return rollbackPage(c, table, key, to, reason, { errors: {}, summary: [{ label: 'Rollback', message: err.message }] }, 409);
      }
      if (err instanceof NotFoundError) return notFound(c, err.message);
      throw err;
    }
  });

  app.get('/export/:table', async (c) => {
    const table = tableOf(c);
    if (!table) return noTable(c);
    const denied = forbidden(c, sessions, 'export', 'export mapping tables');
    if (denied) return denied;
    const csv = await service.exportCsv(table);
    return c.body(csv, 200, { 'Content-Type': 'text/csv; charset=utf-8', 'Content-Disposition': `attachment; filename="${table}.csv"` });
  });

  return app;
}
