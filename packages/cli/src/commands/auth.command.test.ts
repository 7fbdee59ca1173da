import { statSync } from 'node:fs';
import { dirname } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { totp } from '../../../server/src/modules/auth/totp.js';
import { ADMIN_EMAIL, ADMIN_PASSWORD, startTestServer, type TestServer } from '../../../server/src/test-helpers/test-server.js';
import { ConfigStore } from '../config-store.js';
import { type CliHome, createCliHome } from '../test-helpers/run-cli.js';

describe('infrapilot login / whoami / logout', () => {
  let server: TestServer;
  let home: CliHome;
  beforeAll(async () => {
    server = await startTestServer('sqlite');
  });
  afterAll(async () => {
    await server?.destroy();
  });

  const login = (target: CliHome, email = ADMIN_EMAIL, password = ADMIN_PASSWORD) =>
    target.run(['login', '--server', server.baseUrl, '--email', email, '--password', password]);

  it('refuses a command before anyone signed in', async () => {
    home = createCliHome();
    const result = await home.run(['whoami', '--server', server.baseUrl]);
    expect(result.code).toBe(1);
    expect(result.stderr).toBe('error: not signed in; run `infrapilot login`\n');
    expect(result.stdout).toBe('');
  });

  it('stores the session in a 0600 file and whoami shows the admin', async () => {
    const result = await login(home);
    expect(result).toMatchObject({ code: 0 });
    expect(result.stdout).toContain(`Signed in to ${server.baseUrl} as ${ADMIN_EMAIL}`);
    expect(statSync(home.configPath).mode & 0o777).toBe(0o600);
    expect(statSync(dirname(home.configPath)).mode & 0o777).toBe(0o700);
    const stored = home.stored();
    expect(stored).toMatchObject({ server: server.baseUrl, accessToken: expect.any(String), refreshToken: expect.any(String) });

    const whoami = await home.run(['whoami']);
    expect(whoami.code).toBe(0);
    expect(whoami.stdout).toContain(ADMIN_EMAIL);
    expect(whoami.stdout).toMatch(/Role:\s+super_admin/);
    expect(whoami.stdout).toMatch(/MFA:\s+off/);
  });

  it('prints the raw reply with --json, before or after the subcommand', async () => {
    for (const args of [['whoami', '--json'], ['--json', 'whoami']]) {
      const result = await home.run(args);
      expect(result.code).toBe(0);
      const me = JSON.parse(result.stdout);
      expect(me).toMatchObject({ kind: 'user', user: { email: ADMIN_EMAIL }, org: { slug: 'default', role: 'super_admin' } });
    }
  });

  it('reads the password from stdin when it is not a terminal', async () => {
    const other = createCliHome();
    try {
      const result = await other.run(['login', '--server', server.baseUrl], { stdin: `${ADMIN_EMAIL}\n${ADMIN_PASSWORD}\n` });
      expect(result.code).toBe(0);
      expect(result.stderr).toContain('E-mail: ');
      expect(result.stderr).toContain('Password: ');
      expect(result.stderr).not.toContain(ADMIN_PASSWORD);
    } finally {
      other.remove();
    }
  });

  it('answers a wrong password with one line naming the API error', async () => {
    const other = createCliHome();
    try {
      const result = await login(other, ADMIN_EMAIL, 'not the password at all');
      expect(result.code).toBe(1);
      expect(result.stderr).toBe('error: Invalid e-mail or password (invalid_credentials)\n');
    } finally {
      other.remove();
    }
  });

  it('asks for a TOTP code when the account has MFA on', async () => {
    const email = 'mfa-person@example.com';
    const password = 'a long enough password';
    await server.admin.users.create({ email, password, role: 'operator' });
    const person = await server.signIn(email, password);
    const { secret } = await person.auth.setupMfa();
    await person.auth.enableMfa(totp.codeAt(secret, server.clock.now()));
    // A code is accepted once per time step; the sign-in needs the next step's code.
    server.clock.advance(30_000);

    const other = createCliHome();
    try {
      const result = await other.run(['login', '--server', server.baseUrl, '--email', email, '--password', password], {
        stdin: `${totp.codeAt(secret, server.clock.now())}\n`,
      });
      expect(result.stderr).toContain('TOTP code (or recovery code): ');
      expect(result.code).toBe(0);
      const whoami = await other.run(['whoami', '--json']);
      expect(JSON.parse(whoami.stdout)).toMatchObject({ user: { email, mfaEnabled: true }, org: { role: 'operator' } });
    } finally {
      other.remove();
    }
  });

  it('says which flag to use when MFA needs a code and stdin is empty', async () => {
    const other = createCliHome();
    try {
      const result = await login(other, 'mfa-person@example.com', 'a long enough password');
      expect(result.code).toBe(1);
      expect(result.stderr).toMatch(/^TOTP code \(or recovery code\): \nerror: no input for "TOTP code \(or recovery code\)"; pass --code\n$/);
    } finally {
      other.remove();
    }
  });

  it('persists the rotated tokens when the access token expired', async () => {
    const before = home.stored();
    server.clock.advance(16 * 60_000);
    const first = await home.run(['whoami', '--json']);
    expect(first.code).toBe(0);
    const after = home.stored();
    expect(after.refreshToken).not.toBe(before.refreshToken);
    expect(after.accessToken).not.toBe(before.accessToken);
    // The old refresh token is spent; only the persisted one keeps the next run signed in.
    server.clock.advance(16 * 60_000);
    const second = await home.run(['whoami', '--json']);
    expect(second.code).toBe(0);
    expect(JSON.parse(second.stdout).user.email).toBe(ADMIN_EMAIL);
    expect(home.stored().refreshToken).not.toBe(after.refreshToken);
  });

  it('never sends the stored tokens to another server', async () => {
    const result = await home.run(['whoami', '--server', 'http://127.0.0.1:9']);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/^error: not signed in to http:\/\/127\.0\.0\.1:9 .*\n$/);
  });

  it('logs out on the server and forgets the tokens', async () => {
    const tokens = home.stored();
    const result = await home.run(['logout']);
    expect(result.code).toBe(0);
    expect(home.stored()).toEqual({ server: server.baseUrl });
    const again = await home.run(['whoami']);
    expect(again.stderr).toBe('error: not signed in; run `infrapilot login`\n');
    // The session is gone on the server too, not just locally.
    await expect(server.anonymous().auth.refresh(tokens.refreshToken)).rejects.toMatchObject({ status: 401 });
  });

  it('forgets the tokens even when the server cannot be reached, and says so', async () => {
    await login(home);
    const unreachable = createCliHome();
    try {
      // The same session, stored as if the server lived on a closed port.
      new ConfigStore(unreachable.configPath).write({ ...home.stored(), server: 'http://127.0.0.1:9' });
      const result = await unreachable.run(['logout']);
      expect(result.code).toBe(0);
      expect(result.stderr).toContain('warning: could not sign out on the server');
      expect(unreachable.stored()).toEqual({ server: 'http://127.0.0.1:9' });
    } finally {
      unreachable.remove();
      home.remove();
    }
  });
});
