import { randomInt } from 'node:crypto';
import { hashToken } from '../../platform/crypto/tokens.js';

const ALPHABET = 'ABCDEFGHJKLMNPQRSTUVWXYZ23456789'; // no 0/O or 1/I to misread
export const RECOVERY_CODE_COUNT = 10;

/** A code like `K7QPM-ZX2RD`: 10 characters from 32, 50 bits. */
export function generateRecoveryCode(): string {
  const characters = Array.from({ length: 10 }, () => ALPHABET[randomInt(ALPHABET.length)]);
  return `${characters.slice(0, 5).join('')}-${characters.slice(5).join('')}`;
}

/** People type codes in any case, with or without the dash. */
export function hashRecoveryCode(code: string): string {
  return hashToken(code.toUpperCase().replace(/[^A-Z0-9]/g, ''));
}
