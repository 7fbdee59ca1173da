/** The shells offered first; `sh` is in every image worth a shell (busybox, alpine, debian). */
export const SHELL_CHOICES = ['sh', 'bash', 'ash'] as const;
export const CUSTOM_CHOICE = 'custom';

/**
 * A typed command line as an argv: split on whitespace, no shell, no quotes (what is
 * typed is what runs). `sh -c "…"` is the way to use shell syntax.
 */
export function parseCommandLine(text: string): string[] {
  return text.trim().split(/\s+/).filter(Boolean);
}

/** The argv for the chooser's state; empty when a custom command is empty. */
export function commandOf(choice: string, custom: string): string[] {
  return choice === CUSTOM_CHOICE ? parseCommandLine(custom) : [choice];
}
