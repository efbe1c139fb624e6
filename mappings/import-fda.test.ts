import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { SPECS } from './entities/index.ts';
import { packageSize, readFdaDirectory, strengthText } from './import-fda.ts';
import { planImport } from './import-plan.ts';

const fixture = (name: string) => new Uint8Array(readFileSync(new URL(`../conformance/ndc/${name}`, import.meta.url)));
const verifiedAt = '2026-11-21T10:00:00.000Z';

describe('reading the FDA NDC Directory', () => {
  it('joins packages to their products and turns DEASCHEDULE into schedule candidates', () => {
    const read = readFdaDirectory(
      { product: { name: 'product.txt', bytes: fixture('openfda__ndc_product_trimmed.txt') }, package: { name: 'package.txt', bytes: fixture('openfda__ndc_package_trimmed.txt') } },
      { verifiedAt },
    );
    expect(read.lines).toEqual({ product: 3, package: 3 });
    expect(read.drugs.map((d) => [d.line, d.input.ndc11, d.input.ndc_original, d.input.proprietary_name])).toEqual([
      [2, '00002080001', '0002-0800-01', 'Sterile Diluent'],
      [3, '00002120030', '0002-1200-30', 'Amyvid III'],
      [4, '00002120050', '0002-1200-50', 'Amyvid III'],
    ]);
    // 0002-0800 has an empty DEASCHEDULE (not controlled); 0002-1200 says "DEA", which is no schedule: reported once
    expect(read.schedules.map((s) => [s.input.ndc11, s.input.schedule, s.input.source])).toEqual([['00002080001', 'NC', 'FDA NDC Directory']]);
    expect(read.problems.map((p) => [p.file, p.line, p.field, p.column])).toEqual([['product.txt', 3, 'DEASCHEDULE', 18]]);
  });

  it('reads all 35,321 rows of the unfinished-drug package list, reporting the two malformed codes by line', () => {
    const read = readFdaDirectory({ package: { name: 'unfinished_package.txt', bytes: fixture('openfda__ndc_unfinished_package.txt') } }, { verifiedAt });
    expect(read.lines.package).toBe(35321);
    expect(read.drugs).toHaveLength(35319);
    expect(read.problems.map((p) => [p.line, p.field, p.code])).toEqual([
      [9584, 'NDCPACKAGECODE', 'ndc_format'],
      [16515, 'NDCPACKAGECODE', 'ndc_format'],
    ]);
    // Two pairs of package codes in different layouts give one NDC-11 (40074-0001-1 and 40074-001-01 are both
    // 40074-0001-01): the second of each pair is reported, never silently merged.
    const plan = planImport(SPECS.drugs, read.drugs, new Map());
    expect(plan.filter((l) => l.status === 'added')).toHaveLength(35317);
    expect(plan.filter((l) => l.status === 'error').map((l) => [l.line, l.errors![0]!.message])).toEqual([
      [7252, '40074000101 (written 40074-001-01) appears again: line 7246 (written 40074-0001-1) already sets it'],
      [9764, '48589000600 (written 48589-006-00) appears again: line 9762 (written 48589-0006-0) already sets it'],
    ]);
  });

  it('pairs strengths with their units and reads the outer package size', () => {
    expect(strengthText('80', 'mg/mL')).toBe('80 mg/mL');
    expect(strengthText('70; 5600', 'mg/1; [iU]/1')).toBe('70 mg/1; 5600 [iU]/1');
    expect(strengthText('70; 5600; 100', 'mg/1; [iU]/1')).toBe('70; 5600; 100 mg/1; [iU]/1');
    expect(packageSize('1 VIAL, MULTI-DOSE in 1 CAN (0002-1200-30)  > 30 mL in 1 VIAL, MULTI-DOSE')).toBe('1 VIAL, MULTI-DOSE');
    expect(packageSize('4 BOTTLE in 1 CONTAINER (0002-0485-04)  > 2000 g in 1 BOTTLE')).toBe('4 BOTTLE');
    expect(packageSize('KIT')).toBe('');
  });
});
