import type { ReactNode } from 'react';
import { ConfirmDialogActions } from '../../components/ui/confirm-dialog';
import { Dialog, DialogContent, DialogDoneFooter } from '../../components/ui/dialog';

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
  return (
    <Dialog open={open} onOpenChange={(next) => !next && onClose()}>
      <DialogContent title={title} description={result ? undefined : description}>
        {result ? (
          <>
            {result}
            <DialogDoneFooter />
          </>
        ) : (
          <ConfirmDialogActions confirmLabel={confirmLabel} onConfirm={onConfirm} />
        )}
      </DialogContent>
    </Dialog>
  );
}
