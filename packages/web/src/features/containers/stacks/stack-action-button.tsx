import type { Stack } from '@infrapilot/protocol';
import { useQueryClient } from '@tanstack/react-query';
import { Play, RotateCw, Square } from 'lucide-react';
import { useRef, useState } from 'react';
import { Button } from '../../../components/ui/button';
import { Dialog, DialogContent, DialogFormFooter, DialogTrigger } from '../../../components/ui/dialog';
import { FormAlert } from '../../../components/ui/form-alert';
import { useToast } from '../../../components/ui/toast';
import { useFormSubmission } from '../../../lib/use-form-submission';
import { actionErrorText } from '../container-actions';
import { containerKeys, upsertContainer } from '../containers-queries';
import { useDockerApi } from '../docker-api';

export type StackAction = 'start' | 'stop' | 'restart';

const WORDS: Record<StackAction, { verb: string; done: string; busy: string; what: string; icon: typeof Play }> = {
  start: { verb: 'Start', done: 'Started', busy: 'Starting…', what: 'Docker starts every container of the stack that is not running.', icon: Play },
  stop: {
    verb: 'Stop',
    done: 'Stopped',
    busy: 'Stopping…',
    what: 'Docker stops every container of the stack (SIGTERM, then SIGKILL after 10 seconds); what they serve is unreachable until started again.',
    icon: Square,
  },
  restart: { verb: 'Restart', done: 'Restarted', busy: 'Restarting…', what: 'Docker restarts every container of the stack; what they serve is briefly unreachable.', icon: RotateCw },
};

/** One stack action behind a confirmation; the reply's containers go straight into the container list. */
export function StackActionButton({ stack, action }: { stack: Stack; action: StackAction }) {
  const [open, setOpen] = useState(false);
  const words = WORDS[action];
  const Icon = words.icon;
  const triggerRef = useRef<HTMLButtonElement>(null);
  return (
    <Dialog open={open} onOpenChange={setOpen}>
      <DialogTrigger asChild ref={triggerRef}>
        <Button variant="secondary" size="sm" aria-label={`${words.verb} stack ${stack.name} on ${stack.agentName}`}>
          <Icon className="h-4 w-4" aria-hidden />
          {words.verb}
        </Button>
      </DialogTrigger>
      <DialogContent
        title={`${words.verb} stack ${stack.name}?`}
        description={`${words.what} It has ${stack.containers} ${stack.containers === 1 ? 'container' : 'containers'} on ${stack.agentName} (${stack.services.join(', ') || 'no services'}).`}
      >
        <StackActionForm stack={stack} action={action} onDone={() => setOpen(false)} />
      </DialogContent>
    </Dialog>
  );
}

function StackActionForm({ stack, action, onDone }: { stack: Stack; action: StackAction; onDone: () => void }) {
  const { stacks } = useDockerApi();
  const queryClient = useQueryClient();
  const notify = useToast();
  const { busy, failure, submit } = useFormSubmission(actionErrorText);
  const words = WORDS[action];
  return (
    <form
      onSubmit={(event) => {
        event.preventDefault();
        void submit(async () => {
          const reply = await stacks[action](stack.agentId, stack.name);
          for (const container of reply.containers) upsertContainer(queryClient, container);
          void queryClient.invalidateQueries({ queryKey: containerKeys.stacks() });
          notify({ title: `${words.done} stack ${stack.name}`, description: `${reply.containers.length} containers on ${stack.agentName}.` });
          onDone();
        });
      }}
    >
      <FormAlert message={failure} className="mb-2" />
      <DialogFormFooter busy={busy} submitLabel={`${words.verb} stack`} busyLabel={words.busy} variant={action === 'start' ? 'primary' : 'destructive'} />
    </form>
  );
}
