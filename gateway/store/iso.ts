/** ISO-8601 UTC with milliseconds; an invalid Date is refused with a message naming what it was. */
export function iso(date: Date, what: string): string {
  if (!(date instanceof Date) || Number.isNaN(date.getTime())) throw new RangeError(`${what} is not a valid Date`);
  return date.toISOString();
}
