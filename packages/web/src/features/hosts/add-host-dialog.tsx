import { type AgentEnrollment, AgentNameSchema } from '@infrapilot/protocol';
import { Plus } from 'lucide-react';
import { type FormEvent, useState } from 'react';
import { api } from '../../app/api';
import { Button } from '../../components/ui/button';
import { CopyableText } from '../../components/ui/copy-button';
import { Dialog, DialogClose, DialogContent, DialogFooter, DialogTrigger } from '../../components/ui/dialog';
import { Field, Input, Select } from '../../components/ui/input';
import { describeError } from '../../components/ui/states';
import { useToast } from '../../components/ui/toast';
import { formatDateTime, formatRelative } from '../../lib/format';

/** How long the join command may wait for its host (AgentCreateSchema.expiresInMinutes). */
const EXPIRY_CHOICES = [
  { minutes: 60, label: '1 hour' },
  { minutes: 24 * 60, label: '24 hours' },
  { minutes: 7 * 24 * 60, label: '7 days' },
] as const;

/**
 * "Add host": names the host, creates a single-use enrollment token and shows the two
 * lines that bring the host in. Closing the dialog forgets the token (it is shown once).
 * The page owns `open` so its empty state can open the same dialog.
 */
export function AddHostDialog({ open, onOpenChange }: { open: boolean; onOpenChange: (open: boolean) => void }) {
  const [name, setName] = useState('');
  const [expiresInMinutes, setExpiresInMinutes] = useState<number>(EXPIRY_CHOICES[0].minutes);
  const [nameError, setNameError] = useState<string | undefined>();
  const [failure, setFailure] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [enrollment, setEnrollment] = useState<AgentEnrollment | null>(null);
  const notify = useToast();

  const reset = () => {
    setName('');
    setExpiresInMinutes(EXPIRY_CHOICES[0].minutes);
    setNameError(undefined);
    setFailure(null);
    setBusy(false);
    setEnrollment(null);
  };

  const submit = async (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    setFailure(null);
    const parsed = AgentNameSchema.safeParse(name);
    if (!parsed.success) {
      setNameError(parsed.error.issues[0]?.message ?? 'Enter a name for the host');
      return;
    }
    setNameError(undefined);
    setBusy(true);
    try {
      const created = await api.agents.create({ name: parsed.data, expiresInMinutes });
      setEnrollment(created);
      notify({ title: 'Join command created', description: `Run it on ${created.enrollmentToken.name} to bring the host in.` });
    } catch (error) {
      const { title, hint } = describeError(error);
      setFailure(`${title}. ${hint}`);
    } finally {
      setBusy(false);
    }
  };

  return (
    <Dialog
      open={open}
      onOpenChange={(next) => {
        onOpenChange(next);
        if (!next) reset();
      }}
    >
      <DialogTrigger asChild>
        <Button>
          <Plus className="h-4 w-4" aria-hidden />
          Add host
        </Button>
      </DialogTrigger>
      <DialogContent
        title="Add a host"
        description={enrollment ? undefined : 'Name the host, then run the command you get on it. The agent dials this server; no inbound port is needed on the host.'}
      >
        {enrollment ? (
          <EnrollmentResult enrollment={enrollment} />
        ) : (
          <form className="grid gap-4" onSubmit={submit} noValidate>
            {failure && (
              <p role="alert" className="rounded-md bg-destructive/10 p-2 text-sm text-destructive">
                {failure}
              </p>
            )}
            <Field label="Host name" hint='Letters, digits, ".", "-" or "_", e.g. "web-1".' error={nameError}>
              {(props) => (
                <Input
                  {...props}
                  name="name"
                  autoComplete="off"
                  autoFocus
                  maxLength={63}
                  value={name}
                  onChange={(event) => {
                    setName(event.target.value);
                    if (nameError) setNameError(undefined);
                  }}
                />
              )}
            </Field>
            <Field label="Command valid for" hint="The token works once, within this time.">
              {(props) => (
                <Select {...props} value={expiresInMinutes} onChange={(event) => setExpiresInMinutes(Number(event.target.value))}>
                  {EXPIRY_CHOICES.map((choice) => (
                    <option key={choice.minutes} value={choice.minutes}>
                      {choice.label}
                    </option>
                  ))}
                </Select>
              )}
            </Field>
            <DialogFooter>
              <DialogClose asChild>
                <Button variant="secondary">Cancel</Button>
              </DialogClose>
              <Button type="submit" disabled={busy}>
                {busy ? 'Creating…' : 'Create join command'}
              </Button>
            </DialogFooter>
          </form>
        )}
      </DialogContent>
    </Dialog>
  );
}

function EnrollmentResult({ enrollment }: { enrollment: AgentEnrollment }) {
  const { expiresAt, name } = enrollment.enrollmentToken;
  return (
    <div className="grid gap-4">
      <p className="rounded-md bg-warning/10 p-2 text-sm">
        The token in these commands is shown only once. It works for one host, <strong>{name}</strong>, and expires{' '}
        <time dateTime={expiresAt}>{formatRelative(expiresAt)}</time> ({formatDateTime(expiresAt)}).
      </p>
      <div className="grid gap-1.5">
        <p className="text-sm font-medium">On a host where the infrapilot agent is installed:</p>
        <CopyableText label="Join command" text={enrollment.joinCommand} />
      </div>
      <div className="grid gap-1.5">
        <p className="text-sm font-medium">Or install the agent and join in one step:</p>
        <CopyableText label="Install command" text={enrollment.installCommand} />
      </div>
      <p className="text-sm text-muted-foreground">The host appears in the list as soon as its agent connects.</p>
      <DialogFooter>
        <DialogClose asChild>
          <Button>Done</Button>
        </DialogClose>
      </DialogFooter>
    </div>
  );
}
