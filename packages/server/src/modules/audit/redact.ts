const SECRET_KEY = /pass(word)?|secret|token|api[-_]?key|^key$|private|credential|code|otp|authorization|cookie/i;
export const REDACTED = '[REDACTED]';

/**
 * A copy of a request body fit for the audit log: any field whose name suggests a
 * secret is replaced, at any depth, and very large values are cut.
 */
export function redactSecrets(value: unknown, depth = 0): unknown {
  if (depth > 8) return '[TRUNCATED]';
  if (Array.isArray(value)) return value.slice(0, 100).map((item) => redactSecrets(item, depth + 1));
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value as Record<string, unknown>).map(([key, field]) => [
        key,
        SECRET_KEY.test(key) ? REDACTED : redactSecrets(field, depth + 1),
      ]),
    );
  }
  if (typeof value === 'string' && value.length > 2000) return `${value.slice(0, 2000)}…`;
  return value;
}
