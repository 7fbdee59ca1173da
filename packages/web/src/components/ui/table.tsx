import type { HTMLAttributes, TdHTMLAttributes, ThHTMLAttributes } from 'react';
import { cn } from '../../lib/class-names';

/**
 * A table that scrolls sideways on a phone instead of squeezing its columns. `relative`
 * makes the scroller the box that absolutely positioned content (sr-only labels) sits
 * in, so such content cannot widen the whole page past the phone's width.
 */
export function Table({ className, ...props }: HTMLAttributes<HTMLTableElement>) {
  return (
    <div className="relative w-full overflow-x-auto rounded-lg border border-border">
      <table className={cn('w-full border-collapse text-sm', className)} {...props} />
    </div>
  );
}

export function TableHead(props: HTMLAttributes<HTMLTableSectionElement>) {
  return <thead className="bg-muted/60 text-left text-xs uppercase tracking-wide text-muted-foreground" {...props} />;
}

export function TableBody(props: HTMLAttributes<HTMLTableSectionElement>) {
  return <tbody className="divide-y divide-border" {...props} />;
}

export function TableRow({ className, ...props }: HTMLAttributes<HTMLTableRowElement>) {
  return <tr className={cn('hover:bg-muted/40', className)} {...props} />;
}

export function TableHeaderCell({ className, ...props }: ThHTMLAttributes<HTMLTableCellElement>) {
  return <th scope="col" className={cn('px-3 py-2 font-medium', className)} {...props} />;
}

export function TableCell({ className, ...props }: TdHTMLAttributes<HTMLTableCellElement>) {
  return <td className={cn('px-3 py-2 align-middle', className)} {...props} />;
}

/** The header of a column of buttons (actions, details): blank on screen, named for screen readers. */
export function TableActionsHeaderCell({ label = 'Actions', className }: { label?: string; className?: string }) {
  return (
    <TableHeaderCell className={className}>
      <span className="sr-only">{label}</span>
    </TableHeaderCell>
  );
}

/** Header cells for columns named in plain words, in order. */
export function TableHeaderCells({ names }: { names: readonly string[] }) {
  return names.map((name) => <TableHeaderCell key={name}>{name}</TableHeaderCell>);
}
