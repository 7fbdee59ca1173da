import { AlertTriangle } from 'lucide-react';
import type { ReactNode } from 'react';
import { CopyableText } from '../../components/ui/copy-button';

/**
 * A secret the server returns once and never again (a generated password, an API key).
 * It lives only in the state of the dialog that shows it: closing the dialog drops it.
 */
export function OneTimeSecret({ label, secret, warning }: { label: string; secret: string; warning: ReactNode }) {
  return (
    <div className="grid grid-cols-[minmax(0,1fr)] gap-2">
      <p role="note" className="flex items-start gap-2 rounded-md border border-warning/40 bg-warning/10 p-2 text-sm">
        <AlertTriangle className="mt-0.5 h-4 w-4 shrink-0 text-warning" aria-hidden />
        <span>{warning}</span>
      </p>
      <p className="text-sm font-medium">{label}</p>
      <CopyableText text={secret} label={label} />
    </div>
  );
}
