import { ROLES, type Role, type UserCreate, UserCreateSchema } from '@infrapilot/protocol';
import { type FormEvent, useState } from 'react';
import { DialogFormFooter } from '../../components/ui/dialog';
import { FormAlert } from '../../components/ui/form-alert';
import { Field, Input, Select } from '../../components/ui/input';
import { useFormSubmission } from '../../lib/use-form-submission';
import { RoleOptions } from '../members/role-options';

type FieldErrors = Partial<Record<'name' | 'email' | 'password', string>>;

const EMPTY_FORM = { name: '', email: '', role: 'viewer' as Role, password: '' };

/** The fields of a new user, checked against the API's schema before anything is sent. */
export function CreateUserForm({ onCreate }: { onCreate: (input: UserCreate) => Promise<unknown> }) {
  const [form, setForm] = useState(EMPTY_FORM);
  const [fieldErrors, setFieldErrors] = useState<FieldErrors>({});
  const { busy, failure, submit } = useFormSubmission();

  async function onSubmit(event: FormEvent) {
    event.preventDefault();
    const parsed = UserCreateSchema.safeParse({
      email: form.email.trim(),
      role: form.role,
      ...(form.name.trim() ? { name: form.name.trim() } : {}),
      ...(form.password ? { password: form.password } : {}),
    });
    if (!parsed.success) {
      const errors: FieldErrors = {};
      for (const issue of parsed.error.issues) {
        const field = issue.path[0];
        if (field === 'email') errors.email = 'Enter an e-mail address such as name@example.com';
        if (field === 'name') errors.name = 'Use at most 100 characters';
        if (field === 'password') errors.password = issue.message;
      }
      setFieldErrors(errors);
      return;
    }
    setFieldErrors({});
    await submit(() => onCreate(parsed.data));
  }

  const update = (field: keyof typeof EMPTY_FORM) => (event: { target: { value: string } }) => setForm((current) => ({ ...current, [field]: event.target.value }));

  return (
    <form className="grid gap-4" onSubmit={onSubmit} noValidate>
      <Field label="Name" hint="Optional; defaults to the part of the e-mail before the @." error={fieldErrors.name}>
        {(props) => <Input {...props} autoComplete="off" value={form.name} onChange={update('name')} />}
      </Field>
      <Field label="Email" error={fieldErrors.email}>
        {(props) => <Input {...props} type="email" autoComplete="off" value={form.email} onChange={update('email')} required />}
      </Field>
      <Field label="Role">
        {(props) => (
          <Select {...props} value={form.role} onChange={update('role')}>
            <RoleOptions roles={ROLES} />
          </Select>
        )}
      </Field>
      <Field label="Password" hint="Optional. Leave empty and InfraPilot generates one and shows it to you once." error={fieldErrors.password}>
        {(props) => <Input {...props} type="password" autoComplete="new-password" value={form.password} onChange={update('password')} />}
      </Field>
      <FormAlert message={failure} />
      <DialogFormFooter busy={busy} submitLabel="Create user" busyLabel="Creating…" />
    </form>
  );
}
