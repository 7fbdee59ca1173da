import type { ReactNode } from 'react';
import { useState } from 'react';
import { Button } from '../../components/ui/button';
import { Dialog, DialogClose, DialogContent, DialogFooter } from '../../components/ui/dialog';
import { errorMessage } from '../members/error-message';

/**
 * A confirmation opened from a menu item. Unlike ConfirmDialog it is controlled, because
 * a dialog triggered from inside a dropdown would close with the menu; and after the
 * action it can stay open to show what came back (a new password) until dismissed.
 */
export function ActionDialog({
  open,
  onClose,
  title,
  description,
  confirmLabel,
  onConfirm,
  result,
}: {
  open: boolean;
  onClose: () => void;
  title: string;
  description: ReactNode;
  confirmLabel: string;
  /** Runs the action, then closes the dialog (onClose) or sets `result`; a failure stays in the dialog. */
  onConfirm: () => Promise<unknown>;
  /** What the action returned that the person must see before closing. */
  result?: ReactNode;
}) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);

  function close() {
    setError(null);
    onClose();
  }

  async function confirm() {
    setBusy(true);
    setError(null);
    try {
      await onConfirm();
    } catch (failure) {
      setError(errorMessage(failure));
    } finally {
      setBusy(false);
    }
  }

  return (
    <Dialog open={open} onOpenChange={(next) => !next && close()}>
      <DialogContent title={title} description={result ? undefined : description}>
        {result ?? (
          error && (
            <p role="alert" className="rounded-md bg-destructive/10 p-2 text-sm text-destructive">
              {error}
            </p>
          )
        )}
        <DialogFooter>
          {result ? (
            <DialogClose asChild>
              <Button>Done</Button>
            </DialogClose>
          ) : (
            <>
              <DialogClose asChild>
                <Button variant="secondary">Cancel</Button>
              </DialogClose>
              <Button variant="destructive" disabled={busy} onClick={() => void confirm()}>
                {busy ? 'Working…' : confirmLabel}
              </Button>
            </>
          )}
        </DialogFooter>
      </DialogContent>
    </Dialog>
  );
}
