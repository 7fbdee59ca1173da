/**
 * The permission matrix (seed 000, "RBAC Permissions Matrix"), kept once here and
 * enforced by one guard on the server. Every route names exactly one permission.
 */
export const ROLES = ['super_admin', 'operator', 'viewer'] as const;
/** A member's role inside one organization. */
export type Role = (typeof ROLES)[number];

/** What each role may do. Adding a permission means adding a row here and nowhere else. */
export const PERMISSION_MATRIX = {
  'agents:read': ['super_admin', 'operator', 'viewer'],
  'agents:manage': ['super_admin'],
  'containers:read': ['super_admin', 'operator', 'viewer'],
  'containers:operate': ['super_admin', 'operator'],
  'containers:exec': ['super_admin', 'operator'],
  'proxies:read': ['super_admin', 'operator', 'viewer'],
  'proxies:manage': ['super_admin', 'operator'],
  'logs:read': ['super_admin', 'operator', 'viewer'],
  'alerts:manage': ['super_admin', 'operator'],
  'audit:read': ['super_admin', 'operator', 'viewer'],
  'org:read': ['super_admin', 'operator', 'viewer'],
  'members:read': ['super_admin', 'operator', 'viewer'],
  'users:manage': ['super_admin'],
  'org:manage': ['super_admin'],
  'apikeys:read': ['super_admin', 'operator'],
  'apikeys:manage': ['super_admin', 'operator'],
} as const satisfies Record<string, readonly Role[]>;

/** A named right that a route requires. */
export type Permission = keyof typeof PERMISSION_MATRIX;

/** All permissions, in matrix order. */
export const PERMISSIONS = Object.keys(PERMISSION_MATRIX) as Permission[];

/** Whether a role grants a permission. */
export function roleAllows(role: Role, permission: Permission): boolean {
  return (PERMISSION_MATRIX[permission] as readonly Role[]).includes(role);
}

const ROLE_RANK: Record<Role, number> = { viewer: 0, operator: 1, super_admin: 2 };

/** Whether `role` carries at least the rights of `other` (used to stop privilege escalation). */
export function roleAtLeast(role: Role, other: Role): boolean {
  return ROLE_RANK[role] >= ROLE_RANK[other];
}
