import { describe, expect, it } from 'vitest';
import { filterOfErrorPath, filtersFromSearchParams, filtersToSearchParams } from './audit-filters';

describe('audit filters in the URL', () => {
  it('reads only the known, non-empty filters', () => {
    expect(filtersFromSearchParams(new URLSearchParams('action=user.*&resourceType=&from=2025-01-01T00:00:00.000Z&page=3'))).toEqual({
      action: 'user.*',
      from: '2025-01-01T00:00:00.000Z',
    });
  });

  it('writes filters and keeps unrelated params', () => {
    const next = filtersToSearchParams({ resourceType: 'api_key' }, new URLSearchParams('action=user.*&tab=x'));
    expect(next.toString()).toBe('tab=x&resourceType=api_key');
  });

  it('names the filter a server error path is about', () => {
    expect(filterOfErrorPath('querystring.action')).toBe('action');
    expect(filterOfErrorPath('querystring.limit')).toBeUndefined();
  });
});
