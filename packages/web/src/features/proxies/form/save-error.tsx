import { ApiError } from '@infrapilot/client';
import { AlertTriangle } from 'lucide-react';
import { formErrorMessage } from '../../../lib/error-text';

/** Why a save or test did not go through, in words for each refusal the proxy routes give. */
export function describeSaveError(error: unknown): { title: string; message: string; nginxOutput?: string } {
  if (error instanceof ApiError) {
    if (error.code === 'proxy_config_invalid') {
      return {
        title: 'nginx refused this configuration',
        message: 'Nothing changed on the host: its previous files were put back. nginx said:',
        nginxOutput: error.message,
      };
    }
    if (error.code === 'proxy_unavailable') return { title: 'nginx is not available on this host', message: `${error.message}. Install nginx there, or check the agent's policy file.` };
    if (error.code === 'agent_offline') return { title: 'The host is offline', message: `${error.message}. The change is applied by its agent, so it must be connected.` };
    if (error.status === 400) return { title: 'Some values were refused', message: error.message };
    if (error.status === 409) return { title: 'Already exists', message: error.message };
  }
  return { title: 'Could not save', message: formErrorMessage(error) };
}

/** The refusal of a save, above the form's buttons; nginx's own output in a monospace block. */
export function SaveError({ error }: { error: unknown }) {
  if (!error) return null;
  const { title, message, nginxOutput } = describeSaveError(error);
  const details = error instanceof ApiError ? error.details : [];
  return (
    <div role="alert" className="grid gap-2 rounded-lg border border-destructive/40 bg-destructive/5 p-3 text-sm" data-testid="save-error">
      <p className="flex items-center gap-2 font-medium text-destructive">
        <AlertTriangle className="h-4 w-4" aria-hidden />
        {title}
      </p>
      <p>{message}</p>
      {nginxOutput && <pre className="max-h-64 overflow-auto whitespace-pre-wrap break-words rounded-md bg-muted p-2 font-mono text-xs">{nginxOutput}</pre>}
      {details.length > 0 && (
        <ul className="list-disc pl-5">
          {details.map((detail) => (
            <li key={`${detail.path}:${detail.message}`}>
              <span className="font-mono">{detail.path.replace(/^body\.?/, '') || 'body'}</span>: {detail.message}
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}
