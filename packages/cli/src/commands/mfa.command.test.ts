import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { totp } from '../../../server/src/modules/auth/totp.js';
import { startTestServer, type TestServer } from '../../../server/src/test-helpers/test-server.js';
import { type CliHome, createCliHome } from '../test-helpers/run-cli.js';

describe('infrapilot mfa / password', () => {
  const email = 'self-service@example.com';
  const password = 'a long enough password';
  let server: TestServer;
  let home: CliHome;
  beforeAll(async () => {
    server = await startTestServer('sqlite');
    await server.admin.users.create({ email, password, role: 'viewer' });
    home = createCliHome();
    expect((await home.run(['login', '--server', server.baseUrl, '--email', email, '--password', password])).code).toBe(0);
  });
  afterAll(async () => {
    home?.remove();
    await server?.destroy();
  });

  it('sets up MFA, prints ten recovery codes once, and turns it off with one of them', async () => {
    const setup = await home.run(['mfa', 'setup']);
    expect(setup.code).toBe(0);
    const secret = /Secret:\s+(\S+)/.exec(setup.stdout)?.[1];
    expect(setup.stdout).toMatch(/URI:\s+otpauth:\/\//);

    const enable = await home.run(['mfa', 'enable', totp.codeAt(secret!, server.clock.now())]);
    expect(enable.code).toBe(0);
    const recoveryCodes = enable.stdout.split('\n').filter((line) => line.startsWith('  ')).map((line) => line.trim());
    expect(recoveryCodes).toHaveLength(10);
    expect(JSON.parse((await home.run(['whoami', '--json'])).stdout).user.mfaEnabled).toBe(true);

    const disable = await home.run(['mfa', 'disable', recoveryCodes[0]!]);
    expect(disable).toMatchObject({ code: 0, stdout: 'MFA is off.\n' });
  });

  it('changes the password from answers on stdin and keeps this session', async () => {
    const other = await server.signIn(email, password);
    const result = await home.run(['password'], { stdin: `${password}\nan even longer new password\n` });
    expect(result.code).toBe(0);
    expect(result.stdout).toBe('Password changed; signed out 1 other session(s).\n');
    await expect(other.auth.me()).rejects.toMatchObject({ status: 401 });
    expect((await home.run(['whoami'])).code).toBe(0);
    await expect(server.signIn(email, 'an even longer new password')).resolves.toBeDefined();
  });
});
