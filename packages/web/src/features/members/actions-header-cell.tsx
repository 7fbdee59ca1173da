import { TableHeaderCell } from '../../components/ui/table';
import { cn } from '../../lib/class-names';

/**
 * The header of a table's actions column, named for screen readers only. `relative`
 * keeps the sr-only (absolutely positioned) label inside the table's sideways scroller;
 * without it the label widens the whole page on a phone.
 */
export function ActionsHeaderCell({ label = 'Actions', className }: { label?: string; className?: string }) {
  return (
    <TableHeaderCell className={cn('relative', className)}>
      <span className="sr-only">{label}</span>
    </TableHeaderCell>
  );
}
