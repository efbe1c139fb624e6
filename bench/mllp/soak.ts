/**
 * bench/mllp soak: the gateway under a steady paced load for a long run, watching whether its memory or its answer
 * times drift. An integration engine runs for months; a cache without a bound or a map that forgets to forget shows
 * here as a live heap that keeps growing with the messages handled.
 *
 *   npx tsx bench/mllp/soak.ts [--minutes 10] [--rate 500] [--connections 8] [--sender net|node-hl7-client]
 *                              [--sample-s 60] [--handler ./bench/mllp/pipeline-handler.ts] [--warmup 5000] [--seed 1]
 *
 * The receiver runs with --expose-gc: every `--sample-s` it is asked for its memory after a full collection (the
 * live heap; the collection itself pauses its answers for tens of milliseconds once a sample). One JSON line per
 * sample (the live heap, V8's whole heap, and the resident sizes of the gateway and of the nats-server it started),
 * then a summary line: throughput and latency over the run and per minute, the live heap and resident
 * sizes at the start and the end, and the live heap's growth per 100,000 messages (least squares) over the whole run
 * and over its second half, when the gateway's bounded caches (the PHI vault's memory of what it wrote holds 50,000
 * patients) have filled.
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { processes } from './cpu.ts';
import { generateTemplates } from './messages.ts';
import { startReceiver, type ReceiverMemory } from './run.ts';
import { runSender, type SenderKind } from './senders.ts';
import { percentile, percentilesByWindow, round, slope } from './stats.ts';

const MB = 1024 * 1024;

interface Sample {
  bench: 'mllp-soak';
  sample: number;
  elapsed_s: number;
  /** messages due by now at the paced rate (all of them once the run is over) */
  messages: number;
  heap_live_mb: number;
  heap_total_mb: number;
  rss_mb: number;
  nats_server_rss_mb?: number;
}

/** Resident size of a process in bytes (Linux /proc), or undefined when it is gone. */
function residentBytes(pid: number): number | undefined {
  try {
    const kb = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
    return kb === undefined ? undefined : Number(kb) * 1024;
  } catch {
    return undefined;
  }
}

function sampleLine(n: number, elapsedS: number, messages: number, memory: ReceiverMemory, receiverPid: number): Sample {
  const nats = processes().find((p) => p.comm === 'nats-server' && p.ppid === receiverPid);
  const natsRss = nats ? residentBytes(nats.pid) : undefined;
  return {
    bench: 'mllp-soak',
    sample: n,
    elapsed_s: round(elapsedS, 1),
    messages,
    heap_live_mb: round(memory.heap_used / MB, 1),
    heap_total_mb: round(memory.heap_total / MB, 1),
    rss_mb: round(memory.rss / MB, 1),
    ...(natsRss !== undefined ? { nats_server_rss_mb: round(natsRss / MB, 1) } : {}),
  };
}

async function main() {
  const { values } = parseArgs({
    options: {
      minutes: { type: 'string', default: '10' },
      rate: { type: 'string', default: '500' },
      connections: { type: 'string', default: '8' },
      sender: { type: 'string', default: 'net' },
      'sample-s': { type: 'string', default: '60' },
      handler: { type: 'string', default: './bench/mllp/pipeline-handler.ts' },
      warmup: { type: 'string', default: '5000' },
      seed: { type: 'string', default: '1' },
    },
  });
  const rate = Number(values.rate);
  const minutes = Number(values.minutes);
  const connections = Number(values.connections);
  const sampleMs = Number(values['sample-s']) * 1000;
  const sender = values.sender as SenderKind;
  const total = Math.round(rate * minutes * 60);
  const templates = generateTemplates({ count: 512, minBytes: 1024, maxBytes: 8192, seed: Number(values.seed) });

  const receiver = await startReceiver('rxgate', values.handler, ['--expose-gc']);
  const pid = receiver.child.pid!;
  const samples: Sample[] = [];
  const print = (line: object) => process.stdout.write(`${JSON.stringify(line)}\n`);
  try {
    const memory = await receiver.memory();
    if (!memory.after_full_collection) throw new Error('the receiver cannot be made to collect (no --expose-gc): its heap would not be the live heap');
    await runSender(sender, { port: receiver.port, connections, messages: Number(values.warmup), templates, idPrefix: 'SOAKW', ackTimeoutMs: 10_000 });

    const started = performance.now();
    const take = async (messages: number) => {
      const line = sampleLine(samples.length, (performance.now() - started) / 1000, messages, await receiver.memory(), pid);
      samples.push(line);
      print(line);
    };
    await take(0);
    let finished = false;
    const run = runSender(sender, { port: receiver.port, connections, messages: total, templates, idPrefix: 'SOAK', ackTimeoutMs: 10_000, ratePerS: rate }).finally(
      () => (finished = true),
    );
    while (!finished) {
      await Promise.race([run.catch(() => undefined), new Promise((r) => setTimeout(r, sampleMs))]);
      if (!finished) await take(Math.min(total, Math.floor(((performance.now() - started) / 1000) * rate)));
    }
    const result = await run;
    await take(total);

    const sorted = result.latenciesMs.slice().sort();
    const points = samples.map((s) => ({ x: s.messages, y: s.heap_live_mb }));
    const secondHalf = points.slice(Math.floor(points.length / 2));
    const per100k = (p: { x: number; y: number }[]) => round(slope(p) * 100_000, 2);
    print({
      bench: 'mllp-soak',
      summary: true,
      sender,
      connections,
      target_msgs_per_s: rate,
      minutes,
      messages: total,
      msgs_per_s: Math.round(total / (result.elapsedMs / 1000)),
      p50_ms: round(percentile(sorted, 50)),
      p99_ms: round(percentile(sorted, 99)),
      p99_ms_by_minute: percentilesByWindow(result.latencyStartsMs, result.latenciesMs, 60_000).map((w) => w.p99_ms),
      heap_live_mb: { first: samples[0]!.heap_live_mb, last: samples.at(-1)!.heap_live_mb, max: Math.max(...samples.map((s) => s.heap_live_mb)) },
      heap_live_mb_per_100k_msgs: { whole_run: per100k(points), second_half: per100k(secondHalf) },
      rss_mb: { first: samples[0]!.rss_mb, last: samples.at(-1)!.rss_mb, max: Math.max(...samples.map((s) => s.rss_mb)) },
    });
  } finally {
    receiver.child.kill('SIGTERM');
  }
}

await main();
