import { CsvError } from './errors.ts';

/**
 * CSV as RFC 4180 writes it: comma-separated, fields with commas, quotes or line breaks in double quotes, a quote
 * inside doubled. A record may span lines inside quotes; `line` is the line it starts on. Errors are reported per
 * record with line and column (the 1-based field number) and parsing goes on with the next line, so one bad row
 * does not hide the others. A UTF-8 byte order mark is skipped. Empty lines are ignored.
 */

export interface CsvRecord {
  /** 1-based line the record starts on */
  line: number;
  fields: string[];
}

export function parseCsv(text: string): { records: CsvRecord[]; errors: CsvError[] } {
  const records: CsvRecord[] = [];
  const errors: CsvError[] = [];
  let i = text.charCodeAt(0) === 0xfeff ? 1 : 0;
  let line = 1;
  const n = text.length;

  const skipToNextLine = () => {
    while (i < n && text[i] !== '\n' && text[i] !== '\r') i++;
    if (text[i] === '\r' && text[i + 1] === '\n') i++;
    if (i < n) {
      i++;
      line++;
    }
  };

  while (i < n) {
    const startLine = line;
    // An empty line (nothing before its break) is not a record.
    if (text[i] === '\n' || text[i] === '\r') {
      skipToNextLine();
      continue;
    }
    const fields: string[] = [];
    let failed = false;
    for (;;) {
      let value = '';
      if (text[i] === '"') {
        const quoteLine = line;
        i++;
        let closed = false;
        while (i < n) {
          const ch = text[i]!;
          if (ch === '"') {
            if (text[i + 1] === '"') {
              value += '"';
              i += 2;
              continue;
            }
            i++;
            closed = true;
            break;
          }
          if (ch === '\n' || (ch === '\r' && text[i + 1] !== '\n')) line++;
          value += ch;
          i++;
        }
        if (!closed) {
          errors.push(new CsvError('csv_quote', `column ${fields.length + 1}`, `the quoted field starting on line ${quoteLine} is never closed`, { line: startLine, column: fields.length + 1 }));
          failed = true;
          break;
        }
        if (i < n && text[i] !== ',' && text[i] !== '\n' && text[i] !== '\r') {
          errors.push(new CsvError('csv_quote', `column ${fields.length + 1}`, `text after the closing quote of field ${fields.length + 1}; quote the whole field and double the quotes inside`, { line: startLine, column: fields.length + 1 }));
          failed = true;
          break;
        }
      } else {
        const start = i;
        while (i < n && text[i] !== ',' && text[i] !== '\n' && text[i] !== '\r') i++;
        value = text.slice(start, i);
        if (value.includes('"')) {
          errors.push(new CsvError('csv_quote', `column ${fields.length + 1}`, `a quote inside an unquoted field ${fields.length + 1}; quote the field and double the quote`, { line: startLine, column: fields.length + 1 }));
          failed = true;
          break;
        }
      }
      fields.push(value);
      if (i < n && text[i] === ',') {
        i++;
        continue;
      }
      break;
    }
    if (failed) {
      skipToNextLine();
      continue;
    }
    records.push({ line: startLine, fields });
    // at a line break or the end
    if (text[i] === '\r' && text[i + 1] === '\n') i++;
    if (i < n) {
      i++;
      line++;
    }
  }
  return { records, errors };
}

export type CsvValue = string | number | boolean | null | undefined;

/** One CSV field: quoted when it holds a comma, a quote, a line break, or leading/trailing spaces. */
export function csvField(value: CsvValue): string {
  if (value === null || value === undefined) return '';
  const text = String(value);
  return /[",\r\n]|^\s|\s$/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/** A CSV document with a header line, CRLF line ends (RFC 4180). */
export function toCsv(header: readonly string[], rows: Iterable<readonly CsvValue[]>): string {
  const out: string[] = [header.map(csvField).join(',')];
  for (const row of rows) out.push(row.map(csvField).join(','));
  return `${out.join('\r\n')}\r\n`;
}
