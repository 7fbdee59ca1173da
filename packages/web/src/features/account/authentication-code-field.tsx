import { Field, Input } from '../../components/ui/input';

/**
 * The "Authentication code" field: the digits from the authenticator app, or, where
 * `acceptsRecoveryCode`, one of the recovery codes (letters too, so no number keypad).
 */
export function AuthenticationCodeField({
  value,
  onChange,
  error,
  acceptsRecoveryCode = false,
}: {
  value: string;
  onChange: (value: string) => void;
  error: string | null;
  acceptsRecoveryCode?: boolean;
}) {
  // Recovery codes are upper-case letters and digits: capitals on phone keyboards, no spelling fixes.
  const codeRules = acceptsRecoveryCode
    ? { maxLength: 32, autoCapitalize: 'characters', spellCheck: false }
    : { inputMode: 'numeric' as const, pattern: '[0-9 ]*', maxLength: 8 };
  return (
    <Field label="Authentication code" error={error ?? undefined}>
      {(props) => (
        <Input
          {...props}
          {...codeRules}
          name="code"
          value={value}
          onChange={(event) => onChange(event.target.value)}
          autoComplete="one-time-code"
          required
          autoFocus
        />
      )}
    </Field>
  );
}
