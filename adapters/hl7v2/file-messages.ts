import { isBatch } from './pipeline/batch-ack.ts';

/**
 * The HL7 v2 messages in a file as interface engines and people keep them: segments on lines ending in LF or CRLF
 * (HL7 wants CR), several messages one after the other, perhaps with blank lines between them (an engine's export,
 * a day's archive). Works on bytes, so a message in ISO 8859-1 or another MSH-18 character set is passed on
 * unchanged: only line ends are rewritten (LF and CR are the same bytes in every character set HL7 allows here).
 *
 * A batch file (FHS/BHS first) is one unit and comes back whole; otherwise every segment starting with `MSH`
 * begins a new message. Each message ends with one CR; empty lines are dropped. Pure.
 */
const CR = 0x0d;
const LF = 0x0a;
const UTF8_BOM = [0xef, 0xbb, 0xbf];

export function messagesInFile(bytes: Uint8Array): Uint8Array[] {
  const lines = splitLines(bytes).filter((line) => line.length > 0);
  if (lines.length === 0) return [];
  if (isBatch(bytes)) return [joinSegments(lines)];
  const messages: Uint8Array[][] = [];
  for (const line of lines) {
    if (startsWith(withoutBom(line), 'MSH') || messages.length === 0) messages.push([line]);
    else messages[messages.length - 1]!.push(line);
  }
  return messages.map(joinSegments);
}

function splitLines(bytes: Uint8Array): Uint8Array[] {
  const lines: Uint8Array[] = [];
  let start = 0;
  for (let i = 0; i < bytes.length; i++) {
    if (bytes[i] !== CR && bytes[i] !== LF) continue;
    lines.push(bytes.subarray(start, i));
    start = i + 1;
  }
  lines.push(bytes.subarray(start));
  return lines;
}

function joinSegments(segments: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(segments.reduce((n, s) => n + s.length + 1, 0));
  let at = 0;
  for (const segment of segments) {
    out.set(segment, at);
    at += segment.length;
    out[at++] = CR;
  }
  return out;
}

function withoutBom(line: Uint8Array): Uint8Array {
  return UTF8_BOM.every((b, i) => line[i] === b) ? line.subarray(UTF8_BOM.length) : line;
}

function startsWith(line: Uint8Array, name: string): boolean {
  return line.length >= name.length && [...name].every((c, i) => line[i] === c.charCodeAt(0));
}
