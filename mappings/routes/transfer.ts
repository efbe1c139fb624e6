import { Hono, type Context } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { z } from 'zod';
import { requireRole } from '../../gateway/auth/middleware.ts';
import type { TokenGrant } from '../../gateway/auth/tokens.ts';
import type { AppEnv } from '../../gateway/http/context.ts';
import { apiError } from '../../gateway/http/errors.ts';
import { parseInput } from '../../gateway/http/validate.ts';
import { mayDo, rolesFor } from '../permissions.ts';
import type { ImportReport, MappingService } from '../service.ts';
import { changeContext, serviceError, tableOf } from './common.ts';

/**
 * Import and export:
 *
 *   GET  /api/mappings/{table}/export                      CSV of every current entry
 *   POST /api/mappings/{table}/import?dry_run=true&reason=  CSV (text/csv body, or multipart field `file`)
 *   POST /api/mappings/import/fda?dry_run=true&reason=      FDA NDC Directory: multipart fields `product` and/or
 *                                                          `package`, or one tab-separated body with ?file=product|package
 *
 * A dry run (the default) answers what would change, line by line, and writes nothing; analysts may preview,
 * only admins apply. Per-line problems are in the report (200); a file nothing could be read from is a 422.
 */

export const importQuery = z.object({
  dry_run: z.enum(['true', 'false']).default('true'),
  reason: z.string().trim().max(500).optional(),
  report_unchanged: z.enum(['true', 'false']).optional(),
  file: z.enum(['product', 'package']).optional(),
});

export function transferRoutes(deps: { grants: TokenGrant[]; service: MappingService; maxBytes: number }) {
  const app = new Hono<AppEnv>();
  const { service } = deps;
  const limit = bodyLimit({
    maxSize: deps.maxBytes,
    onError: (c) => apiError(c, 413, 'too_large', `an import may be at most ${deps.maxBytes} bytes (MAPPINGS_IMPORT_MAX_BYTES)`),
  });

  /** Import: preview for analysts, apply for admins (checked here, once the dry_run flag is known). */
  const importGuard = requireRole(deps.grants, ...rolesFor('importPreview'));
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  const query = (c: Context<any>) => {
    const q = parseInput(c, importQuery, c.req.query());
    if (!q.ok) return q;
    const dryRun = q.value.dry_run === 'true';
    const grant = (c as Context<AppEnv>).get('grant')!;
    if (!dryRun && !mayDo(grant.role, 'importApply')) {
      return { ok: false as const, response: apiError(c, 403, 'forbidden', `role ${grant.role} may preview imports (dry_run=true); applying one takes admin`) };
    }
    if (!dryRun && !q.value.reason) {
      return { ok: false as const, response: apiError(c, 422, 'invalid_request', 'the request has invalid parameters', [{ field: 'reason', code: 'required', message: 'say why (it is kept with every version the import writes)' }]) };
    }
    return { ok: true as const, value: { dryRun, reason: q.value.reason ?? '', reportUnchanged: q.value.report_unchanged === 'true', file: q.value.file } };
  };
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  const answer = (c: Context<any>, report: ImportReport) => {
    const readable = report.counts.added + report.counts.changed + report.counts.unchanged + report.counts.skipped;
    if (readable === 0 && report.counts.errors > 0) {
      return apiError(c, 422, 'nothing_importable', 'no line of the file could be imported', report.lines.flatMap((l) => l.errors ?? []));
    }
    return c.json(report);
  };

  app.get('/:table/export', requireRole(deps.grants, ...rolesFor('export')), async (c) => {
    const table = tableOf(c);
    if (table instanceof Response) return table;
    const csv = await service.exportCsv(table);
    return c.body(csv, 200, { 'Content-Type': 'text/csv; charset=utf-8', 'Content-Disposition': `attachment; filename="${table}.csv"` });
  });

  app.post('/import/fda', importGuard, limit, async (c) => {
    const q = query(c);
    if (!q.ok) return q.response;
    const files: Parameters<MappingService['importFda']>[0] = {};
    const type = c.req.header('content-type') ?? '';
    if (/^multipart\/form-data/i.test(type)) {
      const form = await c.req.parseBody();
      for (const field of ['product', 'package'] as const) {
        const f = form[field];
        if (f instanceof File) files[field] = { name: safeName(f.name, `${field}.txt`), bytes: new Uint8Array(await f.arrayBuffer()) };
      }
    } else if (q.value.file) {
      files[q.value.file] = { name: `${q.value.file}.txt`, bytes: new Uint8Array(await c.req.arrayBuffer()) };
    }
    if (!files.product && !files.package) {
      return apiError(c, 422, 'invalid_request', 'no directory file in the request', [
        { field: 'product|package', code: 'required', message: 'send multipart fields product and/or package, or a tab-separated body with ?file=product|package' },
      ]);
    }
    try {
      return answer(c, await service.importFda(files, { dryRun: q.value.dryRun, reportUnchanged: q.value.reportUnchanged }, changeContext(c, q.value.reason)));
    } catch (err) {
      return serviceError(c, err);
    }
  });

  app.post('/:table/import', importGuard, limit, async (c) => {
    const table = tableOf(c);
    if (table instanceof Response) return table;
    const q = query(c);
    if (!q.ok) return q.response;
    let bytes: Uint8Array;
    let fileName = `${table}.csv`;
    const type = c.req.header('content-type') ?? '';
    if (/^multipart\/form-data/i.test(type)) {
      const f = (await c.req.parseBody()).file;
      if (!(f instanceof File)) return apiError(c, 422, 'invalid_request', 'no CSV file', [{ field: 'file', code: 'required', message: 'send the CSV in the multipart field file' }]);
      bytes = new Uint8Array(await f.arrayBuffer());
      fileName = safeName(f.name, fileName);
    } else if (/^(text\/csv|text\/plain|application\/csv)\b/i.test(type)) {
      bytes = new Uint8Array(await c.req.arrayBuffer());
    } else {
      return apiError(c, 415, 'unsupported_media_type', 'send the CSV as Content-Type: text/csv, or as multipart/form-data field file');
    }
    let text: string;
    try {
      text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
    } catch {
      return apiError(c, 422, 'invalid_request', 'the CSV is not valid UTF-8', [{ field: 'file', code: 'encoding', message: 'the CSV is not valid UTF-8; save it as UTF-8' }]);
    }
    try {
      return answer(c, await service.importCsv(table, text, { dryRun: q.value.dryRun, reportUnchanged: q.value.reportUnchanged, fileName }, changeContext(c, q.value.reason)));
    } catch (err) {
      return serviceError(c, err);
    }
  });

  return app;
}

/** A client's file name as the report and the import run record it: printable, at most 200 characters. */
function safeName(name: string, fallback: string): string {
  const clean = name.replace(/[\u0000-\u001f\u007f\uD800-\uDFFF]/g, '_').slice(0, 200);
  return clean.trim() === '' ? fallback : clean;
}
