import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

/**
 * Wireshark's HL7 dissector as an independent reader of what crosses the wire (PEERS.md: tshark 4.0, Debian's
 * package, written in C by other people than ours). `startWireCapture` records loopback TCP on the given ports;
 * `stop` ends the capture and decodes it with every port read as HL7 over MLLP, giving each HL7 message Wireshark
 * found: its direction, the MLLP block bytes it saw around it, and its segments and fields as Wireshark split them
 * (it splits fields; components stay as text).
 */

export const TSHARK = '/usr/bin/tshark';

/** Why a capture cannot run here (for a skip with its reason), or undefined when it can. */
export function wireCaptureUnavailable(): string | undefined {
  if (!existsSync(TSHARK)) return `${TSHARK} is missing (Debian's tshark; scripts/test installs it)`;
  if (process.getuid?.() !== 0) return 'capturing on the loopback interface needs root';
  return undefined;
}

export interface WireSegment {
  name: string;
  /** HL7 field number → the field's bytes (latin1), as Wireshark delimited them; empty fields are absent */
  fields: Map<number, string>;
}

export interface WireMessage {
  /** TCP ports of the packet that completed the message */
  from: number;
  to: number;
  /** the MLLP start and end blocks Wireshark found around the message, in hex ('0b', '1c0d') */
  startBlock: string | undefined;
  endBlock: string | undefined;
  segments: WireSegment[];
}

export interface WireCapture {
  /** Ends the capture and returns every HL7 message on the captured ports, in capture order. */
  stop(): Promise<WireMessage[]>;
}

const execFileAsync = promisify(execFile);

/**
 * Starts tshark on the loopback interface for TCP on `ports`, and resolves once it is seen capturing: `probe` (which
 * must send something on one of the ports, a connection opened and closed is enough) is repeated until tshark
 * reports a packet, so nothing sent after this resolves can be missed.
 */
export async function startWireCapture(ports: number[], probe: () => Promise<void>): Promise<WireCapture> {
  const dir = await mkdtemp(join(tmpdir(), 'rxgate-wire-'));
  const file = join(dir, 'capture.pcapng');
  const filter = ports.map((p) => `tcp port ${p}`).join(' or ');
  // -P prints a line per packet while -w writes the file: the sign that the capture is running.
  const tshark = spawn(TSHARK, ['-i', 'lo', '-f', filter, '-w', file, '-P', '-l', '-n'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let packets = 0;
  let stderr = '';
  tshark.stdout!.on('data', (chunk: Buffer) => (packets += chunk.toString().split('\n').length - 1));
  tshark.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => tshark.once('exit', resolve));
  try {
    const until = Date.now() + 20_000;
    while (packets === 0) {
      if (tshark.exitCode !== null) throw new Error(`tshark exited (${tshark.exitCode}): ${stderr.trim()}`);
      if (Date.now() > until) throw new Error(`tshark captured nothing within 20 s: ${stderr.trim()}`);
      await probe();
      await new Promise((r) => setTimeout(r, 200));
    }
  } catch (err) {
    await stopProcess(tshark, exited);
    await rm(dir, { recursive: true, force: true });
    throw err;
  }
  return {
    async stop() {
      // What the kernel has handed to the capture is written out on SIGINT; a moment first for the last packets.
      await new Promise((r) => setTimeout(r, 300));
      await stopProcess(tshark, exited);
      try {
        const decodeAs = ports.flatMap((p) => ['-d', `tcp.port==${p},hl7`]);
        const { stdout } = await execFileAsync(TSHARK, ['-r', file, '-n', '-o', 'hl7.display_llp:TRUE', ...decodeAs, '-T', 'pdml'], {
          maxBuffer: 256 * 1024 * 1024,
        });
        return readPdml(stdout);
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    },
  };
}

async function stopProcess(child: ChildProcess, exited: Promise<number | null>): Promise<void> {
  if (child.exitCode === null) child.kill('SIGINT');
  const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
  await exited;
  clearTimeout(timer);
}

/**
 * The HL7 messages in tshark's PDML. Wireshark numbers a segment's fields from its name (field 1), so HL7's field
 * n is its field n+1; in MSH, whose first field is the separator itself, Wireshark's field 2 is MSH-2 and the
 * numbers agree. Values are taken from each field's bytes (`value`, hex), not from its display text.
 */
export function readPdml(pdml: string): WireMessage[] {
  const messages: WireMessage[] = [];
  for (const packet of pdml.split('<packet>').slice(1)) {
    const from = Number(attribute(packet.match(/<field name="tcp\.srcport"[^>]*>/)?.[0] ?? '', 'show'));
    const to = Number(attribute(packet.match(/<field name="tcp\.dstport"[^>]*>/)?.[0] ?? '', 'show'));
    for (const proto of packet.split('<proto name="hl7"').slice(1)) {
      const body = proto.slice(0, proto.indexOf('</proto>'));
      const message: WireMessage = { from, to, startBlock: undefined, endBlock: undefined, segments: [] };
      for (const tag of body.match(/<field [^>]*>/g) ?? []) {
        const name = attribute(tag, 'name');
        const value = attribute(tag, 'value') ?? '';
        if (name === 'hl7.llp.sob') message.startBlock = value;
        else if (name === 'hl7.llp.eob') message.endBlock = value;
        else if (name === 'hl7.segment') {
          const raw = Buffer.from(value, 'hex').toString('latin1');
          message.segments.push({ name: raw.slice(0, 3), fields: new Map() });
        } else if (name === 'hl7.field') {
          const segment = message.segments.at(-1);
          const shown = /^field (\d+):/.exec(attribute(tag, 'showname') ?? '');
          if (!segment || !shown) continue;
          const n = Number(shown[1]);
          const number = segment.name === 'MSH' ? n : n - 1;
          if (number >= 1 && !(segment.name === 'MSH' && number === 1)) segment.fields.set(number, Buffer.from(value, 'hex').toString('latin1'));
        }
      }
      messages.push(message);
    }
  }
  return messages;
}

function attribute(tag: string, name: string): string | undefined {
  return new RegExp(`\\b${name.replace('.', '\\.')}="([^"]*)"`).exec(tag)?.[1];
}

/** Field `n` of the first segment named `segment` (undefined when Wireshark found no such segment or field). */
export function wireField(message: WireMessage, segment: string, n: number): string | undefined {
  return message.segments.find((s) => s.name === segment)?.fields.get(n);
}
