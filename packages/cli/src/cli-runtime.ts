import { createRequire } from 'node:module';
import { InfraPilotClient, type StoredTokens } from '@infrapilot/client';
import type { Command } from 'commander';
import { ConfigStore, configPath, type StoredConfig } from './config-store.js';
import type { CliContext } from './context.js';
import { CliError } from './errors.js';
import { Output } from './output.js';
import { createPrompter, type Prompter } from './prompt.js';

/** The options every command accepts (declared once on the root program). */
export interface GlobalOptions {
  json?: boolean;
  server?: string;
  org?: string;
  apiKey?: string;
}

/** Where `login` goes when nothing else names a server: the default of `infrapilot up`. */
export const DEFAULT_SERVER = 'http://localhost:8080';

// Read at run time so the version is said once, in package.json (same path from src/ and dist/).
const CLI_VERSION = (createRequire(import.meta.url)('../package.json') as { version: string }).version;

/** State of one CLI invocation: its context, the credentials file, prompts, and API clients. */
export class CliRuntime {
  readonly store: ConfigStore;
  readonly version = CLI_VERSION;
  private prompterInstance: Prompter | undefined;

  constructor(readonly context: CliContext) {
    this.store = new ConfigStore(configPath(context.env, context.homeDir));
  }

  /** The global options as seen from inside a subcommand. */
  globals(command: Command): GlobalOptions {
    return command.optsWithGlobals<GlobalOptions>();
  }

  output(command: Command): Output {
    return new Output(this.context.stdout, this.context.stderr, this.globals(command).json === true);
  }

  /** Created on first use, so commands that never ask leave stdin untouched. */
  get prompter(): Prompter {
    this.prompterInstance ??= createPrompter(this.context);
    return this.prompterInstance;
  }

  /** Called once the command finished, whatever happened. */
  close(): void {
    this.prompterInstance?.close();
  }

  /** The server to talk to: --server, then $INFRAPILOT_SERVER, then the stored one. */
  serverUrl(globals: GlobalOptions, stored: StoredConfig): string | undefined {
    const given = globals.server ?? this.context.env.INFRAPILOT_SERVER;
    if (given) return normalizeServerUrl(given);
    return stored.server;
  }

  /** A client that is not signed in (for `login`). */
  anonymousClient(server: string, org?: string): InfraPilotClient {
    return new InfraPilotClient({ baseUrl: server, org, userAgent: this.userAgent });
  }

  /**
   * A signed-in client: with an API key (--api-key or $INFRAPILOT_API_KEY) if one is
   * given, otherwise with the stored tokens, persisting every rotated pair.
   */
  client(command: Command): InfraPilotClient {
    const globals = this.globals(command);
    const stored = this.store.read();
    const server = this.serverUrl(globals, stored);
    const apiKey = globals.apiKey ?? this.context.env.INFRAPILOT_API_KEY;
    if (apiKey) {
      if (!server) throw new CliError('no server given; pass --server URL or set INFRAPILOT_SERVER');
      // A key belongs to one org; an org stored for the signed-in person would only get in its way.
      return new InfraPilotClient({ baseUrl: server, apiKey, org: globals.org, userAgent: this.userAgent });
    }
    if (!stored.accessToken || !stored.refreshToken || !stored.server) {
      throw new CliError('not signed in; run `infrapilot login`');
    }
    // Never send the tokens of one server to another.
    if (server && server !== stored.server) {
      throw new CliError(`not signed in to ${server} (signed in to ${stored.server}); run \`infrapilot login --server ${server}\``);
    }
    return new InfraPilotClient({
      baseUrl: stored.server,
      tokens: { accessToken: stored.accessToken, refreshToken: stored.refreshToken },
      org: globals.org ?? stored.org,
      userAgent: this.userAgent,
      onTokens: (tokens) => this.persistTokens(tokens),
    });
  }

  /**
   * Refresh tokens work once, so a rotated pair must reach the disk before anything else
   * happens, or the next run is logged out. The client also reports null when a refresh
   * fails for any reason, a network blip included; the stored pair is kept then (a dead
   * one only earns a 401 that says to sign in again) and removed only by `logout`.
   */
  private persistTokens(tokens: StoredTokens | null): void {
    if (!tokens) return;
    this.store.update({ accessToken: tokens.accessToken, refreshToken: tokens.refreshToken });
  }

  private get userAgent(): string {
    return `infrapilot-cli/${this.version}`;
  }
}

/** A server URL as stored and compared: http(s), no trailing slash, no /api/v1. */
export function normalizeServerUrl(value: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new CliError(`invalid server URL "${value}"; expected e.g. ${DEFAULT_SERVER}`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new CliError(`invalid server URL "${value}"; use http:// or https://`);
  return `${url.origin}${url.pathname.replace(/\/+$/, '').replace(/\/api\/v1$/, '')}`;
}
