import { request } from 'node:http';
import type { Socket } from 'node:net';
import { containerSocketUrl, followContainerLogs, liveSocketProtocols, openExecSession, type InfraPilotClient } from '@infrapilot/client';
import { CONTAINER_EXEC_SUFFIX, CONTAINER_LOG_STREAM_SUFFIX, EXEC_CHANNEL, type LogLine } from '@infrapilot/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAnotherOrg } from '../../test-helpers/another-org.js';
import { openContainerSocket } from '../../test-helpers/container-socket.js';
import { docker, type DockerTestAgent, startDockerAgent, TestContainers, STOPPABLE_COMMAND } from '../../test-helpers/docker.js';
import { eventually } from '../../test-helpers/test-agent.js';
import { startTestServer, type TestServer } from '../../test-helpers/test-server.js';

const PASSWORD = 'a password long enough';

describe('container sockets against a real agent and dockerd', () => {
  let server: TestServer;
  let agent: DockerTestAgent;
  let agentId: string;
  let viewer: InfraPilotClient;
  const containers = new TestContainers();

  beforeAll(async () => {
    server = await startTestServer('sqlite');
    agent = await startDockerAgent(server.admin, 'socket-host');
    agentId = agent.agentId;
    await eventually(async () => (await server.admin.agents.get(agentId)).connected, 'the agent connects');
    await server.admin.users.create({ email: 'viewer@example.com', password: PASSWORD, role: 'viewer' });
    viewer = await server.signIn('viewer@example.com', PASSWORD);
  });
  afterAll(async () => {
    await containers.removeAll();
    await agent?.destroy();
    await server?.destroy();
  });

  describe('log stream', () => {
    it('sends history then new lines in order, and ends when the container stops', async () => {
      const { name } = await containers.run('follow', ['sh', '-c', 'for i in $(seq 1 40); do echo line-$i; sleep 0.05; done']);
      const socket = openContainerSocket(server.admin, agentId, name, CONTAINER_LOG_STREAM_SUFFIX, { tail: 1000 });
      expect(await socket.outcome).toBe('open');
      const end = await socket.frame('end');
      expect(end).toEqual({ type: 'end', reason: 'the container stopped' });
      const lines = socket.frames.filter((frame) => frame.type === 'lines').flatMap((frame) => frame.lines as LogLine[]);
      expect(lines.map((line) => line.text)).toEqual(Array.from({ length: 40 }, (_, index) => `line-${index + 1}`));
      expect(socket.frames.at(-1)).toBe(end);
      expect((await socket.closed).code).toBe(1000);
    });

    it('follows through the client, only new lines with tail 0, and stops the agent stream when the reader closes', async () => {
      const { name } = await containers.run('ticker', ['sh', '-c', 'echo before; sleep 1; i=0; while true; do i=$((i+1)); echo tick-$i; sleep 0.1; done']);
      await eventually(async () => (await server.admin.containers.logs(agentId, name, { tail: 5 })).lines.some((line) => line.text === 'before'), 'the first line is written');
      const streamsBefore = server.app.commands.openStreamCount;
      const received: LogLine[] = [];
      const ends: unknown[] = [];
      const follower = followContainerLogs(server.admin, agentId, name, { tail: 0 }, { lines: (lines) => received.push(...lines), end: (end) => ends.push(end) });
      await eventually(() => received.length >= 5, 'five ticks arrive', 20_000);
      const texts = received.map((line) => line.text);
      expect(texts).not.toContain('before');
      const ticks = texts.map((text) => Number(text.replace('tick-', '')));
      expect(ticks).toEqual(ticks.map((_, index) => ticks[0]! + index));

      expect(server.app.commands.openStreamCount).toBe(streamsBefore + 1);
      follower.close();
      await eventually(() => server.app.commands.openStreamCount === streamsBefore, 'the agent stream is cancelled');
      expect(ends).toEqual([]);
    });

    it('closes with 1013 and stops the agent stream when the reader stops reading, instead of buffering without bound', async () => {
      const { name } = await containers.run('firehose', ['yes', 'a line long enough to fill buffers quickly: 0123456789abcdefghijklmnopqrstuvwxyz'], [
        '--log-opt',
        'max-size=20m',
        '--log-opt',
        'max-file=2',
      ]);
      const streamsBefore = server.app.commands.openStreamCount;
      // A reader that completes the upgrade and then never reads: what a stalled browser tab looks like to the server.
      const url = containerSocketUrl(server.admin, agentId, name, CONTAINER_LOG_STREAM_SUFFIX, { tail: 0 });
      url.protocol = 'http:';
      const stalled = await new Promise<Socket>((resolve, reject) => {
        const handshake = request(url, {
          agent: false,
          headers: {
            connection: 'Upgrade',
            upgrade: 'websocket',
            'sec-websocket-version': '13',
            'sec-websocket-key': Buffer.from('a sixteen byte k').toString('base64'),
            'sec-websocket-protocol': liveSocketProtocols(server.admin.credential!).join(', '),
          },
        });
        handshake.once('upgrade', (_response, socket) => resolve(socket));
        handshake.once('response', (response) => reject(new Error(`upgrade refused with ${response.statusCode}`)));
        handshake.once('error', reject);
        handshake.end();
      });
      try {
        stalled.pause();
        await eventually(() => server.app.commands.openStreamCount === streamsBefore + 1, 'the follow starts');
        await eventually(() => server.app.commands.openStreamCount === streamsBefore, 'the server gives up on the reader and cancels the agent stream', 30_000);

        // Read what was queued: it ends with the close frame, code 1013.
        const reason = Buffer.from('Reading too slowly; reconnect');
        const closeFrame = Buffer.concat([Buffer.from([0x88, reason.length + 2, 1013 >> 8, 1013 & 0xff]), reason]);
        let tail = Buffer.alloc(0);
        stalled.on('data', (chunk: Buffer) => (tail = Buffer.concat([tail, chunk]).subarray(-1024)));
        stalled.resume();
        await eventually(() => tail.subarray(-closeFrame.length).equals(closeFrame), 'the close frame arrives', 30_000);
      } finally {
        stalled.destroy();
        await docker(['stop', '-t', '0', name]).catch(() => undefined);
      }
    });

    it('lets a viewer follow a log', async () => {
      const { name } = await containers.run('viewed-log', ['sh', '-c', 'echo for-viewers; exec sleep 300']);
      const socket = openContainerSocket(viewer, agentId, name, CONTAINER_LOG_STREAM_SUFFIX, { tail: 10 });
      try {
        expect(await socket.outcome).toBe('open');
        await socket.frame('lines', (frame) => (frame.lines as LogLine[]).some((line) => line.text === 'for-viewers'));
      } finally {
        await socket.close();
      }
    });

    it('sends not_found and closes with 4404 for a container the host does not have', async () => {
      const socket = openContainerSocket(server.admin, agentId, 'no-such-container', CONTAINER_LOG_STREAM_SUFFIX);
      expect(await socket.frame('error')).toMatchObject({ type: 'error', code: 'not_found', message: expect.stringContaining('socket-host') });
      expect((await socket.closed).code).toBe(4404);
    });
  });

  describe('exec socket', () => {
    it('runs an interactive shell: started, output, then the exit code, audited at start and end', async () => {
      const { name } = await containers.run('shell', STOPPABLE_COMMAND);
      const socket = openContainerSocket(server.admin, agentId, name, CONTAINER_EXEC_SUFFIX, { command: ['sh'], tty: false });
      expect(await socket.outcome).toBe('open');
      const started = await socket.frame('started');
      expect(started).toEqual({ type: 'started', sessionId: expect.any(String) });
      expect(socket.frames[0]).toBe(started);

      socket.socket.send(Uint8Array.from([EXEC_CHANNEL.stdin, ...Buffer.from('echo hi; echo oops >&2; exit 3\n')]));
      const exit = await socket.frame('exit');
      expect(exit).toEqual({ type: 'exit', exitCode: 3, durationMs: expect.any(Number) });
      expect(socket.output(EXEC_CHANNEL.stdout)).toBe('hi\n');
      expect(socket.output(EXEC_CHANNEL.stderr)).toBe('oops\n');
      expect((await socket.closed).code).toBe(1000);

      const { items } = await server.admin.audit.list({ action: 'container.exec_session.*', resourceId: name, limit: 5 });
      expect(items.map((entry) => `${entry.action} ${entry.responseStatus}`).reverse()).toEqual(['container.exec_session.start 200', 'container.exec_session.end 200']);
      const [end, start] = items;
      expect(start).toMatchObject({ actorLabel: 'admin@example.com', resourceType: 'container', ipAddress: '127.0.0.1', requestBody: { agentId, command: ['sh'], tty: false, sessionId: started.sessionId } });
      expect(end!.requestBody).toMatchObject({ sessionId: started.sessionId, exitStatus: 3, durationMs: expect.any(Number) });
    });

    it('opens a terminal through the client, resizes it and reads what the shell prints', async () => {
      const { name } = await containers.run('tty', STOPPABLE_COMMAND);
      let output = '';
      const exits: number[] = [];
      const session = openExecSession(server.admin, agentId, name, { command: ['sh'], tty: true, columns: 80, rows: 24 }, {
        output: (data) => (output += Buffer.from(data).toString('utf8')),
        exit: (exitCode) => exits.push(exitCode),
        end: () => undefined,
      });
      // Resized once the shell is up, as a browser does when its window changes.
      await eventually(() => output.includes('#'), 'the shell prints its prompt');
      session.resize(132, 43);
      // The agent applies a resize on its own time (Docker's resize call): ask until the terminal has the new size.
      await eventually(async () => {
        session.write('stty size\n');
        await new Promise((resolve) => setTimeout(resolve, 200));
        return output.includes('43 132');
      }, 'the terminal takes the new size');
      session.write('echo hi; exit 3\n');
      await eventually(() => exits.length === 1, 'the shell exits');
      expect(exits).toEqual([3]);
      expect(output).toMatch(/\bhi\r?\n/);
    });

    it('ends the session on the agent when the person closes the socket, and audits the end', async () => {
      const { name } = await containers.run('abandoned', STOPPABLE_COMMAND);
      const streamsBefore = server.app.commands.openStreamCount;
      const socket = openContainerSocket(server.admin, agentId, name, CONTAINER_EXEC_SUFFIX, { command: ['sh'], tty: true });
      const started = await socket.frame('started');
      expect(server.app.commands.openStreamCount).toBe(streamsBefore + 1);
      await socket.close();
      await eventually(() => server.app.commands.openStreamCount === streamsBefore, 'the agent stream is cancelled');
      const ended = await eventually(
        async () => (await server.admin.audit.list({ action: 'container.exec_session.end', resourceId: name, limit: 1 })).items[0],
        'the end is audited',
      );
      expect(ended.requestBody).toMatchObject({ sessionId: started.sessionId, exitStatus: null, endedBy: 'the client closed the socket' });
    });

    it('passes end of input to the process', async () => {
      const { name } = await containers.run('stdin', STOPPABLE_COMMAND);
      const socket = openContainerSocket(server.admin, agentId, name, CONTAINER_EXEC_SUFFIX, { command: ['cat'], tty: false });
      await socket.frame('started');
      socket.socket.send(Uint8Array.from([EXEC_CHANNEL.stdin, ...Buffer.from('hello\n')]));
      socket.socket.send(JSON.stringify({ type: 'close_stdin' }));
      expect(await socket.frame('exit')).toMatchObject({ exitCode: 0 });
      expect(socket.output(EXEC_CHANNEL.stdout)).toBe('hello\n');
    });

    it('ignores control frames it does not understand', async () => {
      const { name } = await containers.run('tolerant', STOPPABLE_COMMAND);
      const socket = openContainerSocket(server.admin, agentId, name, CONTAINER_EXEC_SUFFIX, { command: ['sh'], tty: false });
      await socket.frame('started');
      socket.socket.send('not json');
      socket.socket.send(JSON.stringify({ type: 'teleport' }));
      socket.socket.send(Uint8Array.from([9, 1, 2, 3]));
      socket.socket.send(Uint8Array.from([EXEC_CHANNEL.stdin, ...Buffer.from('exit 0\n')]));
      expect(await socket.frame('exit')).toMatchObject({ exitCode: 0 });
    });

    it('refuses the upgrade to a viewer, who may not exec', async () => {
      const { name } = await containers.run('guarded', STOPPABLE_COMMAND);
      const socket = openContainerSocket(viewer, agentId, name, CONTAINER_EXEC_SUFFIX);
      expect(await socket.outcome).toBe('refused');
      expect(socket.frames).toEqual([]);
    });

    it("answers not_found (4404) for another org's host, like a host that does not exist", async () => {
      const { name } = await containers.run('foreign', STOPPABLE_COMMAND);
      const { founder } = await createAnotherOrg(server);
      const socket = openContainerSocket(founder, agentId, name, CONTAINER_EXEC_SUFFIX);
      expect(await socket.frame('error')).toMatchObject({ code: 'not_found' });
      expect((await socket.closed).code).toBe(4404);
      const logs = openContainerSocket(founder, agentId, name, CONTAINER_LOG_STREAM_SUFFIX);
      expect(await logs.frame('error')).toMatchObject({ code: 'not_found' });
      expect((await logs.closed).code).toBe(4404);
    });

    it('stays open past its access token, but ends at the next re-check once the person is signed out, and audits the end', async () => {
      await server.admin.users.create({ email: 'operator@example.com', password: PASSWORD, role: 'operator' });
      const operator = await server.signIn('operator@example.com', PASSWORD);
      const { name } = await containers.run('revoked', STOPPABLE_COMMAND);
      const socket = openContainerSocket(operator, agentId, name, CONTAINER_EXEC_SUFFIX, { command: ['sh'], tty: true });
      await socket.frame('started');
      // An access token past its 15 minutes is not a revocation: the shell survives the re-check.
      server.clock.advance(20 * 60 * 1000);
      await server.app.socketEntitlements.recheckAll();
      expect(socket.frames.some((frame) => frame.type === 'error')).toBe(false);
      server.clock.advance(-20 * 60 * 1000);

      const streamsBefore = server.app.commands.openStreamCount;
      await operator.auth.logout();
      await server.app.socketEntitlements.recheckAll();
      expect(await socket.frame('error')).toMatchObject({ code: 'unauthenticated' });
      expect((await socket.closed).code).toBe(4401);
      await eventually(() => server.app.commands.openStreamCount === streamsBefore - 1, 'the agent stream is cancelled');
      const ended = await eventually(
        async () => (await server.admin.audit.list({ action: 'container.exec_session.end', resourceId: name, limit: 1 })).items[0],
        'the end is audited',
      );
      expect(ended.requestBody).toMatchObject({ endedBy: 'access revoked' });
    });

    it('ends a followed log at the next re-check once the member has been removed from the org', async () => {
      const { userId } = await server.admin.users.create({ email: 'leaver@example.com', password: PASSWORD, role: 'viewer' }).then((created) => ({ userId: created.user.id }));
      const leaver = await server.signIn('leaver@example.com', PASSWORD);
      const { name } = await containers.run('leaver-log', STOPPABLE_COMMAND);
      const socket = openContainerSocket(leaver, agentId, name, CONTAINER_LOG_STREAM_SUFFIX, { tail: 0 });
      expect(await socket.outcome).toBe('open');
      await server.app.socketEntitlements.recheckAll();
      expect(socket.frames.some((frame) => frame.type === 'error')).toBe(false);

      await server.admin.members.remove(userId);
      await server.app.socketEntitlements.recheckAll();
      expect(await socket.frame('error')).toMatchObject({ code: 'unauthenticated' });
      expect((await socket.closed).code).toBe(4401);
    });
  });
});
