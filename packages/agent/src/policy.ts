// The host owner's word on what the control plane may do on this machine. The control
// plane cannot change this file; the agent reads it at start and refuses anything it
// does not allow. Every mistake in it is an error, never a silent default, because a
// misspelt key that fell back to a default could widen or narrow access unnoticed.
import { readFile } from 'node:fs/promises';
import { isIP } from 'node:net';
import { posix } from 'node:path';
import { LineCounter, parseDocument } from 'yaml';
import { z } from 'zod';

/** Where the agent looks for its policy unless told otherwise. */
export const DEFAULT_POLICY_PATH = '/etc/infrapilot/agent.yaml';

/** A capability the policy can allow or refuse. */
export type CapabilityName = 'system' | 'docker' | 'proxy' | 'exec' | 'jobs';

const DEFAULT_PROXY_PATHS = ['/etc/nginx/conf.d', '/etc/caddy/sites'];
const DEFAULT_BACKUP_PATHS = ['/var/backups/infrapilot'];

// Returns what is wrong with an absolute path, or undefined when it is fine. `.` and `..`
// are refused rather than resolved so that what the owner reads is what is enforced.
function absolutePathProblem(value: string): string | undefined {
  if (value.includes('\0')) return 'must not contain a NUL byte';
  if (!value.startsWith('/')) return `must be an absolute path, got "${value}"`;
  if (value.split('/').some((segment) => segment === '.' || segment === '..')) {
    return `must not contain "." or ".." segments, got "${value}"`;
  }
  return undefined;
}

// A program named by its absolute, normalised path (no PATH lookup, no `//` or trailing `/`).
function programPathProblem(program: string): string | undefined {
  return (
    absolutePathProblem(program) ??
    (posix.normalize(program) !== program || program.endsWith('/') ? `must be a normalised path, got "${program}"` : undefined)
  );
}

const DirectorySchema = z
  .string()
  .superRefine((value, ctx) => {
    const problem = absolutePathProblem(value);
    if (problem !== undefined) ctx.addIssue({ code: 'custom', message: problem });
  })
  // "/etc/nginx/conf.d/" and "/etc//nginx/conf.d" name the same directory; storing one
  // spelling keeps prefix checks by other modules simple.
  .transform((value) => {
    const normalised = posix.normalize(value);
    return normalised.length > 1 && normalised.endsWith('/') ? normalised.slice(0, -1) : normalised;
  });

const ArgumentPatternSchema = z
  .string()
  .min(1, 'must not be empty')
  .refine((value) => !value.includes('\0'), 'must not contain a NUL byte');

const CommandPatternSchema = z
  .array(ArgumentPatternSchema)
  .min(1, 'must name a program')
  .superRefine((pattern, ctx) => {
    const program = pattern[0];
    if (program !== undefined) {
      const problem = programPathProblem(program);
      if (problem !== undefined) {
        ctx.addIssue({ code: 'custom', path: [0], message: `program ${problem}` });
      }
    }
    pattern.forEach((argument, index) => {
      if (argument === '**' && index !== pattern.length - 1) {
        ctx.addIssue({ code: 'custom', path: [index], message: '"**" may only be the last element' });
      }
    });
  });

const CapabilitiesSchema = z
  .object({
    system: z
      .boolean()
      .refine((value) => value, 'cannot be turned off (ping, system.info and metrics are always on)')
      .default(true),
    docker: z.boolean().default(true),
    proxy: z.boolean().default(true),
    exec: z.boolean().default(false),
    jobs: z.boolean().default(false),
  })
  .strict();

/** Container actions the docker capability may take; stacks use the same list. */
export const DOCKER_ACTIONS = ['start', 'stop', 'restart', 'remove'] as const;
export type DockerActionName = (typeof DOCKER_ACTIONS)[number];

const DockerSchema = z
  .object({
    // Which actions the control plane may take on containers; reading is always allowed
    // while the docker capability is on. `[]` makes the host look-only.
    actions: z.array(z.enum(DOCKER_ACTIONS)).default(() => [...DOCKER_ACTIONS]),
  })
  .strict();

// A command the agent runs as it is (nginx -t, reload, start): the program by its
// absolute path, as in `commands`, so PATH never decides which program runs.
const ArgvSchema = z
  .array(ArgumentPatternSchema.refine((value) => value !== '*' && value !== '**', 'must be a plain argument, not a pattern'))
  .min(1, 'must name a program')
  .superRefine((argv, ctx) => {
    const program = argv[0];
    if (program === undefined) return;
    const problem = programPathProblem(program);
    if (problem !== undefined) ctx.addIssue({ code: 'custom', path: [0], message: `program ${problem}` });
  });

// What nginx's `listen` takes before ":<port>": every address, an IPv4 one, or IPv6 in brackets.
const ListenAddressSchema = z
  .string()
  .refine(
    (value) => value === '*' || isIP(value) === 4 || (/^\[[0-9a-fA-F:.]+\]$/.test(value) && isIP(value.slice(1, -1)) === 6),
    'must be an IPv4 address, an IPv6 address in brackets, or "*"',
  );

// The nginx directories end up unquoted in the configs the agent writes (root,
// access_log, ssl_certificate): a space, `;`, `{`, `#`, a quote or `$` would change what
// nginx reads, so such a directory is refused here, with its key path, at start.
const NginxDirectorySchema = DirectorySchema.refine(
  (value) => /^\/[A-Za-z0-9._@+/-]*$/.test(value),
  'may contain only letters, digits and . _ @ + / - (it is written unquoted into nginx configs)',
);

/**
 * How the proxy capability drives nginx. Every default follows Debian's layout, so a host
 * with Debian's nginx needs no setup; tests point these at their own nginx.
 */
const NginxSchema = z
  .object({
    // Where the agent writes one infrapilot-<id>.conf per proxy host (nginx.conf must include it).
    configDirectory: NginxDirectorySchema.default('/etc/nginx/conf.d'),
    // Certificates and keys of the proxy hosts (keys 0600).
    certificateDirectory: NginxDirectorySchema.default('/etc/nginx/infrapilot-certs'),
    // The webroot of ACME HTTP-01 answers, served under /.well-known/acme-challenge/.
    challengeDirectory: NginxDirectorySchema.default('/var/lib/infrapilot/acme-challenge'),
    // Each proxy host logs to <logDirectory>/infrapilot-<domain>.access.log and .error.log.
    logDirectory: NginxDirectorySchema.default('/var/log/nginx'),
    listenAddresses: z.array(ListenAddressSchema).min(1).default(() => ['*', '[::]']),
    httpPort: z.number().int().min(1).max(65535).default(80),
    httpsPort: z.number().int().min(1).max(65535).default(443),
    test: ArgvSchema.default(() => ['/usr/sbin/nginx', '-t']),
    reload: ArgvSchema.default(() => ['/usr/sbin/nginx', '-s', 'reload']),
    // Run when nginx is installed but its pid file names no live process.
    start: ArgvSchema.default(() => ['/usr/sbin/nginx']),
    pidFile: z
      .string()
      .superRefine((value, ctx) => {
        const problem = absolutePathProblem(value);
        if (problem !== undefined) ctx.addIssue({ code: 'custom', message: problem });
      })
      .default('/run/nginx.pid'),
  })
  .strict()
  // One port for both would make nginx serve TLS on the plain HTTP server blocks too.
  .refine((nginx) => nginx.httpPort !== nginx.httpsPort, { message: 'must differ from httpPort', path: ['httpsPort'] });

const ProxySchema = z
  .object({
    server: z.enum(['nginx']).default('nginx'),
    nginx: NginxSchema.prefault({}),
  })
  .strict();

const PathsSchema = z
  .object({
    proxy: z.array(DirectorySchema).default(() => [...DEFAULT_PROXY_PATHS]),
    backups: z.array(DirectorySchema).default(() => [...DEFAULT_BACKUP_PATHS]),
  })
  .strict();

/** The policy file's schema; every key is optional and unknown keys are errors. */
export const AgentPolicySchema = z
  .object({
    capabilities: CapabilitiesSchema.prefault({}),
    commands: z.array(CommandPatternSchema).default(() => []),
    paths: PathsSchema.prefault({}),
    docker: DockerSchema.prefault({}),
    proxy: ProxySchema.prefault({}),
  })
  .strict();

/** A validated policy, every default filled in. */
export type AgentPolicy = z.infer<typeof AgentPolicySchema>;

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null) {
    for (const child of Object.values(value)) deepFreeze(child);
    Object.freeze(value);
  }
  return value;
}

/** The policy of a host without a policy file: containers and proxy yes, shells and jobs no. */
export const DEFAULT_POLICY: AgentPolicy = deepFreeze({
  capabilities: { system: true, docker: true, proxy: true, exec: false, jobs: false },
  commands: [],
  paths: { proxy: [...DEFAULT_PROXY_PATHS], backups: [...DEFAULT_BACKUP_PATHS] },
  docker: { actions: [...DOCKER_ACTIONS] },
  proxy: AgentPolicySchema.shape.proxy.parse(undefined),
});

/** The policy file could not be read or is invalid; `problems` lists each one with its key path. */
export class PolicyError extends Error {
  override readonly name = 'PolicyError';

  constructor(
    readonly path: string,
    readonly problems: readonly string[],
    options?: ErrorOptions,
  ) {
    super(problems.map((problem) => `${path}: ${problem}`).join('\n'), options);
  }
}

function keyPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const key of path) {
    if (typeof key === 'number') out += `[${key}]`;
    else out += out === '' ? String(key) : `.${String(key)}`;
  }
  return out;
}

// Names types the way a YAML author thinks of them.
function yamlTypeName(value: unknown): string {
  if (value === null || value === undefined) return 'nothing';
  if (Array.isArray(value)) return 'list';
  if (typeof value === 'object') return 'mapping';
  return typeof value;
}

const YAML_TYPE_NAMES: Record<string, string> = { array: 'list', object: 'mapping' };

function describeIssue(issue: z.core.$ZodIssue): string[] {
  const at = (path: readonly PropertyKey[], message: string): string => {
    const where = keyPath(path);
    return where === '' ? message : `${where}: ${message}`;
  };
  switch (issue.code) {
    case 'unrecognized_keys':
      return issue.keys.map((key) => at([...issue.path, key], 'unknown key'));
    case 'invalid_type': {
      const expected = YAML_TYPE_NAMES[issue.expected] ?? issue.expected;
      let message = `expected ${expected}, got ${yamlTypeName(issue.input)}`;
      if (typeof issue.input === 'string') {
        message += ` "${issue.input}"`;
        // YAML 1.2 (what the yaml package reads) no longer treats yes/no/on/off as booleans.
        if (issue.expected === 'boolean' && /^(yes|no|on|off|y|n)$/i.test(issue.input)) {
          message += ' (write true or false)';
        }
      }
      if (issue.input === null && issue.expected === 'array') message += ' (write [] for none)';
      return [at(issue.path, message)];
    }
    default:
      return [at(issue.path, issue.message)];
  }
}

/** Validates already-parsed policy data, throwing a PolicyError that names `source` on failure. */
export function parsePolicy(data: unknown, source: string): AgentPolicy {
  // A file holding only comments is a policy that keeps every default.
  const result = AgentPolicySchema.safeParse(data ?? {}, { reportInput: true });
  if (result.success) return result.data;
  throw new PolicyError(source, result.error.issues.flatMap(describeIssue));
}

/** Reads the policy file; a missing file means the defaults, anything unreadable or invalid throws PolicyError. */
export async function loadPolicy(
  path: string = DEFAULT_POLICY_PATH,
): Promise<{ policy: AgentPolicy; source: 'file' | 'defaults' }> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
      return { policy: structuredClone(DEFAULT_POLICY), source: 'defaults' };
    }
    // An unreadable file is not the same as no file: the owner wrote something, so
    // running on defaults could allow what they meant to forbid.
    const reason = error instanceof Error ? error.message : String(error);
    throw new PolicyError(path, [`cannot read: ${reason}`], { cause: error });
  }
  // uniqueKeys (the default) makes a repeated key an error instead of last-one-wins.
  const lineCounter = new LineCounter();
  const document = parseDocument(text, { lineCounter, prettyErrors: false });
  if (document.errors.length > 0) {
    throw new PolicyError(
      path,
      document.errors.map(
        (error) => `line ${lineCounter.linePos(error.pos[0]).line}: ${error.message}`,
      ),
    );
  }
  let data: unknown;
  try {
    // toJS resolves aliases, so an unknown alias or an alias bomb surfaces only here.
    data = document.toJS();
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new PolicyError(path, [reason], { cause: error });
  }
  return { policy: parsePolicy(data, path), source: 'file' };
}

/** Whether the policy allows a capability; `system` is always allowed. */
export function capabilityAllowed(policy: AgentPolicy, name: CapabilityName): boolean {
  return name === 'system' || policy.capabilities[name];
}

function patternMatches(pattern: readonly string[], argv: readonly string[]): boolean {
  for (let i = 0; i < pattern.length; i++) {
    const expected = pattern[i];
    if (expected === '**') return true;
    const actual = argv[i];
    if (actual === undefined) return false;
    if (expected !== '*' && expected !== actual) return false;
  }
  return argv.length === pattern.length;
}

/**
 * Whether argv matches one of the policy's command patterns: `*` matches exactly one
 * argument, a trailing `**` matches any number of remaining arguments (none included),
 * anything else matches only itself.
 * @example commandAllowed(policy, ['/usr/bin/systemctl', 'restart', 'nginx'])
 */
export function commandAllowed(policy: AgentPolicy, argv: readonly string[]): boolean {
  if (argv.length === 0) return false;
  return policy.commands.some((pattern) => patternMatches(pattern, argv));
}

/** Whether the policy lets the control plane take this action on containers (and stacks). */
export function dockerActionAllowed(policy: AgentPolicy, action: DockerActionName): boolean {
  return capabilityAllowed(policy, 'docker') && policy.docker.actions.includes(action);
}
