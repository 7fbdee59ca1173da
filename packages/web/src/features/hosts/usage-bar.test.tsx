import { render, screen } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import { UsageBar } from './usage-bar';

describe('UsageBar', () => {
  it('is a meter named by its label, with its value for screen readers', () => {
    render(<UsageBar label="Memory of web-1" percent={42.4} detail="1.7 GiB of 4 GiB" />);
    const meter = screen.getByRole('meter', { name: 'Memory of web-1' });
    expect(meter.getAttribute('aria-valuenow')).toBe('42');
    expect(meter.getAttribute('aria-valuetext')).toContain('1.7 GiB of 4 GiB');
  });

  // Regression: without figures it said so only in an aria-label on a plain span, which screen readers ignore.
  it('says in text that there are no figures yet, and hides the dash from screen readers', () => {
    const { container } = render(<UsageBar label="CPU of web-1" percent={null} />);
    expect(screen.getByText('CPU of web-1: no figures yet')).toBeTruthy();
    expect(container.querySelector('[aria-label]')).toBeNull();
    expect(screen.getByText('—').getAttribute('aria-hidden')).toBe('true');
  });
});
