import { InfraPilotClient } from '@infrapilot/client';
import { expect, it } from 'vitest';
import { describeOnBothDialects } from './test-helpers/test-databases.js';
import { startTestServer } from './test-helpers/test-server.js';

describeOnBothDialects('restarting the server', (dialect) => {
  it('keeps every user, session, API key and audit row', async () => {
    const first = await startTestServer(dialect);
    let second: Awaited<ReturnType<typeof startTestServer>> | undefined;
    try {
      await first.admin.users.create({ email: 'stays@example.com', password: 'a password long enough', role: 'operator' });
      const session = await first.signIn('stays@example.com', 'a password long enough');
      const key = await first.admin.apiKeys.create({ name: 'survives', role: 'viewer' });
      const auditBefore = await first.admin.audit.list({ limit: 200 });
      const tokens = session.currentTokens!;
      await first.stop();

      second = await startTestServer(dialect, { database: first.database, dataDir: first.dataDir, masterKey: first.masterKey, clock: first.clock });
      // The session from before the restart still refreshes; the API key still works.
      const resumed = new InfraPilotClient({ baseUrl: second.baseUrl, tokens });
      await resumed.auth.refresh();
      expect((await resumed.auth.me()).user?.email).toBe('stays@example.com');
      const viaKey = new InfraPilotClient({ baseUrl: second.baseUrl, apiKey: key.secret });
      expect((await viaKey.auth.me()).kind).toBe('api_key');
      const auditAfter = await second.admin.audit.list({ limit: 200 });
      const idsAfter = new Set(auditAfter.items.map((item) => item.id));
      expect(auditBefore.items.every((item) => idsAfter.has(item.id))).toBe(true);
      // The first admin is created once, not again on the second start.
      expect((await second.admin.users.list()).items.filter((user) => user.role === 'super_admin')).toHaveLength(1);
    } finally {
      await (second ?? first).destroy();
    }
  });
});
