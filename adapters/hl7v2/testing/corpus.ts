import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Test support: the conformance corpus copied into the repository (conformance/hl7v2, see its SOURCES.md). */
export const CORPUS_DIR = join(dirname(fileURLToPath(import.meta.url)), '../../../conformance/hl7v2');

/** Corpus message files: every name holds the `source__` prefix; SOURCES.md and licence files do not. */
export function corpusFiles(): string[] {
  return readdirSync(CORPUS_DIR)
    .filter((name) => name.includes('__'))
    .sort();
}

export function readCorpusBytes(name: string): Uint8Array {
  return new Uint8Array(readFileSync(join(CORPUS_DIR, name)));
}

/** The file as text the way the standard's reader sees it: BOM removed. All corpus files are ASCII otherwise. */
export function readCorpusText(name: string): string {
  const bytes = readCorpusBytes(name);
  const start = bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf ? 3 : 0;
  return Buffer.from(bytes.subarray(start)).toString('latin1');
}

/** Files whose content is a batch (FHS/BHS envelope). */
export const BATCH_FILES: ReadonlySet<string> = new Set([
  'rubyhl7__empty-batch.hl7',
  'rubyhl7__realm_realm-bad-batch.hl7',
  'rubyhl7__realm_realm-batch.hl7',
]);
