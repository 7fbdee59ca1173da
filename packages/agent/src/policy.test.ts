import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  AgentPolicySchema,
  DEFAULT_POLICY,
  DEFAULT_POLICY_PATH,
  PolicyError,
  capabilityAllowed,
  commandAllowed,
  loadPolicy,
  type AgentPolicy,
} from './policy.js';

let dir: string;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'infrapilot-policy-'));
});

afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function policyFile(text: string): Promise<string> {
  const path = join(dir, 'agent.yaml');
  await writeFile(path, text);
  return path;
}

async function loadError(text: string): Promise<PolicyError> {
  const path = await policyFile(text);
  const error: unknown = await loadPolicy(path).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(PolicyError);
  return error as PolicyError;
}

function withCommands(commands: string[][]): AgentPolicy {
  return AgentPolicySchema.parse({ commands });
}

describe('loadPolicy', () => {
  it('looks in /etc/infrapilot by default', () => {
    expect(DEFAULT_POLICY_PATH).toBe('/etc/infrapilot/agent.yaml');
  });

  it('uses the safe defaults when the file does not exist', async () => {
    const { policy, source } = await loadPolicy(join(dir, 'missing.yaml'));
    expect(source).toBe('defaults');
    expect(policy).toEqual({
      capabilities: { system: true, docker: true, proxy: true, exec: false, jobs: false },
      commands: [],
      paths: {
        proxy: ['/etc/nginx/conf.d', '/etc/caddy/sites'],
        backups: ['/var/backups/infrapilot'],
      },
      docker: { actions: ['start', 'stop', 'restart', 'remove'] },
      // Debian's nginx layout, so a host with Debian's nginx needs no policy file.
      proxy: {
        server: 'nginx',
        nginx: {
          configDirectory: '/etc/nginx/conf.d',
          certificateDirectory: '/etc/nginx/infrapilot-certs',
          challengeDirectory: '/var/lib/infrapilot/acme-challenge',
          logDirectory: '/var/log/nginx',
          listenAddresses: ['*', '[::]'],
          httpPort: 80,
          httpsPort: 443,
          test: ['/usr/sbin/nginx', '-t'],
          reload: ['/usr/sbin/nginx', '-s', 'reload'],
          start: ['/usr/sbin/nginx'],
          pidFile: '/run/nginx.pid',
        },
      },
    });
    expect(policy).toEqual(DEFAULT_POLICY);
  });

  it('hands out a copy of the defaults that callers may change without affecting others', async () => {
    const { policy } = await loadPolicy(join(dir, 'missing.yaml'));
    policy.capabilities.exec = true;
    expect(DEFAULT_POLICY.capabilities.exec).toBe(false);
    expect(Object.isFrozen(DEFAULT_POLICY.paths.proxy)).toBe(true);
  });

  it('reads a valid file and fills the keys it leaves out with defaults', async () => {
    const path = await policyFile(`# What the control plane may do on this host.
capabilities:
  exec: true
  jobs: true
  proxy: false
commands:
  - ["/usr/bin/systemctl", "restart", "*"]
  - [/usr/bin/journalctl, "**"]
paths:
  proxy: ["/etc/caddy/sites/"]
`);
    const { policy, source } = await loadPolicy(path);

    expect(source).toBe('file');
    expect(policy).toEqual({
      capabilities: { system: true, docker: true, proxy: false, exec: true, jobs: true },
      commands: [
        ['/usr/bin/systemctl', 'restart', '*'],
        ['/usr/bin/journalctl', '**'],
      ],
      // A trailing slash names the same directory, so it is stored without one.
      paths: { proxy: ['/etc/caddy/sites'], backups: ['/var/backups/infrapilot'] },
      docker: { actions: ['start', 'stop', 'restart', 'remove'] },
      proxy: DEFAULT_POLICY.proxy,
    });
  });

  it('reads a proxy section and keeps the defaults of the nginx keys it leaves out', async () => {
    const path = await policyFile(`proxy:
  nginx:
    configDirectory: /srv/nginx/sites/
    listenAddresses: ["127.0.0.1", "[::1]"]
    httpPort: 8080
    httpsPort: 8443
    test: [/usr/sbin/nginx, -t, -c, /srv/nginx/nginx.conf]
    pidFile: /srv/nginx/nginx.pid
`);
    const { policy } = await loadPolicy(path);
    expect(policy.proxy).toEqual({
      server: 'nginx',
      nginx: {
        ...DEFAULT_POLICY.proxy.nginx,
        configDirectory: '/srv/nginx/sites',
        listenAddresses: ['127.0.0.1', '[::1]'],
        httpPort: 8080,
        httpsPort: 8443,
        test: ['/usr/sbin/nginx', '-t', '-c', '/srv/nginx/nginx.conf'],
        pidFile: '/srv/nginx/nginx.pid',
      },
    });
  });

  it('refuses each bad proxy value, naming its key path', async () => {
    const error = await loadError(`proxy:
  server: caddy
  nginx:
    configDirectory: etc/nginx
    certificateDirectory: "/etc/nginx/my certs"
    challengeDirectory: /var/lib/$acme
    listenAddresses: ["0.0.0.0:80", "::", "300.1.1.1"]
    httpPort: 70000
    test: [nginx, -t]
    reload: []
    start: [/usr/sbin/nginx, "*"]
    pidFile: run/nginx.pid
    worker: 4
`);
    expect(error.problems).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^proxy\.server: /),
        'proxy.nginx.configDirectory: must be an absolute path, got "etc/nginx"',
        expect.stringMatching(/^proxy\.nginx\.certificateDirectory: may contain only letters, digits/),
        expect.stringMatching(/^proxy\.nginx\.challengeDirectory: may contain only letters, digits/),
        'proxy.nginx.listenAddresses[0]: must be an IPv4 address, an IPv6 address in brackets, or "*"',
        'proxy.nginx.listenAddresses[1]: must be an IPv4 address, an IPv6 address in brackets, or "*"',
        'proxy.nginx.listenAddresses[2]: must be an IPv4 address, an IPv6 address in brackets, or "*"',
        expect.stringMatching(/^proxy\.nginx\.httpPort: /),
        'proxy.nginx.test[0]: program must be an absolute path, got "nginx"',
        'proxy.nginx.reload: must name a program',
        'proxy.nginx.start[1]: must be a plain argument, not a pattern',
        'proxy.nginx.pidFile: must be an absolute path, got "run/nginx.pid"',
        'proxy.nginx.worker: unknown key',
      ]),
    );
    expect(error.problems).toHaveLength(13);
  });

  it('refuses the same port for HTTP and HTTPS', async () => {
    const error = await loadError('proxy:\n  nginx:\n    httpPort: 8080\n    httpsPort: 8080\n');
    expect(error.problems).toEqual(['proxy.nginx.httpsPort: must differ from httpPort']);
  });

  it('treats a file holding only comments as the defaults', async () => {
    const path = await policyFile('# capabilities:\n#   exec: true\n');
    expect(await loadPolicy(path)).toEqual({ policy: DEFAULT_POLICY, source: 'file' });
  });

  it('refuses an unknown key and names it with its path', async () => {
    const error = await loadError('capabilities:\n  exce: true\n');
    expect(error.message).toBe(`${join(dir, 'agent.yaml')}: capabilities.exce: unknown key`);
    expect(error.problems).toEqual(['capabilities.exce: unknown key']);
  });

  it('refuses an unknown top-level key', async () => {
    const error = await loadError('capabilites:\n  exec: true\n');
    expect(error.problems).toEqual(['capabilites: unknown key']);
  });

  it('refuses a value of the wrong type, hinting at YAML 1.2 booleans', async () => {
    const error = await loadError('capabilities:\n  exec: yes\n');
    expect(error.message).toMatch(/agent\.yaml: capabilities\.exec: expected boolean/);
    expect(error.problems).toEqual([
      'capabilities.exec: expected boolean, got string "yes" (write true or false)',
    ]);
  });

  it('lists every problem, each with its key path', async () => {
    const error = await loadError(`capabilities:
  docker: 1
paths:
  proxy: [etc/nginx]
  backups:
commands:
  - []
`);
    expect(error.problems).toEqual(
      expect.arrayContaining([
        'capabilities.docker: expected boolean, got number',
        'paths.proxy[0]: must be an absolute path, got "etc/nginx"',
        'paths.backups: expected list, got nothing (write [] for none)',
        'commands[0]: must name a program',
      ]),
    );
    expect(error.problems).toHaveLength(4);
    for (const line of error.message.split('\n')) expect(line).toMatch(/agent\.yaml: /);
  });

  it('refuses a relative path', async () => {
    const error = await loadError('paths:\n  backups: ["backups"]\n');
    expect(error.problems).toEqual(['paths.backups[0]: must be an absolute path, got "backups"']);
  });

  it('refuses a path that climbs out with ..', async () => {
    const error = await loadError('paths:\n  proxy: ["/etc/nginx/../../root"]\n');
    expect(error.problems[0]).toMatch(/^paths\.proxy\[0\]: must not contain "\." or "\.\." segments/);
  });

  it('refuses a path with a NUL byte', async () => {
    const error = await loadError('paths:\n  proxy: ["/etc/nginx\\0/x"]\n');
    expect(error.problems).toEqual(['paths.proxy[0]: must not contain a NUL byte']);
  });

  it('refuses a command pattern whose program is not an absolute path', async () => {
    const error = await loadError('commands:\n  - ["systemctl", "restart", "*"]\n');
    expect(error.problems).toEqual([
      'commands[0][0]: program must be an absolute path, got "systemctl"',
    ]);
  });

  it('refuses an empty argument and a ** that is not last', async () => {
    const error = await loadError('commands:\n  - ["/usr/bin/rsync", "", "**", "/srv"]\n');
    expect(error.problems).toEqual([
      'commands[0][1]: must not be empty',
      'commands[0][2]: "**" may only be the last element',
    ]);
  });

  it('refuses to turn off the system capability', async () => {
    const error = await loadError('capabilities:\n  system: false\n');
    expect(error.problems[0]).toMatch(/^capabilities\.system: cannot be turned off/);
  });

  it('refuses a file that is not a mapping', async () => {
    const error = await loadError('- exec\n- jobs\n');
    expect(error.problems).toEqual(['expected mapping, got list']);
  });

  it('refuses malformed YAML, naming the line', async () => {
    const error = await loadError('capabilities:\n  exec: true\n  exec: false\n');
    expect(error.problems).toHaveLength(1);
    expect(error.problems[0]).toMatch(/^line 3: .*unique/);
  });

  it('refuses an alias to an anchor that does not exist', async () => {
    const error = await loadError('capabilities:\n  exec: *yes\n');
    expect(error.problems).toHaveLength(1);
    expect(error.problems[0]).toMatch(/yes/);
  });

  it('refuses a file it cannot read instead of falling back to the defaults', async () => {
    const path = join(dir, 'agent.yaml');
    await mkdir(path);
    const error: unknown = await loadPolicy(path).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PolicyError);
    expect((error as PolicyError).message).toMatch(/agent\.yaml: cannot read: /);
  });
});

describe('commandAllowed', () => {
  const policy = withCommands([
    ['/usr/bin/systemctl', 'restart', '*'],
    ['/usr/bin/journalctl', '-u', '*', '**'],
    ['/usr/bin/docker', 'system', 'prune', '-f'],
  ]);

  it('matches one argument with *', () => {
    expect(commandAllowed(policy, ['/usr/bin/systemctl', 'restart', 'nginx'])).toBe(true);
  });

  it('does not let * stand for no argument or for several', () => {
    expect(commandAllowed(policy, ['/usr/bin/systemctl', 'restart'])).toBe(false);
    expect(commandAllowed(policy, ['/usr/bin/systemctl', 'restart', 'nginx', 'sshd'])).toBe(false);
  });

  it('matches any number of remaining arguments with **, none included', () => {
    expect(commandAllowed(policy, ['/usr/bin/journalctl', '-u', 'nginx'])).toBe(true);
    expect(
      commandAllowed(policy, ['/usr/bin/journalctl', '-u', 'nginx', '--since', '1 hour ago']),
    ).toBe(true);
    expect(commandAllowed(policy, ['/usr/bin/journalctl', '-u'])).toBe(false);
  });

  it('matches literal arguments exactly', () => {
    expect(commandAllowed(policy, ['/usr/bin/docker', 'system', 'prune', '-f'])).toBe(true);
    expect(commandAllowed(policy, ['/usr/bin/docker', 'system', 'prune', '-af'])).toBe(false);
    expect(commandAllowed(policy, ['/usr/bin/systemctl', 'stop', 'nginx'])).toBe(false);
  });

  it('matches the program by its exact path', () => {
    expect(commandAllowed(policy, ['systemctl', 'restart', 'nginx'])).toBe(false);
    expect(commandAllowed(policy, ['/bin/systemctl', 'restart', 'nginx'])).toBe(false);
  });

  it('allows nothing with an empty argv or no patterns', () => {
    expect(commandAllowed(policy, [])).toBe(false);
    expect(commandAllowed(DEFAULT_POLICY, ['/usr/bin/systemctl', 'restart', 'nginx'])).toBe(false);
  });
});

describe('capabilityAllowed', () => {
  it('follows the policy for every capability but system', () => {
    const policy = AgentPolicySchema.parse({ capabilities: { docker: false, exec: true } });
    expect(capabilityAllowed(policy, 'docker')).toBe(false);
    expect(capabilityAllowed(policy, 'exec')).toBe(true);
    expect(capabilityAllowed(policy, 'proxy')).toBe(true);
    expect(capabilityAllowed(policy, 'jobs')).toBe(false);
  });

  it('always allows system', () => {
    expect(capabilityAllowed(DEFAULT_POLICY, 'system')).toBe(true);
  });

  it('keeps exec and jobs off by default', () => {
    expect(capabilityAllowed(DEFAULT_POLICY, 'exec')).toBe(false);
    expect(capabilityAllowed(DEFAULT_POLICY, 'jobs')).toBe(false);
  });
});
