import type { UseInfiniteQueryResult } from '@tanstack/react-query';
import { describeError } from '../../lib/error-text';
import { Button } from './button';

/** The button under a paged table; absent once the last page is loaded. A failed page keeps the rows already shown. */
export function LoadMore({ query }: { query: Pick<UseInfiniteQueryResult, 'hasNextPage' | 'isFetchingNextPage' | 'isFetchNextPageError' | 'error' | 'fetchNextPage'> }) {
  if (!query.hasNextPage) return null;
  return (
    <div className="mt-3 flex flex-col items-center gap-2">
      {query.isFetchNextPageError && (
        <p role="alert" className="text-sm text-destructive">
          Could not load more: {describeError(query.error).title}. Try again.
        </p>
      )}
      <Button variant="secondary" disabled={query.isFetchingNextPage} onClick={() => void query.fetchNextPage()}>
        {query.isFetchingNextPage ? 'Loading…' : 'Load more'}
      </Button>
    </div>
  );
}
