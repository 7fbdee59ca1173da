import type { Container } from '@infrapilot/protocol';
import { MoreHorizontal } from 'lucide-react';
import { type RefObject, useRef } from 'react';
import { useNavigate } from 'react-router';
import { Button } from '../../../components/ui/button';
import { DropdownMenu, DropdownMenuContent, DropdownMenuItem, DropdownMenuSeparator, DropdownMenuTrigger } from '../../../components/ui/dropdown-menu';
import type { ContainerAction } from '../container-actions';
import { canStart, containerPath, isUp } from '../container-format';

/**
 * A row's menu: open its page, logs or terminal, and (for operators) the actions that
 * make sense in its state. Items a role may not use are not there at all.
 */
export function ContainerRowMenu({
  container,
  canOperate,
  canExec,
  onAction,
}: {
  container: Container;
  canOperate: boolean;
  canExec: boolean;
  /** Asks the page to run (or confirm) an action; focus comes back to this menu's button. */
  onAction: (action: ContainerAction, returnFocus: RefObject<HTMLElement | null>) => void;
}) {
  const navigate = useNavigate();
  const buttonRef = useRef<HTMLButtonElement>(null);
  const act = (action: ContainerAction) => () => onAction(action, buttonRef);
  return (
    // Not modal: a modal menu handing focus to a dialog can leave the page unclickable.
    <DropdownMenu modal={false}>
      <DropdownMenuTrigger asChild ref={buttonRef}>
        <Button variant="ghost" size="icon" aria-label={`Actions for ${container.name} on ${container.agentName}`}>
          <MoreHorizontal className="h-4 w-4" aria-hidden />
        </Button>
      </DropdownMenuTrigger>
      <DropdownMenuContent align="end">
        <DropdownMenuItem onSelect={() => void navigate(containerPath(container))}>Details</DropdownMenuItem>
        <DropdownMenuItem onSelect={() => void navigate(containerPath(container, 'logs'))}>Logs</DropdownMenuItem>
        {canExec && container.state === 'running' && <DropdownMenuItem onSelect={() => void navigate(containerPath(container, 'terminal'))}>Open terminal</DropdownMenuItem>}
        {canOperate && (
          <>
            <DropdownMenuSeparator />
            {canStart(container.state) && <DropdownMenuItem onSelect={act('start')}>Start</DropdownMenuItem>}
            {isUp(container.state) && <DropdownMenuItem onSelect={act('stop')}>Stop…</DropdownMenuItem>}
            {isUp(container.state) && <DropdownMenuItem onSelect={act('restart')}>Restart…</DropdownMenuItem>}
            <DropdownMenuItem onSelect={act('remove')} className="text-destructive">
              Remove…
            </DropdownMenuItem>
          </>
        )}
      </DropdownMenuContent>
    </DropdownMenu>
  );
}
