import { describe, expect, it } from 'vitest';
import { parseSince } from './option-parsers.js';

describe('parseSince', () => {
  const now = new Date('2025-03-01T12:00:00.000Z');

  it('turns a duration into the time that long before now', () => {
    expect(parseSince('10m', now)).toBe('2025-03-01T11:50:00.000Z');
    expect(parseSince('45s', now)).toBe('2025-03-01T11:59:15.000Z');
    expect(parseSince('1h30m', now)).toBe('2025-03-01T10:30:00.000Z');
    expect(parseSince('2d', now)).toBe('2025-02-27T12:00:00.000Z');
    expect(parseSince('1w', now)).toBe('2025-02-22T12:00:00.000Z');
  });

  it('passes an ISO-8601 time on in UTC', () => {
    expect(parseSince('2025-01-31T12:00:00Z', now)).toBe('2025-01-31T12:00:00.000Z');
    expect(parseSince('2025-01-31T12:00:00+02:00', now)).toBe('2025-01-31T10:00:00.000Z');
    expect(parseSince('2025-01-31T12:00:00.5Z', now)).toBe('2025-01-31T12:00:00.500Z');
  });

  it('reads a time without a zone, a bare date included, as local time', () => {
    expect(parseSince('2025-01-31T12:00', now)).toBe(new Date(2025, 0, 31, 12, 0).toISOString());
    expect(parseSince('2025-01-31', now)).toBe(new Date(2025, 0, 31).toISOString());
  });

  it('refuses anything else with an example of both forms', () => {
    for (const value of ['10', 'ten minutes', '10x', '-5m', '2025-13-45T99:00:00Z', '']) {
      expect(() => parseSince(value, now), value).toThrow(/10m, 1h30m or 2d.*2025-01-31T12:00:00Z/);
    }
  });
});
