import type { Certificate } from '@infrapilot/protocol';
import { useQueryClient } from '@tanstack/react-query';
import { useToast } from '../../components/ui/toast';
import { useFormSubmission } from '../../lib/use-form-submission';
import { invalidateProxiesAndCertificates } from '../proxies/proxies-queries';

/**
 * The submission of a form that adds a certificate: `create(request, verb)` sends it and, once
 * it is stored, refreshes the certificate and proxy lists, says "`verb` <name>" and calls
 * `onDone` (closing the dialog). `busy` and `failure` are useFormSubmission's.
 */
export function useCertificateCreation(onDone: () => void) {
  const queryClient = useQueryClient();
  const notify = useToast();
  const { busy, failure, submit } = useFormSubmission();

  const create = (request: () => Promise<Certificate>, verb: string) =>
    void submit(async () => {
      const created = await request();
      void invalidateProxiesAndCertificates(queryClient);
      notify({ title: `${verb} ${created.name}` });
      onDone();
    });

  return { busy, failure, create };
}
