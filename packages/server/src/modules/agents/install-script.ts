// The one-line installer (`curl -fsSL <public URL>/install.sh | sh -s -- ...`): the
// template lives in the repository as deploy/install.sh, a plain shell script that
// shellcheck and `sh -n` can read, and is filled in here per request.
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** What the control plane bakes into the installer it serves. */
export interface InstallScriptValues {
  /** Where the script downloads the agent: `<publicUrl>/downloads/agent.js`. */
  publicUrl: string;
  /** The gRPC URL the agent joins unless `--server` says otherwise. */
  agentServerUrl: string;
  /** Hex sha256 of the agent bundle; the script verifies its download against it. */
  agentSha256: string | undefined;
}

/** Single-quotes a value as one POSIX shell word, whatever it holds. */
function shellWord(value: string): string {
  return `'${value.replace(/'/g, `'\\''`)}'`;
}

/**
 * Fills the template's `@@NAME@@` placeholders, each becoming one quoted shell word.
 * An unknown placeholder is a template bug and throws, rather than shipping a script
 * that runs with a literal `@@NAME@@` in it.
 */
export function renderInstallScript(template: string, values: InstallScriptValues): string {
  const words: Record<string, string> = {
    PUBLIC_URL: values.publicUrl.replace(/\/+$/, ''),
    AGENT_SERVER_URL: values.agentServerUrl.replace(/\/+$/, ''),
    AGENT_SHA256: values.agentSha256 ?? '',
  };
  return template.replace(/@@([A-Z0-9_]+)@@/g, (_placeholder, name: string) => {
    const value = words[name];
    if (value === undefined) throw new Error(`deploy/install.sh has an unknown placeholder @@${name}@@`);
    return shellWord(value);
  });
}

/**
 * Finds deploy/install.sh by walking up from this module, so the same code works from
 * src (tests, tsx), from dist, and from a bundle placed anywhere in the repository.
 */
export function findInstallScriptTemplate(from: string = dirname(fileURLToPath(import.meta.url))): string | undefined {
  let directory = from;
  for (;;) {
    const candidate = join(directory, 'deploy', 'install.sh');
    if (existsSync(candidate)) return candidate;
    const parent = dirname(directory);
    if (parent === directory) return undefined;
    directory = parent;
  }
}

/** Reads the installer template, or undefined when this installation has none. */
export async function loadInstallScriptTemplate(): Promise<string | undefined> {
  const path = findInstallScriptTemplate();
  return path === undefined ? undefined : readFile(path, 'utf8');
}
