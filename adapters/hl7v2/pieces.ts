/**
 * Reading and replacing the n-th piece of a delimited text without splitting all of it: `get` is on the hot
 * path of every translator, and most fields hold no repetition or component separator at all.
 * A separator of '' is a role the message does not declare: the whole text is then piece 0.
 */

/** The 0-based n-th piece of `text` split on `separator`; '' when there are fewer pieces. */
export function piece(text: string, separator: string, n: number): string {
  if (separator === '') return n === 0 ? text : '';
  let start = 0;
  for (let i = 0; i < n; i++) {
    const at = text.indexOf(separator, start);
    if (at === -1) return '';
    start = at + 1;
  }
  const end = text.indexOf(separator, start);
  return end === -1 ? text.slice(start) : text.slice(start, end);
}

/** How many pieces `text` has (an empty text has one, empty, piece). */
export function pieceCount(text: string, separator: string): number {
  if (separator === '') return 1;
  let count = 1;
  for (let at = text.indexOf(separator); at !== -1; at = text.indexOf(separator, at + 1)) count++;
  return count;
}

/** Offset in `text` where the 0-based n-th piece starts; -1 when there are fewer pieces. */
export function pieceOffset(text: string, separator: string, n: number): number {
  if (n === 0) return 0;
  if (separator === '') return -1;
  let start = 0;
  for (let i = 0; i < n; i++) {
    const at = text.indexOf(separator, start);
    if (at === -1) return -1;
    start = at + 1;
  }
  return start;
}

/** `text` with its n-th piece replaced, adding empty pieces when it has fewer. */
export function replacePiece(text: string, separator: string, n: number, replacement: string): string {
  if (separator === '') return replacement;
  const parts = text.split(separator);
  while (parts.length <= n) parts.push('');
  parts[n] = replacement;
  return parts.join(separator);
}
