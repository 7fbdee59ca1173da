import type { ReactNode } from 'react';

/**
 * One term and its value inside a <dl> whose grid sets the columns. A long value (an id,
 * a kernel string) wraps instead of widening the card.
 */
export function DescriptionItem({ term, children }: { term: string; children: ReactNode }) {
  return (
    <>
      <dt className="text-muted-foreground">{term}</dt>
      <dd className="min-w-0 break-words">{children}</dd>
    </>
  );
}
