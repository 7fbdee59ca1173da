import { AgentNameSchema } from '@infrapilot/protocol';
import { type FormEvent, useState } from 'react';
import { DialogFormFooter } from '../../components/ui/dialog';
import { FormAlert } from '../../components/ui/form-alert';
import { Field, Input, Select } from '../../components/ui/input';
import { useFormSubmission } from '../../lib/use-form-submission';

/** How long the join command may wait for its host (AgentCreateSchema.expiresInMinutes). */
const EXPIRY_CHOICES = [
  { minutes: 60, label: '1 hour' },
  { minutes: 24 * 60, label: '24 hours' },
  { minutes: 7 * 24 * 60, label: '7 days' },
] as const;

/** The new host's name, checked against the server's rule before anything is sent, and how long its command works. */
export function AddHostForm({ onCreate }: { onCreate: (input: { name: string; expiresInMinutes: number }) => Promise<unknown> }) {
  const [name, setName] = useState('');
  const [expiresInMinutes, setExpiresInMinutes] = useState<number>(EXPIRY_CHOICES[0].minutes);
  const [nameError, setNameError] = useState<string | undefined>();
  const { busy, failure, submit, clearFailure } = useFormSubmission();

  const onSubmit = async (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    clearFailure();
    const parsed = AgentNameSchema.safeParse(name);
    if (!parsed.success) {
      setNameError(parsed.error.issues[0]?.message ?? 'Enter a name for the host');
      return;
    }
    setNameError(undefined);
    await submit(() => onCreate({ name: parsed.data, expiresInMinutes }));
  };

  return (
    <form className="grid gap-4" onSubmit={onSubmit} noValidate>
      <FormAlert message={failure} />
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
      <DialogFormFooter busy={busy} submitLabel="Create join command" busyLabel="Creating…" />
    </form>
  );
}
