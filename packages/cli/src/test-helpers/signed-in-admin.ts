import { afterAll, beforeAll, expect } from 'vitest';
import { ADMIN_EMAIL, ADMIN_PASSWORD, startTestServer, type TestServer } from '../../../server/src/test-helpers/test-server.js';
import { type CliHome, createCliHome } from './run-cli.js';

/** A SQLite test server and a CLI home signed in as its first admin, for the calling describe block; getters, as both exist only once beforeAll has run. */
export function useSignedInAdmin(): { server: () => TestServer; home: () => CliHome } {
  let server: TestServer | undefined;
  let home: CliHome | undefined;

  beforeAll(async () => {
    server = await startTestServer('sqlite');
    home = createCliHome();
    const login = await home.run(['login', '--server', server.baseUrl, '--email', ADMIN_EMAIL, '--password', ADMIN_PASSWORD]);
    expect(login.code).toBe(0);
  });

  afterAll(async () => {
    home?.remove();
    await server?.destroy();
  });

  const started = <T>(value: T | undefined): T => {
    if (value === undefined) throw new Error('the test server starts in beforeAll; use it inside a test or hook');
    return value;
  };
  return { server: () => started(server), home: () => started(home) };
}
