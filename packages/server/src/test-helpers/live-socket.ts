import { liveSocketProtocols, liveSocketUrl } from '@infrapilot/client';
import { LIVE_SUBPROTOCOL, type LiveEvent } from '@infrapilot/protocol';
import { watchSocket } from './socket-lifecycle.js';
import { eventually } from './test-agent.js';

/** A live socket (GET /ws) as the web app opens it, with every frame it received. */
export interface LiveSocket {
  socket: WebSocket;
  /** Parsed JSON frames, in the order they arrived. */
  frames: LiveEvent[];
  /** 'open' once the upgrade succeeded; 'refused' when the socket closed without ever opening. */
  outcome: Promise<'open' | 'refused'>;
  /** How the socket closed, whoever closed it. */
  closed: Promise<{ code: number; reason: string }>;
  /** The first frame matching the predicate, waiting for it to arrive. */
  frame<T extends LiveEvent['type']>(type: T, predicate?: (frame: Extract<LiveEvent, { type: T }>) => boolean): Promise<Extract<LiveEvent, { type: T }>>;
  close(): Promise<void>;
}

/**
 * Opens a live socket with Node's browser-compatible WebSocket: the credential travels as the
 * offered subprotocol `bearer.<token>` and the org as `?org=`, as in a browser.
 */
export function openLiveSocket(baseUrl: string, options: { credential?: string; org?: string } = {}): LiveSocket {
  const url = liveSocketUrl(baseUrl, options.org);
  // Without a credential only our own subprotocol is offered, as a page without a session would.
  const protocols = options.credential ? liveSocketProtocols(options.credential) : [LIVE_SUBPROTOCOL];
  const socket = new WebSocket(url, protocols);
  const frames: LiveEvent[] = [];
  socket.addEventListener('message', (event) => frames.push(JSON.parse(String(event.data)) as LiveEvent));
  const { outcome, closed, close } = watchSocket(socket);
  return {
    socket,
    frames,
    outcome,
    closed,
    async frame(type, predicate = () => true) {
      type Wanted = Extract<LiveEvent, { type: typeof type }>;
      try {
        return await eventually(() => frames.find((frame): frame is Wanted => frame.type === type && predicate(frame as Wanted)), `a live frame of type ${type}`);
      } catch (error) {
        throw new Error(`${(error as Error).message}; received: ${frames.map((frame) => frame.type).join(', ') || 'nothing'}`, { cause: error });
      }
    },
    close,
  };
}
