import { existsSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AgentEnrollment } from '@infrapilot/protocol';
import { afterAll, describe, expect, it } from 'vitest';
import { eventually } from '../../../server/src/test-helpers/test-agent.js';
import type { CliRun } from '../test-helpers/run-cli.js';
import { useSignedInAdmin } from '../test-helpers/signed-in-admin.js';

describe('infrapilot agent join / run', () => {
  const { server, home } = useSignedInAdmin();
  const directories: string[] = [];

  afterAll(() => {
    for (const directory of directories) rmSync(directory, { recursive: true, force: true });
  });

  const stateDir = (): string => {
    const directory = join(mkdtempSync(join(tmpdir(), 'infrapilot-agent-cli-')), 'state');
    directories.push(directory);
    return directory;
  };
  // A path that does not exist: the safe default policy, whatever this machine has in /etc.
  const noPolicy = () => join(tmpdir(), 'infrapilot-no-such-policy.yaml');

  const runJoin = (enrollment: AgentEnrollment, directory: string) =>
    home().run(['agent', 'join', '--server', enrollment.serverUrl, '--token', enrollment.token, '--ca-hash', enrollment.caHash, '--state-dir', directory]);

  const joined = async (name: string): Promise<{ agentId: string; directory: string }> => {
    const directory = stateDir();
    const result = await runJoin(await server().admin.agents.create({ name }), directory);
    expect(result.code).toBe(0);
    const agentId = /as agent (\S+)\./.exec(result.stdout)?.[1];
    expect(agentId).toBeDefined();
    return { agentId: agentId!, directory };
  };

  it('refuses a server whose CA does not match --ca-hash, names the mismatch and stores nothing', async () => {
    const enrollment = await server().admin.agents.create({ name: 'pinned' });
    const directory = stateDir();
    const wrongHash = `sha256:${'0'.repeat(64)}`;
    const result = await home().run(['agent', 'join', '--server', enrollment.serverUrl, '--token', enrollment.token, '--ca-hash', wrongHash, '--state-dir', directory]);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/^error: [^\n]*does not match the pinned CA[^\n]*\n$/);
    expect(result.stderr).toContain(`expected ${wrongHash}`);
    expect(result.stderr).toContain(enrollment.caHash);
    expect(existsSync(directory) ? readdirSync(directory) : []).toEqual([]);
    // Nothing was sent: the token is still unused.
    const open = await server().admin.agents.enrollmentTokens();
    expect(open.items.map((token) => token.id)).toContain(enrollment.enrollmentToken.id);
  });

  it('joins, keeps its identity in files only the owner can read, and refuses to join twice without --force', async () => {
    const enrollment = await server().admin.agents.create({ name: 'joiner' });
    const directory = stateDir();
    const result = await runJoin(enrollment, directory);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^Joined https:\/\/\S+ as agent \S+\.\n/);
    const files = readdirSync(directory).sort();
    expect(files).toEqual(['agent.crt', 'agent.key', 'ca.crt', 'identity.json']);
    for (const file of files) expect(statSync(join(directory, file)).mode & 0o777).toBe(0o600);

    const again = await runJoin(await server().admin.agents.create({ name: 'joiner-again' }), directory);
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/^error: [^\n]*already holds agent [^\n]*--force[^\n]*\n$/);
  });

  it('says which flag is missing', async () => {
    const result = await home().run(['agent', 'join', '--token', 'ipe_x', '--ca-hash', 'sha256:00']);
    expect(result).toMatchObject({ code: 1, stderr: 'error: --server is required: the gRPC URL from the join command\n' });
  });

  it('runs until SIGINT, showing as active meanwhile, and stops gracefully', async () => {
    const { agentId, directory } = await joined('runner');
    const running = home().run(['agent', 'run', '--state-dir', directory, '--policy', noPolicy()]);
    await eventually(async () => {
      const agent = await server().admin.agents.get(agentId);
      return agent.status === 'active' && agent.connected;
    }, 'the agent shows as active and connected');

    // What the runtime does on a real signal, without signalling the test runner's process.
    process.emit('SIGINT', 'SIGINT');
    expect((await running).code).toBe(0);
    await eventually(async () => !(await server().admin.agents.get(agentId)).connected, 'the agent disconnects');
  });

  it('exits 78 when the control plane removes the agent', async () => {
    const { agentId, directory } = await joined('removed');
    let finished: CliRun | undefined;
    const running = home()
      .run(['agent', 'run', '--state-dir', directory, '--policy', noPolicy()])
      .then((result) => (finished = result));
    await eventually(async () => (await server().admin.agents.get(agentId)).connected, 'the agent connects');

    await server().admin.agents.remove(agentId);
    await running;
    expect(finished?.code).toBe(78);
  });

  it('refuses to run before joining, and with an invalid policy file', async () => {
    const notJoined = await home().run(['agent', 'run', '--state-dir', stateDir(), '--policy', noPolicy()]);
    expect(notJoined.code).toBe(1);
    expect(notJoined.stderr).toMatch(/^error: No agent identity in [^\n]+"infrapilot agent join"[^\n]*\n$/);

    const { directory } = await joined('strict');
    const policy = join(directory, '..', 'agent.yaml');
    writeFileSync(policy, 'capabilities:\n  exec: yes\n');
    const invalid = await home().run(['agent', 'run', '--state-dir', directory, '--policy', policy]);
    expect(invalid.code).toBe(1);
    expect(invalid.stderr).toBe(`error: ${policy}: capabilities.exec: expected boolean, got string "yes" (write true or false)\n`);
  });
});
