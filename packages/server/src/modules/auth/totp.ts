import { authenticator } from 'otplib';

const STEP_SECONDS = 30;

/** TOTP (RFC 6238) secrets and codes, accepting one step of clock drift either way. */
export const totp = {
  generateSecret(): string {
    return authenticator.generateSecret(20);
  },

  otpauthUri(accountEmail: string, secret: string): string {
    return authenticator.keyuri(accountEmail, 'InfraPilot', secret);
  },

  /** The time step the code belongs to, or null if the code is wrong at `now`. */
  matchingStep(code: string, secret: string, now: Date): number | null {
    if (!/^\d{6}$/.test(code)) return null;
    const checker = authenticator.clone({ window: 1, epoch: now.getTime() });
    const delta = checker.checkDelta(code, secret);
    if (delta === null) return null;
    return Math.floor(now.getTime() / 1000 / STEP_SECONDS) + delta;
  },

  /** The code for `at`; tests use this to play the authenticator app. */
  codeAt(secret: string, at: Date): string {
    return authenticator.clone({ epoch: at.getTime() }).generate(secret);
  },
};
