import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { TransactionRunner } from './db/transactions.js';
import { generatePassword } from './platform/crypto/passwords.js';
import type { OrgsService } from './modules/orgs/orgs.service.js';
import type { UsersService } from './modules/users/users.service.js';

export interface InitialAdmin {
  email: string;
  /** Set only when it was generated now; print it once. */
  generatedPassword: string | null;
  credentialsFile: string | null;
}

/**
 * On the very first start (no user at all) creates the "Default" org and its first
 * super_admin from INFRAPILOT_ADMIN_EMAIL / INFRAPILOT_ADMIN_PASSWORD, or with a
 * generated password written to <data dir>/initial-admin.txt (0600).
 */
export async function bootstrapFirstAdmin(deps: {
  users: UsersService;
  orgs: OrgsService;
  transaction: TransactionRunner;
  dataDir: string;
  adminEmail: string | undefined;
  adminPassword: string | undefined;
}): Promise<InitialAdmin | null> {
  if ((await deps.users.countAccounts()) > 0) return null;
  const email = (deps.adminEmail ?? 'admin@infrapilot.local').toLowerCase();
  const generatedPassword = deps.adminPassword ? null : generatePassword();
  const password = deps.adminPassword ?? generatedPassword!;
  await deps.transaction(async () => {
    const account = await deps.users.createAccount({ email, name: 'Administrator', password });
    await deps.orgs.createOrg({ name: 'Default', slug: 'default' }, account.id);
  });
  let credentialsFile: string | null = null;
  if (generatedPassword) {
    credentialsFile = join(deps.dataDir, 'initial-admin.txt');
    writeFileSync(credentialsFile, `email: ${email}\npassword: ${generatedPassword}\n`, { mode: 0o600 });
  }
  return { email, generatedPassword, credentialsFile };
}
