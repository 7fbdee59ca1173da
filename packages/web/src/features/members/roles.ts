import { ROLES, type Role, roleAtLeast } from '@infrapilot/protocol';

/** How a role reads on screen, standing alone (a cell, an option). */
export const ROLE_LABELS: Record<Role, string> = {
  super_admin: 'Super admin',
  operator: 'Operator',
  viewer: 'Viewer',
};

/** How a role reads next to other words: "Acme (super admin)". */
export function lowerCaseRoleLabel(role: Role): string {
  return ROLE_LABELS[role].toLowerCase();
}

/** The roles someone holding `role` may hand out (the server refuses anything higher). */
export function grantableRoles(role: Role | undefined): Role[] {
  return role ? ROLES.filter((candidate) => roleAtLeast(role, candidate)) : [];
}
