import { ROLES, type Role, type UserCreate, type UserCreated, UserCreateSchema } from '@infrapilot/protocol';
import { UserPlus } from 'lucide-react';
import { type FormEvent, useState } from 'react';
import { Button } from '../../components/ui/button';
import { Dialog, DialogClose, DialogContent, DialogFooter, DialogTrigger } from '../../components/ui/dialog';
import { Field, Input, Select } from '../../components/ui/input';
import { errorMessage } from '../members/error-message';
import { RoleOptions } from '../members/role-options';
import { OneTimeSecret } from './one-time-secret';

type FieldErrors = Partial<Record<'name' | 'email' | 'password', string>>;

const EMPTY_FORM = { name: '', email: '', role: 'viewer' as Role, password: '' };

/** Creates a person with a role in this org; shows the generated password once when none was given. */
export function CreateUserDialog({ onCreate }: { onCreate: (input: UserCreate) => Promise<UserCreated> }) {
  const [open, setOpen] = useState(false);
  const [form, setForm] = useState(EMPTY_FORM);
  const [fieldErrors, setFieldErrors] = useState<FieldErrors>({});
  const [failure, setFailure] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [created, setCreated] = useState<{ email: string; password: string } | null>(null);

  function reset() {
    setForm(EMPTY_FORM);
    setFieldErrors({});
    setFailure(null);
    setCreated(null);
  }

  async function submit(event: FormEvent) {
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
    setFailure(null);
    setBusy(true);
    try {
      const reply = await onCreate(parsed.data);
      if (reply.initialPassword) {
        setCreated({ email: reply.user.email, password: reply.initialPassword });
      } else {
        setOpen(false);
        reset();
      }
    } catch (error) {
      setFailure(errorMessage(error));
    } finally {
      setBusy(false);
    }
  }

  const update = (field: keyof typeof EMPTY_FORM) => (event: { target: { value: string } }) => setForm((current) => ({ ...current, [field]: event.target.value }));

  return (
    <Dialog
      open={open}
      onOpenChange={(next) => {
        setOpen(next);
        if (!next) reset();
      }}
    >
      <DialogTrigger asChild>
        <Button>
          <UserPlus className="h-4 w-4" aria-hidden />
          Create user
        </Button>
      </DialogTrigger>
      {created ? (
        <DialogContent title={`Created ${created.email}`}>
          <OneTimeSecret
            label="Initial password"
            secret={created.password}
            warning={`This password is shown once. Give it to ${created.email} through a safe channel; they can change it under Account after signing in.`}
          />
          <DialogFooter>
            <DialogClose asChild>
              <Button>Done</Button>
            </DialogClose>
          </DialogFooter>
        </DialogContent>
      ) : (
        <DialogContent title="Create a user" description="A new account that belongs to this organization with the role you choose.">
          <form className="grid gap-4" onSubmit={submit} noValidate>
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
            {failure && (
              <p role="alert" className="rounded-md bg-destructive/10 p-2 text-sm text-destructive">
                {failure}
              </p>
            )}
            <DialogFooter>
              <DialogClose asChild>
                <Button variant="secondary">Cancel</Button>
              </DialogClose>
              <Button type="submit" disabled={busy}>
                {busy ? 'Creating…' : 'Create user'}
              </Button>
            </DialogFooter>
          </form>
        </DialogContent>
      )}
    </Dialog>
  );
}
