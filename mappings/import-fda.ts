import { FDA_SOURCE } from './entities/schedules.ts';
import { AmbiguousNdcError, MappingInputError, NdcFormatError } from './errors.ts';
import type { ImportCandidate } from './import-plan.ts';
import { parseNdc, parseProductNdc, type Ndc } from './ndc.ts';
import { parseFdaDeaSchedule } from './schedule.ts';
import { columnIndex, parseTabFile, type TabFile, type TabRecord } from './tab-file.ts';
import type { VersionRow } from './versioning.ts';

/**
 * The FDA NDC Directory (https://www.fda.gov/drugs/drug-approvals-and-databases/national-drug-code-directory):
 * product.txt (one row per product: names, dosage form, route, labeler, substances, strengths, DEASCHEDULE) and
 * package.txt (one row per package NDC, with its product's PRODUCTID and PRODUCTNDC), tab-separated. Columns are
 * found by their header names, so the finished and unfinished-drug files and older layouts all read.
 *
 * Drugs are packages: one drug entry per NDCPACKAGECODE, carrying its product's fields. Each product's DEASCHEDULE
 * becomes a schedule mapping of each of its packages, with source `FDA NDC Directory`. Lines with invalid bytes or
 * malformed codes are reported (file, line, column) and the rest imported. Pure: bytes in, candidates out.
 */

export interface FdaDirectoryFiles {
  product?: { name: string; bytes: Uint8Array };
  package?: { name: string; bytes: Uint8Array };
}

export interface FdaDirectoryRead {
  drugs: ImportCandidate[];
  schedules: ImportCandidate[];
  /** lines that could not be read or whose codes are malformed */
  problems: MappingInputError[];
  lines: { product: number; package: number };
}

interface Product {
  line: number;
  file: string;
  productNdc: string;
  fields: Record<string, string>;
  schedule?: { value: string; schedule: string } | undefined;
  scheduleError?: MappingInputError;
}

const PRODUCT_FIELDS = [
  'PRODUCTID',
  'PRODUCTNDC',
  'PRODUCTTYPENAME',
  'PROPRIETARYNAME',
  'PROPRIETARYNAMESUFFIX',
  'NONPROPRIETARYNAME',
  'DOSAGEFORMNAME',
  'ROUTENAME',
  'LABELERNAME',
  'ACTIVE_NUMERATOR_STRENGTH',
  'ACTIVE_INGRED_UNIT',
  'DEASCHEDULE',
] as const;

function fieldsOf(file: TabFile, record: TabRecord, names: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of names) {
    const i = columnIndex(file, name);
    if (i >= 0) out[name] = record.fields[i]!;
  }
  return out;
}

const squash = (text: string | undefined): string | undefined => {
  if (text === undefined) return undefined;
  const t = text.replace(/\s+/g, ' ').trim();
  return t;
};

/** "70; 5600" with "mg/1; [iU]/1" → "70 mg/1; 5600 [iU]/1"; when the lists do not pair up, both as written. */
export function strengthText(amounts: string | undefined, units: string | undefined): string | undefined {
  if (amounts === undefined && units === undefined) return undefined;
  const a = (amounts ?? '').split(';').map((s) => s.trim()).filter(Boolean);
  const u = (units ?? '').split(';').map((s) => s.trim()).filter(Boolean);
  if (a.length === 0 && u.length === 0) return '';
  if (a.length === u.length) return a.map((x, i) => `${x} ${u[i]}`).join('; ');
  return `${a.join('; ')} ${u.join('; ')}`.trim();
}

/** The outer quantity of a package description: "1 VIAL, MULTI-DOSE in 1 CAN (…)" → "1 VIAL, MULTI-DOSE". */
export function packageSize(description: string | undefined): string | undefined {
  if (description === undefined) return undefined;
  const m = /^\s*(\d[\d.,]*\s+.+?)\s+in\s+\d/.exec(description);
  return m ? m[1]!.replace(/\s+/g, ' ') : '';
}

function readProducts(file: TabFile, problems: MappingInputError[]): { byId: Map<string, Product>; byNdc: Map<string, Product[]> } {
  const byId = new Map<string, Product>();
  const byNdc = new Map<string, Product[]>();
  const ndcColumn = columnIndex(file, 'PRODUCTNDC');
  if (ndcColumn < 0) {
    problems.push(new MappingInputError('columns', 'PRODUCTNDC', `${file.name} has no PRODUCTNDC column`, { file: file.name, line: 1 }));
    return { byId, byNdc };
  }
  const deaColumn = columnIndex(file, 'DEASCHEDULE');
  for (const record of file.records) {
    const fields = fieldsOf(file, record, PRODUCT_FIELDS);
    const position = { file: file.name, line: record.line, column: ndcColumn + 1 };
    let productNdc: string;
    try {
      productNdc = parseProductNdc(fields.PRODUCTNDC ?? '', 'PRODUCTNDC', position).original;
    } catch (err) {
      problems.push(err as MappingInputError);
      continue;
    }
    const product: Product = { line: record.line, file: file.name, productNdc, fields };
    if (deaColumn >= 0) {
      const value = fields.DEASCHEDULE ?? '';
      try {
        product.schedule = { value: value.trim(), schedule: parseFdaDeaSchedule(value, 'DEASCHEDULE', { file: file.name, line: record.line, column: deaColumn + 1 }) };
      } catch (err) {
        product.scheduleError = err as MappingInputError;
        problems.push(err as MappingInputError);
      }
    }
    if (fields.PRODUCTID) byId.set(fields.PRODUCTID, product);
    const list = byNdc.get(productNdc);
    if (list) list.push(product);
    else byNdc.set(productNdc, [product]);
  }
  return { byId, byNdc };
}

function productFields(p: Product): Record<string, unknown> {
  const f = p.fields;
  const name = f.PROPRIETARYNAME === undefined ? undefined : squash([f.PROPRIETARYNAME, f.PROPRIETARYNAMESUFFIX].filter((s) => s && s.trim()).join(' '));
  const out: Record<string, unknown> = {
    labeler_name: squash(f.LABELERNAME),
    proprietary_name: name,
    nonproprietary_name: squash(f.NONPROPRIETARYNAME),
    dose_form: squash(f.DOSAGEFORMNAME),
    route: squash(f.ROUTENAME),
    strength: strengthText(f.ACTIVE_NUMERATOR_STRENGTH, f.ACTIVE_INGRED_UNIT),
    product_type: squash(f.PRODUCTTYPENAME),
    fda_dea_schedule: f.DEASCHEDULE === undefined ? undefined : f.DEASCHEDULE.trim(),
  };
  for (const k of Object.keys(out)) if (out[k] === undefined) delete out[k];
  return out;
}

/** The schedule candidate of one package from its product's DEASCHEDULE; a manual mapping is never replaced. */
function scheduleCandidate(ndc11: string, product: Product, verifiedAt: string): ImportCandidate | undefined {
  if (!product.schedule) return undefined;
  return {
    line: product.line,
    file: product.file,
    input: { ndc11, schedule: product.schedule.schedule, source: FDA_SOURCE, source_value: product.schedule.value, verified_at: verifiedAt, ingredient_schedules: null },
    skip: (current: VersionRow | undefined) =>
      current && current.data.source !== FDA_SOURCE
        ? `kept the ${String(current.data.source)} mapping ${String(current.data.schedule)}; the directory says ${product.schedule!.value || 'not controlled'}`
        : undefined,
  };
}

/**
 * Reads the directory files into import candidates. `existingPackages(productNdc)` names the NDC-11s of drugs
 * already known for a product: a product-only import updates them.
 */
export function readFdaDirectory(
  files: FdaDirectoryFiles,
  opts: { verifiedAt: string; existingPackages?: (product9: string) => string[] },
): FdaDirectoryRead {
  const problems: MappingInputError[] = [];
  const drugs: ImportCandidate[] = [];
  const schedules: ImportCandidate[] = [];
  const productFile = files.product ? parseTabFile(files.product.bytes, files.product.name) : undefined;
  const packageFile = files.package ? parseTabFile(files.package.bytes, files.package.name) : undefined;
  if (productFile) problems.push(...productFile.errors);
  if (packageFile) problems.push(...packageFile.errors);
  const products = productFile ? readProducts(productFile, problems) : undefined;

  if (packageFile) {
    const codeColumn = columnIndex(packageFile, 'NDCPACKAGECODE');
    const productColumn = columnIndex(packageFile, 'PRODUCTNDC');
    if (codeColumn < 0 || productColumn < 0) {
      problems.push(new MappingInputError('columns', codeColumn < 0 ? 'NDCPACKAGECODE' : 'PRODUCTNDC', `${packageFile.name} needs the columns NDCPACKAGECODE and PRODUCTNDC`, { file: packageFile.name, line: 1 }));
    } else {
      const descColumn = columnIndex(packageFile, 'PACKAGEDESCRIPTION');
      const idColumn = columnIndex(packageFile, 'PRODUCTID');
      for (const record of packageFile.records) {
        const code = record.fields[codeColumn]!;
        const productNdc = record.fields[productColumn]!.trim();
        const position = { file: packageFile.name, line: record.line, column: codeColumn + 1 };
        let ndc: Ndc;
        try {
          ndc = parseNdc(code, 'NDCPACKAGECODE', position);
        } catch (err) {
          // A bare 10-digit package code is settled by its own PRODUCTNDC, which is written with its layout.
          const settled = err instanceof AmbiguousNdcError ? settleByProduct(code.trim(), productNdc) : undefined;
          if (!settled) {
            problems.push(err as MappingInputError);
            continue;
          }
          ndc = settled;
        }
        if (`${ndc.labeler}-${ndc.product}` !== productNdc && !(ndc.layout === '5-4-2' && productNdcMatches11(ndc, productNdc))) {
          problems.push(new NdcFormatError('NDCPACKAGECODE', `${code.trim()} does not belong to its product ${productNdc}`, position));
          continue;
        }
        const description = descColumn >= 0 ? record.fields[descColumn]!.trim() : undefined;
        const input: Record<string, unknown> = { ndc11: ndc.ndc11, ndc_original: ndc.original };
        if (description !== undefined) {
          input.description = description;
          input.package_size = packageSize(description);
        }
        const product =
          (idColumn >= 0 ? products?.byId.get(record.fields[idColumn]!) : undefined) ??
          (products?.byNdc.get(productNdc)?.length === 1 ? products.byNdc.get(productNdc)![0] : undefined);
        if (product) Object.assign(input, productFields(product));
        drugs.push({ line: record.line, file: packageFile.name, input });
        const s = product ? scheduleCandidate(ndc.ndc11, product, opts.verifiedAt) : undefined;
        if (s) schedules.push(s);
      }
    }
  } else if (products && opts.existingPackages) {
    // Products alone: apply each product's fields and schedule to the packages already known for it.
    for (const list of products.byNdc.values()) {
      for (const product of list) {
        for (const ndc11 of opts.existingPackages(parseProductNdc(product.productNdc).product9)) {
          drugs.push({ line: product.line, file: product.file, input: { ndc11, ...productFields(product) } });
          const s = scheduleCandidate(ndc11, product, opts.verifiedAt);
          if (s) schedules.push(s);
        }
      }
    }
  }
  return {
    drugs,
    schedules,
    problems,
    lines: { product: productFile?.records.length ?? 0, package: packageFile?.records.length ?? 0 },
  };
}

function settleByProduct(digits: string, productNdc: string): Ndc | undefined {
  const m = /^(\d{4,5})-(\d{3,4})$/.exec(productNdc);
  if (!m || !/^\d{10}$/.test(digits)) return undefined;
  const [labeler, product] = [m[1]!, m[2]!];
  if (!digits.startsWith(labeler + product)) return undefined;
  const pkg = digits.slice(labeler.length + product.length);
  try {
    // written with the layout its product shows, so the entry keeps a layout that is certain
    return parseNdc(`${labeler}-${product}-${pkg}`);
  } catch {
    return undefined;
  }
}

function productNdcMatches11(ndc: Ndc, productNdc: string): boolean {
  try {
    return parseProductNdc(productNdc).product9 === ndc.ndc11.slice(0, 9);
  } catch {
    return false;
  }
}
