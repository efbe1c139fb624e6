/**
 * Typed errors of the mapping engine. Every one names the field it is about and, when the value came from a file,
 * the position (1-based line and column), so that an HTTP answer, an import report and a UI message beside a form
 * field can all say exactly what is wrong and where.
 */

export interface InputPosition {
  /** the file the value came from, when there are several (product.txt, package.txt) */
  file?: string;
  /** 1-based line of the file the value came from */
  line?: number;
  /** 1-based column (CSV: field number; FDA tab files: field number; byte errors: byte offset in the line) */
  column?: number;
}

export class MappingInputError extends Error {
  readonly file?: string;
  readonly line?: number;
  readonly column?: number;
  constructor(
    /** machine-readable reason, e.g. `ndc_format`, `ndc_ambiguous`, `npi_check_digit` */
    readonly code: string,
    /** the field the value was in (`ndc11`, `NDCPACKAGECODE`, `dea_number`, ...) */
    readonly field: string,
    message: string,
    position: InputPosition = {},
  ) {
    super(message);
    this.name = 'MappingInputError';
    if (position.file !== undefined) this.file = position.file;
    if (position.line !== undefined) this.line = position.line;
    if (position.column !== undefined) this.column = position.column;
  }

  /** The same error placed in a file (line/column), keeping code, field and message. */
  at(position: InputPosition): MappingInputError {
    const copy = Object.create(Object.getPrototypeOf(this) as object) as MappingInputError;
    Object.assign(copy, this, position);
    Object.defineProperty(copy, 'message', { value: this.message, enumerable: false, writable: true });
    copy.stack = this.stack;
    return copy;
  }

  /** The shape an HTTP answer or an import report carries. */
  toIssue(): FieldProblem {
    return {
      field: this.field,
      code: this.code,
      message: this.message,
      ...(this.file !== undefined ? { file: this.file } : {}),
      ...(this.line !== undefined ? { line: this.line } : {}),
      ...(this.column !== undefined ? { column: this.column } : {}),
    };
  }
}

/** One problem with one field, optionally placed in a file. */
export interface FieldProblem {
  field: string;
  file?: string;
  code: string;
  message: string;
  line?: number;
  column?: number;
}

export class NdcFormatError extends MappingInputError {
  constructor(field: string, message: string, position?: InputPosition) {
    super('ndc_format', field, message, position);
    this.name = 'NdcFormatError';
  }
}

/** A 10-digit NDC written without hyphens fits three layouts; it is never padded by guesswork (DESIGN §7). */
export class AmbiguousNdcError extends MappingInputError {
  constructor(
    field: string,
    readonly digits: string,
    /** the NDC-11 each layout would give, and which of them the product table knows */
    readonly candidates: readonly { layout: string; ndc11: string; known?: boolean }[],
    position?: InputPosition,
  ) {
    const known = candidates.filter((c) => c.known);
    super(
      'ndc_ambiguous',
      field,
      known.length > 1
        ? `${digits} is a 10-digit NDC without hyphens and ${known.length} of its layouts are known drugs (${known.map((c) => `${c.layout} → ${c.ndc11}`).join(', ')}); write it with hyphens or as NDC-11`
        : `${digits} is a 10-digit NDC without hyphens: it could be ${candidates.map((c) => `${c.layout} → ${c.ndc11}`).join(', ')}; none is a known drug, so it cannot be resolved — write it with hyphens or as NDC-11`,
      position,
    );
    this.name = 'AmbiguousNdcError';
  }
}

export class GtinError extends MappingInputError {
  constructor(code: 'gtin_format' | 'gtin_check_digit' | 'gtin_not_ndc', field: string, message: string, position?: InputPosition) {
    super(code, field, message, position);
    this.name = 'GtinError';
  }
}

export class NpiError extends MappingInputError {
  constructor(code: 'npi_format' | 'npi_check_digit', field: string, message: string, position?: InputPosition) {
    super(code, field, message, position);
    this.name = 'NpiError';
  }
}

export class DeaNumberError extends MappingInputError {
  constructor(code: 'dea_number_format' | 'dea_number_check_digit', field: string, message: string, position?: InputPosition) {
    super(code, field, message, position);
    this.name = 'DeaNumberError';
  }
}

export class ScheduleError extends MappingInputError {
  constructor(field: string, message: string, position?: InputPosition) {
    super('schedule', field, message, position);
    this.name = 'ScheduleError';
  }
}

export class CsvError extends MappingInputError {
  constructor(code: 'csv_quote' | 'csv_header' | 'csv_columns' | 'encoding', field: string, message: string, position: InputPosition) {
    super(code, field, message, position);
    this.name = 'CsvError';
  }
}
