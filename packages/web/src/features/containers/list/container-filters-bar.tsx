import { Search } from 'lucide-react';
import { Input, Select } from '../../../components/ui/input';
import { CONTAINER_STATES } from '../container-format';
import type { ContainerFilters } from './container-filters';

/** Host, stack, state and a text filter, each a labelled control; the values live in the URL (the caller's). */
export function ContainerFiltersBar({
  filters,
  hosts,
  stacks,
  onChange,
}: {
  filters: ContainerFilters;
  /** Absent on a host's own page, where the host is fixed. */
  hosts?: Array<{ id: string; name: string }> | undefined;
  stacks: string[];
  onChange: (name: keyof ContainerFilters, value: string) => void;
}) {
  return (
    <div className="flex flex-col gap-2 sm:flex-row sm:flex-wrap">
      <div className="relative sm:max-w-xs sm:flex-1">
        <Search className="pointer-events-none absolute left-2.5 top-2.5 h-4 w-4 text-muted-foreground" aria-hidden />
        <Input
          type="search"
          aria-label="Filter containers"
          placeholder="Filter by name, image or id"
          className="pl-8"
          value={filters.q}
          onChange={(event) => onChange('q', event.target.value)}
        />
      </div>
      {hosts && (
        <Select aria-label="Host" className="sm:w-44" value={filters.host} onChange={(event) => onChange('host', event.target.value)}>
          <option value="">All hosts</option>
          {hosts.map((host) => (
            <option key={host.id} value={host.id}>
              {host.name}
            </option>
          ))}
        </Select>
      )}
      <Select aria-label="Stack" className="sm:w-44" value={filters.stack} onChange={(event) => onChange('stack', event.target.value)}>
        <option value="">All stacks</option>
        {/* A stack named in the URL stays choosable even when none of its containers is left. */}
        {[...new Set([...stacks, ...(filters.stack ? [filters.stack] : [])])].map((stack) => (
          <option key={stack} value={stack}>
            {stack}
          </option>
        ))}
      </Select>
      <Select aria-label="State" className="sm:w-40" value={filters.state} onChange={(event) => onChange('state', event.target.value)}>
        <option value="">All states</option>
        {CONTAINER_STATES.map((state) => (
          <option key={state} value={state}>
            {state}
          </option>
        ))}
      </Select>
    </div>
  );
}
