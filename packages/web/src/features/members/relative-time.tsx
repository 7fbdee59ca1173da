import { formatDateTime, formatRelative } from '../../lib/format';

/** "3 min ago", with the exact time on hover; "never" for someone who has not signed in. */
export function RelativeTime({ iso, never = 'never' }: { iso: string | null; never?: string }) {
  if (!iso) return <span className="text-muted-foreground">{never}</span>;
  return (
    <time dateTime={iso} title={formatDateTime(iso)}>
      {formatRelative(iso)}
    </time>
  );
}
