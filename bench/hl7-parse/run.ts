/**
 * bench/hl7-parse: the HL7 v2 parser and ACK builder alone (no sockets), against two peers in the same run.
 *
 *   npx tsx bench/hl7-parse/run.ts [--messages 400] [--seconds 3] [--runs 3] [--min-bytes 1024] [--max-bytes 8192]
 *
 * Each implementation parses 1–8 KB RDE^O11/RDS^O13 messages, reads the fields a gateway reads first (MSH-9.1,
 * MSH-9.2, MSH-10, MSH-12, PID-3.1 and RXE-2.1 or RXD-2.1) and, where it has one, builds the ACK:
 *   - rxgate: parseMessage(bytes as MLLP delivers them) + buildAck + ACK to bytes; also parse-only (bytes, text);
 *   - node-hl7-client 3.2.0: new Message({ text }) + the same reads (it has no ACK builder);
 *   - @medplum/core 4.5: Hl7Message.parse(text) + the same reads + its buildAck().
 * One JSON line per implementation, `bench: "hl7_parse"`, with messages/s (median of --runs runs of --seconds).
 */
import { parseArgs } from 'node:util';
import { Hl7Message as MedplumMessage } from '@medplum/core';
import { Message as Hl7ClientMessage } from 'node-hl7-client';
import { buildAck } from '../../adapters/hl7v2/ack.ts';
import { encodeText } from '../../adapters/hl7v2/charset.ts';
import { parseMessage } from '../../adapters/hl7v2/parse.ts';
import { median } from '../mllp/stats.ts';
import { benchMessages, type BenchMessage } from './messages.ts';

const { values: args } = parseArgs({
  options: {
    messages: { type: 'string', default: '400' },
    seconds: { type: 'string', default: '3' },
    runs: { type: 'string', default: '3' },
    'min-bytes': { type: 'string', default: '1024' },
    'max-bytes': { type: 'string', default: '8192' },
  },
});

const messages = benchMessages({ count: Number(args.messages), minBytes: Number(args['min-bytes']), maxBytes: Number(args['max-bytes']), seed: 7 });
const averageBytes = Math.round(messages.reduce((sum, message) => sum + message.bytes.length, 0) / messages.length);
let sink = 0; // keeps results alive so that no work is optimised away

function rxgateParseAndAck(message: BenchMessage, n: number): void {
  const parsed = parseMessage(message.bytes);
  const order = parsed.segment(message.type === 'RDS' ? 'RXD' : 'RXE')!;
  sink += parsed.messageCode.length + parsed.triggerEvent.length + parsed.controlId.length + parsed.version.length;
  sink += parsed.segment('PID')!.get(3).length + order.get(2).length;
  const ack = buildAck(parsed, { code: 'AA', controlId: `ACK${n}`, timestamp: '20260315083000+0000' });
  sink += encodeText(ack.toString(), ack.charset).length;
}

function rxgateParseOnly(input: Uint8Array | string, type: BenchMessage['type']): void {
  const parsed = parseMessage(input);
  sink += parsed.messageCode.length + parsed.triggerEvent.length + parsed.controlId.length + parsed.version.length;
  sink += parsed.segment('PID')!.get(3).length + parsed.segment(type === 'RDS' ? 'RXD' : 'RXE')!.get(2).length;
}

function hl7Client(message: BenchMessage): void {
  const parsed = new Hl7ClientMessage({ text: message.text });
  const order = message.type === 'RDS' ? 'RXD.2.1' : 'RXE.2.1';
  for (const path of ['MSH.9.1', 'MSH.9.2', 'MSH.10', 'MSH.12', 'PID.3.1', order]) sink += parsed.get(path).toString().length;
}

function medplum(message: BenchMessage): void {
  const parsed = MedplumMessage.parse(message.text);
  const msh = parsed.getSegment('MSH')!;
  sink += msh.getComponent(9, 1).length + msh.getComponent(9, 2).length + msh.getField(10).toString().length + msh.getField(12).toString().length;
  sink += parsed.getSegment('PID')!.getComponent(3, 1).length + parsed.getSegment(message.type === 'RDS' ? 'RXD' : 'RXE')!.getComponent(2, 1).length;
  sink += parsed.buildAck().toString().length;
}

function rate(work: (message: BenchMessage, n: number) => void): number {
  const deadline = performance.now() + Number(args.seconds) * 1000;
  let n = 0;
  const started = performance.now();
  while (performance.now() < deadline) {
    for (let i = 0; i < 100; i++, n++) work(messages[n % messages.length]!, n);
  }
  return n / ((performance.now() - started) / 1000);
}

function measure(work: (message: BenchMessage, n: number) => void): number {
  rate(work); // warm-up: let the JIT settle
  return Math.round(median(Array.from({ length: Number(args.runs) }, () => rate(work))));
}

const common = { messages: messages.length, avg_bytes: averageBytes, min_bytes: Number(args['min-bytes']), max_bytes: Number(args['max-bytes']), node: process.version };
const ours = measure(rxgateParseAndAck);
const oursParseBytes = measure((message) => rxgateParseOnly(message.bytes, message.type));
const oursParseText = measure((message) => rxgateParseOnly(message.text, message.type));
const client = measure(hl7Client);
const medplumRate = measure(medplum);

console.log(JSON.stringify({ bench: 'hl7_parse', impl: 'rxgate', work: 'parse(bytes)+6 fields+ACK+encode', msgs_per_s: ours, parse_only_bytes_msgs_per_s: oursParseBytes, parse_only_text_msgs_per_s: oursParseText, ...common }));
console.log(JSON.stringify({ bench: 'hl7_parse', impl: 'node-hl7-client@3.2.0', work: 'parse(text)+6 fields (no ACK builder)', msgs_per_s: client, rxgate_ratio: Number((ours / client).toFixed(2)), ...common }));
console.log(JSON.stringify({ bench: 'hl7_parse', impl: '@medplum/core@4.5', work: 'parse(text)+6 fields+buildAck', msgs_per_s: medplumRate, rxgate_ratio: Number((ours / medplumRate).toFixed(2)), ...common }));
if (sink === 42) console.log('');
