import { cn } from '../../lib/class-names';

/**
 * Why a form or dialog did not go through, read out at once by screen readers (role
 * "alert"). Renders nothing while there is no message, so a form can always include it.
 */
export function FormAlert({ message, className }: { message: string | null | undefined; className?: string }) {
  if (!message) return null;
  return (
    <p role="alert" className={cn('rounded-md bg-destructive/10 p-2 text-sm text-destructive', className)}>
      {message}
    </p>
  );
}
