import { formatDateTime, formatRelative } from '../../lib/format';
import { useNow } from '../../lib/use-now';

/**
 * "3 minutes ago", with the exact time on hover, kept counting by the page's clock;
 * `never` (muted) when there is no time. `now` pins the instant it counts from, for
 * figures that must agree with others computed from the same instant (and for tests).
 */
export function RelativeTime({ iso, never = 'never', now }: { iso: string | null | undefined; never?: string; now?: number }) {
  const clock = useNow();
  if (!iso) return <span className="text-muted-foreground">{never}</span>;
  return (
    <time dateTime={iso} title={formatDateTime(iso)}>
      {formatRelative(iso, now ?? clock)}
    </time>
  );
}
