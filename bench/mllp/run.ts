/**
 * bench/mllp: HL7 v2 over MLLP, each sender waiting for its ACK (original mode).
 *
 *   npx tsx bench/mllp/run.ts [--messages 50000] [--connections 1,8] [--senders node-hl7-client,net]
 *                             [--receivers node-hl7-server,rxgate] [--handler ./module.ts]
 *                             [--min-bytes 1024] [--max-bytes 8192] [--warmup 5000] [--seed 1] [--rate 0]
 *                             [--trace DIR]
 *
 * Senders: node-hl7-client 3.2.0 and a plain node:net sender. Receivers, each in its own process:
 * node-hl7-server 2.4.0 (the peer baseline: parse and AA, no durability) and our listener with a pluggable handler
 * (default: the transport-only handler, labelled 'rxgate-transport-only'). Messages: RDE^O11/RDS^O13 of 1–8 KB.
 * One JSON line per case on stdout; a line of ours carries `ratio_to_peer` (its msgs/s over the peer's, same
 * sender, same connections, same messages, same run). With `--rate R` the senders are paced at R messages/s over
 * all connections and latencies run from when each message was due (the lines then carry `target_msgs_per_s`).
 *
 * With `--trace DIR` every case also leaves DIR/case-<n>.json: each message's latency and when it began, and the
 * receiver's full garbage collections with when they began, for `tail.ts` to set the slow answers beside them.
 *
 * `runMllpBench(options)` does the same from code, so that the gateway pipeline can be measured by passing its
 * handler module (see handler-module.ts).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { generateTemplates } from './messages.ts';
import { NODE_HL7_SERVER_LABEL } from './receiver-label.ts';
import { runSender, type SenderKind } from './senders.ts';
import { percentile, round, stageMeansMs, type StageTotals } from './stats.ts';
import { cpuAccountingAvailable, cpuMsPerMessage, cpuSnapshot } from './cpu.ts';
import { gcBetween, type FullCollectionStep, type GcTotals } from './gc-totals.ts';
import type { CaseTrace } from './trace.ts';

export type ReceiverKind = 'node-hl7-server' | 'rxgate';

export interface MllpBenchOptions {
  messages: number;
  connections: number[];
  senders: SenderKind[];
  receivers: ReceiverKind[];
  /** handler module for the rxgate receiver (default: the transport-only handler) */
  handlerModule?: string | undefined;
  minBytes: number;
  maxBytes: number;
  /**
   * messages sent before each measured case, not counted. A receiver's first few thousand messages are slower while
   * V8 is still optimising the hot code (on a background thread, on the same shared cores): with 1,000 the first
   * second of a paced case was still affected, with 5,000 it rarely is.
   */
  warmup: number;
  seed: number;
  ackTimeoutMs: number;
  /** paced mode: messages/s over all connections (0 or unset: as fast as the ACKs come back) */
  ratePerS?: number | undefined;
  /** a folder to leave each case's trace in (case-<n>.json, read by tail.ts) */
  traceDir?: string | undefined;
  /** called with each result line as it is measured */
  onResult?: ((result: MllpBenchResult) => void) | undefined;
}

export interface MllpBenchResult {
  bench: 'mllp';
  sender: string;
  receiver: string;
  connections: number;
  messages: number;
  msgs_per_s: number;
  p50_ms: number;
  p99_ms: number;
  avg_bytes: number;
  ratio_to_peer?: number;
  target_msgs_per_s?: number;
  /** the receiver's mean time per stage in this case, where it keeps stage totals (the gateway pipeline does) */
  stage_ms?: Record<string, number>;
  /** the receiver's garbage collections during the case: counts and main-thread pause in total (gc-totals.ts) */
  gc?: GcTotals;
  /** CPU per message by process over the case (Linux): what bounds the rate on shared cores (cpu.ts) */
  cpu_ms_per_msg?: Record<string, number>;
  error?: string;
}

const SENDER_LABELS: Record<SenderKind, string> = { 'node-hl7-client': 'node-hl7-client-3.2.0', net: 'node:net' };

export async function runMllpBench(options: MllpBenchOptions): Promise<MllpBenchResult[]> {
  const templates = generateTemplates({ count: 512, minBytes: options.minBytes, maxBytes: options.maxBytes, seed: options.seed });
  // the peer first, so that each of our lines can carry its ratio
  const receiverOrder = [...options.receivers].sort((a, b) => (a === 'node-hl7-server' ? -1 : b === 'node-hl7-server' ? 1 : 0));
  const receivers = new Map<ReceiverKind, Receiver>();
  const results: MllpBenchResult[] = [];
  const measureCpu = cpuAccountingAvailable();
  try {
    for (const kind of receiverOrder) receivers.set(kind, await startReceiver(kind, options.handlerModule));
    let caseNumber = 0;
    for (const sender of options.senders) {
      for (const connections of options.connections) {
        let peerRate: number | undefined;
        for (const kind of receiverOrder) {
          const receiver = receivers.get(kind)!;
          caseNumber += 1;
          const base = {
            bench: 'mllp' as const,
            sender: SENDER_LABELS[sender],
            receiver: receiver.label,
            connections,
            messages: options.messages,
            ...(options.ratePerS ? { target_msgs_per_s: options.ratePerS } : {}),
          };
          let result: MllpBenchResult;
          try {
            if (options.warmup > 0) {
              await runSender(sender, { port: receiver.port, connections, messages: options.warmup, templates, idPrefix: `W${caseNumber}`, ackTimeoutMs: options.ackTimeoutMs });
            }
            const before = await receiver.totals();
            const cpuBefore = measureCpu ? cpuSnapshot(receiver.child.pid!) : undefined;
            const run = await runSender(sender, {
              port: receiver.port,
              connections,
              messages: options.messages,
              templates,
              idPrefix: `B${caseNumber}`,
              ackTimeoutMs: options.ackTimeoutMs,
              ratePerS: options.ratePerS,
            });
            const cpuAfter = cpuBefore && cpuSnapshot(receiver.child.pid!);
            const sorted = run.latenciesMs.slice().sort();
            const rate = options.messages / (run.elapsedMs / 1000);
            result = {
              ...base,
              msgs_per_s: Math.round(rate),
              p50_ms: round(percentile(sorted, 50)),
              p99_ms: round(percentile(sorted, 99)),
              avg_bytes: Math.round(run.payloadBytes / options.messages),
            };
            const after = await receiver.totals();
            if (before.stages && after.stages) result.stage_ms = stageMeansMs(before.stages, after.stages);
            result.gc = gcBetween(before.gc, after.gc);
            if (options.traceDir) {
              const trace: CaseTrace = {
                ...base,
                started_at_ms: run.startedAtMs,
                latency_starts_ms: Array.from(run.latencyStartsMs, (x) => round(x, 3)),
                latencies_ms: Array.from(run.latenciesMs, (x) => round(x, 3)),
                full_collections: (await receiver.fullCollectionsSince(run.startedAtMs)).filter((c) => c.at_ms <= run.startedAtMs + run.elapsedMs),
              };
              await mkdir(options.traceDir, { recursive: true });
              await writeFile(join(options.traceDir, `case-${caseNumber}.json`), JSON.stringify(trace));
            }
            if (cpuBefore && cpuAfter) result.cpu_ms_per_msg = cpuMsPerMessage(cpuBefore, cpuAfter, options.messages);
            if (kind === 'node-hl7-server') peerRate = rate;
            // paced, both reach the target: the ratio would say nothing
            else if (peerRate !== undefined && !options.ratePerS) result.ratio_to_peer = round(rate / peerRate);
          } catch (err) {
            result = { ...base, msgs_per_s: 0, p50_ms: 0, p99_ms: 0, avg_bytes: 0, error: err instanceof Error ? err.message : String(err) };
          }
          results.push(result);
          options.onResult?.(result);
        }
      }
    }
  } finally {
    for (const { child } of receivers.values()) child.kill('SIGTERM');
  }
  return results;
}

export interface ReceiverMemory {
  /** true: measured after a forced full collection (the receiver has --expose-gc), so heap_used is the live heap */
  after_full_collection: boolean;
  rss: number;
  heap_used: number;
  /** what V8 holds for its heap, used or not: the resident size follows this rather than heap_used */
  heap_total: number;
  external: number;
  array_buffers: number;
}

export interface Receiver {
  port: number;
  label: string;
  child: ChildProcess;
  /** the receiver's stage totals now (null when it keeps none) and its collections so far (receiver.ts answers the line `stages`) */
  totals(): Promise<{ stages: StageTotals | null; gc: GcTotals }>;
  /** the receiver's full-collection steps since an epoch ms (the line `collections <ms>`) */
  fullCollectionsSince(sinceMs: number): Promise<FullCollectionStep[]>;
  /** the receiver's memory now (the line `memory`) */
  memory(): Promise<ReceiverMemory>;
}

/** `extraNodeArgs`: node options for the receiver on top of BENCH_RECEIVER_NODE_ARGS (soak.ts adds --expose-gc). */
export async function startReceiver(kind: ReceiverKind, handlerModule: string | undefined, extraNodeArgs: string[] = []): Promise<Receiver> {
  const script = fileURLToPath(new URL('./receiver.ts', import.meta.url));
  // BENCH_RECEIVER_NODE_ARGS="--cpu-prof --cpu-prof-dir=/tmp/prof" profiles the receivers (node refuses these in NODE_OPTIONS).
  const nodeArgs = [...(process.env.BENCH_RECEIVER_NODE_ARGS ?? '').split(' ').filter(Boolean), ...extraNodeArgs];
  // The receivers load the TypeScript as the gateway's own command does (bin/gateway.js), so what is measured is what runs.
  const register = fileURLToPath(new URL('../../bin/register-typescript.mjs', import.meta.url));
  const args = [...nodeArgs, '--import', register, script, '--kind', kind, ...(kind === 'rxgate' && handlerModule ? ['--handler', handlerModule] : [])];
  const child = spawn(process.execPath, args, { stdio: ['pipe', 'pipe', 'inherit'] });
  const lines = createInterface({ input: child.stdout! });
  const ready = await new Promise<{ port: number; label: string }>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`receiver ${kind} did not start within 30 s`)), 30_000);
    lines.once('line', (line) => {
      clearTimeout(timer);
      resolve(JSON.parse(line) as { port: number; label: string });
    });
    child.once('exit', (code) => reject(new Error(`receiver ${kind} exited with ${code}`)));
  });
  /** One command line to the receiver, one JSON line back. */
  const ask = <T>(command: string) =>
    new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`receiver ${kind} did not answer '${command}' within 10 s`)), 10_000);
      lines.once('line', (line) => {
        clearTimeout(timer);
        resolve(JSON.parse(line) as T);
      });
      child.stdin!.write(`${command}\n`);
    });
  return {
    ...ready,
    child,
    totals: () => ask<{ stages: StageTotals | null; gc: GcTotals }>('stages'),
    fullCollectionsSince: async (sinceMs) => (await ask<{ full_collections: FullCollectionStep[] }>(`collections ${sinceMs}`)).full_collections,
    memory: async () => (await ask<{ memory: ReceiverMemory }>('memory')).memory,
  };
}

async function main() {
  const { values } = parseArgs({
    options: {
      messages: { type: 'string', default: '50000' },
      connections: { type: 'string', default: '1,8' },
      senders: { type: 'string', default: 'node-hl7-client,net' },
      receivers: { type: 'string', default: 'node-hl7-server,rxgate' },
      handler: { type: 'string' },
      'min-bytes': { type: 'string', default: '1024' },
      'max-bytes': { type: 'string', default: '8192' },
      warmup: { type: 'string', default: '5000' },
      seed: { type: 'string', default: '1' },
      'ack-timeout-ms': { type: 'string', default: '10000' },
      rate: { type: 'string', default: '0' },
      trace: { type: 'string' },
    },
  });
  const list = (s: string) => s.split(',').map((x) => x.trim()).filter(Boolean);
  await runMllpBench({
    messages: Number(values.messages),
    connections: list(values.connections).map(Number),
    senders: list(values.senders) as SenderKind[],
    receivers: list(values.receivers) as ReceiverKind[],
    handlerModule: values.handler,
    minBytes: Number(values['min-bytes']),
    maxBytes: Number(values['max-bytes']),
    warmup: Number(values.warmup),
    seed: Number(values.seed),
    ackTimeoutMs: Number(values['ack-timeout-ms']),
    ratePerS: Number(values.rate) || undefined,
    traceDir: values.trace,
    onResult: (result) => process.stdout.write(`${JSON.stringify(result)}\n`),
  });
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  await main();
}

export { NODE_HL7_SERVER_LABEL };
