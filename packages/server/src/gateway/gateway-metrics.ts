import { Code, ConnectError, type Interceptor } from '@connectrpc/connect';
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

/** What the agent gateway reports at /metrics, next to the HTTP figures. */
export class GatewayMetrics {
  private readonly rpcs: Counter<'method' | 'code'>;
  private readonly commandDurations: Histogram<'command' | 'outcome'>;

  constructor(registry: Registry, connectedAgents: () => number) {
    new Gauge({
      name: 'infrapilot_agents_connected',
      help: 'Agents with an open CommandStream right now',
      registers: [registry],
      collect() {
        this.set(connectedAgents());
      },
    });
    this.rpcs = new Counter({
      name: 'infrapilot_agent_rpcs_total',
      help: 'gRPC calls from agents, by method and status code (streams count when they open)',
      labelNames: ['method', 'code'] as const,
      registers: [registry],
    });
    this.commandDurations = new Histogram({
      name: 'infrapilot_agent_command_duration_seconds',
      help: 'Time from sending a command to an agent to its answer, by command and outcome',
      labelNames: ['command', 'outcome'] as const,
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers: [registry],
    });
  }

  /** Counts every call and how it ended, including those the mTLS check refused. */
  readonly countCalls: Interceptor = (next) => async (request) => {
    try {
      const response = await next(request);
      this.rpcs.inc({ method: request.method.name, code: 'ok' });
      return response;
    } catch (error) {
      const code = error instanceof ConnectError ? Code[error.code] : Code[Code.Internal];
      this.rpcs.inc({ method: request.method.name, code: code.replace(/[A-Z]/g, (letter, index: number) => (index ? '_' : '') + letter.toLowerCase()) });
      throw error;
    }
  };

  /** Records one command's round trip; `outcome` is "ok" or the error code it ended with. */
  commandSettled(command: string, outcome: string, seconds: number): void {
    this.commandDurations.observe({ command, outcome }, seconds);
  }
}
