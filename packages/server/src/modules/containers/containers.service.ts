import { create } from '@bufbuild/protobuf';
import {
  ContainerInspectSchema,
  roleAllows,
  type Container,
  type ContainerDetail,
  type ContainerList,
  type ContainerListQuerySchema,
  type ContainerLogs,
  type ContainerLogsQuerySchema,
  type ContainerStats,
  type DockerEngine,
  type Image,
  type Network,
  type Page,
  type Stack,
  type StackActionReply,
  type Volume,
} from '@infrapilot/protocol';
import {
  ContainerAction,
  ContainerActionCommandSchema,
  ContainerInspectCommandSchema,
  ContainerLogsCommandSchema,
  ContainerStatsCommandSchema,
  DockerResourceKind,
  DockerResourcesCommandSchema,
  StackActionCommandSchema,
  type ContainerState as ContainerStateMessage,
} from '@infrapilot/protocol/agent';
import type { z } from 'zod';
import { CapabilityFailedError, NotFoundError, ValidationError } from '../../errors.js';
import type { CommandPayload, CommandRouter, ResultPayload } from '../../gateway/command-router.js';
import { type Clock, isoTimestamp } from '../../platform/clock.js';
import type { Actor } from '../../platform/http/request-context.js';
import { newId } from '../../platform/ids.js';
import type { RemovalHost } from './container-sync.js';
import { aboutContainer, type ContainerTarget, type ContainerTargets, type Host } from './container-targets.js';
import { hostListedAtOf, logLineOf, rowOf, toContainer, toDockerEngine } from './containers.mapping.js';
import type { ContainerPosition, ContainersRepo } from './containers.repo.js';
import { decodeLogCursor, dockerTimeOf, linesToRequest, pageOfLines } from './log-paging.js';

export type ContainerListFilter = z.output<typeof ContainerListQuerySchema>;
export type ContainerLogsOptions = z.output<typeof ContainerLogsQuerySchema>;
export type ContainerActionName = 'start' | 'stop' | 'restart';

/** What an action is about, once known and before the agent is asked: the route names it in the audit row. */
export interface ActionTarget {
  host: Host;
  /** The container's name when our rows know the reference; undefined for a stack. */
  containerName?: string | undefined;
}

/** Told the action's target as soon as it is resolved, so that a refused or failed action is recorded with it too. */
export type TargetListener = (target: ActionTarget) => void;

const ACTIONS: Record<ContainerActionName | 'remove', ContainerAction> = {
  start: ContainerAction.START,
  stop: ContainerAction.STOP,
  restart: ContainerAction.RESTART,
  remove: ContainerAction.REMOVE,
};

const READ_TIMEOUT_MS = 30_000;
// Docker's own stop timeout when none is given.
const DOCKER_STOP_SECONDS = 10;
// A stack's containers stop one after another on some hosts; give the agent room.
const STACK_TIMEOUT_MS = 5 * 60_000;

function encodePosition(container: Container): string {
  return Buffer.from(JSON.stringify([container.name, container.id])).toString('base64url');
}

function decodePosition(cursor: string): ContainerPosition {
  try {
    const [name, id] = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as unknown[];
    if (typeof name === 'string' && typeof id === 'string') return { name, id };
  } catch {
    // fall through to the 400
  }
  throw new ValidationError('`cursor` is not a nextCursor from this list', [{ path: 'querystring.cursor', message: 'not a list cursor' }]);
}

function instantOrNull(unixMs: bigint): string | null {
  return unixMs > 0n ? isoTimestamp(new Date(Number(unixMs))) : null;
}

/**
 * Containers, stacks and Docker resources of the org's hosts: reads come from the table
 * the agents keep current; actions, inspect, logs and stats go to the host's agent, and
 * what the agent answers after an action is stored at once.
 */
export class ContainersService {
  constructor(
    private readonly deps: {
      repo: ContainersRepo;
      targets: ContainerTargets;
      commands: CommandRouter;
      /** Where a removal is recorded: it deletes the row and tells the bus (ContainerSync). */
      removals: { recordRemoval(host: RemovalHost, containerId: string): Promise<void> };
      clock: Clock;
    },
  ) {}

  // ------------------------------------------------------------ lists

  /** GET /containers: every host's containers, filtered, in name order; with each host's engine status. */
  async list(actor: Actor, query: ContainerListFilter): Promise<ContainerList> {
    const page = await this.page(actor.org.id, query);
    const engines = await this.deps.repo.listEnginesInOrg(actor.org.id, query.agentId);
    return { ...page, engines: engines.map((row) => toDockerEngine(row, row.agent_name)) };
  }

  /** GET /agents/:id/containers. */
  async listOnHost(actor: Actor, agentId: string, query: Omit<ContainerListFilter, 'agentId'>): Promise<Page<Container>> {
    const host = await this.deps.targets.host(actor, agentId);
    return this.page(actor.org.id, { ...query, agentId: host.id });
  }

  private async page(orgId: string, query: ContainerListFilter): Promise<Page<Container>> {
    const rows = await this.deps.repo.listInOrg(
      orgId,
      { agentId: query.agentId, stack: query.stack, state: query.state, name: query.name },
      { limit: query.limit + 1, after: query.cursor ? decodePosition(query.cursor) : undefined },
    );
    const items = rows.slice(0, query.limit).map((row) => toContainer(row, row.agent_name, hostListedAtOf(row.engine_available, row.engine_reported_at)));
    return { items, nextCursor: rows.length > query.limit ? encodePosition(items.at(-1)!) : null };
  }

  /** GET /stacks and GET /agents/:id/stacks: compose projects from their containers' labels. */
  async listStacks(actor: Actor, agentId?: string): Promise<Stack[]> {
    if (agentId) await this.deps.targets.host(actor, agentId);
    const counts = await this.deps.repo.stackCounts(actor.org.id, agentId);
    const stacks = new Map<string, Stack & { serviceSet: Set<string> }>();
    for (const count of counts) {
      const key = `${count.agent_id}/${count.stack_name}`;
      let stack = stacks.get(key);
      if (!stack) {
        stack = { agentId: count.agent_id, agentName: count.agent_name, name: count.stack_name, services: [], containers: 0, running: 0, states: {}, serviceSet: new Set() };
        stacks.set(key, stack);
      }
      if (count.stack_service) stack.serviceSet.add(count.stack_service);
      stack.containers += count.containers;
      if (count.state === 'running') stack.running += count.containers;
      stack.states[count.state] = (stack.states[count.state] ?? 0) + count.containers;
    }
    return [...stacks.values()].map(({ serviceSet, ...stack }) => ({ ...stack, services: [...serviceSet].sort() }));
  }

  /** GET /agents/:id/docker: whether the host's engine answered at its last heartbeat. */
  async engine(actor: Actor, agentId: string): Promise<DockerEngine> {
    const host = await this.deps.targets.host(actor, agentId);
    const row = await this.deps.repo.getEngine(host.id);
    if (!row) {
      throw new NotFoundError('Docker engine', `${host.name} has not reported Docker: its agent does not run the docker capability, or has not sent a heartbeat since it started`);
    }
    return toDockerEngine(row, host.name);
  }

  // ------------------------------------------------------------ one container, through its agent

  /** GET /agents/:id/containers/:cid: the agent's inspect; environment values only for roles that may operate containers. */
  async inspect(actor: Actor, agentId: string, reference: string): Promise<ContainerDetail> {
    const target = await this.deps.targets.container(actor, agentId, reference);
    const result = await this.ask(target, { case: 'containerInspect', value: create(ContainerInspectCommandSchema, { container: reference }) });
    if (result.case !== 'containerInspect') throw unexpected('container.inspect');
    let json: unknown;
    try {
      json = JSON.parse(result.value.detailJson);
    } catch {
      throw new CapabilityFailedError('The agent answered inspect with text that is not JSON', null);
    }
    const parsed = ContainerInspectSchema.safeParse(json);
    if (!parsed.success) throw new CapabilityFailedError('The agent answered inspect in a shape this server does not know (is it a newer version?)', parsed.error.issues);
    const detail = parsed.data;
    // Environment values often hold secrets; viewers see the names only.
    const env = roleAllows(actor.org.role, 'containers:operate') ? detail.env : detail.env.map(({ name }) => ({ name, value: null }));
    return { ...detail, env, agentId: target.host.id, agentName: target.host.name };
  }

  /** POST .../start|stop|restart: the container as the agent reports it afterwards. */
  async act(
    actor: Actor,
    agentId: string,
    reference: string,
    action: ContainerActionName,
    options: { timeoutSeconds?: number | undefined; onTarget?: TargetListener } = {},
  ): Promise<Container> {
    const { timeoutSeconds } = options;
    const target = await this.deps.targets.container(actor, agentId, reference);
    options.onTarget?.({ host: target.host, containerName: target.name });
    const waitSeconds = action === 'start' ? 0 : (timeoutSeconds ?? DOCKER_STOP_SECONDS);
    const result = await this.ask(
      target,
      { case: 'containerAction', value: create(ContainerActionCommandSchema, { container: reference, action: ACTIONS[action], timeoutSeconds: timeoutSeconds ?? 0 }) },
      (waitSeconds + 30) * 1000,
    );
    if (result.case !== 'containerAction' || !result.value.state) throw unexpected('container.action');
    return this.store(target.host, result.value.state);
  }

  /**
   * DELETE /agents/:id/containers/:cid. Once the agent confirms, the row goes and the bus
   * hears `container.removed` (once, whether this or Docker's destroy event gets there first).
   */
  async remove(actor: Actor, agentId: string, reference: string, options: { force: boolean; volumes: boolean; onTarget?: TargetListener }): Promise<void> {
    const target = await this.deps.targets.container(actor, agentId, reference);
    options.onTarget?.({ host: target.host, containerName: target.name });
    await this.ask(
      target,
      { case: 'containerAction', value: create(ContainerActionCommandSchema, { container: reference, action: ContainerAction.REMOVE, force: options.force, removeVolumes: options.volumes }) },
      60_000,
    );
    // Docker's destroy event says the same; removing the row now keeps the next list right.
    // (A reference our rows do not know is left to that event.)
    if (target.containerId) await this.deps.removals.recordRemoval({ orgId: actor.org.id, agentId: target.host.id }, target.containerId);
  }

  /** GET .../logs: a page of lines, newest last, and the cursor of the page before it. */
  async logs(actor: Actor, agentId: string, reference: string, query: ContainerLogsOptions): Promise<ContainerLogs> {
    const cursor = query.before ? decodeLogCursor(query.before) : undefined;
    const target = await this.deps.targets.container(actor, agentId, reference);
    const requested = linesToRequest(query.tail, cursor);
    // The cursor's instant is older than any `until` it was paged from.
    const until = cursor ? dockerTimeOf(cursor.timestamp) : query.until ? dockerTimeOf(query.until) : '';
    const result = await this.ask(target, {
      case: 'containerLogs',
      value: create(ContainerLogsCommandSchema, { container: reference, tail: requested, since: query.since ? dockerTimeOf(query.since) : '', until, follow: false }),
    });
    if (result.case !== 'containerLogs') throw unexpected('container.logs');
    return pageOfLines({ lines: result.value.lines.map(logLineOf), limited: result.value.limited }, query.tail, requested, cursor);
  }

  /** GET .../stats: one reading from Docker. */
  async stats(actor: Actor, agentId: string, reference: string): Promise<ContainerStats> {
    const target = await this.deps.targets.container(actor, agentId, reference);
    const result = await this.ask(target, { case: 'containerStats', value: create(ContainerStatsCommandSchema, { container: reference }) });
    if (result.case !== 'containerStats') throw unexpected('container.stats');
    const stats = result.value;
    return {
      readAt: instantOrNull(stats.readAtUnixMs) ?? isoTimestamp(this.deps.clock.now()),
      cpuPercent: Number.isFinite(stats.cpuPercent) ? stats.cpuPercent : 0,
      memoryBytes: Number(stats.memoryBytes),
      memoryLimitBytes: Number(stats.memoryLimitBytes),
      networkReceiveBytes: Number(stats.networkReceiveBytes),
      networkTransmitBytes: Number(stats.networkTransmitBytes),
      blockReadBytes: Number(stats.blockReadBytes),
      blockWriteBytes: Number(stats.blockWriteBytes),
      pids: stats.pids,
    };
  }

  // ------------------------------------------------------------ stacks and resources

  /** POST /agents/:id/stacks/:stack/start|stop|restart: every container of the compose project, as one. */
  async stackAction(actor: Actor, agentId: string, stack: string, action: ContainerActionName, onTarget?: TargetListener): Promise<StackActionReply> {
    const host = await this.deps.targets.host(actor, agentId);
    onTarget?.({ host });
    let result: ResultPayload;
    try {
      result = await this.deps.commands.send(
        host.id,
        { case: 'stackAction', value: create(StackActionCommandSchema, { project: stack, action: ACTIONS[action] }) },
        { timeoutMs: STACK_TIMEOUT_MS, agentName: host.name },
      );
    } catch (error) {
      if (error instanceof NotFoundError) throw new NotFoundError('Stack', `No compose stack "${stack}" on ${host.name}`);
      throw error;
    }
    if (result.case !== 'stackAction') throw unexpected('stack.action');
    const containers: Container[] = [];
    for (const state of result.value.containers) containers.push(await this.store(host, state));
    return { stack, containers: containers.sort((a, b) => a.name.localeCompare(b.name)) };
  }

  async images(actor: Actor, agentId: string): Promise<Image[]> {
    const resources = await this.resources(actor, agentId, DockerResourceKind.IMAGES);
    return resources.images.map((image) => ({
      id: image.id,
      tags: image.tags,
      sizeBytes: Number(image.sizeBytes),
      createdAt: instantOrNull(image.createdAtUnixMs),
      containers: image.containers < 0 ? null : image.containers,
    }));
  }

  async volumes(actor: Actor, agentId: string): Promise<Volume[]> {
    const resources = await this.resources(actor, agentId, DockerResourceKind.VOLUMES);
    return resources.volumes.map((volume) => ({
      name: volume.name,
      driver: volume.driver,
      mountpoint: volume.mountpoint,
      createdAt: instantOrNull(volume.createdAtUnixMs),
      stack: volume.stackName || null,
    }));
  }

  async networks(actor: Actor, agentId: string): Promise<Network[]> {
    const resources = await this.resources(actor, agentId, DockerResourceKind.NETWORKS);
    return resources.networks.map((network) => ({
      id: network.id,
      name: network.name,
      driver: network.driver,
      scope: network.scope,
      internal: network.internal,
      subnets: network.subnets,
      containers: network.containers,
      stack: network.stackName || null,
    }));
  }

  private async resources(actor: Actor, agentId: string, kind: DockerResourceKind) {
    const host = await this.deps.targets.host(actor, agentId);
    const result = await this.deps.commands.send(host.id, { case: 'dockerResources', value: create(DockerResourcesCommandSchema, { kind }) }, {
      timeoutMs: READ_TIMEOUT_MS,
      agentName: host.name,
    });
    if (result.case !== 'dockerResources') throw unexpected('docker.resources');
    return result.value;
  }

  // ------------------------------------------------------------ helpers

  /** Sends a command about one container; the agent's "not found" and "conflict" name it and its host. */
  private async ask(target: ContainerTarget, payload: CommandPayload, timeoutMs = READ_TIMEOUT_MS): Promise<ResultPayload> {
    try {
      return await this.deps.commands.send(target.host.id, payload, { timeoutMs, agentName: target.host.name });
    } catch (error) {
      throw aboutContainer(error, target);
    }
  }

  /** Stores what the agent reported about a container after an action, and returns it as the API shows it. */
  private async store(host: Host, state: ContainerStateMessage): Promise<Container> {
    const { repo } = this.deps;
    const before = await repo.getByContainerId(host.id, state.containerId);
    await repo.upsert([rowOf(host.id, before?.id ?? newId(), state, isoTimestamp(this.deps.clock.now()))]);
    const after = await repo.getByContainerId(host.id, state.containerId);
    return toContainer(after!, host.name);
  }
}

function unexpected(command: string): CapabilityFailedError {
  return new CapabilityFailedError(`The agent answered ${command} with something else`, null);
}
