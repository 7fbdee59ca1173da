import { Badge } from '../../components/ui/badge';

export function MfaBadge({ enabled }: { enabled: boolean }) {
  return <Badge tone={enabled ? 'success' : 'neutral'}>{enabled ? 'On' : 'Off'}</Badge>;
}

/** Disabled accounts cannot sign in anywhere; that is the one status worth a colour. */
export function AccountStatusBadge({ disabled }: { disabled: boolean }) {
  return <Badge tone={disabled ? 'danger' : 'success'}>{disabled ? 'Disabled' : 'Active'}</Badge>;
}
