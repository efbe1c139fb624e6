import { describe, expect, it } from 'vitest';
import { editMessage, type Hl7Message } from './message.ts';
import { parseBatch, parseMessage } from './parse.ts';
import { BATCH_FILES, corpusFiles, readCorpusBytes } from './testing/corpus.ts';
import { leavesOf, type Leaf } from './testing/leaves.ts';
import { hl7ClientLeaves, leafKey, medplumLeaves, type LeafMap } from './testing/oracles.ts';

/**
 * Cross-check against two independent parsers: for every corpus message, every non-empty leaf must read the same
 * in ours, in node-hl7-client 3.2 (decoded values) and in @medplum/core 4.5 (raw values: it does not decode
 * escapes), and neither may see a leaf we do not.
 *
 * Known, documented differences, left out of the comparison:
 * - MSH-1: neither oracle lists the field separator as a leaf.
 * - Messages whose MSH-2 leaves out a character (realm-batch's second message, realm-minimal, realm-lead: "^~&"):
 *   both oracles read MSH-2 positionally and take '&' for the escape character; we keep the recommended roles.
 * - node-hl7-client keeps formatting escapes such as \.br\ as they are (we turn \.br\ into a line break), and it
 *   trims white space at the end of every segment (we keep the data as sent), so a segment's last leaf is
 *   compared with its trailing white space removed.
 * The oracles are given each message as our serialiser writes it (CR after every segment): how they split LF
 * and mixed terminators is their own business, tested separately in parse and corpus tests.
 */

const FORMATTING_ESCAPE = /\\\.[a-z]/;

function messagesOf(name: string): Hl7Message[] {
  const bytes = readCorpusBytes(name);
  try {
    return BATCH_FILES.has(name) ? [...parseBatch(bytes).messages] : [parseMessage(bytes)];
  } catch {
    return []; // the known-bad files: corpus.test.ts checks their errors
  }
}

function keyed(leaves: readonly Leaf[]): Map<string, Leaf> {
  return new Map(leaves.map((leaf) => [leafKey(leaf.segmentIndex, leaf.segment, leaf.field, leaf.repetition, leaf.component, leaf.subcomponent), leaf]));
}

function lastLeafKeys(leaves: readonly Leaf[]): Set<string> {
  const last = new Map<number, Leaf>();
  for (const leaf of leaves) last.set(leaf.segmentIndex, leaf);
  return new Set([...last.values()].map((leaf) => leafKey(leaf.segmentIndex, leaf.segment, leaf.field, leaf.repetition, leaf.component, leaf.subcomponent)));
}

interface Comparison {
  compared: number;
  mismatches: string[];
}

function compare(ours: Map<string, Leaf>, theirs: LeafMap, pick: (leaf: Leaf, key: string) => string | undefined): Comparison {
  const mismatches: string[] = [];
  let compared = 0;
  for (const [key, leaf] of ours) {
    if (leaf.segment === 'MSH' && leaf.field === 1) continue;
    const expected = pick(leaf, key);
    if (expected === undefined) continue;
    compared++;
    if (theirs.get(key) !== expected) mismatches.push(`${key}: ours ${JSON.stringify(expected)}, theirs ${JSON.stringify(theirs.get(key))}`);
  }
  for (const key of theirs.keys()) if (!ours.has(key)) mismatches.push(`${key}: only theirs`);
  return { compared, mismatches };
}

const cases = corpusFiles().flatMap((name) =>
  messagesOf(name)
    .filter((message) => message.msh.rawField(2).length >= 4)
    .map((message, index) => ({ name: `${name}#${index + 1}`, message })),
);

describe('oracles: node-hl7-client 3.2 and @medplum/core 4.5 read the corpus as we do', () => {
  let total = 0;
  const compared = { client: 0, medplum: 0 };

  it.each(cases)('$name', ({ message }) => {
    const text = editMessage(message).toString();
    const leaves = leavesOf(message);
    const ours = keyed(leaves);
    const trailing = lastLeafKeys(leaves);

    const client = compare(ours, hl7ClientLeaves(text), (leaf, key) => {
      if (FORMATTING_ESCAPE.test(leaf.raw)) return undefined;
      if (trailing.has(key)) return leaf.value.replace(/\s+$/, '') || undefined;
      return leaf.value;
    });
    expect(client.mismatches).toEqual([]);

    const medplum = compare(ours, medplumLeaves(text), (leaf) => leaf.raw);
    expect(medplum.mismatches).toEqual([]);
    total += client.compared + medplum.compared;
    compared.client += client.compared;
    compared.medplum += medplum.compared;
  });

  it('compared a meaningful number of values', () => {
    expect(cases.length).toBeGreaterThanOrEqual(50);
    expect(total).toBeGreaterThan(10_000);
    console.log(JSON.stringify({ oracle_messages: cases.length, leaves_compared: compared }));
  });
});
