import { describe, expect, it } from 'vitest';
import { AFTER_EVERY_EVENT, ContainerEventOrder, EVENT_ORDER_RETENTION_MS } from './container-event-order.js';

describe('the order of applied container events', () => {
  it('says a snapshot is overtaken only by a newer event about the same container of the same host', () => {
    let now = 0;
    const order = new ContainerEventOrder(() => now);
    order.applied('host-1', 'abc', 10n, false);
    expect(order.overtaken('host-1', 'abc', 9n)).toMatchObject({ sequence: 10n, gone: false });
    expect(order.overtaken('host-1', 'abc', 10n)).toBeUndefined();
    expect(order.overtaken('host-1', 'other', 1n)).toBeUndefined();
    expect(order.overtaken('host-2', 'abc', 1n)).toBeUndefined();
    now += 1;
    // Never back: a removal through the API stays the last word.
    order.applied('host-1', 'abc', AFTER_EVERY_EVENT, true);
    order.applied('host-1', 'abc', 11n, true);
    expect(order.last('host-1', 'abc')).toMatchObject({ sequence: AFTER_EVERY_EVENT, gone: true });
  });

  it('forgets entries after the retention period, and drops them from memory', () => {
    let now = 0;
    const order = new ContainerEventOrder(() => now);
    for (let index = 0; index < 100; index += 1) order.applied(`host-${index % 3}`, `c-${index}`, BigInt(index + 1), index % 2 === 0);
    expect(order.size).toBe(100);
    now += EVENT_ORDER_RETENTION_MS + 1;
    expect(order.last('host-0', 'c-0')).toBeUndefined();
    order.applied('host-0', 'fresh', 500n, false);
    expect(order.size).toBe(1);
  });
});
