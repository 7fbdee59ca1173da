import { InfraPilotClient } from '@infrapilot/client';

/** Fired when the server refuses to refresh the session: the app shows the sign-in page. */
export const sessionEnded = new EventTarget();

/**
 * The one API client of the web app. The refresh token stays in the server's httpOnly
 * cookie; the access token lives only in this object's memory, never in storage.
 */
export const api = new InfraPilotClient({
  baseUrl: window.location.origin,
  refreshTokenDelivery: 'cookie',
  onTokens: (tokens) => {
    if (!tokens) sessionEnded.dispatchEvent(new Event('ended'));
  },
});
