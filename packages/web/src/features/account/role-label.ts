import type { Role } from '@infrapilot/protocol';

/** "super_admin" → "super admin": roles as people say them. */
export function roleLabel(role: Role): string {
  return role.replace(/_/g, ' ');
}
