import type { AcmeSettings, Certificate } from '@infrapilot/protocol';
import { useId } from 'react';
import { Field, Input, Select } from '../../../components/ui/input';
import { describeError } from '../../../lib/error-text';
import { useAcmeSettings, useCertificates } from '../proxies-queries';
import { CheckboxField } from './checkbox-field';
import type { FieldErrors, ProxyFormValues, SslChoice } from './proxy-form-values';

/** The ACME CA in words: Let's Encrypt by name, anything else by its directory URL. */
export function acmeCaName(settings: AcmeSettings | undefined): string {
  if (!settings) return 'the ACME CA';
  if (settings.preset === 'letsencrypt') return "Let's Encrypt";
  if (settings.preset === 'letsencrypt-staging') return "Let's Encrypt (staging)";
  return `the ACME CA at ${settings.directoryUrl}`;
}

function describeCertificate(certificate: Certificate): string {
  const expiry = certificate.expiresAt ? `, expires ${certificate.expiresAt.slice(0, 10)}` : '';
  return `${certificate.name} (${certificate.domains.join(', ')}) — ${certificate.status}${expiry}`;
}

/** Where HTTPS comes from, and the options that only matter with it (force SSL, HTTP/2). */
export function SslFields({ values, errors, onChange }: { values: ProxyFormValues; errors: FieldErrors; onChange: (patch: Partial<ProxyFormValues>) => void }) {
  const name = useId();
  const acme = useAcmeSettings();
  const certificates = useCertificates();
  const choices: Array<{ value: SslChoice; label: string }> = [
    { value: 'none', label: 'None (HTTP only)' },
    { value: 'existing', label: 'A certificate of this organization' },
    { value: 'acme', label: `Request a new one from ${acmeCaName(acme.data)}` },
    { value: 'self_signed', label: 'Self-signed' },
  ];
  return (
    <>
      <div role="radiogroup" aria-label="Certificate" className="grid gap-2 text-sm">
        {choices.map((choice) => (
          <label key={choice.value} className="flex items-center gap-2">
            <input type="radio" name={name} className="h-4 w-4" checked={values.ssl === choice.value} onChange={() => onChange({ ssl: choice.value })} />
            {choice.label}
          </label>
        ))}
      </div>
      {values.ssl === 'existing' && (
        <Field
          label="Certificate"
          hint={certificates.isError ? `Could not list the certificates: ${describeError(certificates.error).title}` : 'It must cover this domain.'}
          error={errors.certificateId}
        >
          {(props) => (
            <Select {...props} value={values.certificateId} onChange={(event) => onChange({ certificateId: event.target.value })}>
              <option value="">{certificates.isPending ? 'Loading certificates…' : 'Choose a certificate'}</option>
              {(certificates.data ?? []).map((certificate) => (
                <option key={certificate.id} value={certificate.id}>
                  {describeCertificate(certificate)}
                </option>
              ))}
            </Select>
          )}
        </Field>
      )}
      {values.ssl === 'acme' && (
        <p className="text-sm text-muted-foreground">
          Requested when you save, over HTTP-01 through this host&apos;s nginx: the domain&apos;s DNS must point at the host and port 80 must be reachable from
          the internet. HTTPS starts once it is issued, and it renews 30 days before it expires.
        </p>
      )}
      {values.ssl === 'self_signed' && (
        <Field label="Valid for (days)" hint="Browsers warn about a self-signed certificate; use it for tests or internal names." error={errors.selfSignedDays}>
          {(props) => <Input {...props} inputMode="numeric" className="sm:w-32" value={values.selfSignedDays} onChange={(event) => onChange({ selfSignedDays: event.target.value })} />}
        </Field>
      )}
      <div className="grid gap-3 sm:grid-cols-2">
        <CheckboxField label="Force SSL" hint="Redirect HTTP to HTTPS (301) while a certificate is attached." checked={values.forceSsl} onChange={(forceSsl) => onChange({ forceSsl })} />
        <CheckboxField label="HTTP/2" hint="Served over HTTPS." checked={values.http2} onChange={(http2) => onChange({ http2 })} />
      </div>
    </>
  );
}
