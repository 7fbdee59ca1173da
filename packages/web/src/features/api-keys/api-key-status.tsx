import type { ApiKey } from '@infrapilot/protocol';
import { Badge } from '../../components/ui/badge';
import { formatDateTime } from '../../lib/format';

/** Whether a key still works: revoked beats expired beats active. */
function apiKeyStatus(key: ApiKey, now: number = Date.now()): 'revoked' | 'expired' | 'active' {
  if (key.revokedAt) return 'revoked';
  if (key.expiresAt && Date.parse(key.expiresAt) <= now) return 'expired';
  return 'active';
}

export function ApiKeyStatusBadge({ apiKey }: { apiKey: ApiKey }) {
  const status = apiKeyStatus(apiKey);
  if (status === 'revoked') {
    return (
      <Badge tone="danger" title={`Revoked ${formatDateTime(apiKey.revokedAt)}`}>
        revoked
      </Badge>
    );
  }
  if (status === 'expired') return <Badge tone="warning">expired</Badge>;
  return <Badge tone="success">active</Badge>;
}
