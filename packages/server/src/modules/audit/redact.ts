const SECRET_KEY = /pass(word)?|secret|token|api[-_]?key|^key$|private|credential|code|otp|authorization|cookie/i;
export const REDACTED = '[REDACTED]';
/** Fields holding environment variables: their names are worth keeping, their values never. */
const ENVIRONMENT_KEY = /^(env|environment|environmentVariables)$/i;

// ["DB_PASSWORD=hunter2"] → ["DB_PASSWORD=[REDACTED]"]; { DB_PASSWORD: "hunter2" } → { DB_PASSWORD: "[REDACTED]" }.
function redactEnvironment(value: unknown): unknown {
  if (Array.isArray(value)) {
    return value.slice(0, 100).map((item) => (typeof item === 'string' && item.includes('=') ? `${item.slice(0, item.indexOf('='))}=${REDACTED}` : REDACTED));
  }
  if (value !== null && typeof value === 'object') return Object.fromEntries(Object.keys(value).map((name) => [name, REDACTED]));
  return REDACTED;
}

/**
 * A copy of a request body fit for the audit log: any field whose name suggests a
 * secret is replaced, at any depth, environment variables keep only their names, and
 * very large values are cut.
 */
export function redactSecrets(value: unknown, depth = 0): unknown {
  if (depth > 8) return '[TRUNCATED]';
  if (Array.isArray(value)) return value.slice(0, 100).map((item) => redactSecrets(item, depth + 1));
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value as Record<string, unknown>).map(([key, field]) => [
        key,
        SECRET_KEY.test(key) ? REDACTED : ENVIRONMENT_KEY.test(key) ? redactEnvironment(field) : redactSecrets(field, depth + 1),
      ]),
    );
  }
  if (typeof value === 'string' && value.length > 2000) return `${value.slice(0, 2000)}…`;
  return value;
}
