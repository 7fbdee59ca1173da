import { CheckCircle2 } from 'lucide-react';
import { Link } from 'react-router';
import { Badge } from '../../components/ui/badge';
import { Card, CardHeader } from '../../components/ui/card';
import { ATTENTION_THRESHOLD_PERCENT, type AttentionItem } from './host-health';

/** Hosts that are offline or running out of CPU, memory or disk, each linking to its page. */
export function NeedsAttentionCard({ items }: { items: AttentionItem[] }) {
  return (
    <Card>
      <CardHeader title="Needs attention" description={`Offline, or above ${ATTENTION_THRESHOLD_PERCENT}% CPU, memory or disk.`} />
      {items.length === 0 ? (
        <p className="flex items-center gap-2 text-sm text-muted-foreground">
          <CheckCircle2 className="h-4 w-4 text-success" aria-hidden />
          Nothing right now: every host is reporting and has room to spare.
        </p>
      ) : (
        <ul className="divide-y divide-border" aria-label="Hosts needing attention">
          {items.map(({ host, reasons }) => (
            <li key={host.id} className="flex flex-wrap items-center justify-between gap-2 py-2" data-host-id={host.id}>
              <Link to={`/hosts/${encodeURIComponent(host.id)}`} className="font-medium text-primary hover:underline">
                {host.name}
              </Link>
              <span className="flex flex-wrap gap-1">
                {reasons.map((reason) => (
                  <Badge key={reason} tone={host.status === 'offline' ? 'danger' : 'warning'}>
                    {reason}
                  </Badge>
                ))}
              </span>
            </li>
          ))}
        </ul>
      )}
    </Card>
  );
}
