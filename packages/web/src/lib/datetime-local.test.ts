import { describe, expect, it } from 'vitest';
import { isoToLocalInput, localInputToIso } from './datetime-local';

describe('datetime-local conversion', () => {
  it('round-trips a local wall-clock time through an ISO instant', () => {
    const iso = localInputToIso('2025-03-01T14:30');
    expect(iso).toBe(new Date(2025, 2, 1, 14, 30).toISOString());
    expect(isoToLocalInput(iso)).toBe('2025-03-01T14:30');
  });

  it('treats empty and unreadable values as no time', () => {
    expect(localInputToIso('')).toBeUndefined();
    expect(localInputToIso('not a time')).toBeUndefined();
    expect(isoToLocalInput('nonsense')).toBe('');
  });
});
