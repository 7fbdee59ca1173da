import type { MfaSetupReply } from '@infrapilot/protocol';
import { type FormEvent, useState } from 'react';
import { Button } from '../../components/ui/button';
import { CopyButton } from '../../components/ui/copy-button';
import { AuthenticationCodeField } from './authentication-code-field';
import { QrCodeImage } from './qr-code-image';

/** Step two of turning MFA on: scan (or type) the new secret, then prove it with a first code. */
export function MfaSetup({
  setup,
  busy,
  error,
  onConfirm,
  onCancel,
}: {
  setup: MfaSetupReply;
  busy: boolean;
  error: string | null;
  onConfirm(code: string): void;
  onCancel(): void;
}) {
  const [code, setCode] = useState('');
  const onSubmit = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    onConfirm(code.replace(/\s/g, ''));
  };
  return (
    <div className="grid gap-4">
      <ol className="list-decimal space-y-1 pl-5 text-sm text-muted-foreground">
        <li>Scan the QR code with an authenticator app (Aegis, Google Authenticator, 1Password, …), or type the secret key into it.</li>
        <li>Enter the 6-digit code the app shows to confirm.</li>
      </ol>
      <div className="flex flex-col gap-4 sm:flex-row sm:items-start">
        <QrCodeImage text={setup.otpauthUri} alt="QR code for your authenticator app" />
        <div className="grid min-w-0 flex-1 gap-1.5">
          <span className="text-sm font-medium" aria-hidden>
            Secret key
          </span>
          <div className="flex items-start gap-2">
            <code aria-label="Secret key" className="block min-w-0 flex-1 break-all rounded-md bg-muted p-2 font-mono text-sm">
              {setup.secret}
            </code>
            {/* Not "Copy secret key": a search by the label "Secret key" must find only the key itself. */}
            <CopyButton text={setup.secret} label="Copy secret" />
          </div>
        </div>
      </div>
      <form className="grid max-w-xs gap-3" onSubmit={onSubmit}>
        <AuthenticationCodeField value={code} onChange={setCode} error={error} />
        <div className="flex gap-2">
          <Button type="button" variant="secondary" onClick={onCancel} disabled={busy}>
            Cancel
          </Button>
          <Button type="submit" disabled={busy}>
            Confirm
          </Button>
        </div>
      </form>
    </div>
  );
}
