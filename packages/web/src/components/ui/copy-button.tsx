import { Check, Copy } from 'lucide-react';
import { useEffect, useRef, useState } from 'react';
import { Button } from './button';

/** Copies text to the clipboard; falls back to selecting it where the Clipboard API is unavailable (plain http). */
export function CopyButton({ text, label }: { text: string; label: string }) {
  const [copied, setCopied] = useState(false);
  // "Copied" goes back to "Copy" after 2 s; a dialog closed sooner takes the timer with it.
  const resetTimer = useRef<ReturnType<typeof setTimeout> | undefined>(undefined);
  useEffect(() => () => clearTimeout(resetTimer.current), []);
  return (
    <Button
      variant="secondary"
      size="sm"
      aria-label={copied ? `${label} copied` : label}
      onClick={async () => {
        try {
          await navigator.clipboard.writeText(text);
        } catch {
          legacyCopy(text);
        }
        setCopied(true);
        clearTimeout(resetTimer.current);
        resetTimer.current = setTimeout(() => setCopied(false), 2000);
      }}
    >
      {copied ? <Check className="h-4 w-4" aria-hidden /> : <Copy className="h-4 w-4" aria-hidden />}
      {copied ? 'Copied' : 'Copy'}
    </Button>
  );
}

function legacyCopy(text: string): void {
  const area = document.createElement('textarea');
  area.value = text;
  area.setAttribute('readonly', '');
  area.style.position = 'fixed';
  area.style.opacity = '0';
  document.body.append(area);
  area.select();
  document.execCommand('copy');
  area.remove();
}

/** A command or secret shown in full, monospace, with its copy button. */
export function CopyableText({ text, label }: { text: string; label: string }) {
  return (
    <div className="flex min-w-0 items-start gap-2">
      {/* Long commands wrap anywhere: the whole line stays visible in a narrow dialog or on a phone. */}
      <code className="block min-w-0 flex-1 whitespace-pre-wrap break-all rounded-md bg-muted p-2 font-mono text-xs" aria-label={label}>
        {text}
      </code>
      <CopyButton text={text} label={`Copy ${label.toLowerCase()}`} />
    </div>
  );
}
