import { SelfSignedCertificateRequestSchema } from '@infrapilot/protocol';
import { FileBadge } from 'lucide-react';
import { type FormEvent, useState } from 'react';
import { Button } from '../../components/ui/button';
import { Dialog, DialogContent, DialogFormFooter, DialogTrigger } from '../../components/ui/dialog';
import { FormAlert } from '../../components/ui/form-alert';
import { Field, Input } from '../../components/ui/input';
import { useProxyApi } from '../proxies/proxy-api';
import { useCertificateCreation } from './use-certificate-creation';

type SelfSignedErrors = Partial<Record<'name' | 'domains' | 'days', string>>;

const TEXTAREA =
  'min-h-20 w-full rounded-md border border-input bg-background px-3 py-2 font-mono text-xs placeholder:text-muted-foreground focus-visible:outline-2 focus-visible:outline-ring';

/** The domains as typed: one per line, or separated by commas or spaces. */
export function splitDomains(text: string): string[] {
  return text
    .split(/[\s,]+/)
    .map((domain) => domain.trim())
    .filter(Boolean);
}

/** "Create self-signed": a certificate for some domains, signed by its own key (browsers warn; for tests and internal names). */
export function SelfSignedDialog() {
  const [open, setOpen] = useState(false);
  return (
    <Dialog open={open} onOpenChange={setOpen}>
      <DialogTrigger asChild>
        <Button variant="secondary">
          <FileBadge className="h-4 w-4" aria-hidden /> Create self-signed
        </Button>
      </DialogTrigger>
      <DialogContent title="Create a self-signed certificate" description="Browsers warn about it; use it for tests and internal names.">
        <SelfSignedForm onDone={() => setOpen(false)} />
      </DialogContent>
    </Dialog>
  );
}

function SelfSignedForm({ onDone }: { onDone: () => void }) {
  const { certificates } = useProxyApi();
  const { busy, failure, create } = useCertificateCreation(onDone);
  const [name, setName] = useState('');
  const [domains, setDomains] = useState('');
  const [days, setDays] = useState('365');
  const [errors, setErrors] = useState<SelfSignedErrors>({});

  const onSubmit = (event: FormEvent) => {
    event.preventDefault();
    const parsed = SelfSignedCertificateRequestSchema.safeParse({
      ...(name.trim() ? { name } : {}),
      domains: splitDomains(domains),
      days: /^\s*\d+\s*$/.test(days) ? Number(days) : Number.NaN,
    });
    if (!parsed.success) {
      const next: SelfSignedErrors = {};
      for (const issue of parsed.error.issues) {
        const field = issue.path[0] as keyof SelfSignedErrors;
        next[field] ??= field === 'domains' && issue.path.length === 1 ? 'Enter at least one domain (at most 50)' : field === 'days' ? 'Enter a number of days from 1 to 3650' : issue.message;
      }
      setErrors(next);
      return;
    }
    setErrors({});
    create(() => certificates.createSelfSigned(parsed.data), 'Created');
  };

  return (
    <form className="grid gap-4" onSubmit={onSubmit} noValidate>
      <Field label="Name" hint="Optional; the first domain by default." error={errors.name}>
        {(props) => <Input {...props} autoComplete="off" value={name} onChange={(event) => setName(event.target.value)} />}
      </Field>
      <Field label="Domains" hint="One per line, or separated by commas." error={errors.domains}>
        {(props) => <textarea {...props} className={TEXTAREA} spellCheck={false} placeholder="app.example.com" value={domains} onChange={(event) => setDomains(event.target.value)} />}
      </Field>
      <Field label="Valid for (days)" error={errors.days}>
        {(props) => <Input {...props} inputMode="numeric" className="w-32" value={days} onChange={(event) => setDays(event.target.value)} />}
      </Field>
      <FormAlert message={failure} />
      <DialogFormFooter busy={busy} submitLabel="Create certificate" busyLabel="Creating…" />
    </form>
  );
}
