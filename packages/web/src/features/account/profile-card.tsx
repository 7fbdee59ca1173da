import type { Me } from '@infrapilot/protocol';
import { Badge } from '../../components/ui/badge';
import { Card, CardHeader } from '../../components/ui/card';
import { DescriptionItem } from '../../components/ui/description-list';
import { RelativeTime } from '../../components/ui/relative-time';
import { formatDateTime } from '../../lib/format';
import { lowerCaseRoleLabel } from '../members/roles';

/** Who I am: the person (or API key) behind this session, and my role in each org. */
export function ProfileCard({ me }: { me: Me }) {
  return (
    <Card>
      <CardHeader title="Profile" />
      <dl className="grid gap-x-6 gap-y-3 text-sm sm:grid-cols-[max-content_1fr]">
        {me.user && (
          <>
            <DescriptionItem term="Name">{me.user.name}</DescriptionItem>
            <DescriptionItem term="Email">{me.user.email}</DescriptionItem>
            <DescriptionItem term="MFA">
              <Badge tone={me.user.mfaEnabled ? 'success' : 'warning'}>{me.user.mfaEnabled ? 'on' : 'off'}</Badge>
            </DescriptionItem>
            <DescriptionItem term="Member since">{formatDateTime(me.user.createdAt)}</DescriptionItem>
            <DescriptionItem term="Last sign-in">
              <RelativeTime iso={me.user.lastLoginAt} />
            </DescriptionItem>
          </>
        )}
        {me.apiKey && (
          <>
            <DescriptionItem term="API key">{me.apiKey.name}</DescriptionItem>
            <DescriptionItem term="Key prefix">
              <code className="font-mono text-xs">{me.apiKey.prefix}</code>
            </DescriptionItem>
          </>
        )}
        <DescriptionItem term="Organizations">
          {me.orgs.length === 0 ? (
            <span className="text-muted-foreground">None yet: a super admin of an organization can add you.</span>
          ) : (
            <ul className="grid gap-1.5" aria-label="My organizations">
              {me.orgs.map((org) => (
                <li key={org.id} className="flex flex-wrap items-center gap-2">
                  <span className="font-medium">{org.name}</span>
                  <Badge tone="info">{lowerCaseRoleLabel(org.role)}</Badge>
                  {org.id === me.org?.id && <Badge>current</Badge>}
                </li>
              ))}
            </ul>
          )}
        </DescriptionItem>
      </dl>
    </Card>
  );
}
