import type { ContainerState } from '@infrapilot/protocol';
import { Badge } from '../../components/ui/badge';
import { TONE_OF_STATE, toneOfHealth } from './container-format';

/** The container's state as a coloured word (exactly the state, for people and tests), and its health check when it has one. */
export function ContainerStateBadge({ state, health, title }: { state: ContainerState; health?: string | null | undefined; title?: string | undefined }) {
  return (
    <span className="inline-flex flex-wrap items-center gap-1">
      <Badge tone={TONE_OF_STATE[state]} data-testid="container-state" title={title}>
        {state}
      </Badge>
      {health && (
        <Badge tone={toneOfHealth(health)} data-testid="container-health" title="Health check">
          {health}
        </Badge>
      )}
    </span>
  );
}
