import type { DockerEngine } from '@infrapilot/protocol';
import { AlertTriangle } from 'lucide-react';

/**
 * One banner per host whose Docker Engine does not answer, with the agent's own words
 * (they name the socket), and what to check.
 */
export function DockerEngineBanners({ engines }: { engines: readonly DockerEngine[] }) {
  const down = engines.filter((engine) => !engine.available);
  if (down.length === 0) return null;
  return (
    <div className="grid gap-2">
      {down.map((engine) => (
        <div key={engine.agentId} role="status" className="flex items-start gap-3 rounded-lg border border-warning/50 bg-warning/10 p-3 text-sm">
          <AlertTriangle className="mt-0.5 h-4 w-4 shrink-0 text-warning" aria-hidden />
          <div className="min-w-0">
            <p className="font-medium">Docker is not available on {engine.agentName}</p>
            <p className="break-words text-muted-foreground">{engine.problem ?? 'Its agent cannot reach the Docker Engine.'}</p>
            <p className="text-muted-foreground">
              Check that Docker runs on that host and that the agent may use its socket; its containers are shown as last reported.
            </p>
          </div>
        </div>
      ))}
    </div>
  );
}
