import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

const KEY_BYTES = 32;

function decodeKey(text: string, origin: string): Buffer {
  const trimmed = text.trim();
  const key = /^[0-9a-f]{64}$/i.test(trimmed) ? Buffer.from(trimmed, 'hex') : Buffer.from(trimmed, 'base64');
  if (key.length !== KEY_BYTES) {
    throw new Error(`${origin} must hold 32 bytes as 64 hex characters or base64 (got ${key.length} bytes)`);
  }
  return key;
}

/**
 * The key every secret at rest is sealed under: INFRAPILOT_MASTER_KEY when set,
 * otherwise `<data dir>/master.key`, created with mode 0600 on first start.
 */
export function loadMasterKey(options: { fromEnvironment: string | undefined; keyFile: string }): Buffer {
  if (options.fromEnvironment) return decodeKey(options.fromEnvironment, 'INFRAPILOT_MASTER_KEY');
  if (existsSync(options.keyFile)) return decodeKey(readFileSync(options.keyFile, 'utf8'), options.keyFile);
  mkdirSync(dirname(options.keyFile), { recursive: true });
  const key = randomBytes(KEY_BYTES);
  // 'wx' fails if another process created it meanwhile, rather than overwriting its key.
  writeFileSync(options.keyFile, `${key.toString('base64')}\n`, { mode: 0o600, flag: 'wx' });
  return key;
}
