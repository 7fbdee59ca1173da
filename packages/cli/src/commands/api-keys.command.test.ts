import { describe, expect, it } from 'vitest';
import { createCliHome } from '../test-helpers/run-cli.js';
import { useSignedInAdmin } from '../test-helpers/signed-in-admin.js';

describe('infrapilot api-keys / audit', () => {
  const { server, home } = useSignedInAdmin();

  it('creates a key whose secret is shown once and works with --api-key', async () => {
    const created = await home().run(['api-keys', 'create', 'ci deploy', '--role', 'operator']);
    expect(created.code).toBe(0);
    const secret = /Secret:\s+(ipk_\S+)/.exec(created.stdout)?.[1];
    expect(secret).toBeDefined();
    expect(created.stderr).toContain('will not be shown again');

    // A home with no session at all: the key alone is enough.
    const bare = createCliHome();
    try {
      const whoami = await bare.run(['whoami', '--server', server().baseUrl, '--api-key', secret!, '--json']);
      expect(whoami.code).toBe(0);
      expect(JSON.parse(whoami.stdout)).toMatchObject({ kind: 'api_key', apiKey: { name: 'ci deploy' }, org: { role: 'operator' } });

      const fromEnv = await bare.run(['whoami'], { env: { INFRAPILOT_SERVER: server().baseUrl, INFRAPILOT_API_KEY: secret! } });
      expect(fromEnv.code).toBe(0);
      expect(fromEnv.stdout).toMatch(/API key:\s+ci deploy/);

      const noServer = await bare.run(['whoami', '--api-key', secret!]);
      expect(noServer.stderr).toBe('error: no server given; pass --server URL or set INFRAPILOT_SERVER\n');
    } finally {
      bare.remove();
    }
  });

  it('lists and revokes keys; a revoked key stops working', async () => {
    const created = JSON.parse((await home().run(['api-keys', 'create', 'short-lived', '--role', 'viewer', '--json'])).stdout);
    const list = await home().run(['api-keys', 'list']);
    expect(list.stdout).toContain('short-lived');
    expect(list.stdout).not.toContain(created.secret);

    const revoked = await home().run(['api-keys', 'revoke', created.apiKey.id]);
    expect(revoked.code).toBe(0);
    const whoami = await home().run(['whoami', '--api-key', created.secret]);
    expect(whoami.code).toBe(1);
    expect(whoami.stderr).toMatch(/^error: [^\n]+\(unauthenticated\)[^\n]*\n$/);
  });

  it('checks --expires-at before sending it', async () => {
    const result = await home().run(['api-keys', 'create', 'x', '--role', 'viewer', '--expires-at', 'tomorrow']);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/^error: option '--expires-at <time>' argument 'tomorrow' is invalid\./);
  });

  it('shows the audit log as a table and as JSON, filtered', async () => {
    const table = await home().run(['audit', '--limit', '5']);
    expect(table.code).toBe(0);
    expect(table.stdout).toMatch(/│ time\s+│ actor\s+│ action\s+│ resource\s+│ status\s+│ ip\s+│/);
    expect(table.stdout).toContain('api_key.create');

    const json = await home().run(['audit', '--action', 'api_key.*', '--json']);
    const page = JSON.parse(json.stdout);
    expect(page.items.length).toBeGreaterThan(0);
    expect(page.items.every((entry: { action: string }) => entry.action.startsWith('api_key.'))).toBe(true);
  });
});
