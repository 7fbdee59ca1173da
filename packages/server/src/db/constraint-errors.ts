const SQLITE_CONSTRAINT_UNIQUE = 2067;
const SQLITE_CONSTRAINT_PRIMARYKEY = 1555;
const POSTGRES_UNIQUE_VIOLATION = '23505';

/**
 * Whether a database error is a unique-constraint violation, on either engine. Services
 * check for duplicates first; this catches the two requests that pass that check at once.
 */
export function isUniqueViolation(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const { code, errcode } = error as { code?: unknown; errcode?: unknown };
  if (code === POSTGRES_UNIQUE_VIOLATION) return true;
  return code === 'ERR_SQLITE_ERROR' && (errcode === SQLITE_CONSTRAINT_UNIQUE || errcode === SQLITE_CONSTRAINT_PRIMARYKEY);
}
