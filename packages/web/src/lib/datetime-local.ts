/**
 * <input type="datetime-local"> speaks the reader's wall-clock time without a zone
 * ("2025-03-01T14:30"); the API speaks ISO instants. These convert between the two.
 */

/** "2025-03-01T14:30" (local time) → ISO instant; undefined for an empty or unreadable value. */
export function localInputToIso(value: string): string | undefined {
  if (!value) return undefined;
  const time = new Date(value);
  return Number.isNaN(time.getTime()) ? undefined : time.toISOString();
}

/** ISO instant → the value a datetime-local input shows for it in the reader's zone; "" when unreadable. */
export function isoToLocalInput(iso: string | null | undefined): string {
  if (!iso) return '';
  const time = new Date(iso);
  if (Number.isNaN(time.getTime())) return '';
  const pad = (part: number) => String(part).padStart(2, '0');
  return `${time.getFullYear()}-${pad(time.getMonth() + 1)}-${pad(time.getDate())}T${pad(time.getHours())}:${pad(time.getMinutes())}`;
}
