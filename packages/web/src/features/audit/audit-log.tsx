import { ApiError, type InfraPilotClient } from '@infrapilot/client';
import { useSearchParams } from 'react-router';
import { api } from '../../app/api';
import { PagedListView } from '../../components/ui/paged-list-view';
import { EmptyState, PageHeader } from '../../components/ui/states';
import { usePagedList } from '../../lib/paged-list';
import { type AuditFilters, AUDIT_FILTER_NAMES, filterOfErrorPath, filtersFromSearchParams, filtersToSearchParams, hasFilters } from './audit-filters';
import { AuditFiltersForm, type FilterErrors } from './audit-filters-form';
import { AuditTable } from './audit-table';

export type AuditApi = Pick<InfraPilotClient['audit'], 'list'>;

const PAGE_SIZE = 50;

const auditKeys = {
  list: (filters: AuditFilters) => ['audit', 'list', filters] as const,
};

/** Splits a server 400 over the filter fields it names; the rest stays a general message. */
function validationErrorsOf(error: unknown): { fieldErrors: FilterErrors; message: string | undefined } | null {
  if (!(error instanceof ApiError) || error.status !== 400) return null;
  const fieldErrors: FilterErrors = {};
  for (const detail of error.details) {
    const field = filterOfErrorPath(detail.path);
    if (field) fieldErrors[field] ??= detail.message;
  }
  return { fieldErrors, message: Object.keys(fieldErrors).length > 0 ? 'The server refused these filters; correct the fields marked above.' : error.message };
}

/** The audit log: filters kept in the URL, newest entries first, a page at a time. */
export function AuditLog({ audit = api.audit }: { audit?: AuditApi }) {
  const [searchParams, setSearchParams] = useSearchParams();
  const filters = filtersFromSearchParams(searchParams);
  const { query, items } = usePagedList(auditKeys.list(filters), (cursor) => audit.list({ ...filters, limit: PAGE_SIZE, ...(cursor ? { cursor } : {}) }));
  const invalid = query.isError ? validationErrorsOf(query.error) : null;
  const filtered = hasFilters(filters);
  // The form's draft restarts whenever the URL's filters change (Back, Forward, a shared link).
  const formKey = AUDIT_FILTER_NAMES.map((name) => filters[name] ?? '').join('|');

  return (
    <>
      <PageHeader title="Audit log" description="Every change made in this organization: who, what, from where, and whether it went through." />
      <AuditFiltersForm
        key={formKey}
        filters={filters}
        onApply={(next) => setSearchParams(filtersToSearchParams(next, searchParams))}
        onClear={() => setSearchParams(filtersToSearchParams({}, searchParams))}
        fieldErrors={invalid?.fieldErrors}
        error={invalid?.message}
      />
      {invalid ? (
        <p className="text-sm text-muted-foreground">No entries shown until the filters are corrected.</p>
      ) : (
        <PagedListView
          query={query}
          items={items}
          loadingLabel="Loading the audit log…"
          empty={
            <EmptyState title={filtered ? 'No entries match these filters' : 'Nothing recorded yet'}>
              {filtered
                ? 'Widen the time range, use a prefix such as "user.*", or clear the filters.'
                : 'Every change made through the dashboard, the CLI or the API appears here as it happens.'}
            </EmptyState>
          }
        >
          <AuditTable entries={items} />
        </PagedListView>
      )}
    </>
  );
}
