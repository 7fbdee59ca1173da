import { act, renderHook } from '@testing-library/react';
import { describe, expect, it, vi } from 'vitest';
import { useFormSubmission } from './use-form-submission';

describe('useFormSubmission', () => {
  it('is busy while the request runs and keeps the refusal in words', async () => {
    const describeRefusal = vi.fn(() => 'The name is taken; choose another');
    const { result } = renderHook(() => useFormSubmission(describeRefusal));
    let refuse: (error: Error) => void = () => {};
    let submitted: Promise<void> = Promise.resolve();
    act(() => {
      submitted = result.current.submit(() => new Promise((_resolve, reject) => (refuse = reject)));
    });
    expect(result.current.busy).toBe(true);

    await act(async () => {
      refuse(new Error('409'));
      await submitted;
    });
    expect(result.current.busy).toBe(false);
    expect(result.current.failure).toBe('The name is taken; choose another');
  });

  // Regression: a request that ended after its form was gone (a dialog closed meanwhile) still updated the form's state.
  it('leaves a form that is gone alone when its request ends', async () => {
    const describeRefusal = vi.fn(() => 'refused');
    const { result, unmount } = renderHook(() => useFormSubmission(describeRefusal));
    let refuse: (error: Error) => void = () => {};
    let submitted: Promise<void> = Promise.resolve();
    act(() => {
      submitted = result.current.submit(() => new Promise((_resolve, reject) => (refuse = reject)));
    });
    unmount();

    refuse(new Error('503'));
    await submitted;
    expect(describeRefusal).not.toHaveBeenCalled();
  });
});
