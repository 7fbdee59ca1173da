/** The audit log's filters as they live in the URL (?action=user.*&from=...), so a filtered view can be shared. */
export interface AuditFilters {
  /** Exact action, or a prefix ending in "*" such as "user.*". */
  action?: string;
  resourceType?: string;
  /** ISO instants; the inputs show them in the reader's time zone. */
  from?: string;
  to?: string;
}

export type AuditFilterName = keyof AuditFilters;

export const AUDIT_FILTER_NAMES: readonly AuditFilterName[] = ['action', 'resourceType', 'from', 'to'];

export function filtersFromSearchParams(params: URLSearchParams): AuditFilters {
  const filters: AuditFilters = {};
  for (const name of AUDIT_FILTER_NAMES) {
    const value = params.get(name)?.trim();
    if (value) filters[name] = value;
  }
  return filters;
}

/** The search params for `filters`, keeping any other params the URL carries. */
export function filtersToSearchParams(filters: AuditFilters, current: URLSearchParams = new URLSearchParams()): URLSearchParams {
  const next = new URLSearchParams(current);
  for (const name of AUDIT_FILTER_NAMES) {
    const value = filters[name]?.trim();
    if (value) next.set(name, value);
    else next.delete(name);
  }
  return next;
}

export function hasFilters(filters: AuditFilters): boolean {
  return AUDIT_FILTER_NAMES.some((name) => Boolean(filters[name]));
}

/**
 * The filter a server validation error is about ("querystring.action" → "action"), so
 * the message can sit next to that input; undefined for anything else.
 */
export function filterOfErrorPath(path: string): AuditFilterName | undefined {
  const field = path.replace(/^querystring\./, '');
  return (AUDIT_FILTER_NAMES as readonly string[]).includes(field) ? (field as AuditFilterName) : undefined;
}
