import { v7 as uuidv7 } from 'uuid';

/** A new time-ordered id (UUIDv7), so ids sort by creation and serve as cursors. */
export function newId(): string {
  return uuidv7();
}
