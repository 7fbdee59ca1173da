/** How a test sees a WebSocket's life: whether the upgrade succeeded, and how it closed. */
export interface SocketLifecycle {
  /** 'open' once the upgrade succeeded; 'refused' when the socket closed without ever opening. */
  outcome: Promise<'open' | 'refused'>;
  /** How the socket closed, whoever closed it. */
  closed: Promise<{ code: number; reason: string }>;
  /** Closes it (unless closed already) and waits for the close. */
  close(): Promise<void>;
}

/** Watches a socket just created, before any event can have fired. */
export function watchSocket(socket: WebSocket): SocketLifecycle {
  // A refused upgrade fires 'error' then 'close'; the error alone says nothing more.
  socket.addEventListener('error', () => undefined);
  const outcome = new Promise<'open' | 'refused'>((resolve) => {
    socket.addEventListener('open', () => resolve('open'), { once: true });
    socket.addEventListener('close', () => resolve('refused'), { once: true });
  });
  const closed = new Promise<{ code: number; reason: string }>((resolve) => {
    socket.addEventListener('close', (event) => resolve({ code: event.code, reason: event.reason }), { once: true });
  });
  return {
    outcome,
    closed,
    async close() {
      if (socket.readyState !== WebSocket.CLOSED) socket.close();
      await closed;
    },
  };
}
