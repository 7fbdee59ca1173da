import type { Role } from '@infrapilot/protocol';
import { ROLE_LABELS } from './roles';

/** The <option>s of a role <Select>. */
export function RoleOptions({ roles }: { roles: readonly Role[] }) {
  return roles.map((role) => (
    <option key={role} value={role}>
      {ROLE_LABELS[role]}
    </option>
  ));
}
