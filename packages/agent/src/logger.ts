/** What the agent writes about itself; stdout/stderr only, one line per event. */
export interface AgentLogger {
  info(message: string): void;
  warn(message: string): void;
  error(message: string): void;
}

// sd-daemon(3) priority prefixes: journald files each line at the right level.
const PRIORITY = { error: '<3>', warn: '<4>', info: '<6>' } as const;

/**
 * Logs to stdout in a systemd-friendly way: under systemd (JOURNAL_STREAM is set)
 * each line carries its priority prefix and no timestamp (journald adds one);
 * elsewhere lines carry an ISO timestamp and the level.
 */
export function createConsoleLogger(environment: NodeJS.ProcessEnv = process.env): AgentLogger {
  const underSystemd = Boolean(environment.JOURNAL_STREAM);
  const line = (level: keyof typeof PRIORITY, message: string) =>
    underSystemd ? `${PRIORITY[level]}${message}\n` : `${new Date().toISOString()} ${level.toUpperCase().padEnd(5)} ${message}\n`;
  return {
    info: (message) => void process.stdout.write(line('info', message)),
    warn: (message) => void process.stdout.write(line('warn', message)),
    error: (message) => void process.stderr.write(line('error', message)),
  };
}

/** A logger that drops everything (tests, the fleet simulator). */
export const silentLogger: AgentLogger = { info() {}, warn() {}, error() {} };
