/**
 * What becomes of a message the gateway does not translate (HL7_UNHANDLED), by its type:
 * - `keep`: one `hl7v2.unhandled` event holding the message text, so nothing is dropped (the default);
 * - `record`: the same event without the text — type, version, sender, control id and the SHA-256 of the bytes
 *   prove that it came and what it was, and its PHI does not enter a ledger that can never forget;
 * - `refuse`: answered AR with ERR 200/201 (HL7 v2.5 §2.9.2: a receiver that does not take a message type says so),
 *   the copy kept in quarantine like every refusal, no event.
 */
export const UNHANDLED_ACTIONS = ['keep', 'record', 'refuse'] as const;
export type UnhandledAction = (typeof UNHANDLED_ACTIONS)[number];

/** Keys `CODE^TRIGGER` (`SIU^S12`), `CODE` (any trigger) or `*` (any type), upper case; values the action. */
export type UnhandledRules = Readonly<Record<string, UnhandledAction>>;

/** The action for a message type: the most specific rule that names it, else `keep`. */
export function unhandledAction(rules: UnhandledRules | undefined, messageCode: string, triggerEvent: string): UnhandledAction {
  if (!rules) return 'keep';
  const code = messageCode.trim().toUpperCase();
  const trigger = triggerEvent.trim().toUpperCase();
  return rules[`${code}^${trigger}`] ?? rules[code] ?? rules['*'] ?? 'keep';
}
