import { describeError } from '../../../lib/error-text';
import { ErrorState, Loading } from '../../../components/ui/states';
import { useContainerList } from '../containers-queries';
import { ContainersView } from './containers-view';

/**
 * The container list in each of its states. A failed refresh keeps the rows shown (with
 * a note); only a first load that fails shows the error alone.
 */
export function ContainerListBody({ agentId }: { agentId?: string }) {
  const list = useContainerList();
  if (list.data) {
    return (
      <div className="grid gap-2">
        {list.isError && (
          <p role="status" className="text-sm text-destructive">
            Could not refresh the list ({describeError(list.error).title}); showing what was loaded before. It retries every 15 seconds.
          </p>
        )}
        <ContainersView list={list.data} {...(agentId ? { agentId } : {})} />
      </div>
    );
  }
  if (list.isError) return <ErrorState error={list.error} onRetry={() => void list.refetch()} />;
  return <Loading label="Loading containers…" />;
}
