import { type MemberAdd, MemberAddSchema, ROLES, type Role } from '@infrapilot/protocol';
import { UserPlus } from 'lucide-react';
import { type FormEvent, useState } from 'react';
import { Button } from '../../components/ui/button';
import { Dialog, DialogContent, DialogFormFooter, DialogTrigger } from '../../components/ui/dialog';
import { FormAlert } from '../../components/ui/form-alert';
import { Field, Input, Select } from '../../components/ui/input';
import { useFormSubmission } from '../../lib/use-form-submission';
import { RoleOptions } from './role-options';

/** Adds someone who already has an account (in another org) to this one. */
export function AddMemberDialog({ onAdd }: { onAdd: (input: MemberAdd) => Promise<unknown> }) {
  const [open, setOpen] = useState(false);
  return (
    <Dialog open={open} onOpenChange={setOpen}>
      <DialogTrigger asChild>
        <Button>
          <UserPlus className="h-4 w-4" aria-hidden />
          Add member
        </Button>
      </DialogTrigger>
      <DialogContent title="Add a member" description="Add someone who already has an InfraPilot account. To invite a new person, create them on the Users page.">
        <AddMemberForm
          onAdd={async (input) => {
            await onAdd(input);
            setOpen(false);
          }}
        />
      </DialogContent>
    </Dialog>
  );
}

/** Inside the dialog's content, so closing the dialog forgets what was typed. */
function AddMemberForm({ onAdd }: { onAdd: (input: MemberAdd) => Promise<unknown> }) {
  const [email, setEmail] = useState('');
  const [role, setRole] = useState<Role>('viewer');
  const [emailError, setEmailError] = useState<string | undefined>();
  const { busy, failure, submit } = useFormSubmission();

  async function onSubmit(event: FormEvent) {
    event.preventDefault();
    const parsed = MemberAddSchema.safeParse({ email: email.trim(), role });
    if (!parsed.success) {
      setEmailError('Enter an e-mail address such as name@example.com');
      return;
    }
    setEmailError(undefined);
    await submit(() => onAdd(parsed.data));
  }

  return (
    <form className="grid gap-4" onSubmit={onSubmit} noValidate>
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
      <FormAlert message={failure} />
      <DialogFormFooter busy={busy} submitLabel="Add member" busyLabel="Adding…" />
    </form>
  );
}
