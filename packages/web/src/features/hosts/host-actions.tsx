import { useMutation, useQueryClient } from '@tanstack/react-query';
import { Activity, Trash2 } from 'lucide-react';
import { api } from '../../app/api';
import { Button } from '../../components/ui/button';
import { ConfirmDialog } from '../../components/ui/confirm-dialog';
import { useToast } from '../../components/ui/toast';
import { describeError } from '../../lib/error-text';
import { markHostRevoked } from './hosts-live-cache';
import { type Host, hostKeys } from './hosts-queries';

function formatRoundTrip(milliseconds: number): string {
  return `${milliseconds < 10 ? milliseconds.toFixed(1) : Math.round(milliseconds)} ms`;
}

/** Sends a ping down the host's command stream and shows how long the answer took. */
export function PingButton({ host }: { host: Host }) {
  const notify = useToast();
  const ping = useMutation({
    mutationFn: () => api.agents.ping(host.id),
    onSuccess: (answer) => notify({ title: 'Ping answered', description: `${host.name} answered in ${formatRoundTrip(answer.roundTripMs)}.` }),
    onError: (error) => notify({ title: 'Ping failed', description: describeError(error).hint, tone: 'error' }),
  });
  return (
    <div className="flex items-center gap-2">
      <span role="status" className="text-sm text-muted-foreground">
        {ping.isSuccess && `Round trip ${formatRoundTrip(ping.data.roundTripMs)}`}
        {ping.isError && <span className="text-destructive">{describeError(ping.error).title}</span>}
      </span>
      <Button variant="secondary" disabled={ping.isPending} onClick={() => ping.mutate()}>
        <Activity className="h-4 w-4" aria-hidden />
        {ping.isPending ? 'Pinging…' : 'Ping'}
      </Button>
    </div>
  );
}

/** Revokes the host after confirmation; both the list and this page then show it as revoked. */
export function RevokeHostButton({ host }: { host: Host }) {
  const queryClient = useQueryClient();
  const notify = useToast();
  return (
    <ConfirmDialog
      trigger={
        <Button variant="destructive">
          <Trash2 className="h-4 w-4" aria-hidden />
          Revoke host
        </Button>
      }
      title="Revoke this host?"
      description={`${host.name}'s agent is disconnected at once and its certificate is revoked. To bring the host back, it must enroll again with a new join command.`}
      confirmLabel="Revoke"
      onConfirm={async () => {
        await api.agents.remove(host.id);
        // The API no longer lists it; the caches keep it, greyed, until the page reloads.
        markHostRevoked(queryClient, host.id, new Date().toISOString());
        queryClient.removeQueries({ queryKey: hostKeys.systemInfo(host.id) });
        notify({ title: 'Host revoked', description: `${host.name} was disconnected and can no longer reach this server.` });
      }}
    />
  );
}
