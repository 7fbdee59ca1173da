import { connect, createServer, type Socket } from 'node:net';

/** A loopback TCP relay whose connections a test can cut, like a network drop between agent and server. */
export interface TcpProxy {
  port: number;
  /** `https://127.0.0.1:<port>`: what an agent dials to go through the relay. */
  url: string;
  /** How many connections were relayed so far. */
  readonly connections: number;
  /** Drops every open connection at once; new ones are still relayed. */
  cut(): void;
  close(): Promise<void>;
}

/** Relays loopback TCP connections to the target port, byte for byte (TLS passes through untouched). */
export async function startTcpProxy(targetPort: number): Promise<TcpProxy> {
  const open = new Set<Socket>();
  let connections = 0;
  const track = (socket: Socket) => {
    open.add(socket);
    socket.once('close', () => open.delete(socket));
  };
  const server = createServer((client) => {
    connections += 1;
    const upstream = connect(targetPort, '127.0.0.1');
    track(client);
    track(upstream);
    const drop = () => {
      client.destroy();
      upstream.destroy();
    };
    client.on('error', drop);
    upstream.on('error', drop);
    client.once('close', drop);
    upstream.once('close', drop);
    client.pipe(upstream);
    upstream.pipe(client);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  const cut = () => {
    for (const socket of open) socket.destroy();
  };
  return {
    port,
    url: `https://127.0.0.1:${port}`,
    get connections() {
      return connections;
    },
    cut,
    close: () =>
      new Promise<void>((resolve) => {
        cut();
        server.close(() => resolve());
      }),
  };
}
