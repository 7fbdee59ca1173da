import { type FormEvent, useState } from 'react';
import { Button } from '../../components/ui/button';
import { Dialog, DialogClose, DialogContent, DialogFooter, DialogTrigger } from '../../components/ui/dialog';
import { Field, Input } from '../../components/ui/input';
import { formErrorMessage } from './form-error';

/** Turning MFA off asks for a current code, so a stolen session alone cannot do it. */
export function DisableMfaDialog({ disable, onDisabled }: { disable(code: string): Promise<unknown>; onDisabled(): void }) {
  const [open, setOpen] = useState(false);
  const [code, setCode] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const onOpenChange = (next: boolean) => {
    setOpen(next);
    setCode('');
    setError(null);
  };

  const onSubmit = async (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      await disable(code.trim());
      setOpen(false);
      onDisabled();
    } catch (failure) {
      setError(formErrorMessage(failure));
    } finally {
      setBusy(false);
    }
  };

  return (
    <Dialog open={open} onOpenChange={onOpenChange}>
      <DialogTrigger asChild>
        <Button variant="destructive">Disable MFA</Button>
      </DialogTrigger>
      <DialogContent title="Disable MFA" description="Enter a code from your authenticator app, or one of your recovery codes. Signing in will then need only your password.">
        <form onSubmit={onSubmit}>
          <Field label="Authentication code" error={error ?? undefined}>
            {(props) => (
              <Input
                {...props}
                name="code"
                value={code}
                onChange={(event) => setCode(event.target.value)}
                autoComplete="one-time-code"
                maxLength={32}
                required
                autoFocus
              />
            )}
          </Field>
          <DialogFooter>
            <DialogClose asChild>
              <Button variant="secondary">Cancel</Button>
            </DialogClose>
            <Button type="submit" variant="destructive" disabled={busy}>
              Disable MFA
            </Button>
          </DialogFooter>
        </form>
      </DialogContent>
    </Dialog>
  );
}
