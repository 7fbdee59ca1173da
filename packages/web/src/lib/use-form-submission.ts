import { useEffect, useRef, useState } from 'react';
import { formErrorMessage } from './error-text';

/**
 * The state of a form that sends one request: `submit(request)` runs it, with `busy` set
 * meanwhile (the submit button is disabled, so a second click cannot send it twice) and the
 * refusal kept in words as `failure`, for a FormAlert. What follows success goes at the end
 * of `request`. `describe` turns a refusal into words; forms normally keep the default.
 */
export function useFormSubmission(describe: (error: unknown) => string = formErrorMessage) {
  const [busy, setBusy] = useState(false);
  const [failure, setFailure] = useState<string | null>(null);
  // A request often ends by closing its dialog, which unmounts the form: nothing to update then.
  const mounted = useRef(false);
  useEffect(() => {
    mounted.current = true;
    return () => {
      mounted.current = false;
    };
  }, []);

  const submit = async (request: () => Promise<unknown>): Promise<void> => {
    setBusy(true);
    setFailure(null);
    try {
      await request();
    } catch (error) {
      if (mounted.current) setFailure(describe(error));
    } finally {
      if (mounted.current) setBusy(false);
    }
  };

  return { busy, failure, submit, clearFailure: () => setFailure(null) };
}
