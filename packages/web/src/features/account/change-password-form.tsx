import { NewPasswordSchema } from '@infrapilot/protocol';
import { type FormEvent, useState } from 'react';
import { Button } from '../../components/ui/button';
import { Card, CardHeader } from '../../components/ui/card';
import { FormAlert } from '../../components/ui/form-alert';
import { Field, Input } from '../../components/ui/input';
import { useToast } from '../../components/ui/toast';
import { useFormSubmission } from '../../lib/use-form-submission';

interface FieldErrors {
  currentPassword?: string;
  newPassword?: string;
  confirmPassword?: string;
}

/** What is wrong with the form before asking the server (empty when nothing is). */
function checkPasswordChange(input: { currentPassword: string; newPassword: string; confirmPassword: string }): FieldErrors {
  const errors: FieldErrors = {};
  if (!input.currentPassword) errors.currentPassword = 'Enter your current password';
  const parsed = NewPasswordSchema.safeParse(input.newPassword);
  if (!parsed.success) errors.newPassword = parsed.error.issues[0]?.message ?? 'Choose another password';
  else if (input.newPassword !== input.confirmPassword) errors.confirmPassword = 'The two new passwords differ; type the same one twice';
  return errors;
}

/** "Password changed; 2 other sessions signed out". */
function passwordChangedMessage(revokedSessions: number): string {
  return `Password changed; ${revokedSessions} other ${revokedSessions === 1 ? 'session' : 'sessions'} signed out`;
}

/** Changes my password; the server signs out my other sessions. */
export function ChangePasswordForm({
  changePassword,
}: {
  changePassword(input: { currentPassword: string; newPassword: string }): Promise<{ revokedSessions: number }>;
}) {
  const notify = useToast();
  const [fieldErrors, setFieldErrors] = useState<FieldErrors>({});
  const { busy, failure, submit, clearFailure } = useFormSubmission();

  const onSubmit = async (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const form = event.currentTarget;
    const data = new FormData(form);
    const currentPassword = String(data.get('currentPassword') ?? '');
    const newPassword = String(data.get('newPassword') ?? '');
    const problems = checkPasswordChange({ currentPassword, newPassword, confirmPassword: String(data.get('confirmPassword') ?? '') });
    setFieldErrors(problems);
    clearFailure();
    if (Object.keys(problems).length > 0) return;
    await submit(async () => {
      const { revokedSessions } = await changePassword({ currentPassword, newPassword });
      form.reset();
      notify({ title: passwordChangedMessage(revokedSessions) });
    });
  };

  return (
    <Card>
      <CardHeader title="Password" description="Changing it signs you out on every other device." />
      <form className="grid max-w-md gap-4" onSubmit={onSubmit} noValidate>
        <FormAlert message={failure} />
        <Field label="Current password" error={fieldErrors.currentPassword}>{(props) => <Input {...props} name="currentPassword" type="password" autoComplete="current-password" required />}</Field>
        <Field label="New password" hint="At least 12 characters. A few unrelated words make a good one." error={fieldErrors.newPassword}>
          {(props) => <Input {...props} name="newPassword" type="password" autoComplete="new-password" required />}
        </Field>
        <Field label="Confirm new password" error={fieldErrors.confirmPassword}>
          {(props) => <Input {...props} name="confirmPassword" type="password" autoComplete="new-password" required />}
        </Field>
        <div>
          <Button type="submit" disabled={busy}>
            {busy ? 'Changing password…' : 'Change password'}
          </Button>
        </div>
      </form>
    </Card>
  );
}
