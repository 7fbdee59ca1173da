import { useCan } from '../../app/session';
import { Card } from '../../components/ui/card';
import { EmptyState, ErrorState, Loading, PageHeader } from '../../components/ui/states';
import { describeError } from '../../lib/error-text';
import { acmeCaName } from '../proxies/form/ssl-fields';
import { useAcmeSettings, useCertificates } from '../proxies/proxies-queries';
import { CertificatesTable } from './certificates-table';
import { SelfSignedDialog } from './self-signed-dialog';
import { UploadCertificateDialog } from './upload-certificate-dialog';

/** /certificates: the org's TLS certificates (ACME, uploaded, self-signed), who uses them, and the ACME CA in use. */
export function CertificatesPage() {
  const canManage = useCan('proxies:manage');
  const list = useCertificates();
  return (
    <>
      <PageHeader
        title="Certificates"
        description="TLS certificates of this organization and the proxy hosts that serve them."
        actions={
          canManage ? (
            <>
              <UploadCertificateDialog />
              <SelfSignedDialog />
            </>
          ) : null
        }
      />
      <div className="grid gap-4">
        <AcmeCard />
        {list.data ? (
          list.data.length === 0 ? (
            <EmptyState title="No certificates yet">
              Request one from a proxy host&apos;s page (Request certificate), or {canManage ? 'upload one or create a self-signed one with the buttons above.' : 'ask an operator to upload one.'}
            </EmptyState>
          ) : (
            <>
              {list.isError && (
                <p role="status" className="text-sm text-destructive">
                  Could not refresh the list ({describeError(list.error).title}); showing what was loaded before.
                </p>
              )}
              <CertificatesTable certificates={[...list.data].sort((left, right) => left.name.localeCompare(right.name))} canManage={canManage} />
            </>
          )
        ) : list.isError ? (
          <ErrorState error={list.error} onRetry={() => void list.refetch()} />
        ) : (
          <Loading label="Loading certificates…" />
        )}
      </div>
    </>
  );
}

function AcmeCard() {
  const acme = useAcmeSettings();
  if (!acme.data) return null;
  return (
    <Card className="text-sm" aria-label="ACME">
      <p>
        New certificates are issued by <span className="font-medium">{acmeCaName(acme.data)}</span> over HTTP-01 and renewed {acme.data.renewBeforeDays} days
        before they expire.
      </p>
      <p className="mt-1 text-muted-foreground">
        ACME directory: <code className="break-all" data-testid="acme-directory">{acme.data.directoryUrl}</code>
      </p>
    </Card>
  );
}
