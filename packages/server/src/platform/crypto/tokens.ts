import { createHash, randomBytes } from 'node:crypto';

/** A random, URL-safe secret with `bytes` bytes of entropy. */
export function randomToken(bytes = 32): string {
  return randomBytes(bytes).toString('base64url');
}

/**
 * How high-entropy secrets (refresh tokens, API keys, recovery codes) are stored: a
 * SHA-256 is enough because they cannot be guessed, and it allows a lookup by hash.
 */
export function hashToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}
