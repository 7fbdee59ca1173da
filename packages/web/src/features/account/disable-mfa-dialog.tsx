import { useState } from 'react';
import { Button } from '../../components/ui/button';
import { Dialog, DialogContent, DialogFormFooter, DialogTrigger } from '../../components/ui/dialog';
import { useFormSubmission } from '../../lib/use-form-submission';
import { AuthenticationCodeField } from './authentication-code-field';

/** Turning MFA off asks for a current code, so a stolen session alone cannot do it. */
export function DisableMfaDialog({ disable, onDisabled }: { disable(code: string): Promise<unknown>; onDisabled(): void }) {
  const [open, setOpen] = useState(false);
  return (
    <Dialog open={open} onOpenChange={setOpen}>
      <DialogTrigger asChild>
        <Button variant="destructive">Disable MFA</Button>
      </DialogTrigger>
      <DialogContent title="Disable MFA" description="Enter a code from your authenticator app, or one of your recovery codes. Signing in will then need only your password.">
        <DisableMfaForm
          disable={async (code) => {
            await disable(code);
            setOpen(false);
            onDisabled();
          }}
        />
      </DialogContent>
    </Dialog>
  );
}

/** Inside the dialog's content, so closing the dialog forgets the code and the error. */
function DisableMfaForm({ disable }: { disable(code: string): Promise<unknown> }) {
  const [code, setCode] = useState('');
  const { busy, failure, submit } = useFormSubmission();
  return (
    <form
      onSubmit={(event) => {
        event.preventDefault();
        void submit(() => disable(code.trim()));
      }}
    >
      <AuthenticationCodeField value={code} onChange={setCode} error={failure} acceptsRecoveryCode />
      <DialogFormFooter busy={busy} submitLabel="Disable MFA" variant="destructive" />
    </form>
  );
}
