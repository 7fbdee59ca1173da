import { KeyRound } from 'lucide-react';
import { api } from '../../app/api';
import { useSession } from '../../app/session';
import { Card, CardHeader } from '../../components/ui/card';
import { Loading, PageHeader } from '../../components/ui/states';
import { useChangePassword } from './account-queries';
import { ChangePasswordForm } from './change-password-form';
import { type MfaActions, MfaSection } from './mfa-section';
import { ProfileCard } from './profile-card';
import { SessionsCard } from './sessions-card';

const MFA_ACTIONS: MfaActions = {
  setup: () => api.auth.setupMfa(),
  enable: (code) => api.auth.enableMfa(code),
  disable: (code) => api.auth.disableMfa(code),
};

/** /account: who I am, my password, MFA and signed-in sessions. */
export function AccountPage() {
  const { me, reload } = useSession();
  const changePassword = useChangePassword();
  if (!me) return <Loading />;
  return (
    <>
      <PageHeader title="Account" description="Your profile, password, two-factor sign-in and sessions." />
      {me.kind === 'api_key' || !me.user ? (
        <div className="grid grid-cols-1 gap-4 lg:grid-cols-2 lg:items-start">
          <ProfileCard me={me} />
          <ApiKeyNote />
        </div>
      ) : (
        <div className="grid grid-cols-1 gap-4">
          <div className="grid grid-cols-1 gap-4 lg:grid-cols-2 lg:items-start">
            <div className="grid grid-cols-1 gap-4">
              <ProfileCard me={me} />
              <ChangePasswordForm changePassword={changePassword} />
            </div>
            <MfaSection enabled={me.user.mfaEnabled} actions={MFA_ACTIONS} onChanged={reload} />
          </div>
          <SessionsCard />
        </div>
      )}
    </>
  );
}

function ApiKeyNote() {
  return (
    <Card>
      <CardHeader title="Signed in with an API key" />
      <p className="flex gap-2 text-sm text-muted-foreground">
        <KeyRound className="mt-0.5 h-4 w-4 shrink-0" aria-hidden />
        An API key has no password, MFA or sessions of its own. Sign in with your email and password to manage those; manage keys on the API keys page.
      </p>
    </Card>
  );
}
