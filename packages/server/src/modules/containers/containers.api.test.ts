import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { InfraPilotClient } from '@infrapilot/client';
import type { Container } from '@infrapilot/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DomainEvents } from '../../platform/events/event-bus.js';
import { createAnotherOrg } from '../../test-helpers/another-org.js';
import { apiFailure } from '../../test-helpers/api-failure.js';
import { DOCKER_TEST_IMAGE, docker, type DockerTestAgent, inspectContainer, startDockerAgent, TestContainers, uniqueName, STOPPABLE_COMMAND } from '../../test-helpers/docker.js';
import { openLiveSocket } from '../../test-helpers/live-socket.js';
import { eventually } from '../../test-helpers/test-agent.js';
import { startTestServer, type TestServer } from '../../test-helpers/test-server.js';

const run = promisify(execFile);

const PASSWORD = 'a password long enough';

describe('containers API against a real agent and dockerd', () => {
  let server: TestServer;
  let agent: DockerTestAgent;
  let agentId: string;
  let viewer: InfraPilotClient;
  const containers = new TestContainers();
  const volumes: string[] = [];

  beforeAll(async () => {
    server = await startTestServer('sqlite');
    agent = await startDockerAgent(server.admin, 'docker-host');
    agentId = agent.agentId;
    await eventually(async () => (await server.admin.agents.get(agentId)).connected, 'the agent connects');
    await server.admin.users.create({ email: 'viewer@example.com', password: PASSWORD, role: 'viewer' });
    viewer = await server.signIn('viewer@example.com', PASSWORD);
  });
  afterAll(async () => {
    await containers.removeAll();
    if (volumes.length > 0) await docker(['volume', 'rm', '-f', ...volumes]).catch(() => undefined);
    await agent?.destroy();
    await server?.destroy();
  });

  /** The container as the API lists it, once it does. */
  const listed = (name: string, condition: (container: Container) => boolean = () => true, timeoutMs = 15_000) =>
    eventually(
      async () => (await server.admin.containers.list({ name })).items.find((container) => container.name === name && condition(container)),
      `${name} is listed${condition.toString() === '() => true' ? '' : ` with ${condition.toString()}`}`,
      timeoutMs,
    );

  describe('listing', () => {
    it('shows a container made with the docker CLI, on every list, with the engine that runs it', async () => {
      const { name, id } = await containers.run('listed', STOPPABLE_COMMAND, ['--label', 'purpose=listing']);
      // Its create event can list it before its start event does.
      const container = await listed(name, (candidate) => candidate.state === 'running');
      expect(container).toMatchObject({ agentId, agentName: 'docker-host', containerId: id, image: DOCKER_TEST_IMAGE, state: 'running', restartCount: 0, stack: null });
      expect(container.startedAt).toEqual(expect.any(String));

      const onHost = await server.admin.containers.listOnHost(agentId, { name });
      expect(onHost.items.map((item) => item.containerId)).toEqual([id]);
      const running = await server.admin.containers.list({ agentId, state: 'running', name: name.toUpperCase() });
      expect(running.items.map((item) => item.name)).toEqual([name]);
      expect((await server.admin.containers.list({ state: 'exited', name })).items).toEqual([]);

      const { engines } = await server.admin.containers.list({ limit: 1 });
      expect(engines).toContainEqual(expect.objectContaining({ agentId, agentName: 'docker-host', available: true, problem: null, endpoint: 'unix:///var/run/docker.sock' }));
      expect(await server.admin.docker.engine(agentId)).toMatchObject({ available: true, version: expect.stringMatching(/^\d+\.\d+/) });
    });

    it('pages through containers in name order', async () => {
      const prefix = uniqueName('paged');
      for (const suffix of ['c', 'a', 'b']) await containers.run(`${prefix}-${suffix}`, ['true'], [], { created: true });
      await eventually(async () => (await server.admin.containers.list({ name: prefix })).items.length === 3, 'three containers are listed');
      const names: string[] = [];
      let cursor: string | undefined;
      do {
        const page = await server.admin.containers.list({ name: prefix, limit: 2, ...(cursor ? { cursor } : {}) });
        names.push(...page.items.map((item) => item.name));
        cursor = page.nextCursor ?? undefined;
      } while (cursor);
      expect(names).toHaveLength(3);
      expect(names).toEqual([...names].sort());
      expect((await apiFailure(server.admin.containers.list({ cursor: 'not-a-cursor' }))).status).toBe(400);
    });

    it('shows a container that dies as exited, with its exit code, from the Docker event, and pushes the changes to live sockets', async () => {
      const live = openLiveSocket(server.baseUrl, { credential: server.admin.credential!, org: (await server.admin.orgs.current()).id });
      try {
        expect(await live.outcome).toBe('open');
        const { name, id } = await containers.run('dies', ['sh', '-c', 'sleep 1; exit 3']);
        const exited = await listed(name, (container) => container.state === 'exited');
        expect(exited.exitCode).toBe(3);
        // Only an event makes this frame (a heartbeat says containers.synced).
        const frame = await live.frame('container.changed', (changed) => changed.container.name === name && changed.event === 'die');
        expect(frame.container).toMatchObject({ agentId, state: 'exited', exitCode: 3 });

        // Docker sends no event the agent forwards for a rename: the next heartbeat finds it.
        const renamed = `${name}-renamed`;
        containers.track(renamed);
        const syncedBefore = live.frames.filter((entry) => entry.type === 'containers.synced').length;
        await docker(['rename', name, renamed]);
        await listed(renamed);
        await eventually(() => live.frames.filter((entry) => entry.type === 'containers.synced' && entry.agentId === agentId).length > syncedBefore, 'a containers.synced frame');

        await docker(['rm', renamed]);
        expect(await live.frame('container.removed', (removed) => removed.containerId === id)).toMatchObject({ agentId, at: expect.any(String) });
        expect((await server.admin.containers.list({ name })).items).toEqual([]);
      } finally {
        await live.close();
      }
    });

    it('counts the restarts of a crash-looping container and announces each death with its exit code', async () => {
      const died: DomainEvents['container.died'][] = [];
      const restarting: DomainEvents['container.restarting'][] = [];
      const stops = [
        server.app.bus.subscribe('container.died', (event) => void died.push(event)),
        server.app.bus.subscribe('container.restarting', (event) => void restarting.push(event)),
      ];
      try {
        const { name, id } = await containers.run('crashloop', ['sh', '-c', 'echo boom; exit 1'], ['--restart', 'always']);
        await listed(name, (container) => container.restartCount >= 2, 30_000);
        await eventually(() => died.filter((event) => event.containerId === id).length >= 2, 'two deaths are announced');
        expect(died.find((event) => event.containerId === id)).toMatchObject({ agentId, name, exitCode: 1, orgId: expect.any(String) });
        expect(restarting.some((event) => event.containerId === id)).toBe(true);
      } finally {
        for (const stop of stops) stop();
      }
    });
  });

  describe('actions', () => {
    it('stops, starts, restarts and removes a container, as docker inspect confirms, and audits each', async () => {
      const { name, id } = await containers.run('acted', STOPPABLE_COMMAND);
      await listed(name);

      const stopped = await server.admin.containers.stop(agentId, name, { timeoutSeconds: 5 });
      expect(stopped).toMatchObject({ name, containerId: id, state: 'exited' });
      expect((await inspectContainer(name))?.status).toBe('exited');

      const started = await server.admin.containers.start(agentId, id.slice(0, 12));
      expect(started).toMatchObject({ name, state: 'running' });
      expect((await inspectContainer(name))?.status).toBe('running');

      const startedAt = (await inspectContainer(name))!.startedAt;
      const restarted = await server.admin.containers.restart(agentId, name, { timeoutSeconds: 5 });
      expect(restarted.state).toBe('running');
      expect((await inspectContainer(name))!.startedAt).not.toBe(startedAt);

      // Docker refuses to remove a running container unless forced.
      const refused = await apiFailure(server.admin.containers.remove(agentId, name));
      expect(refused).toMatchObject({ status: 409, code: 'conflict' });
      expect(refused.message).toContain(name);
      expect(await server.admin.containers.remove(agentId, name, { force: true })).toEqual({ ok: true });
      expect(await inspectContainer(name)).toBeUndefined();
      expect((await server.admin.containers.list({ name })).items).toEqual([]);

      const { items } = await server.admin.audit.list({ action: 'container.*', resourceId: name, limit: 20 });
      expect(items.map((entry) => `${entry.action} ${entry.responseStatus}`).reverse()).toEqual([
        'container.stop 200',
        'container.start 200',
        'container.restart 200',
        'container.remove 409',
        'container.remove 200',
      ]);
      expect(items[0]).toMatchObject({ resourceType: 'container', actorLabel: 'admin@example.com' });
    });

    // Regression: the audit rows of container actions did not say which host, nor the options given in the query.
    it('audits the host and the options of an action, refused or done', async () => {
      const { name, id } = await containers.run('audited', STOPPABLE_COMMAND);
      await listed(name);
      await server.admin.containers.stop(agentId, id.slice(0, 12), { timeoutSeconds: 3 });
      await server.admin.containers.start(agentId, name);
      expect(await server.admin.containers.remove(agentId, name, { force: true })).toEqual({ ok: true });
      const refused = await apiFailure(server.admin.containers.remove(agentId, 'no-such-container-here', { volumes: true }));
      expect(refused.status).toBe(404);

      const { items } = await server.admin.audit.list({ action: 'container.*', resourceId: name, limit: 5 });
      const [removed, started, stopped] = items;
      expect(removed).toMatchObject({ action: 'container.remove', responseStatus: 200, requestBody: { agentId, host: 'docker-host', force: true, volumes: false } });
      expect(started).toMatchObject({ action: 'container.start', requestBody: { agentId, host: 'docker-host' } });
      // Named by its id prefix, recorded by its name.
      expect(stopped).toMatchObject({ action: 'container.stop', requestBody: { agentId, host: 'docker-host', timeoutSeconds: 3 } });
      const [missing] = (await server.admin.audit.list({ action: 'container.remove', resourceId: 'no-such-container-here', limit: 1 })).items;
      expect(missing).toMatchObject({ responseStatus: 404, requestBody: { agentId, host: 'docker-host', force: false, volumes: true } });
    });

    // Regression: the DELETE's own row removal and Docker's destroy event raced, and whichever deleted the row second said nothing.
    it('tells live sockets container.removed exactly once when a container is removed through the API', async () => {
      const live = openLiveSocket(server.baseUrl, { credential: server.admin.credential!, org: (await server.admin.orgs.current()).id });
      try {
        expect(await live.outcome).toBe('open');
        for (let round = 0; round < 3; round += 1) {
          const { name, id } = await containers.run(`removed-${round}`, STOPPABLE_COMMAND);
          await listed(name);
          expect(await server.admin.containers.remove(agentId, name, { force: true })).toEqual({ ok: true });
          await live.frame('container.removed', (frame) => frame.containerId === id);
          // Docker's events about it (kill, die, destroy) come before those of a container made after it: once that one shows, they were handled.
          const marker = await containers.run(`marker-${round}`, STOPPABLE_COMMAND);
          await live.frame('container.changed', (frame) => frame.container.containerId === marker.id);
          expect(live.frames.filter((frame) => frame.type === 'container.removed' && frame.containerId === id)).toHaveLength(1);
          expect((await server.admin.containers.list({ name })).items).toEqual([]);
        }
      } finally {
        await live.close();
      }
    });

    it('answers 404 naming the host for a container it does not have', async () => {
      const missing = await apiFailure(server.admin.containers.stop(agentId, 'no-such-container-here'));
      expect(missing).toMatchObject({ status: 404, code: 'not_found' });
      expect(missing.message).toContain('docker-host');
      expect((await apiFailure(server.admin.containers.get(agentId, 'no-such-container-here'))).status).toBe(404);
    });

    it('inspects a container, with environment values only for roles that may operate it', async () => {
      const { name } = await containers.run('inspected', STOPPABLE_COMMAND, ['-e', 'API_TOKEN=s3cret', '-e', 'MODE=test']);
      const detail = await server.admin.containers.get(agentId, name);
      expect(detail).toMatchObject({ agentId, agentName: 'docker-host', name, state: 'running', labels: expect.objectContaining({ 'infrapilot.test': '1' }) });
      expect(detail.env).toContainEqual({ name: 'API_TOKEN', value: 's3cret' });

      const seenByViewer = await viewer.containers.get(agentId, name);
      expect(seenByViewer.env).toContainEqual({ name: 'API_TOKEN', value: null });
      expect(seenByViewer.env.every((variable) => variable.value === null)).toBe(true);
    });

    it('reads one stats sample of a running container', async () => {
      const { name } = await containers.run('measured', STOPPABLE_COMMAND);
      const stats = await server.admin.containers.stats(agentId, name);
      expect(stats).toMatchObject({ cpuPercent: expect.any(Number), memoryBytes: expect.any(Number), readAt: expect.any(String) });
      expect(stats.memoryBytes).toBeGreaterThan(0);
      expect(stats.pids).toBeGreaterThanOrEqual(1);
    });
  });

  describe('logs', () => {
    it('pages back through 1..1000 with tail and before, without losing or repeating a line', async () => {
      const { name } = await containers.run('seq', ['seq', '1', '1000']);
      await eventually(async () => (await inspectContainer(name))?.status === 'exited', 'seq finishes');
      const expected = Array.from({ length: 1000 }, (_, index) => String(index + 1));

      for (const tail of [100, 333]) {
        const shown: string[] = [];
        let before: string | undefined;
        let pages = 0;
        do {
          const page = await server.admin.containers.logs(agentId, name, { tail, ...(before ? { before } : {}) });
          expect(page.lines.length).toBeLessThanOrEqual(tail);
          shown.unshift(...page.lines.map((line) => line.text));
          before = page.nextCursor ?? undefined;
          pages += 1;
        } while (before && pages < 50);
        expect({ tail, shown }).toEqual({ tail, shown: expected });
      }

      const last = await server.admin.containers.logs(agentId, name, { tail: 3 });
      expect(last.lines.every((line) => line.truncated === false)).toBe(true);
      expect(last.lines.map((line) => line.text)).toEqual(['998', '999', '1000']);
      expect(last.lines[0]).toMatchObject({ stream: 'stdout', timestamp: expect.stringMatching(/^\d{4}-\d\d-\d\dT/) });
      expect((await apiFailure(server.admin.containers.logs(agentId, name, { before: 'garbage' }))).status).toBe(400);
    });

    // Regression: a page the agent cut short to keep its message small (older lines remain) was taken for the beginning of the log.
    it('pages on past pages the agent limited by size, with tail 10 000', async () => {
      // 300 lines of 15 000 bytes: about 4.5 MB, more than the agent puts in one answer.
      const script = 'i=1; while [ $i -le 300 ]; do printf "%s " $i; head -c 15000 /dev/zero | tr "\\0" x; echo; i=$((i+1)); done';
      const { name } = await containers.run('big-lines', ['sh', '-c', script]);
      await eventually(async () => (await inspectContainer(name))?.status === 'exited', 'the lines are written');

      const pages: { count: number; numbers: number[] }[] = [];
      let before: string | undefined;
      do {
        const page = await server.admin.containers.logs(agentId, name, { tail: 10_000, ...(before ? { before } : {}) });
        pages.push({ count: page.lines.length, numbers: page.lines.map((line) => Number(line.text.split(' ')[0])) });
        before = page.nextCursor ?? undefined;
      } while (before && pages.length < 50);
      expect(pages.length).toBeGreaterThan(1);
      expect(pages[0]!.count).toBeLessThan(300);
      expect(pages.reverse().flatMap((page) => page.numbers)).toEqual(Array.from({ length: 300 }, (_, index) => index + 1));
    });

    it('lets a viewer read logs but not act', async () => {
      const { name } = await containers.run('viewed', ['sh', '-c', 'echo visible; exec sleep 300']);
      await eventually(async () => (await viewer.containers.logs(agentId, name, { tail: 10 })).lines.some((line) => line.text === 'visible'), 'the viewer reads the line');
      expect((await viewer.containers.list({ name })).items.length).toBeLessThanOrEqual(1);
      const refused = await apiFailure(viewer.containers.start(agentId, name));
      expect(refused).toMatchObject({ status: 403, code: 'forbidden' });
      expect((await apiFailure(viewer.containers.exec(agentId, name, { command: ['true'] }))).status).toBe(403);
      expect((await apiFailure(viewer.stacks.restart(agentId, 'anything'))).status).toBe(403);
    });
  });

  describe('exec', () => {
    it('runs a command to completion and returns its exit code and output', async () => {
      const { name } = await containers.run('exec', STOPPABLE_COMMAND);
      expect(await server.admin.containers.exec(agentId, name, { command: ['echo', 'hi'] })).toMatchObject({ exitCode: 0, stdout: 'hi\n', stderr: '', truncated: false });
      const failed = await server.admin.containers.exec(agentId, name, { command: ['sh', '-c', 'echo oops >&2; exit 7'], env: ['GREETING=x'] });
      expect(failed).toMatchObject({ exitCode: 7, stdout: '', stderr: 'oops\n' });
      expect(failed.durationMs).toEqual(expect.any(Number));

      const { items } = await server.admin.audit.list({ action: 'container.exec', resourceId: name, limit: 5 });
      expect(items.map((entry) => entry.responseStatus)).toEqual([200, 200]);
      expect(items[0]!.requestBody).toMatchObject({ command: ['sh', '-c', 'echo oops >&2; exit 7'] });
    });

    it('keeps 1 MiB of each stream and says it dropped the rest', async () => {
      const { name } = await containers.run('exec-big', STOPPABLE_COMMAND);
      const result = await server.admin.containers.exec(agentId, name, { command: ['sh', '-c', 'head -c 1500000 /dev/zero | tr "\\0" a'] });
      expect(result.exitCode).toBe(0);
      expect(result.truncated).toBe(true);
      expect(result.stdout).toHaveLength(1024 * 1024);
    });

    it('stops waiting after timeoutSeconds with 504', async () => {
      const { name } = await containers.run('exec-slow', STOPPABLE_COMMAND);
      const slow = await apiFailure(server.admin.containers.exec(agentId, name, { command: ['sleep', '30'], timeoutSeconds: 1 }));
      expect(slow).toMatchObject({ status: 504, code: 'agent_timeout' });
      expect(slow.message).toContain('1s');
      await eventually(() => server.app.commands.openStreamCount === 0, 'the exec stream is closed');
    });

    // Regression: a client that gave up on a one-shot exec left the command running on the agent until its timeout.
    it('cancels the command on the agent when the client disconnects before the answer, and audits it', async () => {
      const { name } = await containers.run('exec-abandoned', STOPPABLE_COMMAND);
      const streamsBefore = server.app.commands.openStreamCount;
      const controller = new AbortController();
      const impatient = new InfraPilotClient({
        baseUrl: server.baseUrl,
        tokens: server.admin.currentTokens!,
        fetch: (url, init) => fetch(url, { ...init, signal: controller.signal }),
      });
      const answer = impatient.containers.exec(agentId, name, { command: ['sleep', '30'], timeoutSeconds: 120 });
      answer.catch(() => undefined);
      await eventually(() => server.app.commands.openStreamCount === streamsBefore + 1, 'the exec starts on the agent');
      controller.abort();
      expect((await apiFailure(answer)).code).toBe('network_error');
      await eventually(() => server.app.commands.openStreamCount === streamsBefore, 'the agent stream is cancelled');
      const audited = await eventually(async () => (await server.admin.audit.list({ action: 'container.exec', resourceId: name, limit: 1 })).items[0], 'the exec is audited');
      expect(audited).toMatchObject({ responseStatus: 499, requestBody: { command: ['sleep', '30'], host: 'docker-host' } });
    });
  });

  describe('stacks', () => {
    it('lists a compose stack from its labels and restarts, stops and starts it as one', async () => {
      const project = uniqueName('shop');
      const label = (service: string) => ['--label', `com.docker.compose.project=${project}`, '--label', `com.docker.compose.service=${service}`];
      const web = await containers.run(`${project}-web`, STOPPABLE_COMMAND, label('web'));
      const worker = await containers.run(`${project}-worker`, STOPPABLE_COMMAND, label('worker'));

      const stack = await eventually(
        async () => (await server.admin.stacks.list({ agentId })).items.find((item) => item.name === project && item.running === 2),
        'the stack is listed with both containers running',
      );
      expect(stack).toEqual({ agentId, agentName: 'docker-host', name: project, services: ['web', 'worker'], containers: 2, running: 2, states: { running: 2 } });
      expect((await server.admin.stacks.listOnHost(agentId)).items.map((item) => item.name)).toContain(project);
      expect((await server.admin.containers.list({ stack: project })).items.map((item) => item.stackService).sort()).toEqual(['web', 'worker']);

      const before = await Promise.all([inspectContainer(web.name), inspectContainer(worker.name)]);
      const restarted = await server.admin.stacks.restart(agentId, project);
      expect(restarted.stack).toBe(project);
      expect(restarted.containers.map((container) => [container.name, container.state])).toEqual([
        [web.name, 'running'],
        [worker.name, 'running'],
      ]);
      const after = await Promise.all([inspectContainer(web.name), inspectContainer(worker.name)]);
      expect(after.map((state) => state!.startedAt)).not.toContain(before[0]!.startedAt);
      expect(after.map((state) => state!.startedAt)).not.toContain(before[1]!.startedAt);

      await server.admin.stacks.stop(agentId, project);
      expect([(await inspectContainer(web.name))?.status, (await inspectContainer(worker.name))?.status]).toEqual(['exited', 'exited']);
      await server.admin.stacks.start(agentId, project);
      expect([(await inspectContainer(web.name))?.status, (await inspectContainer(worker.name))?.status]).toEqual(['running', 'running']);

      const { items } = await server.admin.audit.list({ action: 'stack.*', resourceId: project, limit: 5 });
      expect(items.map((entry) => `${entry.action} ${entry.resourceType} ${entry.responseStatus}`).reverse()).toEqual([
        'stack.restart stack 200',
        'stack.stop stack 200',
        'stack.start stack 200',
      ]);
      const missing = await apiFailure(server.admin.stacks.restart(agentId, uniqueName('nostack')));
      expect(missing).toMatchObject({ status: 404, code: 'not_found' });
    });
    it('groups a project brought up with docker-compose and restarts it as one; its network and volume carry the project too', async () => {
      const project = uniqueName('compose');
      const directory = mkdtempSync(join(tmpdir(), 'infrapilot-compose-'));
      const file = join(directory, 'docker-compose.yml');
      const service = { image: DOCKER_TEST_IMAGE, command: STOPPABLE_COMMAND, labels: { 'infrapilot.test': '1' } };
      // JSON is YAML: no YAML writer needed for the compose file.
      writeFileSync(file, JSON.stringify({ version: '2.4', services: { api: service, worker: { ...service, volumes: ['data:/data'] } }, volumes: { data: {} } }));
      const compose = (...args: string[]) => run('docker-compose', ['--project-name', project, '--file', file, ...args], { timeout: 120_000 });
      try {
        await compose('up', '--detach');
        const stack = await eventually(
          async () => (await server.admin.stacks.listOnHost(agentId)).items.find((item) => item.name === project && item.running === 2),
          'the compose project is listed with both containers running',
        );
        expect(stack.services).toEqual(['api', 'worker']);
        const networks = await server.admin.docker.networks(agentId);
        expect(networks.items.find((network) => network.name === `${project}_default`)?.stack).toBe(project);
        const volumes = await server.admin.docker.volumes(agentId);
        expect(volumes.items.find((volume) => volume.name === `${project}_data`)?.stack).toBe(project);

        const names = (await server.admin.containers.list({ stack: project })).items.map((container) => container.name).sort();
        const before = await Promise.all(names.map((name) => inspectContainer(name)));
        const restarted = await server.admin.stacks.restart(agentId, project);
        expect(restarted.containers.map((container) => container.state)).toEqual(['running', 'running']);
        const after = await Promise.all(names.map((name) => inspectContainer(name)));
        after.forEach((state, index) => expect(state!.startedAt).not.toBe(before[index]!.startedAt));
      } finally {
        await compose('down', '--volumes', '--timeout', '1').catch(() => undefined);
        rmSync(directory, { recursive: true, force: true });
      }
    });
  });

  describe('Docker resources', () => {
    it("lists the host's images, volumes and networks", async () => {
      const volume = uniqueName('volume');
      volumes.push(volume);
      await docker(['volume', 'create', '--label', 'infrapilot.test=1', volume]);
      expect((await server.admin.docker.images(agentId)).items.some((image) => image.tags.includes(DOCKER_TEST_IMAGE))).toBe(true);
      expect((await server.admin.docker.volumes(agentId)).items).toContainEqual(expect.objectContaining({ name: volume, driver: 'local' }));
      expect((await server.admin.docker.networks(agentId)).items).toContainEqual(expect.objectContaining({ name: 'bridge', driver: 'bridge' }));
      // A viewer may look.
      expect((await viewer.docker.networks(agentId)).items.length).toBeGreaterThan(0);
    });
  });

  describe('another org', () => {
    it("answers 404 for another org's host, and never lists its containers", async () => {
      const { name } = await containers.run('private', STOPPABLE_COMMAND);
      await listed(name);
      const { founder } = await createAnotherOrg(server);
      const attempts: [string, () => Promise<unknown>][] = [
        ['list on host', () => founder.containers.listOnHost(agentId)],
        ['inspect', () => founder.containers.get(agentId, name)],
        ['stop', () => founder.containers.stop(agentId, name)],
        ['logs', () => founder.containers.logs(agentId, name)],
        ['exec', () => founder.containers.exec(agentId, name, { command: ['true'] })],
        ['stacks', () => founder.stacks.listOnHost(agentId)],
        ['engine', () => founder.docker.engine(agentId)],
        ['images', () => founder.docker.images(agentId)],
      ];
      for (const [what, attempt] of attempts) {
        const failure = await apiFailure(attempt());
        expect({ what, status: failure.status, code: failure.code }).toEqual({ what, status: 404, code: 'not_found' });
      }
      expect((await founder.containers.list({ name })).items).toEqual([]);
      expect((await founder.containers.list()).engines).toEqual([]);
      expect((await inspectContainer(name))?.status).toBe('running');
    });
  });
});
