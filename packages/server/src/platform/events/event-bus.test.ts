import { describe, expect, it } from 'vitest';
import { EventBus } from './event-bus.js';

const removed = { orgId: 'org', agentId: 'agent', at: '2026-01-01T00:00:00.000Z' };

describe('EventBus', () => {
  it('delivers an event to every subscriber until it unsubscribes', () => {
    const bus = new EventBus();
    const seen: string[] = [];
    const unsubscribe = bus.subscribe('agent.removed', (event) => void seen.push(`first ${event.agentId}`));
    bus.subscribe('agent.removed', (event) => void seen.push(`second ${event.agentId}`));
    bus.publish('agent.removed', removed);
    unsubscribe();
    bus.publish('agent.removed', removed);
    expect(seen).toEqual(['first agent', 'second agent', 'second agent']);
  });

  it('keeps delivering when a subscriber throws or rejects, and reports the failure', async () => {
    const failures: string[] = [];
    const bus = new EventBus((event, error) => failures.push(`${event}: ${(error as Error).message}`));
    const seen: string[] = [];
    bus.subscribe('agent.removed', () => {
      throw new Error('sync boom');
    });
    bus.subscribe('agent.removed', async () => {
      throw new Error('async boom');
    });
    bus.subscribe('agent.removed', (event) => void seen.push(event.agentId));
    expect(() => bus.publish('agent.removed', removed)).not.toThrow();
    await new Promise((resolve) => setImmediate(resolve));
    expect(seen).toEqual(['agent']);
    expect(failures).toEqual(['agent.removed: sync boom', 'agent.removed: async boom']);
  });
});
