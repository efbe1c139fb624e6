/**
 * bench/mllp/tail.ts: where a case's slow answers came from, read from the traces `run.ts --trace DIR` leaves.
 *
 *   npx tsx bench/mllp/run.ts --messages 20000 --connections 8 --rate 1000 --senders net \
 *     --receivers rxgate --handler ./bench/mllp/pipeline-handler.ts --trace /tmp/mllp-trace
 *   npx tsx bench/mllp/tail.ts /tmp/mllp-trace/case-1.json [--over-ms 10]
 *
 * One JSON line per burst of slow answers (slower than --over-ms, by default the case's p99) with the receiver's
 * full-collection step that began just before it, if any, then a summary line: how many slow answers came in bursts
 * that began with a full collection.
 */
import { readFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { percentile } from './stats.ts';
import { slowEpisodes, type CaseTrace } from './trace.ts';

const { values, positionals } = parseArgs({ options: { 'over-ms': { type: 'string' } }, allowPositionals: true });
for (const file of positionals) {
  const trace = JSON.parse(await readFile(file, 'utf8')) as CaseTrace;
  const p99 = percentile(Float64Array.from(trace.latencies_ms).sort(), 99);
  const overMs = values['over-ms'] !== undefined ? Number(values['over-ms']) : p99;
  const episodes = slowEpisodes(trace, { overMs });
  for (const e of episodes) console.log(JSON.stringify({ file, ...e }));
  const slow = episodes.reduce((n, e) => n + e.answers, 0);
  const afterCollection = episodes.filter((e) => e.collection).reduce((n, e) => n + e.answers, 0);
  console.log(
    JSON.stringify({
      file,
      receiver: trace.receiver,
      p99_ms: p99,
      over_ms: overMs,
      slow_answers: slow,
      bursts: episodes.length,
      slow_answers_after_a_full_collection: afterCollection,
      mark_compacts: trace.full_collections.filter((c) => c.step === 'mark-compact').length,
    }),
  );
}
