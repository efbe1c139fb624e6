/**
 * Finds the segments of a message (or batch) text: the [start, end) of every non-blank line, without terminator.
 *
 * Terminators. The standard ends a segment with CR. Files and engines also use LF and CRLF, sometimes mixed in one
 * message, so:
 * - CR ends a segment; CRLF is one terminator.
 * - A bare LF ends a segment when the text after it is blank or starts like a segment (three upper-case letters or
 *   digits followed by the field separator, a line end or the end of text), or when the text uses no CR at all.
 *   Otherwise — a bare LF inside a CR-terminated message, followed by something that is no segment — it is
 *   data, as the standard says: typically a wrapped line or a newline typed into a text field. The public ELR
 *   sample `realm-lead-laboratory-result.hl7` has exactly that in the middle of PID-16.
 * - Blank lines (empty, or only spaces, tabs, vertical tabs and form feeds) are skipped wherever they are: leading,
 *   between segments, trailing. Vertical tab (0x0B) counts as blank because it is also the MLLP start byte, and
 *   captures of MLLP traffic leave it behind on a line of its own (several ruby-hl7 samples end in CR VT CR).
 */
export interface SegmentLines {
  readonly starts: number[];
  readonly ends: number[];
}

function isUpperAlnum(code: number): boolean {
  return (code >= 0x41 && code <= 0x5a) || (code >= 0x30 && code <= 0x39);
}

/** Space, tab, vertical tab, form feed. */
function isBlankChar(code: number): boolean {
  return code === 0x20 || code === 0x09 || code === 0x0b || code === 0x0c;
}

function isLineEnd(text: string, index: number): boolean {
  if (index >= text.length) return true;
  const code = text.charCodeAt(index);
  return code === 0x0d || code === 0x0a;
}

/** Whether [start, end) holds only blank characters. */
export function isBlank(text: string, start: number, end: number): boolean {
  for (let i = start; i < end; i++) if (!isBlankChar(text.charCodeAt(i))) return false;
  return true;
}

function startsSegmentOrBlankLine(text: string, index: number, fieldSeparator: string): boolean {
  let i = index;
  while (i < text.length && isBlankChar(text.charCodeAt(i))) i++;
  if (isLineEnd(text, i)) return true;
  if (i !== index) return false;
  return (
    isUpperAlnum(text.charCodeAt(index)) &&
    isUpperAlnum(text.charCodeAt(index + 1)) &&
    isUpperAlnum(text.charCodeAt(index + 2)) &&
    (text[index + 3] === fieldSeparator || isLineEnd(text, index + 3))
  );
}

/** The field separator a text declares: the character after the first segment name (MSH, FHS or BHS). */
export function declaredFieldSeparator(text: string): string {
  let i = 0;
  while (i < text.length) {
    const code = text.charCodeAt(i);
    if (code !== 0x0d && code !== 0x0a && !isBlankChar(code)) break;
    i++;
  }
  return text.charAt(i + 3);
}

export function splitSegmentLines(text: string, fieldSeparator: string): SegmentLines {
  const starts: number[] = [];
  const ends: number[] = [];
  const usesCr = text.indexOf('\r') !== -1;
  const length = text.length;
  let nextCr = usesCr ? text.indexOf('\r') : -1;
  let nextLf = text.indexOf('\n');
  let segmentStart = 0;
  let scan = 0;
  for (;;) {
    if (nextCr !== -1 && nextCr < scan) nextCr = text.indexOf('\r', scan);
    if (nextLf !== -1 && nextLf < scan) nextLf = text.indexOf('\n', scan);
    let end: number;
    let next: number;
    if (nextCr === -1 && nextLf === -1) {
      end = length;
      next = length;
    } else if (nextLf === -1 || (nextCr !== -1 && nextCr < nextLf)) {
      end = nextCr;
      next = nextLf === nextCr + 1 ? nextCr + 2 : nextCr + 1;
    } else {
      if (usesCr && !startsSegmentOrBlankLine(text, nextLf + 1, fieldSeparator)) {
        scan = nextLf + 1;
        continue;
      }
      end = nextLf;
      next = nextLf + 1;
    }
    if (end > segmentStart && !isBlank(text, segmentStart, end)) {
      starts.push(segmentStart);
      ends.push(end);
    }
    if (next >= length) break;
    segmentStart = scan = next;
  }
  return { starts, ends };
}
