import type { QueryClient } from '@tanstack/react-query';

/** Test-only: everything the query client's mutation cache holds (variables, data, errors), as text to search for secrets. */
export function mutationCacheText(queryClient: QueryClient): string {
  return JSON.stringify(queryClient.getMutationCache().getAll().map((mutation) => mutation.state));
}
