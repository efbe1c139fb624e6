/**
 * A benchmark receiver in its own process, so that sender and receiver do not share one event loop:
 *
 *   node --import ./bin/register-typescript.mjs bench/mllp/receiver.ts --kind node-hl7-server
 *   node --import ./bin/register-typescript.mjs bench/mllp/receiver.ts --kind rxgate [--handler ./path/to/module.ts]
 *
 * Prints one JSON line {"ready":true,"port":N,"label":"…"} on stdout, then serves on 127.0.0.1 until SIGTERM or
 * until its stdin closes (the parent went away). A line `stages` on stdin is answered with one JSON line
 * {"stages":{…},"gc":{…}}: the handler's stage totals (null when it keeps none) and this process's garbage
 * collections so far (gc-totals.ts). A line `collections <epoch ms>` is answered with {"full_collections":[…]}, the
 * steps of full collections since then (for `run.ts --trace`). A line `memory` is answered with {"memory":{…}}: the
 * process's resident size and heap in bytes, after a full collection when node was started with --expose-gc (then
 * the heap is what is live: `soak.ts` watches it over a long run).
 */
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import pino from 'pino';
import { startMllpListener } from '../../adapters/hl7v2/mllp/listener.ts';
import { startNodeHl7ServerPeer } from '../../adapters/hl7v2/mllp/testkit/node-hl7-server-peer.ts';
import { watchGc } from './gc-totals.ts';
import { loadBenchHandler } from './handler-module.ts';
import type { StageTotals } from './stats.ts';

import { NODE_HL7_SERVER_LABEL } from './receiver-label.ts';

const { values } = parseArgs({ options: { kind: { type: 'string' }, handler: { type: 'string' } } });
const gc = watchGc();

let label: string;
let port: number;
let stop: () => Promise<void>;
let stageTotals: (() => Promise<StageTotals>) | undefined;
if (values.kind === 'node-hl7-server') {
  const peer = await startNodeHl7ServerPeer({ host: '127.0.0.1' });
  label = NODE_HL7_SERVER_LABEL;
  port = peer.port;
  stop = () => peer.close();
} else if (values.kind === 'rxgate') {
  const bench = await loadBenchHandler(values.handler);
  const listener = await startMllpListener({
    handler: bench.handler,
    logger: pino({ level: 'warn' }, pino.destination(2)),
    host: '127.0.0.1',
    port: 0,
    maxConnectionsPerAddress: 0, // every bench sender is 127.0.0.1, whatever --connections says
  });
  label = bench.label;
  stageTotals = bench.stageTotals?.bind(bench);
  port = listener.address.plain!.port;
  stop = async () => {
    await listener.stop({ graceMs: 2000 });
    await bench.close?.();
  };
} else {
  throw new Error(`--kind must be node-hl7-server or rxgate, got ${values.kind}`);
}

let stopping = false;
const shutdown = async () => {
  if (stopping) return;
  stopping = true;
  await stop();
  process.exit(0);
};
process.on('SIGTERM', () => void shutdown());
const commands = createInterface({ input: process.stdin });
commands.on('line', (line) => {
  const [command, argument] = line.trim().split(' ');
  if (command === 'stages') {
    void (stageTotals?.() ?? Promise.resolve(null)).then((stages) => process.stdout.write(`${JSON.stringify({ stages, gc: gc.totals() })}\n`));
  } else if (command === 'memory') {
    const collect = (globalThis as { gc?: () => void }).gc;
    collect?.();
    const m = process.memoryUsage();
    const memory = { after_full_collection: collect !== undefined, rss: m.rss, heap_used: m.heapUsed, heap_total: m.heapTotal, external: m.external, array_buffers: m.arrayBuffers };
    process.stdout.write(`${JSON.stringify({ memory })}\n`);
  } else if (command === 'collections') {
    process.stdout.write(`${JSON.stringify({ full_collections: gc.fullCollectionsSince(Number(argument)) })}\n`);
  }
});
commands.on('close', () => void shutdown());
process.stdout.write(`${JSON.stringify({ ready: true, port, label })}\n`);
