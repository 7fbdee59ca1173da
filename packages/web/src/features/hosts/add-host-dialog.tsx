import type { AgentEnrollment } from '@infrapilot/protocol';
import { Plus } from 'lucide-react';
import { useState } from 'react';
import { api } from '../../app/api';
import { Button } from '../../components/ui/button';
import { CopyableText } from '../../components/ui/copy-button';
import { Dialog, DialogContent, DialogDoneFooter, DialogTrigger } from '../../components/ui/dialog';
import { RelativeTime } from '../../components/ui/relative-time';
import { formatDateTime } from '../../lib/format';
import { AddHostForm } from './add-host-form';

/**
 * "Add host": names the host, creates a single-use enrollment token and shows the two
 * lines that bring the host in. Closing the dialog forgets the token (it is shown once).
 * The page owns `open` so its empty state can open the same dialog.
 */
export function AddHostDialog({ open, onOpenChange }: { open: boolean; onOpenChange: (open: boolean) => void }) {
  const [enrollment, setEnrollment] = useState<AgentEnrollment | null>(null);

  return (
    <Dialog
      open={open}
      onOpenChange={(next) => {
        onOpenChange(next);
        if (!next) setEnrollment(null);
      }}
    >
      <DialogTrigger asChild>
        <Button>
          <Plus className="h-4 w-4" aria-hidden />
          Add host
        </Button>
      </DialogTrigger>
      <DialogContent
        title="Add a host"
        description={enrollment ? undefined : 'Name the host, then run the command you get on it. The agent dials this server; no inbound port is needed on the host.'}
      >
        {enrollment ? (
          <EnrollmentResult enrollment={enrollment} />
        ) : (
          <AddHostForm
            onCreate={async (input) => {
              const created = await api.agents.create(input);
              setEnrollment(created);
            }}
          />
        )}
      </DialogContent>
    </Dialog>
  );
}

function EnrollmentResult({ enrollment }: { enrollment: AgentEnrollment }) {
  const { expiresAt, name } = enrollment.enrollmentToken;
  return (
    <div className="grid gap-4">
      <p className="rounded-md bg-warning/10 p-2 text-sm">
        The token in these commands is shown only once. It works for one host, <strong>{name}</strong>, and expires{' '}
        <RelativeTime iso={expiresAt} /> ({formatDateTime(expiresAt)}).
      </p>
      <div className="grid gap-1.5">
        <p className="text-sm font-medium">On a host where the infrapilot agent is installed:</p>
        <CopyableText label="Join command" text={enrollment.joinCommand} />
      </div>
      <div className="grid gap-1.5">
        <p className="text-sm font-medium">Or install the agent and join in one step:</p>
        <CopyableText label="Install command" text={enrollment.installCommand} />
      </div>
      <p className="text-sm text-muted-foreground">The host appears in the list as soon as its agent connects.</p>
      <DialogDoneFooter />
    </div>
  );
}
