import { create } from '@bufbuild/protobuf';
import { ContainerInspectResultSchema, ContainerListResultSchema, ContainerStatsResultSchema } from '@infrapilot/protocol/agent';
import type { CommandHandler } from '../registry.js';
import { toContainerInspect, unixMsOf } from './container-state.js';
import { commandOf, containerRef } from './docker-input.js';
import type { DockerEngine } from './docker-engine.js';
import type { DockerMonitor } from './docker-monitor.js';
import { blockIoOf, cpuPercentOf, memoryOf, networkOf, type DockerStatsJson } from './stats-figures.js';

// A stats call without one-shot waits for a second reading (about a second) so that
// Docker can compute CPU itself.
const STATS_TIMEOUT_MS = 15_000;

/** container.list: the monitor's picture, refreshed now rather than at the next heartbeat. */
export function containerListHandler(monitor: DockerMonitor): CommandHandler {
  return {
    command: 'container.list',
    handle: async () => ({ case: 'containerList', value: create(ContainerListResultSchema, { state: await monitor.freshState() }) }),
  };
}

/** container.inspect: the detail page's data, shaped and checked as ContainerInspectSchema. */
export function containerInspectHandler(engine: DockerEngine): CommandHandler {
  return {
    command: 'container.inspect',
    handle: async (payload, context) => {
      const ref = containerRef(commandOf(payload, 'containerInspect').container);
      const info = await engine.call((signal) => engine.client.getContainer(ref).inspect({ abortSignal: signal }), { signal: context.signal, container: ref });
      return { case: 'containerInspect', value: create(ContainerInspectResultSchema, { detailJson: JSON.stringify(toContainerInspect(info)) }) };
    },
  };
}

/** container.stats: one reading, CPU as Docker computes it between its last two samples. */
export function containerStatsHandler(engine: DockerEngine): CommandHandler {
  return {
    command: 'container.stats',
    handle: async (payload, context) => {
      const ref = containerRef(commandOf(payload, 'containerStats').container);
      const stats = (await engine.call(
        (signal) => engine.client.getContainer(ref).stats({ stream: false, abortSignal: signal } as { stream: false }),
        { signal: context.signal, container: ref, timeoutMs: STATS_TIMEOUT_MS },
      )) as DockerStatsJson;
      const memory = memoryOf(stats);
      const network = networkOf(stats);
      const blockIo = blockIoOf(stats);
      const whole = (value: number) => BigInt(Math.max(0, Math.round(value)));
      return {
        case: 'containerStats',
        value: create(ContainerStatsResultSchema, {
          // A stopped container's reading is all zeros, dated year 1: say "now" instead.
          readAtUnixMs: BigInt(unixMsOf(stats.read) || Date.now()),
          cpuPercent: cpuPercentOf(stats),
          memoryBytes: whole(memory.memoryBytes),
          memoryLimitBytes: whole(memory.memoryLimitBytes),
          networkReceiveBytes: whole(network.receiveBytes),
          networkTransmitBytes: whole(network.transmitBytes),
          blockReadBytes: whole(blockIo.readBytes),
          blockWriteBytes: whole(blockIo.writeBytes),
          pids: stats.pids_stats?.current ?? 0,
        }),
      };
    },
  };
}
