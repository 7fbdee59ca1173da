import type { Page } from '@infrapilot/protocol';

/**
 * Turns a keyset query that fetched `limit + 1` rows into a page: the extra row only
 * says whether there is more, and the cursor is the id of the last item shown.
 */
export function pageOf<Row, Item extends { id: string }>(rows: Row[], limit: number, toItem: (row: Row) => Item): Page<Item> {
  const items = rows.slice(0, limit).map(toItem);
  return { items, nextCursor: rows.length > limit ? (items.at(-1)?.id ?? null) : null };
}
