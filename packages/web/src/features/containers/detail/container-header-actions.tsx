import { Play, RotateCw, Square, SquareTerminal, Trash2 } from 'lucide-react';
import { type RefObject, useState } from 'react';
import { useNavigate } from 'react-router';
import { useCan } from '../../../app/session';
import { Button } from '../../../components/ui/button';
import { useToast } from '../../../components/ui/toast';
import { ContainerActionDialog } from '../container-action-dialog';
import { ACTION_WORDS, type ContainerAction, type ContainerTarget, useContainerActions } from '../container-actions';
import { canStart, isUp } from '../container-format';

/**
 * The container page's buttons: Start (at once), Stop, Restart and Remove (each asked
 * first), and Open terminal. A role that may not use one does not see it.
 */
export function ContainerHeaderActions({ target, onOpenTerminal }: { target: ContainerTarget; onOpenTerminal: () => void }) {
  const canOperate = useCan('containers:operate');
  const canExec = useCan('containers:exec');
  const run = useContainerActions();
  const notify = useToast();
  const navigate = useNavigate();
  const [starting, setStarting] = useState(false);
  const [asking, setAsking] = useState<{ id: number; action: ContainerAction; returnFocus: RefObject<HTMLElement | null> } | null>(null);
  const [open, setOpen] = useState(false);

  const ask = (action: ContainerAction, returnFocus: RefObject<HTMLElement | null>) => {
    setAsking((previous) => ({ id: (previous?.id ?? 0) + 1, action, returnFocus }));
    setOpen(true);
  };
  const start = async () => {
    setStarting(true);
    const [outcome] = await run('start', [target]);
    setStarting(false);
    notify(
      outcome?.failure === undefined
        ? { title: `${ACTION_WORDS.start.done} ${target.name}` }
        : { title: `Could not start ${target.name}`, description: outcome.failure, tone: 'error' },
    );
  };

  return (
    <>
      {canExec && target.state === 'running' && (
        <Button variant="secondary" onClick={onOpenTerminal}>
          <SquareTerminal className="h-4 w-4" aria-hidden />
          Open terminal
        </Button>
      )}
      {canOperate && (
        <>
          {canStart(target.state) && (
            <Button disabled={starting} onClick={() => void start()}>
              <Play className="h-4 w-4" aria-hidden />
              {starting ? ACTION_WORDS.start.busy : 'Start'}
            </Button>
          )}
          {isUp(target.state) && (
            <Button variant="secondary" onClick={(event) => ask('stop', { current: event.currentTarget })}>
              <Square className="h-4 w-4" aria-hidden />
              Stop
            </Button>
          )}
          {isUp(target.state) && (
            <Button variant="secondary" onClick={(event) => ask('restart', { current: event.currentTarget })}>
              <RotateCw className="h-4 w-4" aria-hidden />
              Restart
            </Button>
          )}
          <Button variant="destructive" onClick={(event) => ask('remove', { current: event.currentTarget })}>
            <Trash2 className="h-4 w-4" aria-hidden />
            Remove
          </Button>
        </>
      )}
      {asking && (
        <ContainerActionDialog
          key={asking.id}
          action={asking.action}
          targets={[target]}
          open={open}
          onOpenChange={setOpen}
          returnFocus={asking.returnFocus}
          onDone={() => {
            if (asking.action === 'remove') void navigate('/containers');
          }}
        />
      )}
    </>
  );
}
