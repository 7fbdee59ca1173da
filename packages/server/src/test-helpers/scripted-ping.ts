import { create } from '@bufbuild/protobuf';
import type { AgentRuntimeOptions } from '@infrapilot/agent';
import { PingResultSchema } from '@infrapilot/protocol/agent';

type Capability = NonNullable<AgentRuntimeOptions['capabilities']>[number];

/** How the scripted ping behaves on its next runs. */
export type PingBehaviour = 'answer' | 'wait' | 'hang' | 'fail';

/**
 * A `ping` handler a test steers, given to an agent in place of the built-in one (later
 * capabilities override earlier ones for the same command): it answers at once, waits
 * until released, hangs until cancelled, or fails. It records every run and how each ended.
 */
export class ScriptedPing {
  behaviour: PingBehaviour = 'answer';
  /** Request ids in the order the handler started them. */
  readonly runs: string[] = [];
  /** Why a run's signal fired (cancel or deadline), by request id. */
  readonly aborted = new Map<string, unknown>();
  private releaseWaiting: () => void = () => {};
  private waiting = Promise.resolve();

  constructor() {
    this.hold();
  }

  /** Makes the next 'wait' runs wait again. */
  hold(): void {
    this.waiting = new Promise<void>((resolve) => (this.releaseWaiting = resolve));
  }

  /** Lets every waiting run answer. */
  release(): void {
    this.releaseWaiting();
  }

  get capability(): Capability {
    return {
      name: 'system',
      handlers: [
        {
          command: 'ping',
          handle: async (_payload, { requestId, signal }) => {
            this.runs.push(requestId);
            signal.addEventListener('abort', () => this.aborted.set(requestId, signal.reason), { once: true });
            const behaviour = this.behaviour;
            if (behaviour === 'fail') throw new Error('the scripted ping failed on purpose');
            if (behaviour === 'hang') await new Promise(() => undefined);
            if (behaviour === 'wait') await this.waiting;
            return { case: 'ping', value: create(PingResultSchema, { payload: new Uint8Array(), agentTimeUnixMs: BigInt(Date.now()) }) };
          },
        },
      ],
    };
  }
}
