import { LogOut, PlugZap, RefreshCw, Unplug } from 'lucide-react';
import { type ComponentType, Suspense, lazy, useCallback, useEffect, useRef, useState } from 'react';
import { Badge, type BadgeTone } from '../../../components/ui/badge';
import { Button } from '../../../components/ui/button';
import { Input, Select } from '../../../components/ui/input';
import { Loading } from '../../../components/ui/states';
import { useDockerApi } from '../docker-api';
import { CUSTOM_CHOICE, SHELL_CHOICES, commandOf } from './command-choice';
import { type TerminalStatus, connectTerminal } from './exec-terminal-session';
import type { TerminalLike } from './terminal-like';
import type { TerminalViewProps } from './xterm-view';

/** xterm.js and its CSS load with the first terminal, not with the container page. */
const LazyXtermView = lazy(() => import('./xterm-view'));

export const POLICY_DENIED_EXEC =
  "This host's policy file does not allow exec; the host owner can set `capabilities: { exec: true }` in /etc/infrapilot/agent.yaml";

/**
 * A shell in the container, in the browser. The command comes from the chooser (sh by
 * default; bash, ash, or any argv typed as a command line) and runs with a TTY sized
 * to the terminal. Keys go to the shell, Esc and Tab included, so Ctrl+] (or the "Leave
 * terminal" button) moves focus out.
 */
export function ContainerTerminal({
  agentId,
  container,
  name,
  running,
  view: View = LazyXtermView,
}: {
  agentId: string;
  container: string;
  name: string;
  running: boolean;
  /** The terminal emulator; tests pass a fake (xterm needs a real browser). */
  view?: ComponentType<TerminalViewProps>;
}) {
  const dockerApi = useDockerApi();
  const [choice, setChoice] = useState<string>('sh');
  const [custom, setCustom] = useState('');
  const [status, setStatus] = useState<TerminalStatus | null>(null);
  const [runningCommand, setRunningCommand] = useState<string[]>(['sh']);
  const terminalRef = useRef<TerminalLike | null>(null);
  const disconnectRef = useRef<(() => void) | null>(null);
  const toolbarRef = useRef<HTMLDivElement>(null);
  const command = commandOf(choice, custom);

  const connect = useCallback(
    (argv: string[]) => {
      const terminal = terminalRef.current;
      if (!terminal || argv.length === 0) return;
      disconnectRef.current?.();
      terminal.reset();
      setRunningCommand(argv);
      disconnectRef.current = connectTerminal(terminal, argv, (options, handlers) => dockerApi.openExec(agentId, container, options, handlers), setStatus);
      terminal.focus();
    },
    [dockerApi, agentId, container],
  );

  // Leaving the page, or the container stopping, ends the session (its screen goes too).
  useEffect(() => {
    if (running) return;
    disconnectRef.current?.();
    disconnectRef.current = null;
    terminalRef.current = null;
  }, [running]);
  useEffect(
    () => () => {
      disconnectRef.current?.();
      disconnectRef.current = null;
    },
    [],
  );

  // Focus goes to the command chooser, just above the terminal: from there Tab moves on as usual.
  const leave = () => toolbarRef.current?.querySelector('select')?.focus();
  const live = status?.kind === 'connecting' || status?.kind === 'open';

  if (!running) {
    return <p className="rounded-lg border border-dashed border-border p-6 text-sm text-muted-foreground">The container is not running. Start it to open a terminal.</p>;
  }
  return (
    <div className="grid gap-2">
      <div ref={toolbarRef} className="flex flex-wrap items-center gap-2">
        <Select aria-label="Command" className="sm:w-36" value={choice} onChange={(event) => setChoice(event.target.value)}>
          {SHELL_CHOICES.map((shell) => (
            <option key={shell} value={shell}>
              {shell}
            </option>
          ))}
          <option value={CUSTOM_CHOICE}>Custom command…</option>
        </Select>
        {choice === CUSTOM_CHOICE && (
          <Input
            aria-label="Custom command"
            placeholder="e.g. python3 -i (split on spaces, no shell)"
            className="sm:w-72"
            value={custom}
            onChange={(event) => setCustom(event.target.value)}
            onKeyDown={(event) => {
              if (event.key === 'Enter') {
                event.preventDefault();
                connect(command);
              }
            }}
          />
        )}
        <Button size="sm" variant={live ? 'secondary' : 'primary'} disabled={command.length === 0 || !terminalRef.current} onClick={() => connect(command)}>
          {live ? <RefreshCw className="h-4 w-4" aria-hidden /> : <PlugZap className="h-4 w-4" aria-hidden />}
          {live ? 'Restart session' : status ? 'Reconnect' : 'Connect'}
        </Button>
        {live && (
          <Button
            size="sm"
            variant="secondary"
            onClick={() => {
              disconnectRef.current?.();
              disconnectRef.current = null;
              setStatus({ kind: 'closed' });
            }}
          >
            <Unplug className="h-4 w-4" aria-hidden />
            Disconnect
          </Button>
        )}
        <Button size="sm" variant="ghost" onClick={leave}>
          <LogOut className="h-4 w-4" aria-hidden />
          Leave terminal
        </Button>
        <TerminalStatusBadge status={status} command={runningCommand} />
      </div>
      <p className="text-xs text-muted-foreground">
        Keys go to the program, Esc and Tab included: press <kbd className="rounded border border-border px-1">Ctrl</kbd>+
        <kbd className="rounded border border-border px-1">]</kbd> or use “Leave terminal” to move focus out. The session is recorded in the audit log.
      </p>
      {status?.kind === 'error' && (
        <div role="alert" className="rounded-lg border border-destructive/40 bg-destructive/5 p-3 text-sm">
          <p className="font-medium text-destructive">{status.code === 'policy_denied' ? POLICY_DENIED_EXEC : status.message}</p>
          {status.code === 'policy_denied' && <p className="text-muted-foreground">The server said: {status.message}</p>}
        </div>
      )}
      <div role="group" aria-label={`Terminal: ${runningCommand.join(' ')} in ${name}`}>
        <Suspense fallback={<Loading label="Loading the terminal…" />}>
          <View
            label={`Terminal input: ${runningCommand.join(' ')} in ${name}`}
            onLeave={leave}
            onReady={(terminal) => {
              terminalRef.current = terminal;
              // The first session starts as soon as there is a screen for it.
              connect(commandOf(choice, custom));
            }}
          />
        </Suspense>
      </div>
    </div>
  );
}

const TONE_OF_STATUS: Record<TerminalStatus['kind'], BadgeTone> = { connecting: 'neutral', open: 'success', exited: 'neutral', closed: 'warning', error: 'danger' };

function TerminalStatusBadge({ status, command }: { status: TerminalStatus | null; command: string[] }) {
  if (!status) return null;
  const text =
    status.kind === 'connecting'
      ? 'Connecting…'
      : status.kind === 'open'
        ? `Connected: ${command.join(' ')}`
        : status.kind === 'exited'
          ? `Session ended (exit code ${status.exitCode})`
          : status.kind === 'closed'
            ? 'Disconnected'
            : 'Could not open a session';
  return (
    <span role="status">
      <Badge tone={TONE_OF_STATUS[status.kind]} data-testid="terminal-status">
        {text}
      </Badge>
    </span>
  );
}
