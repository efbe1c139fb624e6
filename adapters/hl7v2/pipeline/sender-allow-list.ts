import { canonicalAddress } from '../mllp/peer-address.ts';

/**
 * Which senders (MSH-3 application ^ MSH-4 facility, their first components) a connection may speak for. A rule is
 * `identity=sender,sender…`; rules are separated by `;`. The identity is the CN of the verified client
 * certificate (mutual TLS, e.g. `ehr1.hosp.example`), or `ip:<address>` for plain TCP, or `*` for any connection. A sender is
 * `APP^FACILITY` where either part may be `*`. With no rules at all every sender is allowed (the listener should
 * then be reachable only from trusted networks, or require mutual TLS).
 *
 *   MLLP_ALLOWED_SENDERS="ehr1.hosp.example=EPIC^HOSP1,EPIC^HOSP2; ip:127.0.0.1=*^*"
 */

export interface AllowRule {
  identity: string;
  senders: { application: string; facility: string }[];
}

export class AllowListSyntaxError extends Error {
  constructor(readonly position: number, detail: string) {
    super(`MLLP_ALLOWED_SENDERS rule ${position}: ${detail}`);
    this.name = 'AllowListSyntaxError';
  }
}

export function parseAllowList(text: string | undefined): AllowRule[] {
  if (!text || text.trim() === '') return [];
  return text
    .split(';')
    .map((r) => r.trim())
    .filter((r) => r.length > 0)
    .map((rule, i) => {
      const eq = rule.lastIndexOf('=');
      if (eq <= 0 || eq === rule.length - 1) throw new AllowListSyntaxError(i + 1, `expected identity=APP^FACILITY[,…], got "${rule}"`);
      const identity = canonicalIdentity(rule.slice(0, eq).trim(), i + 1);
      const senders = rule
        .slice(eq + 1)
        .split(',')
        .map((s) => s.trim())
        .map((s) => {
          const [application, facility, extra] = s.split('^');
          if (!application || !facility || extra !== undefined) {
            throw new AllowListSyntaxError(i + 1, `sender "${s}" must be APP^FACILITY (either may be *)`);
          }
          return { application, facility };
        });
      return { identity, senders };
    });
}

/** `ip:` identities in canonical form; a text after `ip:` that is no address is a mistake worth stopping for. */
function canonicalIdentity(identity: string, position: number): string {
  if (!identity.startsWith('ip:')) return identity;
  const address = canonicalAddress(identity.slice(3));
  if (address === undefined) throw new AllowListSyntaxError(position, `"${identity}" is not ip: followed by an IPv4 or IPv6 address`);
  return `ip:${address}`;
}

/** The identities a connection presents: its certificate subject when verified, and always its address. */
export function connectionIdentities(conn: { peerIdentity?: string; remoteAddress: string }): string[] {
  const ids = [`ip:${canonicalAddress(conn.remoteAddress) ?? conn.remoteAddress}`];
  if (conn.peerIdentity) ids.unshift(conn.peerIdentity);
  return ids;
}

export function senderAllowed(
  rules: AllowRule[],
  identities: string[],
  sender: { application: string; facility: string },
): boolean {
  if (rules.length === 0) return true;
  const matches = (pattern: string, value: string) => pattern === '*' || pattern.toUpperCase() === value.toUpperCase();
  return rules.some(
    (r) =>
      (r.identity === '*' || identities.includes(r.identity)) &&
      r.senders.some((s) => matches(s.application, sender.application) && matches(s.facility, sender.facility)),
  );
}
