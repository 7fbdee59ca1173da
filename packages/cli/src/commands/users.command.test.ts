import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { ADMIN_EMAIL } from '../../../server/src/test-helpers/test-server.js';
import { useSignedInAdmin } from '../test-helpers/signed-in-admin.js';

describe('infrapilot users / members / orgs', () => {
  const { server, home } = useSignedInAdmin();

  it('creates a user with a generated password shown once, then changes its role', async () => {
    const created = await home().run(['users', 'create', 'new-person@example.com', '--role', 'viewer', '--name', 'New Person']);
    expect(created.code).toBe(0);
    const password = /Initial password: (\S+)/.exec(created.stdout)?.[1];
    expect(password).toBeDefined();
    expect(created.stderr).toContain('shown only now');
    const id = /Id:\s+(\S+)/.exec(created.stdout)?.[1];

    const changed = await home().run(['members', 'set-role', id!, 'operator']);
    expect(changed).toMatchObject({ code: 0, stdout: 'new-person@example.com is now operator.\n' });

    const members = await home().run(['members', 'list', '--json']);
    const page = JSON.parse(members.stdout);
    expect(page.items).toContainEqual(expect.objectContaining({ id, email: 'new-person@example.com', role: 'operator' }));
    // The generated password works.
    await expect(server().signIn('new-person@example.com', password!)).resolves.toBeDefined();
  });

  it('lists people as a table', async () => {
    const result = await home().run(['users']);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/│ id\s+│ email\s+│ name\s+│ role\s+│ status\s+│ mfa\s+│ last sign-in\s+│/);
    expect(result.stdout).toContain(ADMIN_EMAIL);
  });

  it('disables and enables an account', async () => {
    const created = JSON.parse((await home().run(['users', 'create', 'on-off@example.com', '--role', 'viewer', '--json'])).stdout);
    expect(created.initialPassword).toEqual(expect.any(String));
    expect((await home().run(['users', 'disable', created.user.id])).stdout).toBe('on-off@example.com is disabled.\n');
    expect((await home().run(['users', 'enable', created.user.id])).stdout).toBe('on-off@example.com is enabled.\n');
  });

  it("resets someone's forgotten password and lost MFA, and lists and ends sessions", async () => {
    const created = JSON.parse((await home().run(['users', 'create', 'forgetful@example.com', '--role', 'viewer', '--json'])).stdout);
    const reset = await home().run(['users', 'reset-password', created.user.id]);
    expect(reset.code).toBe(0);
    const password = /New password: (\S+)/.exec(reset.stdout)?.[1];
    expect(password).toBeDefined();
    await expect(server().signIn('forgetful@example.com', password!)).resolves.toBeDefined();
    expect(await home().run(['users', 'reset-mfa', created.user.id])).toMatchObject({ code: 0 });

    const sessions = JSON.parse((await home().run(['sessions', '--json'])).stdout);
    const current = sessions.items.find((session: { current: boolean }) => session.current);
    expect(current).toBeDefined();
    const table = await home().run(['sessions', 'list']);
    expect(table.stdout).toContain(current.id);
  });

  it('answers an unknown member with one error line and a non-zero exit', async () => {
    const result = await home().run(['members', 'set-role', randomUUID(), 'viewer']);
    expect(result.code).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr).toMatch(/^error: [^\n]+\(not_found\)\n$/);
  });

  it('folds a validation error with its field into one line', async () => {
    const result = await home().run(['members', 'set-role', 'not-a-uuid', 'viewer']);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/^error: [^\n]*userId[^\n]*\(validation_failed\)[^\n]*\n$/);
  });

  it('rejects an unknown role before asking the server', async () => {
    const result = await home().run(['users', 'create', 'x@example.com', '--role', 'owner']);
    expect(result.code).toBe(1);
    expect(result.stderr).toBe("error: option '--role <role>' argument 'owner' is invalid. Allowed choices are super_admin, operator, viewer.\n");
  });

  it('creates an org and remembers it with `orgs use`', async () => {
    const created = await home().run(['orgs', 'create', 'Lab Team', '--slug', 'lab', '--json']);
    expect(created.code).toBe(0);
    expect(JSON.parse(created.stdout)).toMatchObject({ name: 'Lab Team', slug: 'lab' });

    const use = await home().run(['orgs', 'use', 'lab']);
    expect(use).toMatchObject({ code: 0, stdout: 'Now acting in Lab Team (lab) as super_admin.\n' });
    expect(home().stored().org).toBe('lab');
    expect(JSON.parse((await home().run(['whoami', '--json'])).stdout).org.slug).toBe('lab');
    // --org wins over the remembered org for one command.
    expect(JSON.parse((await home().run(['whoami', '--json', '--org', 'default'])).stdout).org.slug).toBe('default');

    const renamed = await home().run(['orgs', 'rename', 'Homelab']);
    expect(renamed.stdout).toBe('Renamed org lab to "Homelab".\n');
    const list = await home().run(['orgs', 'list']);
    expect(list.stdout).toMatch(/│ \* │ \S+ │ lab\s+│ Homelab/);

    await home().run(['orgs', 'use', 'default']);
  });

  it('refuses to remember an org you are not in', async () => {
    const result = await home().run(['orgs', 'use', 'elsewhere']);
    expect(result.code).toBe(1);
    expect(result.stderr).toBe('error: you are not a member of an org "elsewhere"; see `infrapilot orgs list`\n');
    expect(home().stored().org).toBe('default');
  });
});
