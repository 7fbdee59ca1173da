import { describe, expect, it } from 'vitest';
import { formatBytes, formatDuration, formatRelative } from './format';

describe('format', () => {
  it('shows sizes in binary units with one decimal below 100', () => {
    expect(formatBytes(0)).toBe('0 B');
    expect(formatBytes(1536)).toBe('1.5 KiB');
    expect(formatBytes(512 * 1024 ** 3)).toBe('512 GiB');
  });

  it('says how long ago something happened, and "never" when it did not', () => {
    const now = Date.parse('2026-01-01T12:00:00Z');
    expect(formatRelative('2026-01-01T11:57:00Z', now)).toBe('3 minutes ago');
    expect(formatRelative(null, now)).toBe('never');
    expect(formatRelative('2026-01-01T12:00:03Z', now)).toBe('now');
    expect(formatRelative('2026-01-01T13:00:00Z', now)).toBe('in 1 hour');
  });

  it('writes an uptime in days, hours and minutes', () => {
    expect(formatDuration(93_784)).toBe('1d 2h 3m');
  });
});
