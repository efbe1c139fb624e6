import { Hono } from 'hono';
import { isTableName } from '../../../mappings/entities/index.ts';
import { MappingInputError } from '../../../mappings/errors.ts';
import { ConflictError, ValidationError } from '../../../mappings/service-errors.ts';
import type { ImportReport } from '../../../mappings/service.ts';
import { pageContext, uiPath, type UiContext, type UiDeps, type UiEnv } from '../context.ts';
import { placeProblems, text, type FormBody } from '../forms.ts';
import { forbidden } from '../guard.tsx';
import { TABLES } from '../labels.ts';
import { ImportDonePage } from '../pages/import-done-page.tsx';
import { ImportPage, type ImportFormState } from '../pages/import-page.tsx';
import { ImportPreviewPage } from '../pages/import-preview-page.tsx';
import { MessagePage } from '../pages/message-page.tsx';
import { render } from '../render.ts';
import { randomToken, type SessionStore, type StagedImport } from '../session.ts';

/**
 * Import (`/ui/import`): the upload runs as a dry run and is kept in the session; the confirmation applies that
 * same upload (nothing is sent twice), with the reason every written version keeps.
 */

type Upload = Pick<StagedImport, 'kind' | 'table' | 'files'>;

export function importRoutes(deps: UiDeps & { sessions: SessionStore }) {
  const app = new Hono<UiEnv>();
  const { sessions } = deps;
  const service = deps.mappings.service;
  const page = (c: UiContext) => pageContext(c, sessions);
  const ctxOf = (c: UiContext, reason: string) => ({ actor: c.get('session').grant.label, reason, correlationId: c.get('correlationId') });

  app.get('/import', async (c) => {
    const denied = forbidden(c, sessions, 'importPreview', 'import mapping files');
    if (denied) return denied;
    return render(c, <ImportPage page={page(c)} maxBytes={deps.importMaxBytes} />);
  });

  const fileOf = async (body: FormBody, field: string, fallback: string): Promise<{ name: string; bytes: Uint8Array } | undefined> => {
    const f = body[field];
    if (!(f instanceof File) || f.size === 0) return undefined;
    return { name: safeName(f.name, fallback), bytes: new Uint8Array(await f.arrayBuffer()) };
  };

  const run = (c: UiContext, staged: Upload, dryRun: boolean, reason: string): Promise<ImportReport> => {
    const opts = { dryRun, reportUnchanged: dryRun };
    if (staged.kind === 'csv') {
      const file = staged.files[0]!;
      return service.importCsv(staged.table as Parameters<typeof service.importCsv>[0], new TextDecoder().decode(file.bytes), { ...opts, fileName: file.name }, ctxOf(c, reason));
    }
    const files: Parameters<typeof service.importFda>[0] = {};
    for (const f of staged.files) if (f.field === 'product' || f.field === 'package') files[f.field] = { name: f.name, bytes: f.bytes };
    return service.importFda(files, opts, ctxOf(c, reason));
  };

  app.post('/import/preview', async (c) => {
    const denied = forbidden(c, sessions, 'importPreview', 'import mapping files');
    if (denied) return denied;
    const body = await c.req.parseBody();
    const kind = text(body, 'kind') === 'fda' ? 'fda' : 'csv';
    const again = (state: ImportFormState) => render(c, <ImportPage page={page(c)} state={state} maxBytes={deps.importMaxBytes} />, 422);
    let upload: Upload;
    if (kind === 'csv') {
      const table = text(body, 'table');
      const file = await fileOf(body, 'file', `${table}.csv`);
      const errors: Record<string, string[]> = {};
      if (!isTableName(table)) errors['csv-table'] = ['Choose one of the tables.'];
      if (!file) errors['csv-file'] = ['Choose a CSV file (it must not be empty).'];
      else {
        try {
          new TextDecoder('utf-8', { fatal: true }).decode(file.bytes);
        } catch {
          errors['csv-file'] = ['The file is not valid UTF-8: save the CSV as UTF-8 and upload it again.'];
        }
      }
      if (Object.keys(errors).length > 0) {
        return again({
          form: 'csv',
          table,
          errors,
          problems: Object.entries(errors).map(([id, m]) => ({ label: id === 'csv-table' ? 'Table' : 'CSV file', message: m.join(' '), target: id })),
        });
      }
      upload = { kind, table, files: [{ field: 'file', ...file! }] };
    } else {
      const product = await fileOf(body, 'product', 'product.txt');
      const pkg = await fileOf(body, 'package', 'package.txt');
      if (!product && !pkg) {
        const message = 'Choose product.txt, package.txt or both.';
        return again({ form: 'fda', errors: { 'fda-product': [message], 'fda-package': [message] }, problems: [{ label: 'FDA files', message, target: 'fda-product' }] });
      }
      const files: StagedImport['files'] = [];
      if (product) files.push({ field: 'product', ...product });
      if (pkg) files.push({ field: 'package', ...pkg });
      upload = { kind, files };
    }
    let report: ImportReport;
    try {
      report = await run(c, upload, true, '');
    } catch (err) {
      if (err instanceof ValidationError || err instanceof MappingInputError) {
        const problems = err instanceof ValidationError ? err.problems : [err.toIssue()];
        const target = kind === 'csv' ? 'csv-file' : 'fda-product';
        const placed = placeProblems(problems, new Set());
        return again({ form: kind, errors: { [target]: placed.summary.map((p) => `${p.label}: ${p.message}`) }, problems: placed.summary.map((p) => ({ ...p, target })) });
      }
      throw err;
    }
    const staged: StagedImport = { ...upload, id: randomToken(12), report, stagedAt: sessions.time() };
    c.get('session').staged = staged;
    return render(c, <ImportPreviewPage page={page(c)} staged={staged} report={report} reason="" errors={{}} problems={[]} />);
  });

  app.post('/import/apply', async (c) => {
    const denied = forbidden(c, sessions, 'importApply', 'apply imports (you may preview them)');
    if (denied) return denied;
    const body = await c.req.parseBody();
    const session = c.get('session');
    const staged = session.staged;
    if (!staged || staged.id !== text(body, 'staged')) {
      return render(
        c,
        <MessagePage title="This preview is gone" page={page(c)} back={{ href: uiPath(['import']), text: 'Upload the file again' }}>
          <p>Only the latest preview of a session is kept, for 30 minutes. Nothing was imported; upload the file again to see a fresh preview.</p>
        </MessagePage>,
        409,
      );
    }
    const reason = text(body, 'reason');
    const preview = (status: 409 | 422, errors: Record<string, string[]>, problems: ReturnType<typeof placeProblems>['summary']) =>
      render(c, <ImportPreviewPage page={page(c)} staged={staged} report={staged.report} reason={reason} errors={errors} problems={problems} />, status);
    try {
      const report = await run(c, staged, false, reason);
      delete session.staged;
      const what = staged.kind === 'csv' ? `${staged.files[0]!.name} into ${TABLES[staged.table as keyof typeof TABLES]?.title ?? staged.table}` : staged.files.map((f) => f.name).join(' and ');
      return render(c, <ImportDonePage page={page(c)} report={report} what={what} />);
    } catch (err) {
      if (err instanceof ValidationError) {
        const placed = placeProblems(err.problems, new Set(['reason']));
        return preview(422, placed.errors, placed.summary);
      }
      if (err instanceof ConflictError) return preview(409, {}, [{ label: 'Import', message: err.message }]);
      throw err;
    }
  });

  return app;
}

/** A client's file name as reports show it: printable, at most 200 characters. */
function safeName(name: string, fallback: string): string {
  const clean = name.replace(/[\u0000-\u001f\u007f\uD800-\uDFFF]/g, '_').slice(0, 200);
  return clean.trim() === '' ? fallback : clean;
}
