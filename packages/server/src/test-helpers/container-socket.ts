import { containerSocketUrl, liveSocketProtocols, type InfraPilotClient } from '@infrapilot/client';
import { watchSocket } from './socket-lifecycle.js';
import { eventually } from './test-agent.js';

type Frame = { type: string } & Record<string, unknown>;

/** A container socket (logs/stream or exec) opened as a browser would, with everything it received. */
export interface ContainerSocket {
  socket: WebSocket;
  /** JSON text frames, in order. */
  frames: Frame[];
  /** Binary frames, in order, channel byte included. */
  binary: Uint8Array[];
  outcome: Promise<'open' | 'refused'>;
  closed: Promise<{ code: number; reason: string }>;
  /** The first JSON frame of the type (matching the predicate), waiting for it. */
  frame(type: string, predicate?: (frame: Frame) => boolean): Promise<Frame>;
  /** The bytes received on one channel so far, as text. */
  output(channel: number): string;
  close(): Promise<void>;
}

/**
 * Opens `/api/v1/agents/:id/containers/:cid<suffix>` with Node's browser-compatible
 * WebSocket: the credential as the subprotocol `bearer.<token>`, the org as `?org=`.
 */
export function openContainerSocket(
  client: InfraPilotClient,
  agentId: string,
  container: string,
  suffix: string,
  query: Record<string, string | number | boolean | string[] | undefined> = {},
): ContainerSocket {
  const url = containerSocketUrl(client, agentId, container, suffix, query);
  const socket = new WebSocket(url, liveSocketProtocols(client.credential ?? 'none'));
  socket.binaryType = 'arraybuffer';
  const frames: Frame[] = [];
  const binary: Uint8Array[] = [];
  socket.addEventListener('message', (event) => {
    if (typeof event.data === 'string') frames.push(JSON.parse(event.data) as Frame);
    else binary.push(new Uint8Array(event.data as ArrayBuffer));
  });
  const { outcome, closed, close } = watchSocket(socket);
  return {
    socket,
    frames,
    binary,
    outcome,
    closed,
    async frame(type, predicate = () => true) {
      try {
        return await eventually(() => frames.find((frame) => frame.type === type && predicate(frame)), `a ${type} frame`, 20_000);
      } catch (error) {
        throw new Error(`${(error as Error).message}; received: ${JSON.stringify(frames).slice(0, 500)}`, { cause: error });
      }
    },
    output(channel) {
      return Buffer.concat(binary.filter((frame) => frame[0] === channel).map((frame) => frame.subarray(1))).toString('utf8');
    },
    close,
  };
}
