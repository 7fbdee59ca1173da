import { type FormEvent, useState } from 'react';
import { Button } from '../../components/ui/button';
import { FormAlert } from '../../components/ui/form-alert';
import { Field, Input } from '../../components/ui/input';
import { isoToLocalInput, localInputToIso } from '../../lib/datetime-local';
import { type AuditFilterName, type AuditFilters, hasFilters } from './audit-filters';

export type FilterErrors = Partial<Record<AuditFilterName, string>>;

export interface AuditFiltersFormProps {
  /** The filters in force (from the URL); the form edits a draft of them until applied. */
  filters: AuditFilters;
  onApply: (filters: AuditFilters) => void;
  onClear: () => void;
  /** The server's verdict on the filters in force: per field, and what fits no field. */
  fieldErrors?: FilterErrors;
  error?: string | undefined;
}

/**
 * Re-mount it (key) when the URL's filters change, so the draft follows Back and Forward.
 */
export function AuditFiltersForm({ filters, onApply, onClear, fieldErrors = {}, error }: AuditFiltersFormProps) {
  const [action, setAction] = useState(filters.action ?? '');
  const [resourceType, setResourceType] = useState(filters.resourceType ?? '');
  const [from, setFrom] = useState(isoToLocalInput(filters.from));
  const [to, setTo] = useState(isoToLocalInput(filters.to));
  const [rangeError, setRangeError] = useState<string | undefined>();

  function submit(event: FormEvent) {
    event.preventDefault();
    const next: AuditFilters = {};
    if (action.trim()) next.action = action.trim();
    if (resourceType.trim()) next.resourceType = resourceType.trim();
    const fromIso = localInputToIso(from);
    const toIso = localInputToIso(to);
    if (fromIso) next.from = fromIso;
    if (toIso) next.to = toIso;
    if (fromIso && toIso && Date.parse(fromIso) > Date.parse(toIso)) {
      setRangeError('"To" must be after "From"');
      return;
    }
    setRangeError(undefined);
    onApply(next);
  }

  const anythingSet = hasFilters(filters) || Boolean(action || resourceType || from || to);

  return (
    <form className="mb-4 grid gap-3 rounded-lg border border-border bg-card p-3" onSubmit={submit} noValidate aria-label="Audit log filters">
      <div className="grid items-start gap-3 sm:grid-cols-2 lg:grid-cols-4">
        <Field label="Action" hint='Exact, or a prefix ending in * such as "user.*".' error={fieldErrors.action}>
          {(props) => <Input {...props} placeholder="user.*" autoComplete="off" value={action} onChange={(event) => setAction(event.target.value)} />}
        </Field>
        <Field label="Resource type" hint='Such as "user", "api_key" or "agent".' error={fieldErrors.resourceType}>
          {(props) => <Input {...props} placeholder="api_key" autoComplete="off" value={resourceType} onChange={(event) => setResourceType(event.target.value)} />}
        </Field>
        <Field label="From" error={fieldErrors.from}>
          {(props) => <Input {...props} type="datetime-local" value={from} onChange={(event) => setFrom(event.target.value)} />}
        </Field>
        <Field label="To" error={rangeError ?? fieldErrors.to}>
          {(props) => <Input {...props} type="datetime-local" value={to} onChange={(event) => setTo(event.target.value)} />}
        </Field>
      </div>
      <FormAlert message={error} />
      <div className="flex flex-wrap gap-2">
        <Button type="submit">Apply filters</Button>
        <Button
          variant="secondary"
          disabled={!anythingSet}
          onClick={() => {
            setAction('');
            setResourceType('');
            setFrom('');
            setTo('');
            setRangeError(undefined);
            onClear();
          }}
        >
          Clear filters
        </Button>
      </div>
    </form>
  );
}
