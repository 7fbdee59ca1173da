import type { Agent } from '@infrapilot/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, startTestAgent, type TestAgent } from '../../../server/src/test-helpers/test-agent.js';
import { useSignedInAdmin } from '../test-helpers/signed-in-admin.js';

describe('infrapilot agents', () => {
  const { server, home } = useSignedInAdmin();
  let host: TestAgent | undefined;

  beforeAll(async () => {
    host = await startTestAgent(server().admin, 'cli-host');
    await eventually(async () => {
      const agent = await server().admin.agents.get(host!.agentId);
      return agent.status === 'active' && agent.connected && agent.live !== null;
    }, 'the test agent becomes active with figures');
  });

  afterAll(async () => {
    await host?.destroy();
  });

  it('adds a host: prints the join command, the installer line and the expiry, and the token once', async () => {
    const added = await home().run(['agents', 'add', 'web-1', '--expires-in', '30']);
    expect(added.code).toBe(0);
    expect(added.stdout).toMatch(/^ {2}infrapilot agent join --server https:\/\/\S+ --token ipe_\S+ --ca-hash sha256:[0-9a-f]{64}$/m);
    expect(added.stdout).toMatch(/^ {2}curl -fsSL http:\/\/\S+\/install\.sh \| sh -s -- --token ipe_\S+ --ca-hash sha256:[0-9a-f]{64}$/m);
    expect(added.stdout).toMatch(/^Expires: \d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}Z$/m);
    expect(added.stderr).toContain('shown only now');

    const tokens = await home().run(['agents', 'tokens']);
    expect(tokens.stdout).toMatch(/│ id\s+│ name\s+│ created\s+│ expires\s+│/);
    expect(tokens.stdout).toContain('web-1');
    // The token itself is never listed, only its id.
    const token = /--token (ipe_\S+)/.exec(added.stdout)?.[1];
    expect(tokens.stdout).not.toContain(token);
  });

  it('prints the enrollment as JSON with --json, and revokes an unused token', async () => {
    const added = await home().run(['agents', 'add', 'web-2', '--json']);
    expect(added.code).toBe(0);
    const enrollment = JSON.parse(added.stdout);
    expect(enrollment).toMatchObject({ enrollmentToken: { name: 'web-2' }, token: expect.stringMatching(/^ipe_/), caHash: expect.stringMatching(/^sha256:/) });

    const revoked = await home().run(['agents', 'revoke-token', enrollment.enrollmentToken.id]);
    expect(revoked).toMatchObject({ code: 0, stdout: `Revoked enrollment token ${enrollment.enrollmentToken.id}; it can no longer enroll a host.\n` });
    const tokens = JSON.parse((await home().run(['agents', 'tokens', '--json'])).stdout);
    expect(tokens.items.map((item: { id: string }) => item.id)).not.toContain(enrollment.enrollmentToken.id);
  });

  it('lists hosts with status, connection, version and live figures', async () => {
    const list = await home().run(['agents', 'list']);
    expect(list.code).toBe(0);
    expect(list.stdout).toMatch(/│ id\s+│ name\s+│ hostname\s+│ status\s+│ connected\s+│ version\s+│ last seen\s+│ CPU %\s+│ memory\s+│/);
    const row = list.stdout.split('\n').find((line) => line.includes(host!.agentId));
    expect(row).toMatch(/│ cli-host\s+│ cli-host\.test\s+│ active\s+│ yes\s+│ \S+\s+│ \d{4}-\d{2}-\d{2} [\d:]+Z\s+│ \d+\.\d\s+│ [\d.]+ \w+ \/ [\d.]+ \w+\s+│/);

    const json = JSON.parse((await home().run(['agents', '--json'])).stdout);
    expect(json.items).toContainEqual(expect.objectContaining({ id: host!.agentId, status: 'active', connected: true }));
  });

  it('shows one host with its OS, capabilities, certificate and figures per disk', async () => {
    const agent: Agent = await server().admin.agents.get(host!.agentId);
    const shown = await home().run(['agents', 'show', host!.agentId]);
    expect(shown.code).toBe(0);
    expect(shown.stdout).toMatch(/^Status:\s+active, connected$/m);
    expect(shown.stdout).toMatch(new RegExp(`^OS:\\s+${escape(agent.os!.name)} \\(`, 'm'));
    expect(shown.stdout).toMatch(/^Capabilities:\s+.*system/m);
    expect(shown.stdout).toMatch(/^Certificate:\s+expires \d{4}-\d{2}-\d{2} [\d:]+Z$/m);
    expect(shown.stdout).toMatch(/^CPU:\s+\d+\.\d %$/m);
    for (const disk of agent.live!.disks) expect(shown.stdout).toContain(`│ ${disk.mountPoint} `);
  });

  it('pings a host and prints the round trip', async () => {
    const ping = await home().run(['agents', 'ping', host!.agentId]);
    expect(ping.code).toBe(0);
    expect(ping.stdout).toMatch(new RegExp(`^Reply from ${host!.agentId} in \\d+\\.\\d ms\\.\\n$`));
  });

  it('prints what the host reports about itself', async () => {
    const info = await home().run(['agents', 'info', host!.agentId]);
    expect(info.code).toBe(0);
    expect(info.stdout).toMatch(/^Hostname:\s+\S+$/m);
    expect(info.stdout).toMatch(/^CPUs:\s+\d+ × /m);
    expect(info.stdout).toMatch(/^Capabilities:\s+.*system/m);
  });

  it('prints the figures over time as a table of points', async () => {
    const to = new Date(server().clock.now().getTime() + 60_000).toISOString();
    const from = new Date(server().clock.now().getTime() - 3_600_000).toISOString();
    const json = JSON.parse((await home().run(['agents', 'metrics', host!.agentId, '--from', from, '--to', to, '--step', '60', '--json'])).stdout);
    expect(json).toMatchObject({ agentId: host!.agentId, stepSeconds: 60 });
    expect(json.points.length).toBeGreaterThan(0);

    const table = await home().run(['agents', 'metrics', host!.agentId, '--from', from, '--to', to, '--step', '60']);
    expect(table.code).toBe(0);
    expect(table.stdout).toMatch(/│ time\s+│ samples\s+│ CPU %\s+│ memory\s+│ disk\s+│ load 1m\s+│ net in\/s\s+│ net out\/s\s+│/);
    expect(table.stderr).toContain('60 s per point');
  });

  it('checks --expires-in and --step before asking the server', async () => {
    const expires = await home().run(['agents', 'add', 'x', '--expires-in', '2']);
    expect(expires.code).toBe(1);
    expect(expires.stderr).toMatch(/^error: option '--expires-in <minutes>' argument '2' is invalid\./);
    const step = await home().run(['agents', 'metrics', host!.agentId, '--step', 'often']);
    expect(step.code).toBe(1);
    expect(step.stderr).toMatch(/^error: option '--step <seconds>' argument 'often' is invalid\./);
  });

  it('removes a host, which is then not found', async () => {
    const other = await startTestAgent(server().admin, 'doomed');
    try {
      const removed = await home().run(['agents', 'remove', other.agentId]);
      expect(removed).toMatchObject({ code: 0, stdout: `Removed agent doomed (${other.agentId}); its certificate is revoked.\n` });
      const shown = await home().run(['agents', 'show', other.agentId]);
      expect(shown.code).toBe(1);
      expect(shown.stderr).toMatch(/^error: [^\n]+\(not_found\)\n$/);
    } finally {
      await other.destroy();
    }
  });
});

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
