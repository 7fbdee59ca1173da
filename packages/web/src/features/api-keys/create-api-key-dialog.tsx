import type { ApiKeyCreate, ApiKeyCreated, Role } from '@infrapilot/protocol';
import { KeyRound } from 'lucide-react';
import { type FormEvent, useState } from 'react';
import { Button } from '../../components/ui/button';
import { CopyableText } from '../../components/ui/copy-button';
import { Dialog, DialogClose, DialogContent, DialogFooter, DialogTrigger } from '../../components/ui/dialog';
import { Field, Input, Select } from '../../components/ui/input';
import { isoToLocalInput, localInputToIso } from '../audit/datetime-local';
import { errorMessage } from '../members/error-message';
import { RoleOptions } from '../members/role-options';
import { OneTimeSecret } from '../users/one-time-secret';

type FieldErrors = Partial<Record<'name' | 'expiresAt', string>>;

export interface CreateApiKeyDialogProps {
  /** The roles the person may put on a key: at most their own. */
  roles: readonly Role[];
  onCreate: (input: ApiKeyCreate) => Promise<ApiKeyCreated>;
  /** Where the server answers, for the example request. */
  origin: string;
}

/** Creates a key and shows its secret once; closing the dialog forgets the secret for good. */
export function CreateApiKeyDialog({ roles, onCreate, origin }: CreateApiKeyDialogProps) {
  const lowestRole = roles.at(-1) ?? 'viewer';
  const [open, setOpen] = useState(false);
  const [name, setName] = useState('');
  const [role, setRole] = useState<Role>(lowestRole);
  const [expiresAt, setExpiresAt] = useState('');
  const [fieldErrors, setFieldErrors] = useState<FieldErrors>({});
  const [failure, setFailure] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [created, setCreated] = useState<ApiKeyCreated | null>(null);

  function reset() {
    setName('');
    setRole(lowestRole);
    setExpiresAt('');
    setFieldErrors({});
    setFailure(null);
    setCreated(null);
  }

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

  async function submit(event: FormEvent) {
    event.preventDefault();
    const checked = validate();
    if ('errors' in checked) {
      setFieldErrors(checked.errors);
      return;
    }
    setFieldErrors({});
    setFailure(null);
    setBusy(true);
    try {
      setCreated(await onCreate(checked.input));
    } catch (error) {
      // The server refuses a role above the creator's own; its message says so.
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
          <KeyRound className="h-4 w-4" aria-hidden />
          Create API key
        </Button>
      </DialogTrigger>
      {created ? (
        <DialogContent title={`API key "${created.apiKey.name}" created`}>
          <div className="grid grid-cols-[minmax(0,1fr)] gap-4">
            <OneTimeSecret
              label="API key"
              secret={created.secret}
              warning="Copy it now — it is not shown again. InfraPilot keeps only a hash of it; if you lose it, revoke it and create another."
            />
            <div className="grid grid-cols-[minmax(0,1fr)] gap-2">
              <p className="text-sm font-medium">Try it</p>
              <CopyableText label="Example request" text={`curl -H "Authorization: Bearer ${created.secret}" ${origin}/api/v1/auth/me`} />
            </div>
          </div>
          <DialogFooter>
            <DialogClose asChild>
              <Button>Done</Button>
            </DialogClose>
          </DialogFooter>
        </DialogContent>
      ) : (
        <DialogContent title="Create an API key" description="A key lets a script or CI job act in this organization with the role you choose.">
          <form className="grid gap-4" onSubmit={submit} noValidate>
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
                {busy ? 'Creating…' : 'Create key'}
              </Button>
            </DialogFooter>
          </form>
        </DialogContent>
      )}
    </Dialog>
  );
}
