import { readFileSync } from 'node:fs';
import { sql } from 'drizzle-orm';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { rootMessage } from '../gateway/store/pg-errors.ts';
import { withTestStores } from '../gateway/store/test-support.ts';
import { SPECS } from './entities/index.ts';
import { loadResolverRows } from './resolver-loader.ts';
import { createDrugResolver } from './resolver.ts';
import { ConflictError, NotFoundError, ValidationError } from './service-errors.ts';
import { MappingService } from './service.ts';
import { query } from './sql.ts';

/**
 * The service layer on both stores: versioned changes with history and rollback, the append-only guarantee, CSV
 * import (dry run, apply, export round trip), the FDA directory import with its per-line report, and the resolver
 * cache loaded from what was written.
 */

const stores = await withTestStores();
const logger = pino({ level: 'silent' });
const fixture = (name: string) => new Uint8Array(readFileSync(new URL(`../conformance/ndc/${name}`, import.meta.url)));
const analyst = (reason: string) => ({ actor: 'analyst:abcd…', reason });

describe.each(stores)('mapping service on $kind', ({ store }) => {
  let clock = Date.parse('2026-11-21T10:00:00.000Z');
  const resolver = createDrugResolver();
  const service = new MappingService({ store, resolver, logger, chain: 'MAPPINGS', now: () => new Date((clock += 1000)) });

  it('creates, updates, deletes and rolls back an entry; every change is a version with who, when, why and the previous value', async () => {
    const created = await service.create('drugs', { ndc11: '0591-0369-01', description: 'Loxapine 5 mg capsule, 100', rxnorm_cui: '197882' }, analyst('new formulary item'));
    expect(created.entry!.key).toBe('00591036901');
    expect(created.entry!.data).toMatchObject({ ndc11: '00591036901', ndc_original: '0591-0369-01', ndc_layout: '4-4-2', labeler_code: '0591', product_code: '0369', package_code: '01' });
    expect(created.version).toMatchObject({ version: 1, op: 'create', changed_by: 'analyst:abcd…', reason: 'new formulary item', previous: null });

    const updated = await service.update('drugs', '00591036901', { description: 'Loxapine 5 mg capsule, bottle of 100' }, analyst('typo'), { expectedVersion: 1 });
    expect(updated.version.version).toBe(2);
    expect(updated.version.changes).toEqual([{ field: 'description', before: 'Loxapine 5 mg capsule, 100', after: 'Loxapine 5 mg capsule, bottle of 100' }]);
    expect(updated.version.previous!.description).toBe('Loxapine 5 mg capsule, 100');

    const same = await service.update('drugs', '00591036901', { description: 'Loxapine 5 mg capsule, bottle of 100' }, analyst('again'));
    expect(same.unchanged).toBe(true);
    expect(same.version.version).toBe(2);

    await expect(service.update('drugs', '00591036901', { description: 'x' }, analyst('stale'), { expectedVersion: 1 })).rejects.toBeInstanceOf(ConflictError);
    await expect(service.update('drugs', '00591036901', { ndc11: '00591036902' }, analyst('move'))).rejects.toThrow(/part of the key/);
    await expect(service.create('drugs', { ndc11: '00591036901' }, analyst('dup'))).rejects.toMatchObject({ code: 'exists' });

    const removed = await service.remove('drugs', '00591036901', analyst('discontinued'));
    expect(removed.entry).toBeNull();
    expect(await service.get('drugs', '00591036901')).toBeUndefined();

    const back = await service.rollback('drugs', '00591036901', 1, analyst('restore the original'));
    expect(back.version).toMatchObject({ version: 4, op: 'rollback', rollback_to: 1, deleted: false });
    expect(back.entry!.data.description).toBe('Loxapine 5 mg capsule, 100');

    const history = await service.history('drugs', '00591036901');
    expect(history.map((h) => [h.version, h.op, h.deleted])).toEqual([
      [1, 'create', false],
      [2, 'update', false],
      [3, 'delete', true],
      [4, 'rollback', false],
    ]);
    expect(history.every((h) => h.changed_by === 'analyst:abcd…' && /Z$/.test(h.changed_at))).toBe(true);
    await expect(service.rollback('drugs', '00591036901', 4, analyst('noop'))).rejects.toMatchObject({ code: 'already_current' });
    await expect(service.history('drugs', '99999999999')).rejects.toBeInstanceOf(NotFoundError);
  });

  it('refuses to rewrite a version in the database (append-only)', async () => {
    const refused = async (q: ReturnType<typeof sql>) => {
      try {
        await store.db.execute(q);
      } catch (err) {
        return rootMessage(err);
      }
      return 'accepted';
    };
    expect(await refused(sql`update mapping_drug_versions set description = 'x' where key = '00591036901'`)).toMatch(/append-only/);
    expect(await refused(sql`delete from mapping_drug_versions where key = '00591036901'`)).toMatch(/append-only/);
    expect(await refused(sql`truncate mapping_schedule_versions`)).toMatch(/append-only/);
  });

  it('names every bad field, with the typed parsers\' messages', async () => {
    const fail = async (table: Parameters<typeof service.create>[0], input: unknown, reason = 'test') => {
      try {
        await service.create(table, input, analyst(reason));
      } catch (err) {
        expect(err).toBeInstanceOf(ValidationError);
        return (err as ValidationError).problems.map((p) => [p.field, p.message]);
      }
      throw new Error('expected a ValidationError');
    };
    expect(await fail('prescribers', { npi: '1234567890', dea_number: 'AB1234564', bogus: 1 })).toEqual([
      ['npi', 'NPI 1234567890 has check digit 0; the first nine digits give 3'],
      ['dea_number', 'DEA number AB1234564 has check digit 4; its digits give 3'],
      ['bogus', 'not a field of this table'],
    ]);
    expect(await fail('drugs', { ndc11: '0591036901' })).toEqual([['ndc11', expect.stringMatching(/10-digit NDC without hyphens/)]]);
    expect(await fail('schedules', { ndc11: '00591036901', schedule: 'II', ingredient_schedules: ['III', 'NC'] })).toEqual([
      ['schedule', expect.stringMatching(/highest schedule of its ingredients \(III, NC\): III, not II/)],
    ]);
    expect(await fail('facilities', { facility_id: 'HOSP 1' })).toEqual([['facility_id', expect.any(String)]]);
    expect(await fail('patients', { token: 'pt_' + 'a'.repeat(32), status: 'merged' })).toEqual([['merged_into', 'required when status is merged']]);
    await expect(service.create('prescribers', { npi: '1234567893' }, analyst(''))).rejects.toThrow(/reason/);
  });

  it('imports CSV with a dry run that shows what would change, then applies it, and exports what reads back unchanged', async () => {
    const csv = [
      'npi,dea_number,name,active',
      '1234567893,AB1234563,"Smith, Jane",true',
      '1003000126,,Doe,',
      '1234567890,,Bad NPI,true',
      '9999999995,ZZ1234563,Bad DEA,true',
      '1003000126,,Duplicate,true',
      '"unterminated,1,2',
    ].join('\r\n');
    const dry = await service.importCsv('prescribers', csv, { dryRun: true }, analyst('initial load'));
    expect(dry.dry_run).toBe(true);
    expect(dry.counts).toEqual({ added: 2, changed: 0, unchanged: 0, skipped: 0, errors: 4 });
    expect(dry.lines.map((l) => [l.line, l.status, l.errors?.[0]?.field, l.errors?.[0]?.column])).toEqual([
      [2, 'added', undefined, undefined],
      [3, 'added', undefined, undefined],
      [4, 'error', 'npi', 1],
      [5, 'error', 'dea_number', 2],
      [6, 'error', 'npi', undefined],
      [7, 'error', 'column 1', 1],
    ]);
    expect(await service.get('prescribers', '1234567893')).toBeUndefined();

    const applied = await service.importCsv('prescribers', csv, { dryRun: false }, analyst('initial load'));
    expect(applied.import_id).toBeGreaterThan(0);
    expect((await service.get('prescribers', '1234567893'))!.data).toEqual({ npi: '1234567893', dea_number: 'AB1234563', name: 'Smith, Jane', credential: null, active: true });

    const exported = await service.exportCsv('prescribers');
    expect(exported.split('\r\n')[0]).toBe('npi,dea_number,name,credential,active,version,changed_at,changed_by');
    expect(exported).toContain('1234567893,AB1234563,"Smith, Jane",,true,1,');
    const again = await service.importCsv('prescribers', exported, { dryRun: true }, analyst('round trip'));
    expect(again.counts).toEqual({ added: 0, changed: 0, unchanged: 2, skipped: 0, errors: 0 });

    const partial = await service.importCsv('prescribers', 'npi,credential\n1003000126,MD\n', { dryRun: true }, analyst('credentials'));
    expect(partial.lines).toEqual([{ table: 'prescribers', file: 'prescribers.csv', line: 2, key: '1003000126', status: 'changed', changes: [{ field: 'credential', before: null, after: 'MD' }] }]);

    const header = await service.importCsv('prescribers', 'npi,nmae\n1003000126,x\n', { dryRun: true }, analyst('typo'));
    expect(header.lines[0]!.errors![0]).toMatchObject({ field: 'nmae', line: 1, column: 2 });
  });

  it('imports the FDA directory: packages with their product fields and DEASCHEDULE, bad lines reported, the rest imported', async () => {
    const product = { name: 'product.txt', bytes: fixture('openfda__ndc_product_trimmed.txt') };
    const pkg = { name: 'package.txt', bytes: fixture('openfda__ndc_package_trimmed.txt') };
    const dry = await service.importFda({ product, package: pkg }, { dryRun: true }, analyst('FDA directory'));
    // 3 packages; products 0002-0800 (DEASCHEDULE empty → NC) and 0002-1200 (DEASCHEDULE "DEA": reported)
    expect(dry.tables.drugs).toEqual({ added: 3, changed: 0, unchanged: 0, skipped: 0, errors: 0 });
    expect(dry.tables.schedules).toEqual({ added: 1, changed: 0, unchanged: 0, skipped: 0, errors: 1 });
    const deaError = dry.lines.find((l) => l.status === 'error')!;
    expect(deaError).toMatchObject({ table: 'schedules', file: 'product.txt', line: 3 });
    expect(deaError.errors![0]).toMatchObject({ field: 'DEASCHEDULE', column: 18, message: expect.stringContaining('"DEA"') });
    expect(dry.compliance_events).toBe(1);

    const applied = await service.importFda({ product, package: pkg }, { dryRun: false }, analyst('FDA directory'));
    expect(applied.counts.added).toBe(4);
    const amyvid = await service.get('drugs', '00002120030');
    expect(amyvid!.data).toMatchObject({
      ndc_original: '0002-1200-30',
      proprietary_name: 'Amyvid III',
      route: 'INTRALESIONAL; INTRAMUSCULAR; INTRASYNOVIAL; SOFT TISSUE',
      strength: '70; 5600; 100 mg/1; [iU]/1',
      package_size: '1 VIAL, MULTI-DOSE',
      fda_dea_schedule: 'DEA',
    });
    const diluent = await service.get('schedules', '00002080001');
    expect(diluent!.data).toMatchObject({ schedule: 'NC', source: 'FDA NDC Directory', source_value: null });
    expect(diluent!.last_verified_at).toBe(diluent!.data.verified_at);

    // Again: nothing changes, and the FDA mappings are confirmed (verified) without a new version.
    const again = await service.importFda({ product, package: pkg }, { dryRun: false }, analyst('FDA directory, next day'));
    expect(again.counts).toMatchObject({ added: 0, changed: 0, unchanged: 4, errors: 1 });
    const confirmed = await service.get('schedules', '00002080001');
    expect(confirmed!.version).toBe(1);
    expect(confirmed!.last_verified_at! > (confirmed!.data.verified_at as string)).toBe(true);

    // A manual mapping is kept even when the directory disagrees.
    await service.update('schedules', '00002080001', { schedule: 'V', source: 'manual' }, analyst('pharmacy committee'));
    const kept = await service.importFda({ product, package: pkg }, { dryRun: true }, analyst('FDA'));
    expect(kept.lines.find((l) => l.key === '00002080001' && l.table === 'schedules')).toMatchObject({ status: 'skipped', message: expect.stringMatching(/kept the manual mapping V/) });
  });

  it('reports invalid UTF-8 by line and byte, and malformed package codes by line, importing the rest', async () => {
    const badUtf8 = fixture('openfda__badutf8.txt');
    const report = await service.importFda({ package: { name: 'badutf8.txt', bytes: badUtf8 } }, { dryRun: true }, analyst('x'));
    expect(report.lines[0]!.errors![0]).toMatchObject({ code: 'encoding', file: 'badutf8.txt', line: 1, column: 28 });

    const text = [
      'PRODUCTID\tPRODUCTNDC\tNDCPACKAGECODE\tPACKAGEDESCRIPTION',
      'x\t47848-026\t47848-026-XX\t1 kg in 1 CARTON (47848-026-XX)',
      'y\t53209-2000\t02\t50 mg in 1 BOX (02)',
      'z\t10631-106\t1063110608\t1 BOTTLE in 1 CARTON',
    ].join('\n');
    const bytes = new Uint8Array([...new TextEncoder().encode(text.split('\n').slice(0, 2).join('\n')), 0x0a, 0xff, 0x0a, ...new TextEncoder().encode(text.split('\n').slice(2).join('\n'))]);
    const r = await service.importFda({ package: { name: 'package.txt', bytes } }, { dryRun: true }, analyst('x'));
    expect(r.lines.map((l) => [l.line, l.status, l.errors?.[0]?.code, l.key])).toEqual([
      [2, 'error', 'ndc_format', undefined],
      [3, 'error', 'encoding', undefined],
      [4, 'error', 'ndc_format', undefined],
      // a bare 10-digit package code is settled by its PRODUCTNDC, written with its layout (5-3)
      [5, 'added', undefined, '10631010608'],
    ]);
  });

  it('loads the resolver cache from the tables', async () => {
    await service.create('schedules', { ndc11: '00591036901', schedule: 'IV' }, analyst('loxapine is not controlled; test value'));
    await service.create('codes', { system: 'LOCAL', facility_id: 'HOSP1', code: 'LOX5', ndc11: '00591036901' }, analyst('formulary code'));
    const fresh = createDrugResolver(await loadResolverRows(store));
    expect(fresh.resolve([{ system: 'NDC', code: '0591-0369-01' }], 'HOSP1')).toEqual({ drug: { ndc11: '00591036901', ndc_raw: '0591-0369-01', rxnorm: '197882', schedule: 'IV' }, matchedBy: 'ndc' });
    expect(fresh.resolve([{ system: 'LOCAL', code: 'LOX5' }], 'HOSP1').matchedBy).toBe('local');
    expect(fresh.resolve([{ system: 'LOCAL', code: 'LOX5' }], 'HOSP2').matchedBy).toBe('none');
    // the service's own cache saw the same changes as they committed
    expect(resolver.resolve([{ system: 'RXNORM', code: '197882' }], 'HOSP1')).toEqual(fresh.resolve([{ system: 'RXNORM', code: '197882' }], 'HOSP1'));
    // the schedule changes are waiting for the intake (none configured here): the sweeper's query finds them
    const unrecorded = await query(store.db, sql`select count(*)::int as n from mapping_schedule_versions where change_event_key is not null`);
    expect(Number(unrecorded[0]!.n)).toBeGreaterThanOrEqual(2);
    expect(SPECS.schedules.table).toBe('schedules');
  });
});
