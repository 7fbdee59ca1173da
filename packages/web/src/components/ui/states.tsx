import { ApiError } from '@infrapilot/client';
import { AlertTriangle, Inbox, Loader2 } from 'lucide-react';
import type { ReactNode } from 'react';
import { Button } from './button';

export function Loading({ label = 'Loading…' }: { label?: string }) {
  return (
    <div role="status" className="flex items-center gap-2 p-6 text-sm text-muted-foreground">
      <Loader2 className="h-4 w-4 animate-spin" aria-hidden />
      {label}
    </div>
  );
}

/** What went wrong, and what the person can do about it. */
export function describeError(error: unknown): { title: string; hint: string } {
  if (error instanceof ApiError) {
    if (error.status === 0) return { title: 'Cannot reach the server', hint: 'Check that InfraPilot is running and your network is up, then retry.' };
    if (error.status === 401) return { title: 'Your session has ended', hint: 'Sign in again to continue.' };
    if (error.status === 403) return { title: 'Not allowed', hint: `${error.message}. Ask a super admin of this organization for access.` };
    if (error.status === 404) return { title: 'Not found', hint: 'It may have been removed, or it belongs to another organization.' };
    if (error.status === 503) return { title: 'Unavailable right now', hint: `${error.message}. Retry in a moment.` };
    return { title: error.message, hint: error.requestId ? `Request id ${error.requestId} — quote it when asking for help.` : 'Retry, or check the server log.' };
  }
  return { title: 'Something went wrong', hint: error instanceof Error ? error.message : String(error) };
}

export function ErrorState({ error, onRetry }: { error: unknown; onRetry?: () => void }) {
  const { title, hint } = describeError(error);
  return (
    <div role="alert" className="flex flex-col items-start gap-2 rounded-lg border border-destructive/40 bg-destructive/5 p-4">
      <div className="flex items-center gap-2 font-medium text-destructive">
        <AlertTriangle className="h-4 w-4" aria-hidden />
        {title}
      </div>
      <p className="text-sm text-muted-foreground">{hint}</p>
      {onRetry && (
        <Button variant="secondary" size="sm" onClick={onRetry}>
          Retry
        </Button>
      )}
    </div>
  );
}

export function EmptyState({ title, children, action }: { title: string; children?: ReactNode; action?: ReactNode }) {
  return (
    <div className="flex flex-col items-center gap-2 rounded-lg border border-dashed border-border p-8 text-center">
      <Inbox className="h-8 w-8 text-muted-foreground" aria-hidden />
      <p className="font-medium">{title}</p>
      {children && <div className="max-w-md text-sm text-muted-foreground">{children}</div>}
      {action}
    </div>
  );
}

export function PageHeader({ title, description, actions }: { title: string; description?: ReactNode; actions?: ReactNode }) {
  return (
    <div className="mb-5 flex flex-wrap items-end justify-between gap-3">
      <div>
        <h1 className="text-2xl font-semibold tracking-tight">{title}</h1>
        {description && <p className="mt-1 text-sm text-muted-foreground">{description}</p>}
      </div>
      {actions && <div className="flex flex-wrap items-center gap-2">{actions}</div>}
    </div>
  );
}
