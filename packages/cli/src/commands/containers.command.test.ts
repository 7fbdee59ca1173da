import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { docker, type DockerTestAgent, inspectContainer, startDockerAgent, TestContainers, uniqueName } from '../../../server/src/test-helpers/docker.js';
import { eventually } from '../../../server/src/test-helpers/test-agent.js';
import { useSignedInAdmin } from '../test-helpers/signed-in-admin.js';

// sh as PID 1 ignores SIGTERM unless it traps it; this one stops at once when asked.
const SLEEP_FOREVER = 'trap "exit 0" TERM; while :; do sleep 1; done';

/** Docker's state of a container ("running", "exited"...), or "missing". */
async function containerStatus(name: string): Promise<string> {
  return (await inspectContainer(name))?.status ?? 'missing';
}

describe('infrapilot containers, stacks, images against a real Docker Engine', () => {
  const { server, home } = useSignedInAdmin();
  const containers = new TestContainers();
  let host: DockerTestAgent | undefined;
  const hostName = uniqueName('cli-docker');
  const stack = `clistack${uniqueName('s').slice(2)}`;
  // The container most tests use: it prints 1..20, then waits to be stopped.
  let counter = '';
  let stackMember = '';

  /** The container as the server lists it once a heartbeat or event has brought it in. */
  const listed = (container: string) =>
    eventually(async () => {
      const list = await server().admin.containers.list({ name: container });
      return list.items.find((item) => item.name === container);
    }, `${container} appears in the container list`);

  /** A container that runs until stopped, once the server lists it. */
  const sleeper = async (prefix: string) => {
    const { name } = await containers.run(prefix, ['sh', '-c', SLEEP_FOREVER]);
    await listed(name);
    return name;
  };

  beforeAll(async () => {
    host = await startDockerAgent(server().admin, hostName);
    ({ name: counter } = await containers.run('cli-counter', ['sh', '-c', `seq 1 20; ${SLEEP_FOREVER}`], ['-e', 'SECRET_TOKEN=hunter2']));
    ({ name: stackMember } = await containers.run('cli-stack-web', ['sh', '-c', SLEEP_FOREVER], [
      '--label',
      `com.docker.compose.project=${stack}`,
      '--label',
      'com.docker.compose.service=web',
      '--label',
      'com.docker.compose.container-number=1',
    ]));
    await listed(counter);
    await listed(stackMember);
  });

  afterAll(async () => {
    await containers.removeAll();
    await host?.destroy();
  });

  it('lists the host\'s containers without naming the host when it is the only one', async () => {
    const list = await home().run(['containers', 'ls']);
    expect(list.code).toBe(0);
    expect(list.stdout).toMatch(/│ name\s+│ image\s+│ state\s+│ stack\s+│ CPU %\s+│ memory\s+│ restarts\s+│ ports\s+│ status\s+│/);
    const row = list.stdout.split('\n').find((line) => line.includes(`│ ${counter} `));
    expect(row).toMatch(new RegExp(`│ ${counter}\\s+│ infrapilot-test/busybox:latest\\s+│ running\\s+│\\s+│ [\\d.]*\\s+│ [\\w. ]*\\s+│ 0\\s+│\\s+│ Up `));
    expect(list.stderr).toBe('');

    const byName = JSON.parse((await home().run(['containers', 'ls', hostName, '--name', counter, '--json'])).stdout);
    expect(byName.items.map((item: { name: string }) => item.name)).toEqual([counter]);
    expect(byName.engines).toContainEqual(expect.objectContaining({ agentName: hostName, available: true }));

    const inStack = JSON.parse((await home().run(['containers', 'ls', '--stack', stack, '--json'])).stdout);
    expect(inStack.items).toEqual([expect.objectContaining({ name: stackMember, stack, stackService: 'web' })]);
  });

  it('inspects a container with its environment values hidden unless --show-env', async () => {
    const hidden = await home().run(['containers', 'inspect', hostName, counter]);
    expect(hidden.code).toBe(0);
    expect(hidden.stdout).toMatch(new RegExp(`^Name:\\s+${counter}$`, 'm'));
    expect(hidden.stdout).toMatch(/^State:\s+running$/m);
    expect(hidden.stdout).toMatch(/│ SECRET_TOKEN\s+│ \(hidden; --show-env shows values\)/);
    expect(hidden.stdout).not.toContain('hunter2');
    expect((await home().run(['containers', 'inspect', hostName, counter, '--json'])).stdout).not.toContain('hunter2');

    const shown = await home().run(['containers', 'inspect', hostName, counter, '--show-env']);
    expect(shown.stdout).toMatch(/│ SECRET_TOKEN\s+│ hunter2\s+│/);
  });

  it('prints the last lines of a log with --tail, stdout to stdout', async () => {
    const logs = await home().run(['containers', 'logs', hostName, counter, '--tail', '5']);
    expect(logs).toMatchObject({ code: 0, stdout: '16\n17\n18\n19\n20\n' });
    const stamped = await home().run(['containers', 'logs', hostName, counter, '-n', '1', '--timestamps']);
    expect(stamped.stdout).toMatch(/^\d{4}-\d{2}-\d{2}T\S+Z 20\n$/);
  });

  it('runs a command and passes its output and exit status through', async () => {
    expect(await home().run(['containers', 'exec', hostName, counter, 'echo', 'hi'])).toMatchObject({ code: 0, stdout: 'hi\n', stderr: '' });
    expect((await home().run(['containers', 'exec', hostName, counter, 'sh', '-c', 'exit 4'])).code).toBe(4);
    const streams = await home().run(['containers', 'exec', hostName, counter, 'sh', '-c', 'echo out; echo err >&2; exit 3']);
    expect(streams).toMatchObject({ code: 3, stdout: 'out\n', stderr: 'err\n' });
  });

  it('pipes stdin to the command with -i and exits with its status', async () => {
    const piped = await home().run(['containers', 'exec', '-i', hostName, counter, 'sh'], { stdin: 'echo piped; exit 2\n' });
    expect(piped).toMatchObject({ code: 2, stdout: 'piped\n' });
  });

  it('follows a log until the container stops, in order, then exits 0', async () => {
    // Waits before talking so that most lines arrive while the log is being followed.
    const { name: talker } = await containers.run('cli-talker', ['sh', '-c', 'sleep 1; for i in 1 2 3 4 5; do echo "line $i"; sleep 0.1; done; echo oops >&2']);
    const followed = await home().run(['containers', 'logs', '-f', hostName, talker]);
    expect(followed.code).toBe(0);
    expect(followed.stdout).toBe('line 1\nline 2\nline 3\nline 4\nline 5\n');
    expect(followed.stderr).toContain('oops\n');
    expect(followed.stderr).toMatch(/Log ended: /);
  });

  it('stops and starts containers, as the docker CLI sees it', async () => {
    const target = await sleeper('cli-sleeper');
    const stopped = await home().run(['containers', 'stop', hostName, target, '--timeout', '5']);
    expect(stopped).toMatchObject({ code: 0, stdout: `Stopped ${target} on ${hostName}: exited (0).\n` });
    expect(await containerStatus(target)).toBe('exited');

    const started = await home().run(['containers', 'start', hostName, target, '--json']);
    expect(JSON.parse(started.stdout)).toEqual([expect.objectContaining({ name: target, state: 'running' })]);
    expect(await containerStatus(target)).toBe('running');
  });

  it('reports each container it could not act on and still acts on the rest', async () => {
    const target = await sleeper('cli-some');
    const missing = uniqueName('cli-missing');
    const restarted = await home().run(['containers', 'restart', hostName, missing, target, '--timeout', '1']);
    expect(restarted.code).toBe(1);
    expect(restarted.stderr).toMatch(new RegExp(`^error: ${missing}: .*\\(not_found\\)$`, 'm'));
    expect(restarted.stdout).toContain(`Restarted ${target} on ${hostName}: running.`);
  });

  it('removes a running container only with --force', async () => {
    const doomed = await sleeper('cli-doomed');
    const refused = await home().run(['containers', 'rm', hostName, doomed]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/^error: .*cannot remove a running container.*\(conflict\)\n$/);
    expect(await containerStatus(doomed)).toBe('running');

    expect(await home().run(['containers', 'rm', '-f', hostName, doomed])).toMatchObject({ code: 0, stdout: `Removed ${doomed} from ${hostName}.\n` });
    expect(await containerStatus(doomed)).toBe('missing');
  });

  it('reads a container\'s figures', async () => {
    const stats = await home().run(['containers', 'stats', hostName, counter]);
    expect(stats.code).toBe(0);
    expect(stats.stdout).toMatch(/^CPU:\s+\d+\.\d %$/m);
    expect(stats.stdout).toMatch(/^PIDs:\s+\d+$/m);
  });

  it('says what went wrong with a container that does not exist, with the code', async () => {
    const missing = uniqueName('cli-nothing');
    const logs = await home().run(['containers', 'logs', hostName, missing]);
    expect(logs.code).toBe(1);
    expect(logs.stderr).toMatch(/^error: .+\(not_found\)\n$/);
    const followed = await home().run(['containers', 'logs', '-f', hostName, missing]);
    expect(followed.code).toBe(1);
    expect(followed.stderr).toMatch(/^error: .+\(not_found\)\n$/);
    const unknownHost = await home().run(['containers', 'ls', 'no-such-host']);
    expect(unknownHost).toMatchObject({ code: 1, stderr: `error: no host "no-such-host" in this org; hosts: ${hostName}\n` });
  });

  it('lists stacks and stops and starts one', async () => {
    const list = await home().run(['stacks', 'ls']);
    expect(list.code).toBe(0);
    expect(list.stdout).toMatch(new RegExp(`│ ${stack}\\s+│ web\\s+│ 1/1\\s+│ running 1\\s+│`));

    const stopped = await home().run(['stacks', 'stop', hostName, stack]);
    expect(stopped.code).toBe(0);
    expect(stopped.stdout).toContain(`Stopped stack ${stack} on ${hostName}: 1 container.`);
    expect(await containerStatus(stackMember)).toBe('exited');

    expect((await home().run(['stacks', 'start', hostName, stack])).code).toBe(0);
    expect(await containerStatus(stackMember)).toBe('running');
  });

  it('lists images, volumes and networks of the host', async () => {
    const images = await home().run(['images', 'ls', hostName]);
    expect(images.code).toBe(0);
    expect(images.stdout).toContain('infrapilot-test/busybox:latest');
    // `ls` is the default, and the only host need not be named.
    expect((await home().run(['images'])).stdout).toContain('infrapilot-test/busybox:latest');

    const networks = await home().run(['networks', 'ls', hostName]);
    expect(networks.stdout).toMatch(/│ [0-9a-f]{12}\s+│ bridge\s+│ bridge\s+│ local\s+│/);

    const volumes = await home().run(['volumes', 'ls', hostName, '--json']);
    expect(volumes.code).toBe(0);
    expect(JSON.parse(volumes.stdout)).toHaveProperty('items');
  });

  it('prints container changes in the live events', async () => {
    const watched = await sleeper('cli-watched');
    // The agent reports every container on this machine, other test files' too; with a
    // limit of 6 and ten events of our own (each restart: kill, die, stop, start, restart), ours are among them.
    const following = home().run(['events', '--type', 'container.changed', '--limit', '6']);
    await eventually(async () => server().app.live.connectedCount === 1, 'the events socket is open');
    await docker(['restart', '-t', '0', watched]);
    await docker(['restart', '-t', '0', watched]);
    const run = await following;
    expect(run.code).toBe(0);
    // Docker's verb, then the state the agent read (which may trail the verb: die → running).
    expect(run.stdout).toMatch(new RegExp(`^\\S+Z {2}${hostName} {2}container ${watched}: (kill|die|stop|start|restart) → [a-z]+( \\(\\w+\\))?$`, 'm'));
  });
});

describe('infrapilot containers ls when Docker is not available on a host', () => {
  const { server, home } = useSignedInAdmin();
  let host: DockerTestAgent | undefined;
  const hostName = uniqueName('cli-nodocker');

  beforeAll(async () => {
    // A socket that does not exist: Docker "down" on this host, the shared daemon untouched.
    host = await startDockerAgent(server().admin, hostName, { socketPath: '/tmp/infrapilot-no-such-docker.sock' });
    await eventually(async () => {
      const list = await server().admin.containers.list();
      return list.engines.some((engine) => engine.agentName === hostName && !engine.available);
    }, 'the host reports that Docker does not answer');
  });

  afterAll(async () => {
    await host?.destroy();
  });

  it('warns on stderr with the problem, naming the socket, and lists nothing', async () => {
    const list = await home().run(['containers', 'ls']);
    expect(list.code).toBe(0);
    expect(list.stderr).toMatch(new RegExp(`^warning: Docker is not available on ${hostName}: .*/tmp/infrapilot-no-such-docker\\.sock`, 'm'));
    expect(list.stdout).toBe('');
  });

  it('fails a command that needs Docker with docker_unavailable', async () => {
    const images = await home().run(['images', 'ls', hostName]);
    expect(images.code).toBe(1);
    expect(images.stderr).toMatch(/^error: .*\/tmp\/infrapilot-no-such-docker\.sock.*\(docker_unavailable\)\n$/);
  });
});
