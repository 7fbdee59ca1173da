import type { UseInfiniteQueryResult } from '@tanstack/react-query';
import type { ReactNode } from 'react';
import { LoadMore } from './load-more';
import { ErrorState, Loading } from './states';

/**
 * A list read a page at a time (usePagedList) in each of its states: loading; the error
 * with a retry, while no rows are shown; `empty` (what to do) when there are none; else
 * the rows (children) with "Load more". A failed later page keeps the rows shown.
 */
export function PagedListView({
  query,
  items,
  loadingLabel,
  empty,
  children,
}: {
  query: UseInfiniteQueryResult;
  items: readonly unknown[];
  loadingLabel: string;
  empty: ReactNode;
  children: ReactNode;
}) {
  if (query.isPending) return <Loading label={loadingLabel} />;
  if (query.isError && items.length === 0) return <ErrorState error={query.error} onRetry={() => void query.refetch()} />;
  if (items.length === 0) return empty;
  return (
    <>
      {children}
      <LoadMore query={query} />
    </>
  );
}
