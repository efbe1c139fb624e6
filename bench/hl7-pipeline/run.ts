/**
 * bench/hl7-pipeline: what the gateway itself spends on each HL7 v2 message, in one process, without sockets —
 * CPU time and bytes allocated. Allocation is the steadier of the two on a shared machine (it does not change with
 * the machine's load), and it is what sets how often the garbage collector runs beside the pipeline.
 *
 *   node --import ./bin/register-typescript.mjs bench/hl7-pipeline/run.ts [--messages 20000] [--runs 5] [--cases translate,pipeline]
 *                                                                   [--in-flight 8] [--alloc-sites 15]
 *
 * (loads the code as bin/gateway.js does; under `npx tsx` every closure is wrapped in a naming call and allocates more)
 *
 * Cases, over the RDE^O11/RDS^O13 messages of bench/mllp (1–8 KB):
 *   - translate: parse the bytes, check required values, translate (the benchmark's drugs mapped), serialise each
 *     event as RFC 8785 text, build and encode the ACK — the pure part of the pipeline, once with HL7_TIME_ZONE
 *     unset (UTC) and once with America/Chicago (values without an offset read in that zone);
 *   - pipeline: the gateway's MLLP handler (bench/mllp/pipeline-handler.ts: PostgreSQL on 127.0.0.1:5432,
 *     nats-server embedded, ACK after the ledger commit) driven by --in-flight callers at once (8), each waiting for
 *     its answer.
 * One JSON line per case, `bench: "hl7_pipeline"`. `kb_allocated_per_msg` comes from V8's sampling heap profiler
 * (objects later collected included), `us_per_msg` is the median of --runs runs, `cpu_ms_per_msg` (pipeline) is by
 * process as bench/mllp reports it, and `per_msg` (pipeline) counts what each message asked of the servers: NATS
 * messages out and in, PostgreSQL commits, and write calls to the two (the messages' ACKs are not written anywhere).
 * With --alloc-sites N, each case also prints the N functions that allocate most per message (`alloc_sites`: the
 * function, its file and line as the loader compiled it, and KB per message): where to look before cutting.
 */
import { readFile } from 'node:fs/promises';
import type { HeapProfiler } from 'node:inspector';
import { Session } from 'node:inspector/promises';
import { parseArgs } from 'node:util';
import { buildAck } from '../../adapters/hl7v2/ack.ts';
import { encodeText } from '../../adapters/hl7v2/charset.ts';
import { parseMessage } from '../../adapters/hl7v2/parse.ts';
import { translate } from '../../adapters/hl7v2/translate/index.ts';
import type { TranslateContext } from '../../adapters/hl7v2/translate/types.ts';
import { findMissingValues } from '../../adapters/hl7v2/validate.ts';
import { sha256Hex, uuidv7 } from '../../gateway/events/ids.ts';
import { storableEventJson } from '../../gateway/store/unstorable-text.ts';
import { createDrugResolver } from '../../mappings/resolver.ts';
import { cpuSnapshot, type CpuPart } from '../mllp/cpu.ts';
import { benchSchedule, DRUGS, generateTemplates, instantiate } from '../mllp/messages.ts';
import type { MllpBenchHandler, OperationCounts } from '../mllp/handler-module.ts';
import { createMllpBenchHandler } from '../mllp/pipeline-handler.ts';
import { median } from '../mllp/stats.ts';

const { values: args } = parseArgs({
  options: {
    messages: { type: 'string', default: '20000' },
    runs: { type: 'string', default: '5' },
    cases: { type: 'string', default: 'translate,pipeline' },
    'in-flight': { type: 'string', default: '8' },
    'alloc-sites': { type: 'string', default: '0' },
  },
});
const messageCount = Number(args.messages);
const runs = Number(args.runs);
const cases = new Set(args.cases.split(','));
/** callers of the pipeline at once, each waiting for its answer */
const inFlight = Number(args['in-flight']);

const templates = generateTemplates({ count: 512, minBytes: 1024, maxBytes: 8192, seed: 1 });
const encoder = new TextEncoder();
const payloads = templates.map((t, i) => encoder.encode(instantiate(t, `B${i}`)));
const averageBytes = Math.round(payloads.reduce((sum, p) => sum + p.length, 0) / payloads.length);
const common = { messages: messageCount, avg_bytes: averageBytes, node: process.version };

const inspector = new Session();
inspector.connect();

/** Bytes allocated per call of `work` while it runs `n` times, objects collected since included. */
async function allocatedPerCall(n: number, work: (i: number) => Promise<unknown> | unknown): Promise<number> {
  // The two include flags are V8's (its protocol has them since 2023); Node's typings list only the interval.
  await inspector.post('HeapProfiler.startSampling', {
    samplingInterval: 1024,
    includeObjectsCollectedByMajorGC: true,
    includeObjectsCollectedByMinorGC: true,
  } as HeapProfiler.StartSamplingParameterType);
  await work(n);
  const { profile } = await inspector.post('HeapProfiler.stopSampling');
  lastSites = topSites(profile.head, n);
  return totalSelfSize(profile.head) / n;
}

/** The sites of the last allocatedPerCall, when --alloc-sites asks for them. */
let lastSites: { site: string; kb_per_msg: number }[] = [];
const sitesWanted = Number(args['alloc-sites']);

function topSites(head: HeapProfiler.SamplingHeapProfileNode, calls: number): { site: string; kb_per_msg: number }[] {
  if (sitesWanted <= 0) return [];
  const bySite = new Map<string, number>();
  const visit = (node: HeapProfiler.SamplingHeapProfileNode) => {
    const f = node.callFrame;
    const site = `${f.functionName || '(anonymous)'} ${f.url.split('/').slice(-2).join('/')}:${f.lineNumber + 1}`;
    bySite.set(site, (bySite.get(site) ?? 0) + node.selfSize);
    node.children.forEach(visit);
  };
  visit(head);
  return [...bySite]
    .sort((a, b) => b[1] - a[1])
    .slice(0, sitesWanted)
    .map(([site, bytes]) => ({ site, kb_per_msg: kb(bytes / calls) }));
}

function totalSelfSize(node: HeapProfiler.SamplingHeapProfileNode): number {
  return node.children.reduce((sum, child) => sum + totalSelfSize(child), node.selfSize);
}

const kb = (bytes: number) => Number((bytes / 1024).toFixed(1));

async function translateCase(timeZone: string): Promise<void> {
  const drugs = createDrugResolver({
    drugs: DRUGS.map(([ndc11, description]) => ({ ndc11, description })),
    schedules: DRUGS.map(([ndc11, description]) => ({ ndc11, schedule: benchSchedule(description) })),
  });
  const facilities = ['GENHOSP1', 'GENHOSP2', 'GENHOSP3', 'GENHOSP4'];
  const configured: Pick<TranslateContext, 'facility' | 'tokenKey' | 'drugs' | 'defaultTimeZone' | 'orderObservations'> = {
    facility: { defaultId: 'GENHOSP1', map: Object.fromEntries(facilities.map((f) => [f, f])) },
    tokenKey: Buffer.alloc(32, 7),
    drugs,
    defaultTimeZone: timeZone,
    // the gateway's default (all) unless the run sets HL7_ORDER_OBSERVATIONS=none
    orderObservations: process.env.HL7_ORDER_OBSERVATIONS === 'none' ? 'none' : 'all',
  };
  const once = (i: number) => {
    const payload = payloads[i % payloads.length]!;
    const message = parseMessage(payload);
    if (findMissingValues(message).length > 0) throw new Error('benchmark message lacks required values');
    const receivedAt = new Date();
    const result = translate(message, {
      ...configured,
      receivedAt,
      newId: () => uuidv7(receivedAt.getTime()),
      rawSha256: sha256Hex(payload),
      correlationId: 'bench',
    });
    if (result.errors.length > 0) throw new Error(`benchmark message did not translate: ${result.errors[0]!.detail}`);
    if (result.events.length === 0) throw new Error('benchmark message made no event');
    for (const event of result.events) storableEventJson(event);
    const ack = buildAck(message, { code: 'AA', controlId: `ACK${i}`, timestamp: receivedAt });
    encodeText(ack.toString(), ack.charset);
  };
  const loop = (n: number) => {
    for (let i = 0; i < n; i++) once(i);
  };
  loop(messageCount); // warm-up: let the JIT settle
  const perRun = Array.from({ length: runs }, () => {
    const started = performance.now();
    loop(messageCount);
    return ((performance.now() - started) * 1000) / messageCount;
  });
  const bytes = await allocatedPerCall(messageCount, loop);
  console.log(
    JSON.stringify({
      bench: 'hl7_pipeline',
      case: 'translate',
      time_zone: timeZone,
      us_per_msg: Number(median(perRun).toFixed(1)),
      kb_allocated_per_msg: kb(bytes),
      ...common,
      ...(lastSites.length > 0 ? { alloc_sites: lastSites } : {}),
    }),
  );
}

async function pipelineCase(): Promise<void> {
  const bench = await createMllpBenchHandler();
  const conn = { id: 'bench', remoteAddress: '127.0.0.1', remotePort: 0, tls: false };
  let sent = 0;
  const drive = async (n: number) => {
    let started = 0;
    await Promise.all(
      Array.from({ length: inFlight }, async () => {
        while (started < n) {
          started++;
          const i = sent++;
          await bench.handler.onMessage(encoder.encode(instantiate(templates[i % templates.length]!, `P${i}`)), conn);
        }
      }),
    );
  };
  try {
    await drive(5000); // warm-up, as bench/mllp does
    const countsBefore = await settledOperationCounts(bench);
    const before = cpuSnapshot(process.pid);
    const started = performance.now();
    await drive(messageCount);
    const seconds = (performance.now() - started) / 1000;
    const after = cpuSnapshot(process.pid);
    const countsAfter = await settledOperationCounts(bench);
    const bytes = await allocatedPerCall(messageCount, drive);
    const cpu = Object.fromEntries(
      (['receiver_main', 'receiver_other', 'nats_server', 'postgres'] as CpuPart[]).map((part) => [part, Number((((after[part] - before[part]) * 1000) / messageCount).toFixed(3))]),
    );
    console.log(
      JSON.stringify({
        bench: 'hl7_pipeline',
        case: 'pipeline',
        in_flight: inFlight,
        msgs_per_s: Math.round(messageCount / seconds),
        kb_allocated_per_msg: kb(bytes),
        cpu_ms_per_msg: cpu,
        ...(countsBefore && countsAfter ? { per_msg: perMessage(countsBefore, countsAfter, messageCount) } : {}),
        ...common,
      }),
    );
  } finally {
    await bench.close?.();
  }
}

/** This process's write system calls so far (Linux): here, with no sockets to senders, its writes to NATS and PostgreSQL. */
async function writeCalls(): Promise<number> {
  return Number(/syscw: (\d+)/.exec(await readFile('/proc/self/io', 'utf8'))?.[1] ?? Number.NaN);
}

/**
 * The handler's operation counts once the last acknowledgements have gone out and PostgreSQL has published its
 * statistics (it does so about once a second), with this process's write calls.
 */
async function settledOperationCounts(bench: MllpBenchHandler): Promise<(OperationCounts & { writes: number }) | undefined> {
  if (!bench.operationCounts) return undefined;
  await new Promise((resolve) => setTimeout(resolve, 1500));
  return { ...(await bench.operationCounts()), writes: await writeCalls() };
}

/** What one message asked of the servers: NATS messages each way, PostgreSQL commits, write calls to both. */
function perMessage(before: OperationCounts & { writes: number }, after: OperationCounts & { writes: number }, messages: number) {
  const each = (key: keyof typeof before) => Number(((after[key] - before[key]) / messages).toFixed(3));
  return { nats_msgs_out: each('nats_msgs_out'), nats_msgs_in: each('nats_msgs_in'), pg_commits: each('pg_commits'), socket_writes: each('writes') };
}

if (cases.has('translate')) {
  await translateCase('UTC');
  await translateCase('America/Chicago');
}
if (cases.has('pipeline')) await pipelineCase();
inspector.disconnect();
