import type { ApiKeyCreate, Role } from '@infrapilot/protocol';
import { type FormEvent, useState } from 'react';
import { DialogFormFooter } from '../../components/ui/dialog';
import { FormAlert } from '../../components/ui/form-alert';
import { Field, Input, Select } from '../../components/ui/input';
import { isoToLocalInput, localInputToIso } from '../../lib/datetime-local';
import { useFormSubmission } from '../../lib/use-form-submission';
import { RoleOptions } from '../members/role-options';

type FieldErrors = Partial<Record<'name' | 'expiresAt', string>>;

/** A new key's name, role and expiry, checked before anything is sent. */
export function CreateApiKeyForm({ roles, onCreate }: { roles: readonly Role[]; onCreate: (input: ApiKeyCreate) => Promise<unknown> }) {
  const [name, setName] = useState('');
  const [role, setRole] = useState<Role>(roles.at(-1) ?? 'viewer');
  const [expiresAt, setExpiresAt] = useState('');
  const [fieldErrors, setFieldErrors] = useState<FieldErrors>({});
  // The server refuses a role above the creator's own; its message, shown here, says so.
  const { busy, failure, submit } = useFormSubmission();

  function validate(): { input: ApiKeyCreate } | { errors: FieldErrors } {
    const errors: FieldErrors = {};
    const trimmed = name.trim();
    if (!trimmed) errors.name = 'Give the key a name that says where it is used, such as "CI deploys"';
    else if (trimmed.length > 100) errors.name = 'Use at most 100 characters';
    const expiry = localInputToIso(expiresAt);
    if (expiresAt && !expiry) errors.expiresAt = 'Enter a date and time, or leave empty';
    else if (expiry && Date.parse(expiry) <= Date.now()) errors.expiresAt = 'Choose a time in the future, or leave empty';
    if (Object.keys(errors).length > 0) return { errors };
    return { input: { name: trimmed, role, ...(expiry ? { expiresAt: expiry } : {}) } };
  }

  async function onSubmit(event: FormEvent) {
    event.preventDefault();
    const checked = validate();
    if ('errors' in checked) {
      setFieldErrors(checked.errors);
      return;
    }
    setFieldErrors({});
    await submit(() => onCreate(checked.input));
  }

  return (
    <form className="grid gap-4" onSubmit={onSubmit} noValidate>
      <Field label="Name" error={fieldErrors.name}>
        {(props) => <Input {...props} autoComplete="off" placeholder="CI deploys" value={name} onChange={(event) => setName(event.target.value)} required />}
      </Field>
      <Field label="Role" hint="At most your own role.">
        {(props) => (
          <Select {...props} value={role} onChange={(event) => setRole(event.target.value as Role)}>
            <RoleOptions roles={roles} />
          </Select>
        )}
      </Field>
      <Field label="Expires" hint="Optional. Leave empty for a key that works until revoked." error={fieldErrors.expiresAt}>
        {(props) => (
          <Input {...props} type="datetime-local" min={isoToLocalInput(new Date().toISOString())} value={expiresAt} onChange={(event) => setExpiresAt(event.target.value)} />
        )}
      </Field>
      <FormAlert message={failure} />
      <DialogFormFooter busy={busy} submitLabel="Create key" busyLabel="Creating…" />
    </form>
  );
}
