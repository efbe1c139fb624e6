import { describe, expect, it } from 'vitest';
import { buildAck, buildRejectForUnparseable } from './ack.ts';
import { readAck } from './ack-read.ts';
import { encodeText, resolveCharset } from './charset.ts';
import { Hl7Error, Hl7ParseError } from './errors.ts';
import { editMessage, type Hl7Message } from './message.ts';
import { parseBatch, parseMessage, peekHeader } from './parse.ts';
import { corpusFiles, readCorpusBytes } from './testing/corpus.ts';
import { MUTATION_NAMES, MUTATIONS } from './testing/mutations.ts';
import { createPrng } from './testing/prng.ts';
import { findMissingValues } from './validate.ts';

/**
 * Fuzz: corpus messages (and a few hand-written ones) damaged at random, plus random frames, through the parser,
 * the batch parser, peekHeader and the ACK builders. Properties:
 * - parseMessage/parseBatch either return or throw Hl7ParseError — nothing else — and the error has a location
 *   (a position inside the input, a 1-based segment index when it names one);
 * - peekHeader, buildAck, buildRejectForUnparseable, findMissingValues and readAck (an EHR's answer to the
 *   outbound client) never throw;
 * - every ACK we build parses with our own parser, quotes MSA-1 as asked, holds no control character other than
 *   the segment terminators, and can be encoded in the charset it declares;
 * - a parsed message serialises back to the text it came from, and its rebuilt form parses to the same segments;
 * - no case takes longer than the per-case budget (a hang would show as a budget overrun or a test timeout); a case
 *   over budget is timed again alone, so that a stall of the shared machine is counted (`stalls`), not failed.
 *
 * FUZZ_ITERATIONS (default 100000) and FUZZ_SEED (default 20240115) replay or widen a run.
 */
const ITERATIONS = Number(process.env['FUZZ_ITERATIONS'] ?? 100_000);
const SEED = Number(process.env['FUZZ_SEED'] ?? 20_240_115);
const CASE_BUDGET_MS = 250;

const HAND_WRITTEN = [
  'MSH#$*@!#APP$X#FAC#RX#PH#20240101##RDS$O13$RDS_O13#C42#T#2.6\rPID#1##A1$$$H$MR*B2$$$H$PI##DOE$JANE@S@ANN$""\rRXD#1#00071-0155-23$Lipitor@T@tabs$NDC#20240102#30#TAB\r',
  'MSH|^~\\&#|A|B|C|D|20240101||ADT^A08|9|P|2.7|||AL|SU\rPID|1||||SMITH#^ANN\rNTE|1||Suite \\P\\5 \\X0D0A\\ \\.br\\ \\H\\x\\N\\\r',
  // acknowledgements, as EHRs answer the outbound client: ERR-2/ERR-3 (v2.5) and ERR-1 (before)
  'MSH|^~\\&|EHR|HOSP|RXGATE|PHARM|20240101||ACK^O13^ACK|A1|P|2.5\rMSA|AE|C42|bad\rERR||PID^1^3|204^Unknown key identifier^HL70357|E\r',
  'MSH|^~\\&|EHR|HOSP|RXGATE|PHARM|20240101||ACK|A2|P|2.3\rMSA|AR|C43\rERR|PID^1^3^204&Unknown key&HL70357~RXD^1^2^103\r',
  'FHS|^~\\&|A|B\rBHS|^~\\&|A|B\rMSH|^~\\&|A|B|C|D|1||ORU^R01|M1|P|2.5.1\rOBX|1|NM|1^X^LN||5\rBTS|1\rFTS|1\r',
];

function seeds(): Uint8Array[] {
  const list = corpusFiles().map(readCorpusBytes);
  list.push(...HAND_WRITTEN.map((text) => new Uint8Array(Buffer.from(text, 'utf8'))));
  list.push(new Uint8Array(Buffer.from('MSH|^~\\&|A|B|C|D|1||ADT^A01|L1|P|2.5||||||8859/1\rPID|1||||REN\xc9\r', 'latin1')));
  // The double-byte sets, with second bytes equal to delimiters (Big5 0xA4 0x7C, 0xB3 0x5C), and an ISO 8859 part.
  const bytes = (...parts: (string | number[])[]) => new Uint8Array(Buffer.concat(parts.map((p) => (typeof p === 'string' ? Buffer.from(p, 'latin1') : Buffer.from(p)))));
  list.push(bytes('MSH|^~\\&|A', [0xa4, 0x7c], '|B|C|D|1||ADT^A08|B1|P|2.5||||||BIG-5\rPID|1||||', [0xb3, 0x5c], '^\\XA47C\\\r'));
  list.push(bytes('MSH|^~\\&|A|B|C|D|1||ADT^A08|G1|P|2.5||||||GB 18030-2000\rPID|1||||', [0xd6, 0xd0, 0xb0, 0x7c, 0x84, 0x31, 0xa4, 0x37], '\r'));
  list.push(bytes('MSH|^~\\&|A|B|C|D|1||ADT^A08|E1|P|2.5||||||8859/7\rPID|1||||', [0xc1, 0xe8, 0xde, 0xed, 0xe1], '\r'));
  return list;
}

const CONTROL_EXCEPT_TERMINATOR = /[\x00-\x08\x0a-\x0c\x0e-\x1f]/;

function checkError(error: unknown, inputLength: number, what: string): void {
  if (!(error instanceof Hl7ParseError)) throw new Error(`${what} threw ${String(error)} — only Hl7ParseError is allowed`);
  const { position, segmentIndex } = error.location;
  if (!Number.isInteger(position) || position < 0 || position > inputLength) {
    throw new Error(`${what}: error position ${position} outside the input (${inputLength}): ${error.message}`);
  }
  if (segmentIndex !== undefined && !(Number.isInteger(segmentIndex) && segmentIndex >= 1)) {
    throw new Error(`${what}: segment index ${segmentIndex}: ${error.message}`);
  }
}

function checkAck(ack: Hl7Message, code: string, what: string): void {
  const text = ack.toString();
  if (CONTROL_EXCEPT_TERMINATOR.test(text)) throw new Error(`${what}: control character in ACK`);
  const reread = parseMessage(text);
  if (reread.segment('MSA')?.get(1) !== code) throw new Error(`${what}: MSA-1 is not ${code}`);
  if (resolveCharset(ack.charset) !== undefined) encodeText(text, ack.charset);
}

function checkMessage(message: Hl7Message, what: string): void {
  const text = message.toString();
  const again = parseMessage(text);
  if (again.toString() !== text) throw new Error(`${what}: toString does not round-trip`);
  const rebuilt = parseMessage(editMessage(message).toString());
  if (rebuilt.segments.length !== message.segments.length || rebuilt.segments.some((segment, i) => segment.raw !== message.segments[i]!.raw)) {
    throw new Error(`${what}: rebuilt message reads differently`);
  }
  findMissingValues(message);
  checkAck(buildAck(message, { code: 'AE', controlId: 'F1', timestamp: '20240101', text: 'fuzz', issues: [{ code: 207 }] }), 'AE', what);
}

/** Time of the parsers alone on one input (errors expected and ignored). */
function timeParsers(subject: Uint8Array | string): number {
  const started = performance.now();
  peekHeader(subject);
  for (const parse of [parseMessage, parseBatch]) {
    try {
      parse(subject);
    } catch {
      // checked in the main loop
    }
  }
  return performance.now() - started;
}

describe('fuzz', () => {
  it(`survives ${ITERATIONS} damaged inputs (seed ${SEED})`, { timeout: 600_000 }, () => {
    const prng = createPrng(SEED);
    const pool = seeds();
    const stats = { parsed: 0, rejected: 0, batches: 0, batchErrors: 0, slowest: 0, stalls: 0 };
    const started = performance.now();
    for (let i = 0; i < ITERATIONS; i++) {
      let input = prng.pick(pool);
      const rounds = 1 + prng.int(4);
      const applied: string[] = [];
      for (let r = 0; r < rounds; r++) {
        const name = prng.pick(MUTATION_NAMES);
        applied.push(name);
        input = MUTATIONS[name]!(input, prng);
      }
      const what = `case ${i} (seed ${SEED}; ${applied.join(', ')})`;
      const asText = prng.next() < 0.15;
      const subject: Uint8Array | string = asText ? Buffer.from(input).toString('latin1') : input;
      const caseStart = performance.now();

      peekHeader(subject);
      readAck(input);
      try {
        const message = parseMessage(subject);
        stats.parsed++;
        checkMessage(message, what);
      } catch (error) {
        if (error instanceof Hl7Error && !(error instanceof Hl7ParseError)) throw error;
        if (!(error instanceof Hl7ParseError)) throw new Error(`${what}: ${String((error as Error)?.stack ?? error)}`);
        checkError(error, subject.length, `${what} parseMessage`);
        stats.rejected++;
        const reject = buildRejectForUnparseable(subject, error, { controlId: 'R1', timestamp: '20240101' });
        checkAck(reject, reject.segment('MSA')!.get(1), what);
      }
      try {
        const batch = parseBatch(subject);
        stats.batches++;
        if (batch.toString().length > subject.length) throw new Error(`${what}: batch text longer than input`);
      } catch (error) {
        checkError(error, subject.length, `${what} parseBatch`);
        stats.batchErrors++;
      }

      const elapsed = performance.now() - caseStart;
      if (elapsed > CASE_BUDGET_MS) {
        // A shared machine can stall any process for a moment; a case that is slow again on its own is a real one.
        const retimed = timeParsers(subject);
        if (retimed > CASE_BUDGET_MS) throw new Error(`${what}: took ${retimed.toFixed(1)} ms twice (budget ${CASE_BUDGET_MS} ms)`);
        stats.stalls++;
      } else {
        stats.slowest = Math.max(stats.slowest, elapsed);
      }
    }
    const seconds = (performance.now() - started) / 1000;
    console.log(
      JSON.stringify({
        fuzz: 'hl7v2',
        iterations: ITERATIONS,
        seed: SEED,
        seconds: Number(seconds.toFixed(2)),
        inputs_per_s: Math.round(ITERATIONS / seconds),
        ...stats,
        slowest: Number(stats.slowest.toFixed(2)),
      }),
    );
    expect(stats.parsed).toBeGreaterThan(ITERATIONS / 20);
    expect(stats.rejected).toBeGreaterThan(ITERATIONS / 20);
  });
});
