import type { AuditEntry } from '@infrapilot/protocol';
import type { ReactNode } from 'react';

/** Everything an audit entry holds beyond its row: who exactly, from where, and what was sent (secrets redacted). */
export function AuditEntryDetails({ entry }: { entry: AuditEntry }) {
  const facts: Array<[string, ReactNode]> = [
    ['User agent', entry.userAgent ?? '—'],
    ['Entry id', <Mono>{entry.id}</Mono>],
    ['User id', entry.userId ? <Mono>{entry.userId}</Mono> : '—'],
    ['API key id', entry.apiKeyId ? <Mono>{entry.apiKeyId}</Mono> : '—'],
    ['Resource id', entry.resourceId ? <Mono>{entry.resourceId}</Mono> : '—'],
  ];
  return (
    <div className="grid gap-3 p-3">
      <dl className="grid gap-x-4 gap-y-1 text-sm sm:grid-cols-[max-content_1fr]">
        {facts.map(([term, value]) => (
          <div key={term} className="contents">
            <dt className="font-medium text-muted-foreground">{term}</dt>
            <dd className="min-w-0 break-all">{value}</dd>
          </div>
        ))}
      </dl>
      <div className="grid gap-1">
        <p className="text-sm font-medium text-muted-foreground">Request body</p>
        {entry.requestBody === null || entry.requestBody === undefined ? (
          <p className="text-sm text-muted-foreground">No request body.</p>
        ) : (
          <pre aria-label="Request body" className="max-h-80 overflow-auto rounded-md bg-muted p-2 font-mono text-xs">
            {JSON.stringify(entry.requestBody, null, 2)}
          </pre>
        )}
      </div>
    </div>
  );
}

function Mono({ children }: { children: ReactNode }) {
  return <code className="font-mono text-xs">{children}</code>;
}
