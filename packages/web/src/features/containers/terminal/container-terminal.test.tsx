import { act, screen } from '@testing-library/react';
import { useEffect } from 'react';
import { describe, expect, it } from 'vitest';
import { fakeDockerApi } from '../testing/containers-test-fixtures';
import { renderDocker } from '../testing/render-docker';
import { parseCommandLine } from './command-choice';
import { ContainerTerminal } from './container-terminal';
import type { Disposable, TerminalLike } from './terminal-like';
import type { TerminalViewProps } from './xterm-view';

/** A terminal that records what it is shown, and lets the test type and resize as a person would. */
class FakeTerminal implements TerminalLike {
  cols = 100;
  rows = 30;
  screen = '';
  resets = 0;
  private dataListeners = new Set<(data: string) => void>();
  private resizeListeners = new Set<(size: { cols: number; rows: number }) => void>();
  write(data: Uint8Array | string) {
    this.screen += typeof data === 'string' ? data : new TextDecoder().decode(data);
  }
  onData(listener: (data: string) => void): Disposable {
    this.dataListeners.add(listener);
    return { dispose: () => void this.dataListeners.delete(listener) };
  }
  onResize(listener: (size: { cols: number; rows: number }) => void): Disposable {
    this.resizeListeners.add(listener);
    return { dispose: () => void this.resizeListeners.delete(listener) };
  }
  reset() {
    this.screen = '';
    this.resets += 1;
  }
  focus() {}
  type(data: string) {
    for (const listener of this.dataListeners) listener(data);
  }
  resize(cols: number, rows: number) {
    this.cols = cols;
    this.rows = rows;
    for (const listener of this.resizeListeners) listener({ cols, rows });
  }
  get listeners() {
    return this.dataListeners.size + this.resizeListeners.size;
  }
}

function renderTerminal() {
  const fake = fakeDockerApi();
  const terminal = new FakeTerminal();
  let leave: () => void = () => {};
  function FakeView({ onReady, onLeave, label }: TerminalViewProps) {
    leave = onLeave;
    useEffect(() => onReady(terminal), []);
    return <div aria-label={label} role="textbox" />;
  }
  const rendered = renderDocker(<ContainerTerminal agentId="agent-1" container="web" name="web" running view={FakeView} />, { api: fake.api });
  return { ...fake, ...rendered, terminal, leave: () => act(() => leave()) };
}

const bytes = (text: string) => new TextEncoder().encode(text);

describe('ContainerTerminal', () => {
  it('opens sh with a TTY of the terminal’s size, and joins keys, output and resizes to the session', () => {
    const { execSessions, terminal, api } = renderTerminal();
    expect(api.openExec).toHaveBeenCalledWith('agent-1', 'web', { command: ['sh'], tty: true, columns: 100, rows: 30 }, expect.anything());
    const session = execSessions[0]!;
    expect(screen.getByTestId('terminal-status').textContent).toBe('Connecting…');
    act(() => session.handlers.started?.('session-1'));
    expect(screen.getByTestId('terminal-status').textContent).toBe('Connected: sh');
    expect(screen.getByRole('group', { name: 'Terminal: sh in web' })).toBeTruthy();

    terminal.type('echo hi\r');
    expect(session.written).toEqual(['echo hi\r']);
    act(() => session.handlers.output(bytes('hi\r\n'), 'stdout'));
    expect(terminal.screen).toBe('hi\r\n');
    terminal.resize(120, 40);
    expect(session.resizes).toEqual([[120, 40]]);
  });

  it('says the session ended with its exit code, and reconnects with the chosen command', async () => {
    const { execSessions, terminal, user, api } = renderTerminal();
    const first = execSessions[0]!;
    act(() => {
      first.handlers.exit(3);
      first.handlers.end({ kind: 'ended', reason: 'exited with code 3' });
    });
    expect(screen.getByTestId('terminal-status').textContent).toBe('Session ended (exit code 3)');
    // The ended session no longer hears the keyboard.
    expect(terminal.listeners).toBe(0);

    await user.selectOptions(screen.getByRole('combobox', { name: 'Command' }), 'custom');
    await user.type(screen.getByRole('textbox', { name: 'Custom command' }), '  python3   -i ');
    await user.click(screen.getByRole('button', { name: 'Reconnect' }));
    expect(api.openExec).toHaveBeenLastCalledWith('agent-1', 'web', { command: ['python3', '-i'], tty: true, columns: 100, rows: 30 }, expect.anything());
    expect(terminal.resets).toBe(2);
    terminal.type('x');
    expect(execSessions[1]!.written).toEqual(['x']);
    expect(first.written).toEqual([]);
  });

  it("explains a host policy that does not allow exec, and what its owner can do", () => {
    const { execSessions } = renderTerminal();
    act(() => execSessions[0]!.handlers.end({ kind: 'error', code: 'policy_denied', message: "web-1's policy does not allow exec" }));
    expect(screen.getByRole('alert').textContent).toContain(
      "This host's policy file does not allow exec; the host owner can set `capabilities: { exec: true }` in /etc/infrapilot/agent.yaml",
    );
    expect(screen.getByTestId('terminal-status').textContent).toBe('Could not open a session');
  });

  it('moves focus out of the terminal on Ctrl+] or with the Leave button, to the command chooser', async () => {
    const { leave, user } = renderTerminal();
    leave();
    expect(document.activeElement).toBe(screen.getByRole('combobox', { name: 'Command' }));
    (document.activeElement as HTMLElement).blur();
    await user.click(screen.getByRole('button', { name: 'Leave terminal' }));
    expect(document.activeElement).toBe(screen.getByRole('combobox', { name: 'Command' }));
  });

  it('closes the session when it goes away', () => {
    const { execSessions, unmount } = renderTerminal();
    unmount();
    expect(execSessions[0]!.closed).toBe(true);
  });

  it('offers no terminal for a container that is not running', () => {
    const fake = fakeDockerApi();
    renderDocker(<ContainerTerminal agentId="agent-1" container="web" name="web" running={false} />, { api: fake.api });
    expect(screen.getByText(/The container is not running/)).toBeTruthy();
    expect(fake.api.openExec).not.toHaveBeenCalled();
  });
});

describe('parseCommandLine', () => {
  it('splits on whitespace, without a shell', () => {
    expect(parseCommandLine(' sh -c  "echo hi" ')).toEqual(['sh', '-c', '"echo', 'hi"']);
    expect(parseCommandLine('   ')).toEqual([]);
  });
});
