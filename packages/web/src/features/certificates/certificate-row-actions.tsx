import type { Certificate } from '@infrapilot/protocol';
import { useQueryClient } from '@tanstack/react-query';
import { RefreshCw, Trash2 } from 'lucide-react';
import { useId, useState } from 'react';
import { Button } from '../../components/ui/button';
import { ConfirmDialog } from '../../components/ui/confirm-dialog';
import { useToast } from '../../components/ui/toast';
import { formErrorMessage } from '../../lib/error-text';
import { certificateKeys, invalidateProxiesAndCertificates } from '../proxies/proxies-queries';
import { useProxyApi } from '../proxies/proxy-api';
import { deleteBlocker } from './certificate-format';

/** Renew (ACME certificates) and Delete (asked first; refused with the reason while a proxy host uses it). */
export function CertificateRowActions({ certificate }: { certificate: Certificate }) {
  const { certificates } = useProxyApi();
  const queryClient = useQueryClient();
  const notify = useToast();
  const [renewing, setRenewing] = useState(false);
  const reasonId = useId();
  const blocker = deleteBlocker(certificate);

  const renew = async () => {
    setRenewing(true);
    try {
      await certificates.renew(certificate.id);
      notify({ title: `Renewing ${certificate.name}`, description: 'Proxy hosts using it switch to the new certificate once it is issued.' });
      void invalidateProxiesAndCertificates(queryClient);
    } catch (error) {
      notify({ title: `Could not renew ${certificate.name}`, description: formErrorMessage(error), tone: 'error' });
    } finally {
      setRenewing(false);
    }
  };

  return (
    <div className="flex justify-end gap-2">
      {certificate.source === 'acme' && (
        <Button variant="secondary" size="sm" disabled={renewing || certificate.status === 'pending'} onClick={() => void renew()} aria-label={`Renew ${certificate.name}`}>
          <RefreshCw className="h-4 w-4" aria-hidden />
          {renewing ? 'Renewing…' : 'Renew'}
        </Button>
      )}
      {blocker ? (
        // Focusable, so the reason can be read; it does nothing when pressed.
        <>
          <Button variant="secondary" size="sm" aria-disabled="true" aria-describedby={reasonId} title={blocker} aria-label={`Delete ${certificate.name}`} className="cursor-not-allowed opacity-50">
            <Trash2 className="h-4 w-4" aria-hidden /> Delete
          </Button>
          <span id={reasonId} className="sr-only">
            {blocker}
          </span>
        </>
      ) : (
        <ConfirmDialog
          trigger={
            <Button variant="secondary" size="sm" aria-label={`Delete ${certificate.name}`}>
              <Trash2 className="h-4 w-4" aria-hidden /> Delete
            </Button>
          }
          title={`Delete ${certificate.name}?`}
          description="The certificate and its private key are deleted from InfraPilot. This cannot be undone."
          confirmLabel="Delete certificate"
          onConfirm={async () => {
            await certificates.remove(certificate.id);
            queryClient.setQueryData<Certificate[]>(certificateKeys.list(), (list) => list?.filter((item) => item.id !== certificate.id));
            void invalidateProxiesAndCertificates(queryClient);
            notify({ title: `Deleted ${certificate.name}` });
          }}
        />
      )}
    </div>
  );
}
