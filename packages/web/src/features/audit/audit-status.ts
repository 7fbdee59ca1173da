import type { BadgeTone } from '../../components/ui/badge';

/** The colour of an HTTP status: 2xx went through, 4xx was refused, 5xx broke. */
export function statusTone(status: number): BadgeTone {
  if (status >= 200 && status < 300) return 'success';
  if (status >= 400 && status < 500) return 'warning';
  if (status >= 500) return 'danger';
  return 'neutral';
}
