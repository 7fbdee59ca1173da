import { Badge, type BadgeTone } from '../../components/ui/badge';
import { type HostDisplayStatus, displayStatusOf } from './host-figures';
import type { Host } from './hosts-queries';

const TONE_OF_STATUS: Record<HostDisplayStatus, BadgeTone> = {
  active: 'success',
  offline: 'danger',
  pending: 'warning',
  revoked: 'neutral',
};

const MEANING_OF_STATUS: Record<HostDisplayStatus, string> = {
  active: 'Heartbeats arrive',
  offline: 'Three heartbeats missed',
  pending: 'Enrolled, waiting for its first heartbeat',
  revoked: 'Removed: its certificate is revoked',
};

/** The host's status as a coloured word; the text is exactly the status (tests and people read it). */
export function HostStatusBadge({ host }: { host: Host }) {
  const status = displayStatusOf(host);
  return (
    <Badge tone={TONE_OF_STATUS[status]} data-testid="host-status" title={MEANING_OF_STATUS[status]}>
      {status}
    </Badge>
  );
}
