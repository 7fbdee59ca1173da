import type { QueryClient } from '@tanstack/react-query';

/**
 * Query keys of the two lists of people. /members and /users list the same people
 * (with role, MFA and status), so a change made on either page refreshes both.
 */
export const peopleKeys = {
  members: ['members', 'list'] as const,
  users: ['users', 'list'] as const,
};

export async function invalidatePeople(queryClient: QueryClient): Promise<void> {
  await Promise.all([
    queryClient.invalidateQueries({ queryKey: peopleKeys.members }),
    queryClient.invalidateQueries({ queryKey: peopleKeys.users }),
  ]);
}
