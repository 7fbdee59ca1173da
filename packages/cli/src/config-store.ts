import { randomBytes } from 'node:crypto';
import { chmodSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { CliError } from './errors.js';

/** What `infrapilot login` remembers between runs. */
export interface StoredConfig {
  /** The server signed in to, e.g. http://localhost:8080. */
  server?: string;
  accessToken?: string;
  refreshToken?: string;
  /** The org chosen with `orgs use` or `login --org` (id or slug). */
  org?: string;
}

const FIELDS = ['server', 'accessToken', 'refreshToken', 'org'] as const;

/**
 * Where the credentials live: $INFRAPILOT_CONFIG (tests, several profiles), else
 * $XDG_CONFIG_HOME/infrapilot/config.json, else ~/.config/infrapilot/config.json.
 */
export function configPath(env: Record<string, string | undefined>, homeDir: string): string {
  if (env.INFRAPILOT_CONFIG) return env.INFRAPILOT_CONFIG;
  const configHome = env.XDG_CONFIG_HOME || join(homeDir, '.config');
  return join(configHome, 'infrapilot', 'config.json');
}

/** The credentials file: readable and writable by its owner only, replaced atomically. */
export class ConfigStore {
  constructor(readonly path: string) {}

  read(): StoredConfig {
    let text: string;
    try {
      text = readFileSync(this.path, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return {};
      throw error;
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      throw new CliError(`${this.path} is not valid JSON; fix or delete it and run \`infrapilot login\``);
    }
    const config: StoredConfig = {};
    if (parsed && typeof parsed === 'object') {
      for (const field of FIELDS) {
        const value = (parsed as Record<string, unknown>)[field];
        if (typeof value === 'string' && value) config[field] = value;
      }
    }
    return config;
  }

  /**
   * Replaces the file. Synchronous on purpose: the client reports rotated tokens from a
   * callback, and the new refresh token must be on disk before the old one is useless.
   */
  write(config: StoredConfig): void {
    const directory = dirname(this.path);
    const created = mkdirSync(directory, { recursive: true, mode: 0o700 });
    // Only a directory we made is ours to tighten; an existing one (e.g. ~/.config) is left alone.
    if (created) chmodSync(directory, 0o700);
    const clean = Object.fromEntries(FIELDS.filter((field) => config[field]).map((field) => [field, config[field]]));
    // Written beside the target and renamed over it, so a crash never leaves half a file
    // and the tokens are never readable by others, not even for a moment.
    const temporary = `${this.path}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
    try {
      writeFileSync(temporary, `${JSON.stringify(clean, null, 2)}\n`, { mode: 0o600, flag: 'wx' });
      chmodSync(temporary, 0o600);
      renameSync(temporary, this.path);
    } catch (error) {
      rmSync(temporary, { force: true });
      throw error;
    }
  }

  /** Changes some fields and keeps the rest (an undefined value removes a field). */
  update(changes: Partial<Record<keyof StoredConfig, string | undefined>>): StoredConfig {
    const next: StoredConfig = { ...this.read(), ...changes };
    this.write(next);
    return next;
  }
}
