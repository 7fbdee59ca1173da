import type { MfaEnableReply, MfaSetupReply } from '@infrapilot/protocol';
import { ShieldCheck } from 'lucide-react';
import { useState } from 'react';
import { Button } from '../../components/ui/button';
import { Card, CardHeader } from '../../components/ui/card';
import { useToast } from '../../components/ui/toast';
import { useFormSubmission } from '../../lib/use-form-submission';
import { DisableMfaDialog } from './disable-mfa-dialog';
import { MfaSetup } from './mfa-setup';
import { RecoveryCodes } from './recovery-codes';

/** The server calls the section needs; the page passes api.auth's, the tests pass fakes. */
export interface MfaActions {
  setup(): Promise<MfaSetupReply>;
  enable(code: string): Promise<MfaEnableReply>;
  disable(code: string): Promise<unknown>;
}

type Step = { name: 'idle' } | { name: 'setting-up'; setup: MfaSetupReply } | { name: 'showing-codes'; codes: string[] };

/**
 * Two-factor sign-in: off → "Enable MFA" → QR code and secret → first code → the recovery
 * codes, shown once → "Done". When on, "Disable MFA" asks for a code.
 */
export function MfaSection({ enabled, actions, onChanged }: { enabled: boolean; actions: MfaActions; onChanged(): Promise<void> | void }) {
  const notify = useToast();
  const [step, setStep] = useState<Step>({ name: 'idle' });
  const { busy, failure, submit, clearFailure } = useFormSubmission();

  // A failed re-read only leaves the badge stale; the next request shows the real problem.
  const refreshSession = () => Promise.resolve().then(onChanged).catch(() => undefined);
  const start = () => submit(async () => setStep({ name: 'setting-up', setup: await actions.setup() }));
  const confirm = (code: string) =>
    submit(async () => {
      const { recoveryCodes } = await actions.enable(code);
      setStep({ name: 'showing-codes', codes: recoveryCodes });
      // Re-read the session now, not on "Done": someone who leaves without pressing it
      // would otherwise come back to an "Enable MFA" button the server then refuses.
      void refreshSession();
    });
  const finish = () => setStep({ name: 'idle' });
  const cancel = () => {
    setStep({ name: 'idle' });
    clearFailure();
  };

  return (
    <Card>
      <CardHeader title="Two-factor authentication (MFA)" description="A code from an app on your phone, asked for after your password." />
      {step.name === 'showing-codes' ? (
        <RecoveryCodes codes={step.codes} onDone={finish} />
      ) : step.name === 'setting-up' ? (
        <MfaSetup setup={step.setup} busy={busy} error={failure} onConfirm={confirm} onCancel={cancel} />
      ) : enabled ? (
        <div className="flex flex-wrap items-center justify-between gap-3">
          <p className="flex items-center gap-2 text-sm font-medium text-success">
            <ShieldCheck className="h-4 w-4" aria-hidden />
            MFA is on
          </p>
          <DisableMfaDialog
            disable={actions.disable}
            onDisabled={() => {
              notify({ title: 'MFA disabled' });
              void refreshSession();
            }}
          />
        </div>
      ) : (
        <div className="grid gap-3">
          <p className="text-sm text-muted-foreground">MFA is off. With it on, a stolen password alone does not get anyone into your account.</p>
          {failure && (
            <p role="alert" className="text-sm text-destructive">
              {failure}
            </p>
          )}
          <div>
            <Button onClick={start} disabled={busy}>
              Enable MFA
            </Button>
          </div>
        </div>
      )}
    </Card>
  );
}
