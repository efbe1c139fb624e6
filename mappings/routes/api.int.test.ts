import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningGateway } from '../../gateway/main.ts';
import { startTestGateway } from '../../gateway/test-support.ts';

/**
 * /api/mappings over HTTP, on the whole gateway (PostgreSQL, NATS JetStream, real tokens): roles (401/403), 422s
 * naming fields, versioned changes with history and rollback, the compliance event in the ledger, CSV and FDA
 * imports with dry runs, the pending queue fed by POST /api/events, diagnostics and metrics.
 */

const TOKENS = {
  admin: 'admin-token-0123456789',
  analyst: 'analyst-token-0123456789',
  compliance: 'compliance-token-0123456789',
  pharmacist: 'pharmacist-token-0123456789',
  system: 'system-token-0123456789',
};
const fixture = (name: string) => readFileSync(new URL(`../../conformance/ndc/${name}`, import.meta.url));

describe('mapping API', () => {
  let gw: RunningGateway;
  let base: string;
  let stop: () => Promise<void>;

  beforeAll(async () => {
    ({ gw, baseUrl: base, stop } = await startTestGateway({
      PARTITIONS: '2',
      AUTH_TOKENS: Object.entries(TOKENS).map(([role, token]) => `${role}:${token}`).join(','),
    }));
  });

  afterAll(async () => {
    await stop?.();
  });

  const call = async (method: string, path: string, opts: { token?: string; body?: unknown; raw?: BodyInit; type?: string } = {}) => {
    const res = await fetch(`${base}${path}`, {
      method,
      headers: {
        ...(opts.token ? { authorization: `Bearer ${opts.token}` } : {}),
        ...(opts.body !== undefined ? { 'content-type': 'application/json' } : opts.type ? { 'content-type': opts.type } : {}),
      },
      body: opts.raw ?? (opts.body === undefined ? undefined : JSON.stringify(opts.body)),
    });
    const text = await res.text();
    let json: any; // eslint-disable-line @typescript-eslint/no-explicit-any
    try {
      json = JSON.parse(text);
    } catch {
      json = undefined;
    }
    return { status: res.status, json, text, headers: res.headers };
  };

  it('needs a token (401) and the right role (403) on every kind of route', async () => {
    for (const [method, path] of [
      ['GET', '/api/mappings/drugs'],
      ['GET', '/api/mappings/diagnostics'],
      ['GET', '/api/mappings/pending'],
      ['POST', '/api/mappings/import/fda'],
      ['GET', '/api/mappings/lookup?ndc=0002-0800-01'],
    ]) {
      expect((await call(method!, path!)).status, path).toBe(401);
    }
    const body = { reason: 'x', data: { npi: '1234567893' } };
    expect((await call('POST', '/api/mappings/prescribers', { token: TOKENS.pharmacist, body })).status).toBe(403);
    expect((await call('POST', '/api/mappings/prescribers', { token: TOKENS.compliance, body })).status).toBe(403);
    expect((await call('GET', '/api/mappings/prescribers/1234567893/history', { token: TOKENS.pharmacist })).status).toBe(403);
    expect((await call('GET', '/api/mappings/pending', { token: TOKENS.system })).status).toBe(403);
    expect((await call('POST', '/api/mappings/prescribers/import?dry_run=false&reason=x', { token: TOKENS.analyst, raw: 'npi\n1234567893\n', type: 'text/csv' })).status).toBe(403);
    expect((await call('GET', '/api/mappings/prescribers', { token: TOKENS.pharmacist })).status).toBe(200);
    expect((await call('GET', '/api/mappings/lookup?ndc=0002-0800-01', { token: TOKENS.system })).status).toBe(200);
  });

  it('answers bad input with 4xx naming each field, never 500', async () => {
    const bad = await call('POST', '/api/mappings/prescribers', { token: TOKENS.analyst, body: { reason: '', data: { npi: '1234567890', dea_number: 'AB1234564', nickname: 'x' } } });
    expect(bad.status).toBe(422);
    expect(bad.json.error.details.map((d: { field: string }) => d.field)).toEqual(['reason']);
    const fields = await call('POST', '/api/mappings/prescribers', { token: TOKENS.analyst, body: { reason: 'new', data: { npi: '1234567890', dea_number: 'AB1234564', nickname: 'x' } } });
    expect(fields.status).toBe(422);
    expect(fields.json.error.details).toEqual([
      { field: 'npi', code: 'npi_check_digit', message: 'NPI 1234567890 has check digit 0; the first nine digits give 3' },
      { field: 'dea_number', code: 'dea_number_check_digit', message: 'DEA number AB1234564 has check digit 4; its digits give 3' },
      { field: 'nickname', code: 'unknown_field', message: 'not a field of this table' },
    ]);
    expect((await call('POST', '/api/mappings/drugs', { token: TOKENS.analyst, raw: '{"reason":', type: 'application/json' })).status).toBe(400);
    expect((await call('POST', '/api/mappings/drugs', { token: TOKENS.analyst, raw: 'x', type: 'text/plain' })).status).toBe(415);
    expect((await call('GET', '/api/mappings/nonsense', { token: TOKENS.analyst })).status).toBe(404);
    expect((await call('GET', '/api/mappings/drugs?colour=red', { token: TOKENS.analyst })).json.error.details[0].field).toBe('colour');
    expect((await call('GET', '/api/mappings/drugs?limit=0', { token: TOKENS.analyst })).status).toBe(422);
    const ambiguous = await call('POST', '/api/mappings/drugs', { token: TOKENS.analyst, body: { reason: 'x', data: { ndc11: '0591036901' } } });
    expect(ambiguous.status).toBe(422);
    expect(ambiguous.json.error.details[0]).toMatchObject({ field: 'ndc11', message: expect.stringMatching(/without hyphens/) });
    expect((await call('PATCH', '/api/mappings/drugs/00000000000', { token: TOKENS.analyst, body: { reason: 'x', data: {} } })).status).toBe(404);
    // text the database cannot hold is refused field by field, not failed on
    const nul = await call('POST', '/api/mappings/prescribers', { token: TOKENS.analyst, body: { reason: 'x', data: { npi: '1003000126', name: 'A\u0000B' } } });
    expect(nul.status).toBe(422);
    expect(nul.json.error.details[0].field).toBe('name');
    expect((await call('GET', '/api/mappings/drugs?q=%00', { token: TOKENS.analyst })).status).toBe(422);
    expect((await call('GET', '/api/mappings/drugs/%00', { token: TOKENS.analyst })).status).toBe(422);
  });

  it('creates, updates, reads history, rolls back and deletes; compliance reads the history', async () => {
    const created = await call('POST', '/api/mappings/prescribers', { token: TOKENS.analyst, body: { reason: 'new prescriber', data: { npi: '1234567893', dea_number: 'ab1234563', name: 'Dr A' } } });
    expect(created.status).toBe(201);
    expect(created.json.entry).toMatchObject({ key: '1234567893', version: 1, changed_by: 'analyst:anal…', data: { dea_number: 'AB1234563' } });
    const updated = await call('PATCH', '/api/mappings/prescribers/1234567893', { token: TOKENS.analyst, body: { reason: 'retired', data: { active: false }, expected_version: 1 } });
    expect(updated.status).toBe(200);
    expect(updated.json.version.changes).toEqual([{ field: 'active', before: true, after: false }]);
    const stale = await call('PATCH', '/api/mappings/prescribers/1234567893', { token: TOKENS.analyst, body: { reason: 'x', data: { name: 'B' }, expected_version: 1 } });
    expect(stale.status).toBe(409);
    expect(stale.json.error.code).toBe('version_mismatch');

    const history = await call('GET', '/api/mappings/prescribers/1234567893/history', { token: TOKENS.compliance });
    expect(history.json.versions.map((v: { version: number; reason: string }) => [v.version, v.reason])).toEqual([
      [1, 'new prescriber'],
      [2, 'retired'],
    ]);
    const back = await call('POST', '/api/mappings/prescribers/1234567893/rollback', { token: TOKENS.analyst, body: { reason: 'not retired after all', to_version: 1 } });
    expect(back.status).toBe(201);
    expect(back.json.entry.data.active).toBe(true);
    expect((await call('GET', '/api/mappings/prescribers/1234567893/versions/2', { token: TOKENS.compliance })).json.data.active).toBe(false);
    const gone = await call('DELETE', '/api/mappings/prescribers/1234567893', { token: TOKENS.analyst, body: { reason: 'left' } });
    expect(gone.status).toBe(200);
    expect((await call('GET', '/api/mappings/prescribers/1234567893', { token: TOKENS.analyst })).status).toBe(404);

    const code = await call('POST', '/api/mappings/codes', { token: TOKENS.analyst, body: { reason: 'cui', data: { system: 'RxNorm', code: '197882', ndc11: '00591-0369-01' } } });
    expect(code.json.entry.key).toBe('RXNORM|*|197882');
    expect((await call('GET', `/api/mappings/codes/${encodeURIComponent('RXNORM|*|197882')}`, { token: TOKENS.analyst })).json.data.ndc11).toBe('00591036901');
    expect((await call('GET', '/api/mappings/codes?system=RXNORM', { token: TOKENS.analyst })).json.entries).toHaveLength(1);
  });

  it('writes a schedule change to the ledger as a mapping.change compliance event', async () => {
    const res = await call('POST', '/api/mappings/schedules', { token: TOKENS.analyst, body: { reason: 'CII per label', data: { ndc11: '12345-0678-90', schedule: 'CII' } } });
    expect(res.status).toBe(201);
    expect(res.json.compliance_event).toMatchObject({ status: 'recorded', ledger: { chain: 'MAPPINGS', seq: expect.any(Number) } });
    const ledger = await call('GET', '/api/ledger?facility=MAPPINGS', { token: TOKENS.compliance });
    const entry = ledger.json.entries.find((e: { event_id: string }) => e.event_id === res.json.compliance_event.event_id);
    expect(entry.event).toMatchObject({ type: 'mapping.change', drug: { ndc11: '12345067890', schedule: 'II' }, payload: { previous_schedule: null, schedule: 'II', reason: 'CII per label' } });
  });

  it('imports the FDA directory: analysts preview, admins apply; per-line problems are reported', async () => {
    const form = () => {
      const f = new FormData();
      f.set('product', new Blob([fixture('openfda__ndc_product_trimmed.txt')]), 'product.txt');
      f.set('package', new Blob([fixture('openfda__ndc_package_trimmed.txt')]), 'package.txt');
      return f;
    };
    const preview = await call('POST', '/api/mappings/import/fda', { token: TOKENS.analyst, raw: form() });
    expect(preview.status).toBe(200);
    expect(preview.json).toMatchObject({ dry_run: true, counts: { added: 4, errors: 1 } });
    expect((await call('GET', '/api/mappings/drugs/00002080001', { token: TOKENS.analyst })).status).toBe(404);
    expect((await call('POST', '/api/mappings/import/fda?dry_run=false', { token: TOKENS.admin, raw: form() })).json.error.details[0].field).toBe('reason');
    const applied = await call('POST', '/api/mappings/import/fda?dry_run=false&reason=FDA%20directory', { token: TOKENS.admin, raw: form() });
    expect(applied.json).toMatchObject({ dry_run: false, import_id: expect.any(Number), counts: { added: 4, errors: 1 } });
    expect((await call('GET', '/api/mappings/drugs/00002080001', { token: TOKENS.pharmacist })).json.data.proprietary_name).toBe('Sterile Diluent');
    const search = await call('GET', '/api/mappings/drugs?q=amyvid', { token: TOKENS.analyst });
    expect(search.json.entries.map((e: { key: string }) => e.key)).toEqual(['00002120030', '00002120050']);
    const bad = await call('POST', '/api/mappings/import/fda?file=package', { token: TOKENS.analyst, raw: fixture('openfda__badutf8.txt'), type: 'text/tab-separated-values' });
    expect(bad.status).toBe(422);
    expect(bad.json.error.details[0]).toMatchObject({ code: 'encoding', line: 1, column: 28 });
  });

  it('exports CSV and imports it back; a CSV dry run shows what would change', async () => {
    const csv = await call('GET', '/api/mappings/drugs/export', { token: TOKENS.compliance });
    expect(csv.status).toBe(200);
    expect(csv.headers.get('content-type')).toMatch(/^text\/csv/);
    const again = await call('POST', '/api/mappings/drugs/import', { token: TOKENS.analyst, raw: csv.text, type: 'text/csv' });
    expect(again.json.counts).toMatchObject({ added: 0, changed: 0, errors: 0, unchanged: 3 });
    const edit = await call('POST', '/api/mappings/drugs/import?dry_run=true', { token: TOKENS.analyst, raw: 'ndc11,rxnorm_cui\n00002-0800-01,123\n00002-0800-0X,1\n', type: 'text/csv' });
    expect(edit.json.lines).toEqual([
      { table: 'drugs', file: 'drugs.csv', line: 2, key: '00002080001', status: 'changed', changes: [{ field: 'rxnorm_cui', before: null, after: '123' }] },
      { table: 'drugs', file: 'drugs.csv', line: 3, status: 'error', errors: [expect.objectContaining({ field: 'ndc11', line: 3, column: 1 })] },
    ]);
  });

  it('parks an unmapped event posted to /api/events, suggests, resolves with one call, and the event reaches the ledger', async () => {
    const post = await call('POST', '/api/events', {
      token: TOKENS.system,
      body: {
        type: 'rx.dispense',
        facility_id: 'HOSP9',
        occurred_at: '2026-11-21T10:00:00Z',
        source: { adapter: 'api', sender: 'PHARM^HOSP', message_id: 'U-1' },
        drug: { ndc_raw: '0002-1200-99', ndc11: '00002120099', schedule: 'UNMAPPED' },
        quantity: { value: 1, unit: 'EA' },
        payload: { codes: [{ code: '0002-1200-99', system: 'NDC', display: 'AMYVID 50 ML VIAL' }] },
      },
    });
    expect(post.status).toBe(202);
    expect(post.json).toMatchObject({ parked: true, ack_point: 'ledger' });
    expect(post.json.ledger).toBeUndefined();

    const pending = await call('GET', '/api/mappings/pending?status=open&waiting=true', { token: TOKENS.analyst });
    const item = pending.json.entries.find((p: { code: string }) => p.code === '00002120099');
    expect(item).toMatchObject({ system: 'NDC', waiting: 1, display: 'AMYVID 50 ML VIAL' });
    const suggestions = await call('GET', `/api/mappings/pending/${item.id}/suggestions`, { token: TOKENS.compliance });
    expect(suggestions.json.suggestions[0].ndc11).toMatch(/^000021200[35]0$/);

    const missing = await call('POST', `/api/mappings/pending/${item.id}/resolve`, { token: TOKENS.analyst, body: { reason: 'x', ndc11: '0002-1200-99' } });
    expect(missing.status).toBe(422);
    expect(missing.json.error.details[0].field).toBe('schedule');
    const resolved = await call('POST', `/api/mappings/pending/${item.id}/resolve`, {
      token: TOKENS.analyst,
      body: { reason: 'repackaged Amyvid, not controlled', ndc11: '0002-1200-50' },
    });
    expect(resolved.status, JSON.stringify(resolved.json)).toBe(422); // 0002-1200-50 has no schedule: the directory said "DEA"
    const ok = await call('POST', `/api/mappings/pending/${item.id}/resolve`, {
      token: TOKENS.analyst,
      body: { reason: 'repackaged Amyvid; NC per label', ndc11: '0002-1200-50', schedule: 'NC' },
    });
    expect(ok.status).toBe(200);
    expect(ok.json.release).toMatchObject({ released: 1, recorded: 1 });
    expect(ok.json.changes.map((c: { entry: { table: string } }) => c.entry.table)).toEqual(['schedules', 'codes']);
    const ledger = await call('GET', '/api/ledger?facility=HOSP9', { token: TOKENS.compliance });
    expect(ledger.json.entries.map((e: { event_id: string; class: string }) => [e.event_id, e.class])).toEqual([[post.json.event_id, 'gen']]);
    expect(ledger.json.entries[0].event.drug).toMatchObject({ ndc11: '00002120050', ndc_raw: '0002-1200-99', schedule: 'NC' });
    expect((await call('POST', `/api/mappings/pending/${item.id}/resolve`, { token: TOKENS.analyst, body: { reason: 'again', ndc11: '0002-1200-50' } })).status).toBe(409);
  });

  it('looks drugs up from the cache, and reports diagnostics and metrics', async () => {
    const look = await call('GET', '/api/mappings/lookup?ndc=0002-0800-01', { token: TOKENS.pharmacist });
    expect(look.json).toMatchObject({ matchedBy: 'ndc', drug: { ndc11: '00002080001', schedule: 'NC' }, details: { proprietary_name: 'Sterile Diluent' } });
    const posted = await call('POST', '/api/mappings/lookup', { token: TOKENS.system, body: { facility_id: 'HOSP1', codes: [{ system: 'RXNORM', code: '197882' }] } });
    expect(posted.json.matchedBy).toBe('none'); // the CUI maps to 00591036901, which has no schedule here

    const diag = await call('GET', '/api/mappings/diagnostics', { token: TOKENS.compliance });
    expect(diag.status).toBe(200);
    // drugs: the 3 from the directory; 00002120030 has no schedule (its product's DEASCHEDULE was "DEA"), and
    // 00002120050 was mapped NC by hand although the directory marks it: both count as unclassified controlled
    expect(diag.json.schedule_match).toMatchObject({ matched: 2, total: 3, goal: 0.998, meets_goal: false });
    expect(diag.json.unclassified_controlled).toMatchObject({
      count: 2,
      entries: [
        { ndc11: '00002120030', fda_dea_schedule: 'DEA', schedule: null },
        { ndc11: '00002120050', fda_dea_schedule: 'DEA', schedule: 'NC' },
      ],
    });
    expect(diag.json.pending).toMatchObject({ waiting_events: 0 });
    const metrics = await call('GET', '/metrics');
    expect(metrics.text).toMatch(/rxgate_mappings_unclassified_controlled 2/);
    expect(metrics.text).toMatch(/rxgate_mappings_schedule_match_ratio 0\.66/);
  });
});
