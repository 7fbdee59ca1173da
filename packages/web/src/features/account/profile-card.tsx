import type { Me } from '@infrapilot/protocol';
import type { ReactNode } from 'react';
import { Badge } from '../../components/ui/badge';
import { Card, CardHeader } from '../../components/ui/card';
import { formatDateTime, formatRelative } from '../../lib/format';
import { roleLabel } from './role-label';

/** Who I am: the person (or API key) behind this session, and my role in each org. */
export function ProfileCard({ me }: { me: Me }) {
  return (
    <Card>
      <CardHeader title="Profile" />
      <dl className="grid gap-x-6 gap-y-3 text-sm sm:grid-cols-[max-content_1fr]">
        {me.user && (
          <>
            <Detail term="Name">{me.user.name}</Detail>
            <Detail term="Email">{me.user.email}</Detail>
            <Detail term="MFA">
              <Badge tone={me.user.mfaEnabled ? 'success' : 'warning'}>{me.user.mfaEnabled ? 'on' : 'off'}</Badge>
            </Detail>
            <Detail term="Member since">{formatDateTime(me.user.createdAt)}</Detail>
            <Detail term="Last sign-in">
              {me.user.lastLoginAt ? <time dateTime={me.user.lastLoginAt} title={formatDateTime(me.user.lastLoginAt)}>{formatRelative(me.user.lastLoginAt)}</time> : 'never'}
            </Detail>
          </>
        )}
        {me.apiKey && (
          <>
            <Detail term="API key">{me.apiKey.name}</Detail>
            <Detail term="Key prefix">
              <code className="font-mono text-xs">{me.apiKey.prefix}</code>
            </Detail>
          </>
        )}
        <Detail term="Organizations">
          {me.orgs.length === 0 ? (
            <span className="text-muted-foreground">None yet: a super admin of an organization can add you.</span>
          ) : (
            <ul className="grid gap-1.5" aria-label="My organizations">
              {me.orgs.map((org) => (
                <li key={org.id} className="flex flex-wrap items-center gap-2">
                  <span className="font-medium">{org.name}</span>
                  <Badge tone="info">{roleLabel(org.role)}</Badge>
                  {org.id === me.org?.id && <Badge>current</Badge>}
                </li>
              ))}
            </ul>
          )}
        </Detail>
      </dl>
    </Card>
  );
}

function Detail({ term, children }: { term: string; children: ReactNode }) {
  return (
    <>
      <dt className="text-muted-foreground">{term}</dt>
      <dd className="min-w-0 break-words">{children}</dd>
    </>
  );
}
