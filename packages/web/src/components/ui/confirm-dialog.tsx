import { type ReactElement, type ReactNode, useRef, useState } from 'react';
import { useFormSubmission } from '../../lib/use-form-submission';
import { Dialog, DialogContent, DialogFormFooter, DialogTrigger } from './dialog';
import { FormAlert } from './form-alert';

/**
 * Asks before a destructive action. The action runs only on the confirm button; the
 * dialog stays open (with the error) when it fails.
 *
 * Closing gives focus back to the trigger, except after the action went through: then
 * the trigger is gone (a removed row, a hidden button) or about to go (when a refetch
 * removes it after the dialog closed), and focus would fall to <body>, so it goes to the
 * page's heading instead.
 */
export function ConfirmDialog({
  trigger,
  title,
  description,
  confirmLabel,
  onConfirm,
}: {
  /** One element (a button); clicking it opens the dialog. */
  trigger: ReactElement;
  title: string;
  description: ReactNode;
  confirmLabel: string;
  onConfirm: () => Promise<unknown>;
}) {
  const [open, setOpen] = useState(false);
  const triggerRef = useRef<HTMLButtonElement>(null);
  const confirmed = useRef(false);

  const focusAfterClosing = (event: Event) => {
    if (!confirmed.current && triggerRef.current?.isConnected) return;
    const heading = document.querySelector<HTMLElement>('main h1');
    if (!heading) return;
    event.preventDefault();
    heading.focus();
  };

  return (
    <Dialog
      open={open}
      onOpenChange={(next) => {
        if (next) confirmed.current = false;
        setOpen(next);
      }}
    >
      <DialogTrigger asChild ref={triggerRef}>
        {trigger}
      </DialogTrigger>
      <DialogContent title={title} description={description} onCloseAutoFocus={focusAfterClosing}>
        <ConfirmDialogActions
          confirmLabel={confirmLabel}
          onConfirm={async () => {
            await onConfirm();
            confirmed.current = true;
            setOpen(false);
          }}
        />
      </DialogContent>
    </Dialog>
  );
}

/**
 * Cancel and the destructive confirm button of a confirmation, with the action's refusal
 * above them. The busy and error state live here, inside the dialog's content, so they
 * are gone whenever the dialog closes. Closing on success is the caller's `onConfirm`.
 */
export function ConfirmDialogActions({ confirmLabel, onConfirm }: { confirmLabel: string; onConfirm: () => Promise<unknown> }) {
  const { busy, failure, submit } = useFormSubmission();

  // A form without fields: the confirm button submits it, like every other dialog's main button.
  return (
    <form
      onSubmit={(event) => {
        event.preventDefault();
        void submit(onConfirm);
      }}
    >
      <FormAlert message={failure} />
      <DialogFormFooter busy={busy} submitLabel={confirmLabel} busyLabel="Working…" variant="destructive" />
    </form>
  );
}
