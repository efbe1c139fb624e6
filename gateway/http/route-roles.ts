import type { Role } from '../auth/tokens.ts';

/**
 * Who may call the gateway's own routes (admin may call every route; the mapping routes have theirs in
 * mappings/permissions.ts). The app enforces these and the OpenAPI document publishes them: one table for both.
 */
export const ROUTE_ROLES = {
  /** /schemas/*, /openapi.json and any other authenticated read of the API's description */
  describe: ['analyst', 'pharmacist', 'compliance', 'system'],
  events: ['system'],
  ledger: ['compliance', 'pharmacist'],
  evidenceList: ['analyst', 'compliance'],
  /** whole quarantine entries and dead letters: the raw bytes may hold PHI */
  evidenceRead: ['compliance'],
  evidenceReplay: ['analyst'],
  /** what became of one message: positions, ids, codes and reasons, no content */
  trace: ['analyst', 'compliance', 'pharmacist'],
  /** the adapters' listeners and their open connections; the resends to EHRs */
  status: ['analyst', 'compliance'],
  /** sending dispenses from the ledger to an EHR again */
  outboundResend: ['analyst'],
  /** the token of a patient identifier or visit number, to read that history in the ledger: the request holds PHI */
  tokens: ['compliance', 'pharmacist'],
} as const satisfies Record<string, readonly Role[]>;

export type RouteRoles = keyof typeof ROUTE_ROLES;
