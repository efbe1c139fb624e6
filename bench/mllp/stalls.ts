/**
 * bench/mllp/stalls.ts: how long the two durable steps behind an ACK can stall on this machine when nothing else
 * runs — a PostgreSQL commit of a ledger-sized row and a JetStream PubAck — so that bench/mllp's paced p99 can be
 * read against it. floor.ts gives the typical time of each step; this gives the worst one over a stretch of time,
 * which is what a p99 over tens of thousands of messages meets.
 *
 *   npx tsx bench/mllp/stalls.ts [--seconds 60] [--interval-ms 2] [--bytes 1500]
 *
 * Both probes run side by side, each doing one step, waiting for it, pausing `interval-ms` and going again (about
 * 350 steps a second each at the default interval), in this one process. One JSON line per probe:
 * {"bench":"durable_stalls","step":"postgres_commit"|"jetstream_puback",steps,p50_ms,p99_ms,max_ms,over_20ms,over_100ms,
 *  worst:[{at,at_s,ms},…]}; `worst` lists the five longest steps and when they began (wall clock, and seconds into the
 * run), so that they can be set beside another benchmark's slow moments or a server's log. An event-loop stall of
 * this process would show in both probes at once; a stall in one of them only is that server's.
 */
import { parseArgs } from 'node:util';
import { openDurableSteps } from './durable-steps.ts';
import { percentile, round } from './stats.ts';

const { values: args } = parseArgs({
  options: {
    seconds: { type: 'string', default: '60' },
    'interval-ms': { type: 'string', default: '2' },
    bytes: { type: 'string', default: '1500' },
  },
});
const seconds = Number(args.seconds);
const intervalMs = Number(args['interval-ms']);
const bodyBytes = Number(args.bytes);

interface Step {
  at: number;
  ms: number;
}

async function probe(step: () => Promise<unknown>, started: number, deadline: number): Promise<Step[]> {
  const steps: Step[] = [];
  while (performance.now() < deadline) {
    const t = performance.now();
    await step();
    steps.push({ at: t - started, ms: performance.now() - t });
    await new Promise((r) => setTimeout(r, intervalMs));
  }
  return steps;
}

function summary(name: string, steps: Step[], startedAtMs: number): Record<string, unknown> {
  const sorted = Float64Array.from(steps, (s) => s.ms).sort();
  const worst = steps.slice().sort((a, b) => b.ms - a.ms).slice(0, 5);
  return {
    bench: 'durable_stalls',
    step: name,
    seconds,
    steps: steps.length,
    p50_ms: round(percentile(sorted, 50), 3),
    p99_ms: round(percentile(sorted, 99), 3),
    max_ms: round(sorted[sorted.length - 1] ?? 0, 1),
    over_20ms: steps.filter((s) => s.ms > 20).length,
    over_100ms: steps.filter((s) => s.ms > 100).length,
    worst: worst.map((s) => ({ at: new Date(startedAtMs + s.at).toISOString(), at_s: round(s.at / 1000, 2), ms: round(s.ms, 1) })),
  };
}

const durable = await openDurableSteps('stalls', bodyBytes);
try {
  for (let i = 0; i < 100; i++) await Promise.all([durable.commit(), durable.puback()]); // connections and statements warm
  const startedAtMs = Date.now();
  const started = performance.now();
  const deadline = started + seconds * 1000;
  const [commits, pubacks] = await Promise.all([probe(durable.commit, started, deadline), probe(durable.puback, started, deadline)]);
  for (const line of [summary('postgres_commit', commits, startedAtMs), summary('jetstream_puback', pubacks, startedAtMs)]) process.stdout.write(`${JSON.stringify(line)}\n`);
} finally {
  await durable.close();
}
