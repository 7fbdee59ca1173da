/**
 * A push-based async iterable: one side push()es, the other `for await`s. Both ends of
 * the CommandStream use it to feed a gRPC stream from events. Optionally bounded: when
 * full, push() drops the oldest item and reports it, so a stalled peer cannot grow it forever.
 */
export class AsyncQueue<T> implements AsyncIterable<T> {
  private readonly items: T[] = [];
  private waiting: ((result: IteratorResult<T>) => void) | undefined;
  private ended = false;

  constructor(private readonly capacity = Number.POSITIVE_INFINITY) {}

  /** Adds an item; returns false when the queue has ended (the item is dropped). */
  push(item: T): boolean {
    if (this.ended) return false;
    if (this.waiting) {
      const resolve = this.waiting;
      this.waiting = undefined;
      resolve({ value: item, done: false });
      return true;
    }
    if (this.items.length >= this.capacity) this.items.shift();
    this.items.push(item);
    return true;
  }

  /** No more items: the consumer's loop ends after draining what is queued. */
  end(): void {
    this.ended = true;
    if (this.waiting) {
      const resolve = this.waiting;
      this.waiting = undefined;
      resolve({ value: undefined, done: true });
    }
  }

  get size(): number {
    return this.items.length;
  }

  [Symbol.asyncIterator](): AsyncIterator<T> {
    return {
      next: () => {
        const item = this.items.shift();
        if (item !== undefined) return Promise.resolve({ value: item, done: false });
        if (this.ended) return Promise.resolve({ value: undefined, done: true });
        return new Promise((resolve) => (this.waiting = resolve));
      },
      return: () => {
        this.end();
        this.items.length = 0;
        return Promise.resolve({ value: undefined, done: true });
      },
      // connect-es calls throw() on the iterator of a stream it abandons.
      throw: (error?: unknown) => {
        this.end();
        this.items.length = 0;
        return Promise.reject(error instanceof Error ? error : new Error(String(error)));
      },
    };
  }
}
