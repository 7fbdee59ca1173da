import { ApiError } from '@infrapilot/client';

/** The server's own words for a refusal, or what broke on the way to it; fit for a toast or an inline alert. */
export function errorMessage(error: unknown): string {
  if (error instanceof ApiError && error.status === 0) return 'Cannot reach the server. Check your connection and retry.';
  return error instanceof Error ? error.message : String(error);
}
