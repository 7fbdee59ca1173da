import type { Session } from '@infrapilot/protocol';
import { Badge } from '../../components/ui/badge';
import { Button } from '../../components/ui/button';
import { Card, CardHeader } from '../../components/ui/card';
import { RelativeTime } from '../../components/ui/relative-time';
import { EmptyState, ErrorState, Loading } from '../../components/ui/states';
import { useToast } from '../../components/ui/toast';
import { describeError } from '../../lib/error-text';
import { useEndSession, useMySessions } from './account-queries';
import { describeUserAgent } from './describe-user-agent';

/** My signed-in sessions, with a way to sign out the ones on other devices. */
export function SessionsCard() {
  const sessions = useMySessions();
  const endSession = useEndSession();
  const notify = useToast();

  const onEnd = (session: Session) =>
    endSession.mutate(session, {
      onSuccess: () => notify({ title: `Signed out ${whereOf(session)}` }),
      onError: (error) => notify({ title: `Could not sign out ${whereOf(session)}`, description: describeError(error).hint, tone: 'error' }),
    });

  return (
    <Card>
      <CardHeader title="Sessions" description="Where you are signed in. Sign out any device you do not recognise, then change your password." />
      {sessions.isPending ? (
        <Loading label="Loading sessions…" />
      ) : sessions.isError ? (
        <ErrorState error={sessions.error} onRetry={() => void sessions.refetch()} />
      ) : sessions.data.length === 0 ? (
        <EmptyState title="No sessions">Sessions appear here when you sign in.</EmptyState>
      ) : (
        <SessionList sessions={sessions.data} endingId={endSession.isPending ? endSession.variables?.id : undefined} onEnd={onEnd} />
      )}
    </Card>
  );
}

/** "Firefox on Linux (192.0.2.7)": how a person tells sessions apart. */
function whereOf(session: Session): string {
  const device = describeUserAgent(session.userAgent);
  return session.ipAddress ? `${device} (${session.ipAddress})` : device;
}

export function SessionList({ sessions, endingId, onEnd }: { sessions: Session[]; endingId?: string | undefined; onEnd(session: Session): void }) {
  return (
    <ul className="divide-y divide-border" aria-label="Sessions">
      {sessions.map((session) => (
        <li key={session.id} className="flex flex-col gap-2 py-3 sm:flex-row sm:items-center sm:justify-between" data-session-id={session.id}>
          <div className="min-w-0">
            <p className="flex flex-wrap items-center gap-2 font-medium">
              <span title={session.userAgent ?? undefined}>{describeUserAgent(session.userAgent)}</span>
              {session.current && <Badge tone="success">This device</Badge>}
            </p>
            <p className="text-sm text-muted-foreground">
              {session.ipAddress ?? 'Unknown address'} · signed in <RelativeTime iso={session.createdAt} /> · last used <RelativeTime iso={session.lastUsedAt} />
            </p>
          </div>
          {!session.current && (
            <Button variant="secondary" size="sm" className="self-start sm:self-auto" disabled={endingId === session.id} onClick={() => onEnd(session)}>
              Sign out {whereOf(session)}
            </Button>
          )}
        </li>
      ))}
    </ul>
  );
}
