import type { ProxyHost, ProxySslRequest } from '@infrapilot/protocol';
import { useQueryClient } from '@tanstack/react-query';
import { ShieldCheck } from 'lucide-react';
import { type FormEvent, useId, useState } from 'react';
import { Button } from '../../../components/ui/button';
import { Dialog, DialogContent, DialogFormFooter, DialogTrigger } from '../../../components/ui/dialog';
import { FormAlert } from '../../../components/ui/form-alert';
import { Field, Input, Select } from '../../../components/ui/input';
import { useToast } from '../../../components/ui/toast';
import { useFormSubmission } from '../../../lib/use-form-submission';
import { acmeCaName } from '../form/ssl-fields';
import { invalidateProxiesAndCertificates, storeProxyHost, useAcmeSettings, useCertificates } from '../proxies-queries';
import { useProxyApi } from '../proxy-api';

type Source = ProxySslRequest['source'];

/** "Request certificate": a new ACME one (issued in the background), a self-signed one, or one the org already has. */
export function RequestCertificateDialog({ host }: { host: ProxyHost }) {
  const [open, setOpen] = useState(false);
  return (
    <Dialog open={open} onOpenChange={setOpen}>
      <DialogTrigger asChild>
        <Button variant="secondary">
          <ShieldCheck className="h-4 w-4" aria-hidden /> Request certificate
        </Button>
      </DialogTrigger>
      <DialogContent title={`Certificate for ${host.domain}`} description="HTTPS starts as soon as the certificate is valid; the current one serves until then.">
        <RequestCertificateForm host={host} onDone={() => setOpen(false)} />
      </DialogContent>
    </Dialog>
  );
}

function RequestCertificateForm({ host, onDone }: { host: ProxyHost; onDone: () => void }) {
  const { proxies } = useProxyApi();
  const queryClient = useQueryClient();
  const notify = useToast();
  const acme = useAcmeSettings();
  const certificates = useCertificates();
  const { busy, failure, submit } = useFormSubmission();
  const [source, setSource] = useState<Source>('acme');
  const [days, setDays] = useState('365');
  const [certificateId, setCertificateId] = useState('');
  const [fieldError, setFieldError] = useState<string | undefined>(undefined);
  const name = useId();

  const request = (): ProxySslRequest | undefined => {
    if (source === 'acme') return { source };
    if (source === 'self_signed') {
      const value = /^\d+$/.test(days.trim()) ? Number(days) : Number.NaN;
      return value >= 1 && value <= 3650 ? { source, days: value } : undefined;
    }
    return certificateId ? { source, certificateId } : undefined;
  };

  const onSubmit = (event: FormEvent) => {
    event.preventDefault();
    const body = request();
    if (!body) {
      setFieldError(source === 'self_signed' ? 'Enter a number of days from 1 to 3650' : 'Choose a certificate');
      return;
    }
    setFieldError(undefined);
    void submit(async () => {
      const updated = await proxies.requestSsl(host.agentId, host.id, body);
      storeProxyHost(queryClient, updated);
      void invalidateProxiesAndCertificates(queryClient);
      notify({
        title: source === 'acme' ? `Certificate requested for ${host.domain}` : `Certificate attached to ${host.domain}`,
        description: source === 'acme' ? 'HTTPS starts once it is issued.' : undefined,
      });
      onDone();
    });
  };

  const choices: Array<{ value: Source; label: string }> = [
    { value: 'acme', label: `A new one from ${acmeCaName(acme.data)}` },
    { value: 'self_signed', label: 'Self-signed' },
    { value: 'existing', label: 'A certificate of this organization' },
  ];
  return (
    <form className="grid gap-4" onSubmit={onSubmit} noValidate>
      <div role="radiogroup" aria-label="Source" className="grid gap-2 text-sm">
        {choices.map((choice) => (
          <label key={choice.value} className="flex items-center gap-2">
            <input type="radio" name={name} className="h-4 w-4" checked={source === choice.value} onChange={() => setSource(choice.value)} />
            {choice.label}
          </label>
        ))}
      </div>
      {source === 'self_signed' && (
        <Field label="Valid for (days)" error={fieldError}>
          {(props) => <Input {...props} inputMode="numeric" value={days} onChange={(event) => setDays(event.target.value)} />}
        </Field>
      )}
      {source === 'existing' && (
        <Field label="Certificate" error={fieldError}>
          {(props) => (
            <Select {...props} value={certificateId} onChange={(event) => setCertificateId(event.target.value)}>
              <option value="">{certificates.isPending ? 'Loading certificates…' : 'Choose a certificate'}</option>
              {(certificates.data ?? []).map((certificate) => (
                <option key={certificate.id} value={certificate.id}>
                  {certificate.name} ({certificate.domains.join(', ')}) — {certificate.status}
                </option>
              ))}
            </Select>
          )}
        </Field>
      )}
      <FormAlert message={failure} />
      <DialogFormFooter busy={busy} submitLabel={source === 'acme' ? 'Request certificate' : 'Attach certificate'} busyLabel="Working…" />
    </form>
  );
}
