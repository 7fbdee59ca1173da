import { CertificateUploadSchema } from '@infrapilot/protocol';
import { Upload } from 'lucide-react';
import { type FormEvent, useState } from 'react';
import { Button } from '../../components/ui/button';
import { Dialog, DialogContent, DialogFormFooter, DialogTrigger } from '../../components/ui/dialog';
import { FormAlert } from '../../components/ui/form-alert';
import { Field, Input } from '../../components/ui/input';
import { useProxyApi } from '../proxies/proxy-api';
import { PemField } from './pem-field';
import { useCertificateCreation } from './use-certificate-creation';

type UploadErrors = Partial<Record<'name' | 'certificatePem' | 'privateKeyPem', string>>;

/** "Upload certificate": a certificate with its chain and its private key, in PEM. The key is stored encrypted and never shown again. */
export function UploadCertificateDialog() {
  const [open, setOpen] = useState(false);
  return (
    <Dialog open={open} onOpenChange={setOpen}>
      <DialogTrigger asChild>
        <Button variant="secondary">
          <Upload className="h-4 w-4" aria-hidden /> Upload certificate
        </Button>
      </DialogTrigger>
      <DialogContent title="Upload a certificate" description="The leaf certificate followed by its chain, and its private key. The key is stored encrypted and never shown again." className="max-w-2xl">
        <UploadForm onDone={() => setOpen(false)} />
      </DialogContent>
    </Dialog>
  );
}

function UploadForm({ onDone }: { onDone: () => void }) {
  const { certificates } = useProxyApi();
  const { busy, failure, create } = useCertificateCreation(onDone);
  const [name, setName] = useState('');
  const [certificatePem, setCertificatePem] = useState('');
  const [privateKeyPem, setPrivateKeyPem] = useState('');
  const [errors, setErrors] = useState<UploadErrors>({});

  const onSubmit = (event: FormEvent) => {
    event.preventDefault();
    const parsed = CertificateUploadSchema.safeParse({ ...(name.trim() ? { name } : {}), certificatePem, privateKeyPem });
    if (!parsed.success) {
      const next: UploadErrors = {};
      for (const issue of parsed.error.issues) next[issue.path[0] as keyof UploadErrors] ??= issue.message;
      setErrors(next);
      return;
    }
    setErrors({});
    create(() => certificates.upload(parsed.data), 'Uploaded');
  };

  return (
    <form className="grid gap-4" onSubmit={onSubmit} noValidate>
      <Field label="Name" hint="Optional; the first domain by default." error={errors.name}>
        {(props) => <Input {...props} autoComplete="off" value={name} onChange={(event) => setName(event.target.value)} />}
      </Field>
      <PemField label="Certificate" placeholder="-----BEGIN CERTIFICATE-----" value={certificatePem} error={errors.certificatePem} onChange={setCertificatePem} />
      <PemField label="Private key" placeholder="-----BEGIN PRIVATE KEY-----" value={privateKeyPem} error={errors.privateKeyPem} onChange={setPrivateKeyPem} />
      <FormAlert message={failure} />
      <DialogFormFooter busy={busy} submitLabel="Upload" busyLabel="Uploading…" />
    </form>
  );
}
