import { roleAllows, type Role } from '../gateway/auth/tokens.ts';

/**
 * Who may do what with the mapping tables (admin may do everything). The HTTP routes check these with
 * requireRole, and the UI uses the same table so a page never offers what its user may not do.
 *
 * Analysts edit (and resolve pending codes, and preview imports); compliance reads history and diagnostics;
 * admins apply imports. Pharmacists and trusted systems may read and look up drugs.
 */
export const MAPPING_PERMISSIONS = {
  read: ['analyst', 'compliance', 'pharmacist', 'system'],
  lookup: ['analyst', 'compliance', 'pharmacist', 'system'],
  edit: ['analyst'],
  history: ['analyst', 'compliance'],
  export: ['analyst', 'compliance'],
  importPreview: ['analyst'],
  importApply: [],
  pendingRead: ['analyst', 'compliance'],
  pendingResolve: ['analyst'],
  diagnostics: ['analyst', 'compliance'],
} as const satisfies Record<string, readonly Role[]>;

export type MappingAction = keyof typeof MAPPING_PERMISSIONS;

export function mayDo(role: Role, action: MappingAction): boolean {
  return roleAllows(role, MAPPING_PERMISSIONS[action]);
}

export function rolesFor(action: MappingAction): Role[] {
  return [...MAPPING_PERMISSIONS[action]];
}
