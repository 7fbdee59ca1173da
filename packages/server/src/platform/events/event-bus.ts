import type { AgentLiveFigures, AgentMetricsPoint, Container } from '@infrapilot/protocol';
import { EventEmitter } from 'node:events';

/** Every event on the bus and its payload. Add an event here before publishing it. */
export interface DomainEvents {
  'agent.enrolled': { orgId: string; agentId: string; name: string; at: string };
  'agent.status_changed': { orgId: string; agentId: string; from: string; to: string; at: string };
  'agent.removed': { orgId: string; agentId: string; at: string };
  /** A heartbeat brought new figures: the live values and the chart point stored from them. */
  'agent.sampled': { orgId: string; agentId: string; live: AgentLiveFigures; point: AgentMetricsPoint };
  /** A heartbeat changed a host's containers beyond CPU and memory: lists are worth fetching again. */
  'containers.synced': { orgId: string; agentId: string; at: string };
  /** Docker reported an event on a container; `container` is the row after it, `event` Docker's action. */
  'container.changed': { orgId: string; agentId: string; container: Container; event: string };
  /** A container was destroyed on its host. */
  'container.removed': { orgId: string; agentId: string; containerId: string; at: string };
  'container.started': { orgId: string; agentId: string; containerId: string; name: string; at: string };
  'container.died': { orgId: string; agentId: string; containerId: string; name: string; at: string; exitCode: number };
  /** Docker is restarting the container under its restart policy (a crash loop shows as a rising count). */
  'container.restarting': { orgId: string; agentId: string; containerId: string; name: string; at: string; restartCount: number };
  /** A managed proxy file on a host no longer matches what InfraPilot wrote (edited by hand, or removed). */
  'proxy.drift_detected': { orgId: string; agentId: string; proxyHostId: string; domain: string; reason: 'modified' | 'missing'; path: string; at: string };
  /** A drifted proxy file matches again (rewritten by a save, or put back by hand). */
  'proxy.drift_resolved': { orgId: string; agentId: string; proxyHostId: string; domain: string; at: string };
  /** A proxy host was created, changed, re-applied or removed: lists are worth fetching again. */
  'proxy.changed': { orgId: string; agentId: string; proxyHostId: string; at: string };
  /** A certificate was issued or renewed (ACME), or its material otherwise changed: hosts using it redeploy. */
  'certificate.issued': { orgId: string; certificateId: string; at: string };
  /** An ACME order failed; the certificate's lastError says why. */
  'certificate.failed': { orgId: string; certificateId: string; error: string; at: string };
}

export type DomainEventName = keyof DomainEvents;

/**
 * How modules tell each other what happened without calling each other. In-process by
 * default; a Redis-backed bus with the same interface comes when REDIS_URL is set.
 * A failing subscriber is logged and never breaks the publisher.
 */
export class EventBus {
  private readonly emitter = new EventEmitter({ captureRejections: false });

  constructor(private readonly onSubscriberError: (event: string, error: unknown) => void = () => {}) {
    this.emitter.setMaxListeners(0);
  }

  publish<K extends DomainEventName>(event: K, payload: DomainEvents[K]): void {
    for (const listener of this.emitter.listeners(event)) {
      try {
        const result = (listener as (payload: DomainEvents[K]) => unknown)(payload);
        if (result instanceof Promise) result.catch((error: unknown) => this.onSubscriberError(event, error));
      } catch (error) {
        this.onSubscriberError(event, error);
      }
    }
  }

  /** Returns the function that unsubscribes. */
  subscribe<K extends DomainEventName>(event: K, listener: (payload: DomainEvents[K]) => void | Promise<void>): () => void {
    this.emitter.on(event, listener);
    return () => this.emitter.off(event, listener);
  }
}
