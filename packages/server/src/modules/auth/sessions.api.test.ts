import { afterAll, beforeAll, expect, it } from 'vitest';
import { apiFailure } from '../../test-helpers/api-failure.js';
import { describeOnBothDialects } from '../../test-helpers/test-databases.js';
import { startTestServer, type TestServer } from '../../test-helpers/test-server.js';
import { totp } from './totp.js';

const PASSWORD = 'a password long enough';

describeOnBothDialects('sessions and account recovery', (dialect) => {
  let server: TestServer;
  let sequence = 0;
  const newPerson = async () => {
    const email = `recovery-${sequence++}@example.com`;
    const { user } = await server.admin.users.create({ email, password: PASSWORD, role: 'operator' });
    return { email, id: user.id };
  };

  beforeAll(async () => {
    server = await startTestServer(dialect);
  });
  afterAll(async () => {
    await server?.destroy();
  });

  it('lists your sessions with where they came from, and ends another device', async () => {
    const person = await newPerson();
    const laptop = await server.signIn(person.email, PASSWORD);
    const phone = await server.signIn(person.email, PASSWORD);
    const { items } = await laptop.auth.sessions();
    expect(items).toHaveLength(2);
    expect(items.filter((session) => session.current)).toHaveLength(1);
    expect(items[0]).toMatchObject({ ipAddress: '127.0.0.1', userAgent: expect.any(String) });

    const phoneSession = items.find((session) => !session.current)!;
    await laptop.auth.endSession(phoneSession.id);
    expect((await apiFailure(phone.auth.me())).status).toBe(401);
    await expect(laptop.auth.me()).resolves.toMatchObject({ kind: 'user' });
    expect((await laptop.auth.sessions()).items).toHaveLength(1);
  });

  it("answers 404 for someone else's session", async () => {
    const person = await newPerson();
    const client = await server.signIn(person.email, PASSWORD);
    const adminSession = (await server.admin.auth.sessions()).items.find((session) => session.current)!;
    const error = await apiFailure(client.auth.endSession(adminSession.id));
    expect(error).toMatchObject({ status: 404, code: 'not_found' });
    await expect(server.admin.auth.me()).resolves.toMatchObject({ kind: 'user' });
  });

  it('lets a super_admin set a forgotten password, which signs the person out everywhere', async () => {
    const person = await newPerson();
    const before = await server.signIn(person.email, PASSWORD);
    const reset = await server.admin.users.resetPassword(person.id);
    expect(reset.initialPassword).toMatch(/^[A-Za-z0-9_-]{20}$/);
    expect(reset.revokedSessions).toBe(1);
    expect((await apiFailure(before.auth.me())).status).toBe(401);
    expect((await apiFailure(server.anonymous().auth.login({ email: person.email, password: PASSWORD }))).status).toBe(401);
    await server.signIn(person.email, reset.initialPassword!);

    const chosen = await server.admin.users.resetPassword(person.id, { password: 'chosen by the admin' });
    expect(chosen.initialPassword).toBeNull();
    await server.signIn(person.email, 'chosen by the admin');
  });

  it('refuses the admin routes on your own account, where the self-service routes ask for proof', async () => {
    const adminId = (await server.admin.auth.me()).user!.id;
    expect((await apiFailure(server.admin.users.resetPassword(adminId))).status).toBe(409);
    expect((await apiFailure(server.admin.users.resetMfa(adminId))).status).toBe(409);
    expect((await apiFailure(server.admin.users.disable(adminId))).status).toBe(409);
  });

  it('lets a super_admin turn off MFA for someone who lost their device', async () => {
    const person = await newPerson();
    const client = await server.signIn(person.email, PASSWORD);
    const { secret } = await client.auth.setupMfa();
    await client.auth.enableMfa(totp.codeAt(secret, server.clock.now()));
    expect((await server.anonymous().auth.login({ email: person.email, password: PASSWORD })).mfaRequired).toBe(true);

    await server.admin.users.resetMfa(person.id);
    expect((await server.anonymous().auth.login({ email: person.email, password: PASSWORD })).mfaRequired).toBe(false);
    expect((await server.admin.users.get(person.id)).mfaEnabled).toBe(false);
  });

  it('ends the sessions of a disabled account; enabling it does not bring them back', async () => {
    const person = await newPerson();
    const client = await server.signIn(person.email, PASSWORD);
    await server.admin.users.disable(person.id);
    await server.admin.users.enable(person.id);
    expect((await apiFailure(client.auth.me())).status).toBe(401);
    await server.signIn(person.email, PASSWORD);
  });
});
