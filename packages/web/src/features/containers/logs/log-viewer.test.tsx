import { ApiError } from '@infrapilot/client';
import { act, screen, waitFor, within } from '@testing-library/react';
import { useState } from 'react';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FakeLogSocket, fakeDockerApi, logLine } from '../testing/containers-test-fixtures';
import { renderDocker } from '../testing/render-docker';
import { LogViewer } from './log-viewer';

// happy-dom lays nothing out: the log's scroller gets a height, so the virtual list has rows to show (20 of 20 px).
const clientHeight = Object.getOwnPropertyDescriptor(HTMLElement.prototype, 'clientHeight');
beforeAll(() => Object.defineProperty(HTMLElement.prototype, 'clientHeight', { configurable: true, get: () => 400 }));
afterAll(() => clientHeight && Object.defineProperty(HTMLElement.prototype, 'clientHeight', clientHeight));

function shownLines(): string[] {
  return [...screen.getByRole('log').querySelectorAll('[data-log-line]')].map((line) => line.textContent ?? '');
}

function at(second: number): string {
  return `2026-01-01T12:00:${String(second).padStart(2, '0')}.5Z`;
}

/** The viewer with a first page of lines, following once the socket opens. */
async function openViewer(lines: string[], { nextCursor = null as string | null, morePages = [] as Array<{ lines: ReturnType<typeof logLine>[]; nextCursor: string | null }>, capacity = 200_000 } = {}) {
  const fake = fakeDockerApi({ logPages: [{ lines: lines.map((text, index) => logLine(text, { timestamp: at(index) })), nextCursor }, ...morePages] });
  const rendered = renderDocker(<LogViewer agentId="agent-1" container="web" name="web" capacity={capacity} />, { api: fake.api });
  await waitFor(() => expect(fake.logSockets).toHaveLength(1));
  const socket = fake.logSockets[0]!;
  act(() => socket.handlers.open?.());
  return { ...fake, ...rendered, socket };
}

function push(socket: FakeLogSocket, texts: string[], fromSecond: number, stream: 'stdout' | 'stderr' = 'stdout') {
  act(() => socket.handlers.lines(texts.map((text, index) => logLine(text, { timestamp: at(fromSecond + index), stream }))));
}

describe('LogViewer', () => {
  it("shows the last lines with their ANSI colours as spans, and a line's markup as plain text", async () => {
    await openViewer(['\u001b[31mred\u001b[0m and <b>plain</b>', '\u001b[1;32mbold green\u001b[0m']);
    const red = await screen.findByText('red');
    expect(red.tagName).toBe('SPAN');
    expect(red.className).toContain('text-red-700');
    expect(screen.getByText('bold green').className).toContain('font-bold');
    expect(shownLines()).toEqual(['red and <b>plain</b>', 'bold green']);
    expect(screen.getByRole('log').querySelector('b')).toBeNull();
  });

  it('follows from the newest line it has, skips what it already has, tints stderr, and says when the container stopped', async () => {
    const { socket, api, logSockets, user } = await openViewer(['one', 'two']);
    expect(socket.query).toEqual({ since: at(1), tail: 10_000 });
    expect(screen.getByTestId('log-status').textContent).toBe('Following');

    // The socket starts at the newest line's instant: that line comes again.
    act(() => socket.handlers.lines([logLine('two', { timestamp: at(1) }), logLine('three', { timestamp: at(2), stream: 'stderr' })]));
    await waitFor(() => expect(shownLines()).toEqual(['one', 'two', 'stderr: three']));
    const stderrLine = screen.getByRole('log').querySelector('[data-stream="stderr"]')!;
    expect(stderrLine.className).toContain('bg-destructive/5');

    act(() => socket.handlers.end({ kind: 'ended', reason: 'the container stopped' }));
    expect(screen.getByTestId('log-status').textContent).toBe('Ended: the container stopped');
    await user.click(screen.getByRole('button', { name: 'Follow again' }));
    expect(api.followLogs).toHaveBeenCalledTimes(2);
    expect(logSockets[1]!.query).toEqual({ since: at(2), tail: 10_000 });
  });

  it('follows again by itself when the stopped container starts', async () => {
    const fake = fakeDockerApi({ logPages: [{ lines: [logLine('one', { timestamp: at(0) })], nextCursor: null }] });
    let setRunning: (running: boolean) => void = () => {};
    function Page() {
      const [running, set] = useState(true);
      setRunning = set;
      return <LogViewer agentId="agent-1" container="web" name="web" running={running} />;
    }
    renderDocker(<Page />, { api: fake.api });
    await waitFor(() => expect(fake.logSockets).toHaveLength(1));
    act(() => fake.logSockets[0]!.handlers.end({ kind: 'ended', reason: 'the container stopped' }));
    act(() => setRunning(false));
    expect(fake.logSockets).toHaveLength(1);
    act(() => setRunning(true));
    await waitFor(() => expect(fake.logSockets).toHaveLength(2));
    expect(fake.logSockets[1]!.query).toEqual({ since: at(0), tail: 10_000 });
  });

  it('counts the lines matching a search, marks them and steps through them', async () => {
    const { user } = await openViewer(['alpha one', 'beta', 'ALPHA two', 'gamma']);
    await user.type(screen.getByRole('searchbox', { name: 'Search the log' }), 'alpha');
    expect(screen.getByTestId('log-match-count').textContent).toBe('1 of 2 matching lines');
    expect([...screen.getByRole('log').querySelectorAll('mark')].map((mark) => mark.textContent)).toEqual(['alpha', 'ALPHA']);

    await user.click(screen.getByRole('button', { name: 'Next match' }));
    expect(screen.getByTestId('log-match-count').textContent).toBe('2 of 2 matching lines');
    await user.click(screen.getByRole('button', { name: 'Next match' }));
    expect(screen.getByTestId('log-match-count').textContent).toBe('1 of 2 matching lines');
    await user.click(screen.getByRole('button', { name: 'Previous match' }));
    expect(screen.getByTestId('log-match-count').textContent).toBe('2 of 2 matching lines');

    await user.click(screen.getByRole('checkbox', { name: 'Only matching lines' }));
    expect(shownLines()).toEqual(['alpha one', 'ALPHA two']);

    await user.clear(screen.getByRole('searchbox', { name: 'Search the log' }));
    await user.type(screen.getByRole('searchbox', { name: 'Search the log' }), 'nothing');
    expect(screen.getByTestId('log-match-count').textContent).toBe('No matches');
  });

  it('keeps the lines still while paused, with the new ones waiting, and shows them on Follow', async () => {
    const { socket, user } = await openViewer(['one']);
    await user.click(screen.getByRole('button', { name: 'Pause' }));
    push(socket, ['two', 'three'], 5);
    await waitFor(() => expect(screen.getByTestId('log-status').textContent).toBe('Paused: 2 new lines waiting'));
    expect(shownLines()).toEqual(['one']);

    await user.click(screen.getByRole('button', { name: 'Follow' }));
    expect(shownLines()).toEqual(['one', 'two', 'three']);
    expect(screen.getByTestId('log-status').textContent).toBe('Following');
  });

  it('loads older lines in front, page by page, until the beginning', async () => {
    const older = { lines: [logLine('older 1', { timestamp: '2026-01-01T11:00:00Z' }), logLine('older 2', { timestamp: '2026-01-01T11:00:01Z' })], nextCursor: null };
    const { api, user } = await openViewer(['newest'], { nextCursor: 'cursor-1', morePages: [older] });
    await user.click(screen.getByRole('button', { name: 'Load older' }));
    expect(api.containers.logs).toHaveBeenLastCalledWith('agent-1', 'web', { tail: 500, before: 'cursor-1' });
    await waitFor(() => expect(shownLines()).toEqual(['older 1', 'older 2', 'newest']));
    expect(screen.queryByRole('button', { name: 'Load older' })).toBeNull();
  });

  it('keeps the newest lines when there are too many, and says how many were dropped', async () => {
    const { socket } = await openViewer(['one', 'two'], { capacity: 3 });
    push(socket, ['three', 'four', 'five'], 10);
    await waitFor(() => expect(shownLines()).toEqual(['three', 'four', 'five']));
    expect(screen.getByText(/Only the newest 3 lines are kept in this page; 2 older lines were dropped/)).toBeTruthy();
  });

  it('puts only the lines on screen in the page, however many are loaded', async () => {
    const { socket } = await openViewer([]);
    push(socket, Array.from({ length: 100_000 }, (_, index) => `line ${index}`), 0);
    await waitFor(() => expect(screen.getByText(/^100,000 lines loaded/)).toBeTruthy());
    // 400 px of 20 px rows, plus the overscan (scrolling to the end needs a layout: the browser suite checks it).
    expect(shownLines().length).toBeGreaterThan(0);
    expect(shownLines().length).toBeLessThan(80);
  });

  it("says what the host's policy refused, with what the owner can do", async () => {
    const { socket } = await openViewer(['one']);
    act(() => socket.handlers.end({ kind: 'error', code: 'policy_denied', message: "web-1's policy does not allow reading logs" }));
    const alert = screen.getByRole('alert');
    expect(within(alert).getByText("web-1's policy does not allow reading logs")).toBeTruthy();
    expect(alert.textContent).toContain('/etc/infrapilot/agent.yaml');
    expect(screen.getByTestId('log-status').textContent).toBe('Not following');
  });

  it("shows the server's words when the first page cannot be read (Docker down on the host)", async () => {
    const fake = fakeDockerApi();
    fake.api.containers.logs.mockRejectedValueOnce(
      new ApiError(503, 'docker_unavailable', 'Docker is not available on web-1: cannot reach the Docker Engine at unix:///var/run/docker.sock'),
    );
    renderDocker(<LogViewer agentId="agent-1" container="web" name="web" />, { api: fake.api });
    const alert = await screen.findByRole('alert');
    expect(alert.textContent).toContain('cannot reach the Docker Engine at unix:///var/run/docker.sock');
    expect(alert.textContent).toContain('Check that it runs there');
    expect(fake.logSockets).toHaveLength(0);
  });
});
