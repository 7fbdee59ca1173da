import { act, render, screen } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { RelativeTime } from './relative-time';

afterEach(() => {
  vi.useRealTimers();
});

describe('RelativeTime', () => {
  it('keeps counting on a page left open, every time on the page together', () => {
    vi.useFakeTimers({ now: Date.parse('2026-01-01T12:00:00Z') });
    render(
      <>
        <RelativeTime iso="2026-01-01T11:59:00Z" />
        <RelativeTime iso="2026-01-01T11:58:00Z" />
      </>,
    );
    expect(screen.getByText('1 minute ago')).toBeTruthy();
    expect(screen.getByText('2 minutes ago')).toBeTruthy();

    act(() => vi.advanceTimersByTime(60_000));
    expect(screen.getByText('2 minutes ago').getAttribute('datetime')).toBe('2026-01-01T11:59:00Z');
    expect(screen.getByText('3 minutes ago').getAttribute('datetime')).toBe('2026-01-01T11:58:00Z');
  });

  it('counts from a given instant, and says "never" without a time', () => {
    render(
      <>
        <RelativeTime iso="2026-01-01T11:55:00Z" now={Date.parse('2026-01-01T12:00:00Z')} />
        <RelativeTime iso={null} />
      </>,
    );
    expect(screen.getByText('5 minutes ago')).toBeTruthy();
    expect(screen.getByText('never')).toBeTruthy();
  });
});
