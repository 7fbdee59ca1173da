import type { InfraPilotClient } from '@infrapilot/client';
import type { TestServer } from './test-server.js';

const PASSWORD = 'another org password';
let sequence = 0;

/**
 * A second tenant: a person who founded it and is its super_admin, and who belongs to
 * no other org (the admin adds them to create their account, then removes them).
 */
export async function createAnotherOrg(server: TestServer, name = 'Elsewhere'): Promise<{ orgId: string; founder: InfraPilotClient }> {
  const email = `founder-${Date.now()}-${sequence++}@elsewhere.example`;
  await server.admin.users.create({ email, password: PASSWORD, role: 'viewer' });
  const founder = await server.signIn(email, PASSWORD);
  const org = await founder.orgs.create({ name: `${name} ${sequence}` });
  founder.useOrg(org.id);
  await server.admin.members.remove((await founder.auth.me()).user!.id);
  return { orgId: org.id, founder };
}
