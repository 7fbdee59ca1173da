import { expect, it } from 'vitest';
import { isUniqueViolation } from './constraint-errors.js';
import { insertMembership, insertOrg } from '../test-helpers/fixtures.js';
import { useMigratedDatabase } from '../test-helpers/migrated-database.js';
import { describeOnBothDialects } from '../test-helpers/test-databases.js';

describeOnBothDialects('isUniqueViolation', (dialect) => {
  const handle = useMigratedDatabase(dialect);

  it('recognises a duplicate slug, and not a missing foreign key', async () => {
    await insertOrg(handle(), { slug: 'dup' });
    const duplicate = await insertOrg(handle(), { slug: 'dup' }).catch((error: unknown) => error);
    expect(isUniqueViolation(duplicate)).toBe(true);
    const orphan = await insertMembership(handle(), 'nope', 'nope', 'viewer').catch((error: unknown) => error);
    expect(orphan).toBeInstanceOf(Error);
    expect(isUniqueViolation(orphan)).toBe(false);
  });
});
