import { Field } from '../../components/ui/input';

const TEXTAREA =
  'min-h-28 w-full rounded-md border border-input bg-background px-3 py-2 font-mono text-xs placeholder:text-muted-foreground focus-visible:outline-2 focus-visible:outline-ring';

/** A PEM block pasted into a textarea, or read from a file chosen beside it. */
export function PemField({ label, value, error, placeholder, onChange }: { label: string; value: string; error: string | undefined; placeholder: string; onChange: (value: string) => void }) {
  return (
    <div className="grid gap-1.5">
      <Field label={label} error={error} hint="Paste the PEM text, or choose a file below.">
        {(props) => <textarea {...props} className={TEXTAREA} spellCheck={false} placeholder={placeholder} value={value} onChange={(event) => onChange(event.target.value)} />}
      </Field>
      <input
        type="file"
        aria-label={`${label} file`}
        accept=".pem,.crt,.cer,.key,text/plain,application/x-pem-file"
        className="text-xs file:mr-2 file:rounded-md file:border file:border-border file:bg-card file:px-2 file:py-1 file:text-foreground"
        onChange={async (event) => {
          const file = event.target.files?.[0];
          if (file) onChange(await file.text());
        }}
      />
    </div>
  );
}
