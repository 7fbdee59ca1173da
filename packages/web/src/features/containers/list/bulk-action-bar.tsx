import { Play, RotateCw, Square, Trash2 } from 'lucide-react';
import type { RefObject } from 'react';
import { Button } from '../../../components/ui/button';
import type { ContainerAction } from '../container-actions';

/** What to do with the selected rows; every action asks first (ContainerActionDialog). */
export function BulkActionBar({
  count,
  onAction,
  onClear,
}: {
  count: number;
  onAction: (action: ContainerAction, returnFocus: RefObject<HTMLElement | null>) => void;
  onClear: () => void;
}) {
  const button = (action: ContainerAction, label: string, Icon: typeof Play, variant: 'secondary' | 'destructive' = 'secondary') => (
    <Button variant={variant} size="sm" onClick={(event) => onAction(action, { current: event.currentTarget })}>
      <Icon className="h-4 w-4" aria-hidden />
      {label}
    </Button>
  );
  return (
    <div role="group" aria-label="Selected containers" className="flex flex-wrap items-center gap-2 rounded-lg border border-border bg-muted/60 p-2">
      <span className="px-1 text-sm font-medium" aria-live="polite">
        {count} selected
      </span>
      {button('start', 'Start', Play)}
      {button('stop', 'Stop', Square)}
      {button('restart', 'Restart', RotateCw)}
      {button('remove', 'Remove', Trash2, 'destructive')}
      <Button variant="ghost" size="sm" onClick={onClear}>
        Clear selection
      </Button>
    </div>
  );
}
