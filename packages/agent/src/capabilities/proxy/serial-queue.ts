/**
 * Runs tasks one at a time, in the order they were queued. Every proxy command on a host
 * goes through one queue: two applies interleaving their snapshot, write, test and
 * restore steps could each restore the other's files, or test the other's half-written set.
 */
export class SerialQueue {
  private tail: Promise<unknown> = Promise.resolve();

  run<T>(task: () => Promise<T>): Promise<T> {
    const result = this.tail.then(task, task);
    // A failed task must not block the ones after it.
    this.tail = result.catch(() => undefined);
    return result;
  }

  /** Resolves once every task queued so far has ended. */
  async idle(): Promise<void> {
    await this.tail;
  }
}
