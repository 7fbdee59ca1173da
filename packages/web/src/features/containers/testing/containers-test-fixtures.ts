import type { ExecHandlers, ExecSession, LogStreamHandlers } from '@infrapilot/client';
import type { Container, ContainerDetail, ContainerLogs, DockerEngine, LogLine, Role, Stack } from '@infrapilot/protocol';
import { QueryClient } from '@tanstack/react-query';
import { vi } from 'vitest';
import { testId } from '../../../testing/api-records';
import type { ContainerListData } from '../containers-queries';
import type { DockerApi } from '../docker-api';

// Test-only: records shaped as the API returns them, and an in-memory stand-in for the Docker API.

export const WEB_HOST = { agentId: testId(11), agentName: 'web-1' };
export const DB_HOST = { agentId: testId(12), agentName: 'db-1' };

let containerNumber = 0;

export function makeContainer(overrides: Partial<Container> & Pick<Container, 'name'>): Container {
  containerNumber += 1;
  const hex = containerNumber.toString(16).padStart(4, '0');
  return {
    id: testId(1000 + containerNumber),
    ...WEB_HOST,
    containerId: `${hex}${'ab'.repeat(30)}`,
    image: 'nginx:1.27',
    state: 'running',
    statusText: 'Up 5 minutes',
    health: null,
    stack: null,
    stackService: null,
    cpuPercent: 1.5,
    memoryBytes: 64 * 1024 ** 2,
    memoryLimitBytes: null,
    restartCount: 0,
    exitCode: null,
    ports: [],
    createdAt: '2026-01-01T10:00:00.000Z',
    startedAt: '2026-01-01T11:55:00.000Z',
    lastSyncedAt: '2026-01-01T12:00:00.000Z',
    ...overrides,
  };
}

export function makeEngine(overrides: Partial<DockerEngine> = {}): DockerEngine {
  return { ...WEB_HOST, available: true, problem: null, endpoint: 'unix:///var/run/docker.sock', version: '20.10.24', reportedAt: '2026-01-01T12:00:00.000Z', ...overrides };
}

export function makeDetail(container: Container, overrides: Partial<ContainerDetail> = {}): ContainerDetail {
  return {
    containerId: container.containerId,
    name: container.name,
    image: container.image,
    imageId: `sha256:${'cd'.repeat(32)}`,
    state: container.state,
    createdAt: container.createdAt,
    startedAt: container.startedAt,
    finishedAt: null,
    exitCode: container.exitCode,
    restartCount: container.restartCount,
    restartPolicy: 'unless-stopped',
    health: null,
    command: ['nginx', '-g', 'daemon off;'],
    entrypoint: ['/docker-entrypoint.sh'],
    workingDir: '/',
    user: '',
    hostname: container.name,
    tty: false,
    env: [
      { name: 'PATH', value: '/usr/bin:/bin' },
      { name: 'DATABASE_PASSWORD', value: 'hunter2-secret' },
    ],
    labels: { 'infrapilot.test': '1' },
    ports: container.ports,
    mounts: [],
    networks: [{ name: 'bridge', ipAddress: '172.17.0.2', gateway: '172.17.0.1', macAddress: '02:42:ac:11:00:02', aliases: [] }],
    stack: container.stack,
    stackService: container.stackService,
    agentId: container.agentId,
    agentName: container.agentName,
    ...overrides,
  };
}

export function makeStack(overrides: Partial<Stack> & Pick<Stack, 'name'>): Stack {
  return { ...WEB_HOST, services: ['app', 'db'], containers: 2, running: 2, states: { running: 2 }, ...overrides };
}

export function logLine(text: string, overrides: Partial<LogLine> = {}): LogLine {
  return { stream: 'stdout', timestamp: '2026-01-01T12:00:00.000000001Z', text, ...overrides };
}

/** A query client for component tests: seeded by hand, never refetching on its own. */
export function seededQueryClient(): QueryClient {
  return new QueryClient({ defaultOptions: { queries: { staleTime: Number.POSITIVE_INFINITY, retry: false, refetchInterval: false }, mutations: { retry: false } } });
}

export function listData(items: Container[], engines: DockerEngine[] = [makeEngine()]): ContainerListData {
  return { items, engines };
}

/** A log socket the test drives: what the viewer subscribed with, and its handlers. */
export interface FakeLogSocket {
  query: { tail?: number; since?: string };
  handlers: LogStreamHandlers;
  closed: boolean;
}

/** An exec session the test drives. */
export interface FakeExecSession {
  options: { command: string[]; tty?: boolean; columns?: number; rows?: number };
  handlers: ExecHandlers;
  written: string[];
  resizes: Array<[number, number]>;
  closed: boolean;
}

/**
 * The Docker API as an in-memory server: actions change the containers it holds and
 * answer with the new record, as the real one does. Every method is a spy.
 */
export function fakeDockerApi({
  containers = [] as Container[],
  engines = [makeEngine()],
  stacks = [] as Stack[],
  logPages = [] as ContainerLogs[],
}: { containers?: Container[]; engines?: DockerEngine[]; stacks?: Stack[]; logPages?: ContainerLogs[] } = {}) {
  let held = [...containers];
  const find = (agentId: string, ref: string) => {
    const found = held.find((container) => container.agentId === agentId && (container.containerId === ref || container.name === ref));
    if (!found) throw new Error(`no container ${ref}`);
    return found;
  };
  const change = (agentId: string, ref: string, patch: Partial<Container>) => {
    const updated = { ...find(agentId, ref), ...patch };
    held = held.map((container) => (container.containerId === updated.containerId ? updated : container));
    return updated;
  };
  const logSockets: FakeLogSocket[] = [];
  const execSessions: FakeExecSession[] = [];
  const api = {
    containers: {
      list: vi.fn(async () => ({ items: held, nextCursor: null, engines })),
      get: vi.fn(async (agentId: string, ref: string) => makeDetail(find(agentId, ref))),
      start: vi.fn(async (agentId: string, ref: string) => change(agentId, ref, { state: 'running', statusText: 'Up 1 second' })),
      stop: vi.fn(async (agentId: string, ref: string) => change(agentId, ref, { state: 'exited', statusText: 'Exited (0) 1 second ago', exitCode: 0 })),
      restart: vi.fn(async (agentId: string, ref: string) => change(agentId, ref, { state: 'running', restartCount: find(agentId, ref).restartCount + 1 })),
      remove: vi.fn(async (agentId: string, ref: string) => {
        const gone = find(agentId, ref);
        held = held.filter((container) => container !== gone);
        return { ok: true as const };
      }),
      logs: vi.fn(async () => logPages.shift() ?? { lines: [], nextCursor: null }),
      stats: vi.fn(async () => ({
        readAt: new Date().toISOString(),
        cpuPercent: 12.5,
        memoryBytes: 64 * 1024 ** 2,
        memoryLimitBytes: 512 * 1024 ** 2,
        networkReceiveBytes: 1024,
        networkTransmitBytes: 2048,
        blockReadBytes: 0,
        blockWriteBytes: 0,
        pids: 3,
      })),
    },
    stacks: {
      list: vi.fn(async () => ({ items: stacks })),
      start: vi.fn(async (_agentId: string, stack: string) => ({ stack, containers: [] })),
      stop: vi.fn(async (_agentId: string, stack: string) => ({ stack, containers: [] })),
      restart: vi.fn(async (_agentId: string, stack: string) => ({ stack, containers: [] })),
    },
    docker: {
      images: vi.fn(async () => ({ items: [] })),
      volumes: vi.fn(async () => ({ items: [] })),
      networks: vi.fn(async () => ({ items: [] })),
    },
    followLogs: vi.fn((_agentId: string, _container: string, query: { tail?: number; since?: string }, handlers: LogStreamHandlers) => {
      const socket: FakeLogSocket = { query, handlers, closed: false };
      logSockets.push(socket);
      return { close: () => void (socket.closed = true) };
    }),
    openExec: vi.fn((_agentId: string, _container: string, options: FakeExecSession['options'], handlers: ExecHandlers): ExecSession => {
      const session: FakeExecSession = { options, handlers, written: [], resizes: [], closed: false };
      execSessions.push(session);
      return {
        write: (data) => void session.written.push(typeof data === 'string' ? data : new TextDecoder().decode(data)),
        resize: (columns, rows) => void session.resizes.push([columns, rows]),
        closeStdin: () => {},
        close: () => void (session.closed = true),
      };
    }),
  } satisfies DockerApi;
  return { api, logSockets, execSessions, held: () => held };
}

/** The permission check the pages use (useCan), answering for one role; set per test. */
export const testSession = { role: 'operator' as Role };
