import { type MemberAdd, MemberAddSchema, ROLES, type Role } from '@infrapilot/protocol';
import { UserPlus } from 'lucide-react';
import { type FormEvent, useState } from 'react';
import { Button } from '../../components/ui/button';
import { Dialog, DialogClose, DialogContent, DialogFooter, DialogTrigger } from '../../components/ui/dialog';
import { Field, Input, Select } from '../../components/ui/input';
import { errorMessage } from './error-message';
import { RoleOptions } from './role-options';

/** Adds someone who already has an account (in another org) to this one. */
export function AddMemberDialog({ onAdd }: { onAdd: (input: MemberAdd) => Promise<unknown> }) {
  const [open, setOpen] = useState(false);
  const [email, setEmail] = useState('');
  const [role, setRole] = useState<Role>('viewer');
  const [emailError, setEmailError] = useState<string | undefined>();
  const [failure, setFailure] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  function reset() {
    setEmail('');
    setRole('viewer');
    setEmailError(undefined);
    setFailure(null);
  }

  async function submit(event: FormEvent) {
    event.preventDefault();
    const parsed = MemberAddSchema.safeParse({ email: email.trim(), role });
    if (!parsed.success) {
      setEmailError('Enter an e-mail address such as name@example.com');
      return;
    }
    setEmailError(undefined);
    setFailure(null);
    setBusy(true);
    try {
      await onAdd(parsed.data);
      setOpen(false);
      reset();
    } catch (error) {
      setFailure(errorMessage(error));
    } finally {
      setBusy(false);
    }
  }

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
          Add member
        </Button>
      </DialogTrigger>
      <DialogContent title="Add a member" description="Add someone who already has an InfraPilot account. To invite a new person, create them on the Users page.">
        <form className="grid gap-4" onSubmit={submit} noValidate>
          <Field label="Email" error={emailError}>
            {(props) => <Input {...props} type="email" autoComplete="off" value={email} onChange={(event) => setEmail(event.target.value)} required />}
          </Field>
          <Field label="Role">
            {(props) => (
              <Select {...props} value={role} onChange={(event) => setRole(event.target.value as Role)}>
                <RoleOptions roles={ROLES} />
              </Select>
            )}
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
              {busy ? 'Adding…' : 'Add member'}
            </Button>
          </DialogFooter>
        </form>
      </DialogContent>
    </Dialog>
  );
}
