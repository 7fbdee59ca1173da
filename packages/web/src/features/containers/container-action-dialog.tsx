import { type RefObject, useId, useState } from 'react';
import { Dialog, DialogContent, DialogFormFooter } from '../../components/ui/dialog';
import { FormAlert } from '../../components/ui/form-alert';
import { useToast } from '../../components/ui/toast';
import { formErrorMessage } from '../../lib/error-text';
import { useFormSubmission } from '../../lib/use-form-submission';
import { ACTION_WORDS, BulkActionError, type ContainerAction, type ContainerTarget, useContainerActions } from './container-actions';
import { ContainerStateBadge } from './container-state-badge';

/** What the action does, said of one container or of several. */
const WHAT_HAPPENS: Record<ContainerAction, (one: boolean) => string> = {
  start: (one) => `Docker starts ${one ? 'it' : 'them'} with the command and settings ${one ? 'it was' : 'they were'} created with.`,
  stop: (one) =>
    `Docker sends SIGTERM, then SIGKILL after 10 seconds. ${one ? 'It stays' : 'They stay'} stopped until started again, whatever the restart policy says.`,
  restart: (one) =>
    `Docker stops ${one ? 'it' : 'them'} (SIGTERM, then SIGKILL after 10 seconds) and starts ${one ? 'it' : 'them'} again; what ${one ? 'it serves' : 'they serve'} is unreachable meanwhile.`,
  remove: (one) => `${one ? 'The container and its writable layer are' : 'The containers and their writable layers are'} deleted; named volumes stay. This cannot be undone.`,
};

function describeRefusal(error: unknown): string {
  return error instanceof BulkActionError ? error.message : formErrorMessage(error);
}

/**
 * Asks before acting on one container or several, listing them. Remove offers "force"
 * (a running container is killed first). When some fail, the dialog stays open with
 * each one's reason and lists only those, so "retry" acts on what is left.
 *
 * Controlled, because it opens from a menu item or from the bulk bar, and on closing
 * focus goes back to `returnFocus` or, when that is gone (its row was removed), to the
 * page's heading.
 */
export function ContainerActionDialog({
  action,
  targets,
  open,
  onOpenChange,
  onDone,
  returnFocus,
}: {
  action: ContainerAction;
  targets: readonly ContainerTarget[];
  open: boolean;
  onOpenChange: (open: boolean) => void;
  /** After every container went through (the bulk bar clears its selection, say). */
  onDone?: () => void;
  returnFocus?: RefObject<HTMLElement | null>;
}) {
  const words = ACTION_WORDS[action];
  // The caller gives each request its own dialog (a key), so this starts from what it asked for.
  const [remaining, setRemaining] = useState<readonly ContainerTarget[]>(targets);

  const single = remaining.length === 1 ? remaining[0] : undefined;
  const title = single ? `${words.verb} ${single.name}?` : `${words.verb} ${remaining.length} containers?`;
  return (
    <Dialog open={open} onOpenChange={onOpenChange}>
      <DialogContent
        title={title}
        description={WHAT_HAPPENS[action](remaining.length === 1)}
        onCloseAutoFocus={(event) => {
          event.preventDefault();
          const target = returnFocus?.current;
          if (target?.isConnected) target.focus();
          else document.querySelector<HTMLElement>('main h1')?.focus();
        }}
      >
        <ActionForm
          action={action}
          targets={remaining}
          onPartialFailure={setRemaining}
          onDone={() => {
            onOpenChange(false);
            onDone?.();
          }}
        />
      </DialogContent>
    </Dialog>
  );
}

function ActionForm({
  action,
  targets,
  onPartialFailure,
  onDone,
}: {
  action: ContainerAction;
  targets: readonly ContainerTarget[];
  onPartialFailure: (failed: ContainerTarget[]) => void;
  onDone: () => void;
}) {
  const run = useContainerActions();
  const notify = useToast();
  const { busy, failure, submit } = useFormSubmission(describeRefusal);
  const [force, setForce] = useState(false);
  const forceId = useId();
  const words = ACTION_WORDS[action];
  const confirmLabel = targets.length === 1 ? `${words.verb} container` : `${words.verb} ${targets.length} containers`;

  return (
    <form
      onSubmit={(event) => {
        event.preventDefault();
        void submit(async () => {
          const outcomes = await run(action, targets, { force });
          const failed = outcomes.filter((outcome) => outcome.failure !== undefined);
          const succeeded = outcomes.length - failed.length;
          if (failed.length > 0) {
            onPartialFailure(failed.map((outcome) => outcome.target));
            throw new BulkActionError(failed);
          }
          notify({ title: succeeded === 1 ? `${words.done} ${targets[0]!.name}` : `${words.done} ${succeeded} containers` });
          onDone();
        });
      }}
    >
      <ul aria-label="Containers" className="mb-3 grid max-h-60 gap-1 overflow-y-auto rounded-md border border-border p-2 text-sm">
        {targets.map((target) => (
          <li key={`${target.agentId}/${target.containerId}`} className="flex flex-wrap items-center justify-between gap-2">
            <span className="min-w-0 truncate">
              <span className="font-medium">{target.name}</span> <span className="text-muted-foreground">on {target.agentName}</span>
            </span>
            <ContainerStateBadge state={target.state} />
          </li>
        ))}
      </ul>
      {action === 'remove' && (
        <div className="mb-3 flex items-start gap-2 text-sm">
          <input id={forceId} type="checkbox" className="mt-0.5 h-4 w-4" checked={force} onChange={(event) => setForce(event.target.checked)} />
          <label htmlFor={forceId}>Force: remove running containers too (Docker kills them first)</label>
        </div>
      )}
      <FormAlert message={failure} className="mb-2 whitespace-pre-line" />
      <DialogFormFooter busy={busy} submitLabel={confirmLabel} busyLabel={words.busy} variant={action === 'start' ? 'primary' : 'destructive'} />
    </form>
  );
}
