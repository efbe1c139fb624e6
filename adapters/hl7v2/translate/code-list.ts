/**
 * The codes a setting lists (HL7_ORDER_OBSERVATIONS, HL7_ADT_DIAGNOSES, …): whole codes, and prefixes written with a
 * trailing `*`, which stand for every code that begins with them — `N18*` takes ICD-10-CM N18, N18.4 and N184, as
 * senders write them with or without the dot. Matching is exact otherwise: codes are compared as the message
 * writes them.
 */
export class CodeList {
  private readonly exact: ReadonlySet<string>;
  private readonly prefixes: readonly string[];

  constructor(entries: Iterable<string>) {
    const exact = new Set<string>();
    const prefixes: string[] = [];
    for (const entry of entries) {
      if (entry.endsWith('*')) prefixes.push(entry.slice(0, -1));
      else exact.add(entry);
    }
    this.exact = exact;
    this.prefixes = prefixes;
  }

  has(code: string): boolean {
    if (this.exact.has(code)) return true;
    for (const prefix of this.prefixes) if (code.startsWith(prefix)) return true;
    return false;
  }

  /** The entries as written, whole codes first: for messages and tests. */
  entries(): string[] {
    return [...this.exact, ...this.prefixes.map((p) => `${p}*`)];
  }
}
