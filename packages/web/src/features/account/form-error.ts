import { ApiError } from '@infrapilot/client';
import { describeError } from '../../components/ui/states';

/**
 * The message a form shows when the server refuses it. A wrong password or code answers
 * 401 with its own code and a message meant for people; the generic "session ended"
 * wording would be wrong there, since the session is fine.
 */
export function formErrorMessage(error: unknown): string {
  if (error instanceof ApiError) {
    if (error.status === 401 && error.code !== 'unauthenticated') return error.message;
    if (error.status === 400 || error.status === 409) return error.message;
    if (error.status === 429) {
      return error.retryAfterSeconds ? `${error.message}. Try again in ${error.retryAfterSeconds} s.` : `${error.message}. Wait a moment, then try again.`;
    }
  }
  return describeError(error).title;
}
