import { MappingInputError } from './errors.ts';

/**
 * Tab-separated files as the FDA publishes the NDC Directory (product.txt, package.txt): a header line, one record
 * per line, fields separated by TAB, no quoting. Lines are decoded one by one as strict UTF-8, so a line with an
 * invalid byte is reported (line and byte column) and the other lines are still read. CRLF and LF line ends both
 * work.
 */

export interface TabRecord {
  /** 1-based line number in the file */
  line: number;
  fields: string[];
}

export interface TabFile {
  name: string;
  header: string[];
  records: TabRecord[];
  errors: MappingInputError[];
}

const decoder = new TextDecoder('utf-8', { fatal: true });

export function parseTabFile(bytes: Uint8Array, name: string): TabFile {
  const records: TabRecord[] = [];
  const errors: MappingInputError[] = [];
  let header: string[] | undefined;
  let start = bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf ? 3 : 0;
  let line = 0;
  while (start < bytes.length) {
    line++;
    let end = bytes.indexOf(0x0a, start);
    if (end < 0) end = bytes.length;
    const next = end + 1;
    const stop = end > start && bytes[end - 1] === 0x0d ? end - 1 : end;
    const slice = bytes.subarray(start, stop);
    start = next;
    let text: string;
    try {
      text = decoder.decode(slice);
    } catch {
      const at = firstInvalidUtf8(slice);
      errors.push(
        new MappingInputError('encoding', '(line)', `line ${line} is not valid UTF-8: byte 0x${slice[at]!.toString(16).padStart(2, '0')} at byte ${at + 1} of the line; the line was skipped`, {
          file: name,
          line,
          column: at + 1,
        }),
      );
      if (!header) return { name, header: [], records, errors };
      continue;
    }
    if (text.trim().length === 0) continue;
    const fields = text.split('\t');
    if (!header) {
      header = fields.map((f) => f.trim());
      continue;
    }
    if (fields.length !== header.length) {
      errors.push(
        new MappingInputError('columns', '(line)', `line ${line} has ${fields.length} fields; the header has ${header.length}`, { file: name, line, column: Math.min(fields.length, header.length) + 1 }),
      );
      continue;
    }
    records.push({ line, fields });
  }
  if (!header) errors.push(new MappingInputError('columns', '(header)', `${name} is empty: a header line is expected`, { file: name, line: 1 }));
  return { name, header: header ?? [], records, errors };
}

/** Index of the first byte that does not belong to a well-formed UTF-8 sequence. */
export function firstInvalidUtf8(bytes: Uint8Array): number {
  let i = 0;
  while (i < bytes.length) {
    const b = bytes[i]!;
    let need: number;
    let min: number;
    if (b < 0x80) {
      i++;
      continue;
    } else if (b >= 0xc2 && b <= 0xdf) {
      need = 1;
      min = 0x80;
    } else if (b >= 0xe0 && b <= 0xef) {
      need = 2;
      min = 0x800;
    } else if (b >= 0xf0 && b <= 0xf4) {
      need = 3;
      min = 0x10000;
    } else {
      return i;
    }
    if (i + need >= bytes.length) return i;
    let cp = b & (0x3f >> need);
    for (let k = 1; k <= need; k++) {
      const c = bytes[i + k]!;
      if ((c & 0xc0) !== 0x80) return i;
      cp = (cp << 6) | (c & 0x3f);
    }
    if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return i;
    i += need + 1;
  }
  return bytes.length;
}

/** Column index by header name; -1 when absent. */
export function columnIndex(file: TabFile, name: string): number {
  return file.header.indexOf(name);
}
