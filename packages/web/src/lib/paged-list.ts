import type { Page } from '@infrapilot/protocol';
import { type InfiniteData, type QueryClient, type QueryKey, useInfiniteQuery } from '@tanstack/react-query';
import { useMemo } from 'react';

/** Fetches one page of a list; `cursor` is absent for the first page. */
export type PageFetcher<Item> = (cursor: string | undefined) => Promise<Page<Item>>;

/**
 * A cursor-paged list read a page at a time ("Load more"), flattened for the table.
 * Every list of the org administration pages goes through here.
 */
export function usePagedList<Item>(queryKey: QueryKey, fetchPage: PageFetcher<Item>) {
  const query = useInfiniteQuery({
    queryKey,
    queryFn: ({ pageParam }) => fetchPage(pageParam),
    initialPageParam: undefined as string | undefined,
    getNextPageParam: (lastPage) => lastPage.nextCursor ?? undefined,
  });
  const items = useMemo(() => query.data?.pages.flatMap((page) => page.items) ?? [], [query.data]);
  return { query, items };
}

/**
 * Puts the server's fresh copy of one item into every cached page, so a control (a role
 * select, say) shows the new value at once instead of snapping back until the refetch.
 */
export function replaceInPages<Item extends { id: string }>(queryClient: QueryClient, queryKey: QueryKey, item: Item): void {
  queryClient.setQueriesData<InfiniteData<Page<Item>>>({ queryKey }, (data) =>
    data && {
      ...data,
      pages: data.pages.map((page) => ({ ...page, items: page.items.map((existing) => (existing.id === item.id ? item : existing)) })),
    },
  );
}
