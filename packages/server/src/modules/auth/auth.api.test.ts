import { ApiError, InfraPilotClient } from '@infrapilot/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_EMAIL, ADMIN_PASSWORD, startTestServer, type TestServer } from '../../test-helpers/test-server.js';
import { describeOnBothDialects } from '../../test-helpers/test-databases.js';
import { totp } from './totp.js';

async function failure(promise: Promise<unknown>): Promise<ApiError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof ApiError) return error;
    throw error;
  }
  throw new Error('expected the request to fail');
}

describeOnBothDialects('auth API', (dialect) => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer(dialect);
  });
  afterAll(async () => {
    await server?.destroy();
  });

  it('signs in with the right password and says who you are', async () => {
    const me = await server.admin.auth.me();
    expect(me.kind).toBe('user');
    expect(me.user?.email).toBe(ADMIN_EMAIL);
    expect(me.org).toMatchObject({ slug: 'default', role: 'super_admin' });
  });

  it('answers a wrong password, an unknown user and a disabled user with the same 401', async () => {
    const created = await server.admin.users.create({ email: 'gone@example.com', password: 'a long enough password', role: 'viewer' });
    await server.admin.users.disable(created.user.id);
    const attempts = [
      { email: ADMIN_EMAIL, password: 'wrong password here' },
      { email: 'nobody@example.com', password: 'wrong password here' },
      { email: 'gone@example.com', password: 'a long enough password' },
    ];
    const replies = [];
    for (const attempt of attempts) {
      const error = await failure(server.anonymous().auth.login(attempt));
      replies.push({ status: error.status, code: error.code, message: error.message });
    }
    expect(new Set(replies.map((reply) => JSON.stringify(reply))).size).toBe(1);
    expect(replies[0]).toEqual({ status: 401, code: 'invalid_credentials', message: 'Invalid e-mail or password' });
  });
});
