import { Download, TriangleAlert } from 'lucide-react';
import { Button } from '../../components/ui/button';
import { CopyButton } from '../../components/ui/copy-button';

const FILE_NAME = 'infrapilot-recovery-codes.txt';

/** The one-time recovery codes, shown once right after MFA is turned on. */
export function RecoveryCodes({ codes, onDone }: { codes: string[]; onDone(): void }) {
  const text = codes.join('\n');
  return (
    <div className="grid gap-4">
      <div role="note" className="flex gap-2 rounded-md border border-warning/40 bg-warning/10 p-3 text-sm">
        <TriangleAlert className="mt-0.5 h-4 w-4 shrink-0 text-warning" aria-hidden />
        <p>
          These recovery codes are shown only this once. Save them somewhere safe now: if you lose your authenticator, each code signs you in one time.
        </p>
      </div>
      <ul aria-label="Recovery codes" className="grid grid-cols-2 gap-2 rounded-md bg-muted p-3 font-mono text-sm sm:max-w-sm">
        {codes.map((code) => (
          <li key={code}>
            <code>{code}</code>
          </li>
        ))}
      </ul>
      <div className="flex flex-wrap gap-2">
        <CopyButton text={text} label="Copy all" />
        <Button variant="secondary" size="sm" onClick={() => downloadText(FILE_NAME, `InfraPilot recovery codes — each works once.\n\n${text}\n`)}>
          <Download className="h-4 w-4" aria-hidden />
          Download
        </Button>
        <Button size="sm" onClick={onDone}>
          Done
        </Button>
      </div>
    </div>
  );
}

/** Saves text as a file through a temporary object URL (no server round trip, nothing left behind). */
function downloadText(fileName: string, text: string): void {
  const url = URL.createObjectURL(new Blob([text], { type: 'text/plain;charset=utf-8' }));
  const link = document.createElement('a');
  link.href = url;
  link.download = fileName;
  document.body.append(link);
  link.click();
  link.remove();
  // Some browsers start the download after click() returns; revoking at once could cancel it.
  setTimeout(() => URL.revokeObjectURL(url), 1_000);
}
