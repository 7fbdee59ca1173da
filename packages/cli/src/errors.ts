import { ApiError } from '@infrapilot/client';

/** A failure the user can act on; printed as its message alone, never with a stack. */
export class CliError extends Error {
  override readonly name = 'CliError';
}

/** One line saying what went wrong: the API's message and code, or the error's message. */
export function describeError(error: unknown): string {
  if (error instanceof ApiError) {
    const parts = [`${error.message} (${error.code})`];
    // Many messages already spell out their details, under another name for the field
    // ("certificatePem: ..." for the path body.certificatePem), so a detail whose message
    // the message holds is not said again, whatever its path.
    const details = error.details
      .filter((detail) => !error.message.includes(detail.message))
      .map((detail) => (detail.path ? `${detail.path}: ${detail.message}` : detail.message));
    if (details.length > 0) parts.push(details.join('; '));
    if (error.retryAfterSeconds !== undefined) parts.push(`retry in ${error.retryAfterSeconds}s`);
    // A 401 on a stored session means it expired or was revoked; say how to recover.
    if (error.status === 401 && error.code === 'unauthenticated') parts.push('run `infrapilot login` to sign in again');
    return oneLine(parts.join('; '));
  }
  if (error instanceof Error) return oneLine(error.message);
  return oneLine(String(error));
}

// The contract is one line on stderr, so a multi-line message is folded.
function oneLine(text: string): string {
  return text.replace(/\s*\n\s*/g, ' ').trim();
}
