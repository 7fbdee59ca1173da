import type { ProxyTestResult } from '@infrapilot/protocol';
import { CheckCircle2, XCircle } from 'lucide-react';
import { cn } from '../../lib/class-names';

/** What nginx -t said about a configuration (nothing went live), with the file it tested. */
export function TestResultPanel({ result }: { result: ProxyTestResult }) {
  return (
    <div
      role="status"
      data-testid="proxy-test-result"
      className={cn('grid gap-2 rounded-lg border p-3 text-sm', result.ok ? 'border-success/50 bg-success/10' : 'border-destructive/40 bg-destructive/5')}
    >
      <p className={cn('flex items-center gap-2 font-medium', result.ok ? 'text-success' : 'text-destructive')}>
        {result.ok ? <CheckCircle2 className="h-4 w-4" aria-hidden /> : <XCircle className="h-4 w-4" aria-hidden />}
        {result.ok ? 'nginx -t accepted this configuration' : 'nginx -t refused this configuration'}
      </p>
      {result.output && <pre className="max-h-64 overflow-auto whitespace-pre-wrap break-words rounded-md bg-muted p-2 font-mono text-xs">{result.output}</pre>}
      <details>
        <summary className="cursor-pointer text-muted-foreground">The configuration tested</summary>
        <pre className="mt-2 max-h-96 overflow-auto rounded-md bg-muted p-2 font-mono text-xs">{result.config}</pre>
      </details>
    </div>
  );
}
