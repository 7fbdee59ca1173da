import { type FormEvent, useState } from 'react';
import { Navigate, useLocation, useNavigate } from 'react-router';
import { useSession } from '../../app/session';
import { Button } from '../../components/ui/button';
import { FormAlert } from '../../components/ui/form-alert';
import { Field, Input } from '../../components/ui/input';
import { signInErrorMessage } from '../../lib/error-text';
import { useFormSubmission } from '../../lib/use-form-submission';
import { AuthenticationCodeField } from '../account/authentication-code-field';

/** Sign-in: e-mail and password, then the TOTP (or recovery code) step when MFA is on. */
export function LoginPage() {
  const session = useSession();
  const navigate = useNavigate();
  const location = useLocation();
  const [mfaToken, setMfaToken] = useState<string | null>(null);
  const [code, setCode] = useState('');
  const { busy, failure, submit } = useFormSubmission(signInErrorMessage);
  const from = (location.state as { from?: string } | null)?.from ?? '/';

  if (session.state === 'signed-in') return <Navigate to={from} replace />;

  const run = (event: FormEvent<HTMLFormElement>, step: (form: FormData) => Promise<void>) => {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    return submit(() => step(form));
  };

  return (
    <main className="flex min-h-screen items-center justify-center bg-muted/50 p-4">
      <div className="w-full max-w-sm rounded-lg border border-border bg-card p-6 shadow-sm">
        <div className="mb-6 flex items-center gap-2">
          <img src="/favicon.svg" alt="" className="h-8 w-8" />
          <h1 className="text-xl font-semibold">Sign in to InfraPilot</h1>
        </div>
        <FormAlert message={failure} className="mb-4" />
        {mfaToken === null ? (
          <form
            className="grid gap-4"
            onSubmit={(event) =>
              run(event, async (form) => {
                const step = await session.signIn(String(form.get('email')), String(form.get('password')));
                if (step.done) navigate(from, { replace: true });
                else setMfaToken(step.mfaToken);
              })
            }
          >
            <Field label="Email">{(props) => <Input {...props} name="email" type="email" autoComplete="username" required autoFocus />}</Field>
            <Field label="Password">{(props) => <Input {...props} name="password" type="password" autoComplete="current-password" required />}</Field>
            <Button type="submit" disabled={busy}>
              {busy ? 'Signing in…' : 'Sign in'}
            </Button>
          </form>
        ) : (
          <form
            className="grid gap-4"
            onSubmit={(event) =>
              run(event, async () => {
                await session.verifyMfa(mfaToken, code.trim());
                navigate(from, { replace: true });
              })
            }
          >
            <p className="text-sm text-muted-foreground">Enter the 6-digit code from your authenticator app, or one of your recovery codes.</p>
            {/* The refusal shows in the FormAlert above, as for the password step. */}
            <AuthenticationCodeField value={code} onChange={setCode} error={null} acceptsRecoveryCode />
            <div className="flex gap-2">
              <Button
                type="button"
                variant="secondary"
                onClick={() => {
                  setMfaToken(null);
                  setCode('');
                }}
              >
                Back
              </Button>
              <Button type="submit" className="flex-1" disabled={busy}>
                {busy ? 'Verifying…' : 'Verify'}
              </Button>
            </div>
          </form>
        )}
      </div>
    </main>
  );
}
