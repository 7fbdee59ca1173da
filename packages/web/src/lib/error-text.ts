import { ApiError } from '@infrapilot/client';

/**
 * Errors in words for people: what went wrong, and what they can do about it. Every page
 * and form turns a failed request into text through here, so the same failure reads the
 * same everywhere.
 */

/** A failed load, for a page or a card (ErrorState): a short title and a hint that says what to do. */
export function describeError(error: unknown): { title: string; hint: string } {
  if (error instanceof ApiError) {
    if (error.status === 0) return { title: 'Cannot reach the server', hint: 'Check that InfraPilot is running and your network is up, then retry.' };
    if (error.status === 401) return { title: 'Your session has ended', hint: 'Sign in again to continue.' };
    if (error.status === 403) return { title: 'Not allowed', hint: `${error.message}. Ask a super admin of this organization for access.` };
    if (error.status === 404) return { title: 'Not found', hint: 'It may have been removed, or it belongs to another organization.' };
    if (error.status === 503) return { title: 'Unavailable right now', hint: `${error.message}. Retry in a moment.` };
    return { title: error.message, hint: error.requestId ? `Request id ${error.requestId} — quote it when asking for help.` : 'Retry, or check the server log.' };
  }
  return { title: 'Something went wrong', hint: error instanceof Error ? error.message : String(error) };
}

/** Refusals whose message the server writes for the person who sent the form ("That e-mail is taken"). */
const STATUSES_WITH_THE_SERVERS_WORDS = new Set([400, 403, 409, 422]);

/**
 * One line for a form or dialog whose request failed (FormAlert, or a toast). The server's
 * own words where it refused what was sent; otherwise describeError's title.
 */
export function formErrorMessage(error: unknown): string {
  if (error instanceof ApiError) {
    if (error.status === 0) {
      const { title, hint } = describeError(error);
      return `${title}. ${hint}`;
    }
    // A wrong password or code answers 401 with its own code and a message meant for
    // people; only "unauthenticated" means the session ended.
    if (error.status === 401 && error.code !== 'unauthenticated') return error.message;
    if (STATUSES_WITH_THE_SERVERS_WORDS.has(error.status)) return error.message;
    if (error.status === 429) {
      // The server's message already says how long to wait.
      return error.message;
    }
  }
  return describeError(error).title;
}

/**
 * formErrorMessage for the sign-in page, where every refusal is the server's answer to what
 * was typed. Signed out, a 401 never means an ended session: it is a wrong password or
 * code, or a sign-in step that expired, and the server's message says which.
 */
export function signInErrorMessage(error: unknown): string {
  return error instanceof ApiError && error.status >= 400 && error.status < 500 ? error.message : formErrorMessage(error);
}
