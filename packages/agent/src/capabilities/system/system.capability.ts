import { create } from '@bufbuild/protobuf';
import { OsInfoSchema, PingResultSchema, SystemInfoResultSchema } from '@infrapilot/protocol/agent';
import { AGENT_VERSION } from '../../version.js';
import type { Capability } from '../registry.js';
import { readSystemFacts } from './host-facts.js';

/** ping and system.info: always on, they prove the command path works end to end. */
export function systemCapability(announced: () => string[]): Capability {
  return {
    name: 'system',
    handlers: [
      {
        command: 'ping',
        handle: async (payload) => {
          const command = payload.case === 'ping' ? payload.value : undefined;
          return { case: 'ping', value: create(PingResultSchema, { payload: command?.payload ?? new Uint8Array(), agentTimeUnixMs: BigInt(Date.now()) }) };
        },
      },
      {
        command: 'system.info',
        handle: async () => {
          const facts = await readSystemFacts();
          return {
            case: 'systemInfo',
            value: create(SystemInfoResultSchema, {
              hostname: facts.hostname,
              os: create(OsInfoSchema, facts.os),
              cpuCount: facts.cpuCount,
              cpuModel: facts.cpuModel,
              memoryTotalBytes: BigInt(facts.memoryTotalBytes),
              uptimeSeconds: BigInt(facts.uptimeSeconds),
              agentVersion: AGENT_VERSION,
              runtimeVersion: facts.runtimeVersion,
              capabilities: announced(),
            }),
          };
        },
      },
    ],
  };
}
