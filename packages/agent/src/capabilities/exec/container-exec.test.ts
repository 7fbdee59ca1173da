import { createHash } from 'node:crypto';
import type { ExecOutput } from '@infrapilot/protocol/agent';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../logger.js';
import { parsePolicy } from '../../policy.js';
import { docker, eventually, failureOf, fakeContext, handlerFor, payload, removeContainers, startContainer, uniqueName, type FakeContext } from '../../test-helpers/docker.js';
import { createDocker, type AgentDocker } from '../docker/index.js';
import type { ResultPayload } from '../registry.js';
import { MAX_OUTPUT_CHUNK_BYTES } from './container-exec.js';
import { MAX_PENDING_INPUT_BYTES } from './exec-input.js';

function execOutput(result: ResultPayload): ExecOutput {
  if (result.case !== 'execOutput') throw new Error(`expected execOutput, got ${result.case}`);
  return result.value;
}

function text(fake: FakeContext, stream?: string): string {
  return fake.emitted
    .map(execOutput)
    .filter((chunk) => stream === undefined || chunk.stream === stream)
    .map((chunk) => Buffer.from(chunk.data).toString())
    .join('');
}

describe('exec in a container against the real Docker Engine', () => {
  let agentDocker: AgentDocker;
  let container: string;
  let stopped: string;

  const exec = (fake: FakeContext, value: { container?: string; argv: string[]; tty?: boolean; interactive?: boolean; columns?: number; rows?: number; env?: string[]; workingDir?: string; user?: string }) =>
    handlerFor(agentDocker.capabilities, 'container.exec').handle(payload({ case: 'containerExec', value: { container, ...value } }), fake.context);

  beforeAll(async () => {
    agentDocker = createDocker({ policy: parsePolicy({ capabilities: { exec: true } }, 'test'), logger: silentLogger });
    container = uniqueName('ip-exec');
    stopped = uniqueName('ip-exec-stopped');
    await startContainer(container, ['sh', '-c', 'trap "exit 0" TERM; while :; do sleep 1; done']);
    await startContainer(stopped, ['true'], [], { created: true });
  });

  afterAll(async () => {
    await removeContainers([container, stopped]);
    await agentDocker?.close();
  });

  it('runs a command to completion with its output and exit code', async () => {
    const fake = fakeContext();
    const final = execOutput(await exec(fake, { argv: ['echo', 'hello', 'world'] }));
    expect(final).toMatchObject({ exited: true, exitCode: 0 });
    expect(text(fake, 'stdout')).toBe('hello world\n');
  });

  it('reports a non-zero exit code and keeps stderr apart', async () => {
    const fake = fakeContext();
    const final = execOutput(await exec(fake, { argv: ['sh', '-c', 'echo out; echo err >&2; exit 7'] }));
    expect(final).toMatchObject({ exited: true, exitCode: 7 });
    expect(text(fake, 'stdout')).toBe('out\n');
    expect(text(fake, 'stderr')).toBe('err\n');
  });

  it('passes environment, working directory and user through as given', async () => {
    const fake = fakeContext();
    await exec(fake, { argv: ['sh', '-c', 'echo "$GREETING $(pwd) $(id -u)"'], env: ['GREETING=hi there'], workingDir: '/tmp', user: '1234' });
    expect(text(fake)).toBe('hi there /tmp 1234\n');
  });

  it('runs an interactive shell with a terminal: input, resize, output and exit code', async () => {
    const fake = fakeContext();
    const session = exec(fake, { argv: ['sh'], tty: true, interactive: true, columns: 100, rows: 30 });
    fake.input({ data: Buffer.from('echo hi\n') });
    await eventually(() => /\r?\nhi\r?\n/.test(text(fake)), 'the shell echoes "hi"');
    fake.input({ columns: 132, rows: 43 });
    // stty asks the terminal; a resize that did not reach it would still say the old size.
    await eventually(async () => {
      fake.input({ data: Buffer.from('stty size\n') });
      await new Promise((resolve) => setTimeout(resolve, 100));
      return text(fake).includes('43 132');
    }, 'stty reports the new size');
    fake.input({ data: Buffer.from('exit 3\n') });
    const final = execOutput(await session);
    expect(final).toMatchObject({ exited: true, exitCode: 3 });
    // A terminal merges stderr into its one stream.
    expect(fake.emitted.every((chunk) => execOutput(chunk).stream === 'stdout')).toBe(true);
  });

  it('ends stdin when asked, so a command reading it finishes', async () => {
    const fake = fakeContext();
    const session = exec(fake, { argv: ['sh', '-c', 'cat; echo done'], interactive: true });
    fake.input({ data: Buffer.from('line one\n') });
    fake.input({ closeStdin: true });
    const final = execOutput(await session);
    expect(final).toMatchObject({ exited: true, exitCode: 0 });
    expect(text(fake, 'stdout')).toBe('line one\ndone\n');
  });

  it('ends the session when cancelled, hanging up the terminal', async () => {
    const fake = fakeContext();
    const session = exec(fake, { argv: ['sh'], tty: true, interactive: true });
    fake.input({ data: Buffer.from('echo "marker-$((6*7))"\n') });
    await eventually(() => text(fake).includes('marker-42'), 'the shell answers');
    fake.cancel();
    const failure = await failureOf(session);
    expect(failure.code).toBe('cancelled');
    // The hung-up shell is gone from the container's process list.
    await eventually(async () => !(await docker(['top', container, '-o', 'pid,args'])).split('\n').some((line) => /\bsh$/.test(line.trim()) && !line.includes('while')), 'the shell exited');
  });

  // Output was sent as whatever had piled up in the socket, with no upper bound per message.
  it('sends output in messages of at most maxChunkBytes, complete and in order', async () => {
    const small = createDocker({ policy: parsePolicy({ capabilities: { exec: true } }, 'test'), logger: silentLogger, exec: { maxChunkBytes: 1_000 } });
    try {
      for (const tty of [false, true]) {
        const fake = fakeContext();
        const final = execOutput(
          await handlerFor(small.capabilities, 'container.exec').handle(payload({ case: 'containerExec', value: { container, argv: ['seq', '1', '20000'], tty } }), fake.context),
        );
        expect(final).toMatchObject({ exited: true, exitCode: 0 });
        expect(fake.emitted.every((chunk) => execOutput(chunk).data.length <= 1_000)).toBe(true);
        const lines = text(fake).split(/\r?\n/).filter(Boolean);
        expect(lines).toEqual(Array.from({ length: 20_000 }, (_, index) => String(index + 1)));
      }
    } finally {
      await small.close();
    }
    expect(MAX_OUTPUT_CHUNK_BYTES).toBe(256 * 1024);
  });

  // write() returning false was ignored: input for a process that does not read piled up
  // in the agent's memory without bound.
  it('ends the session when input outruns a process that does not read it', async () => {
    const fake = fakeContext();
    const session = exec(fake, { argv: ['sleep', '30'], interactive: true });
    const chunk = Buffer.alloc(64 * 1024, 0x61);
    await eventually(async () => (await docker(['top', container, '-o', 'pid,args'])).includes('sleep 30'), 'sleep runs');
    for (let sent = 0; sent < 3 * MAX_PENDING_INPUT_BYTES; sent += chunk.length) fake.input({ data: chunk });
    const failure = await failureOf(session);
    expect(failure).toMatchObject({ code: 'failed', message: 'Input arrived faster than the process reads it (more than 8 MiB waiting)' });
    await eventually(async () => !(await docker(['top', container, '-o', 'pid,args'])).includes('sleep 30'), 'the abandoned process is hung up');
  });

  it('holds input the process has not read yet and writes it all, in order, before ending stdin', async () => {
    const fake = fakeContext();
    const session = exec(fake, { argv: ['sh', '-c', 'sleep 1; md5sum'], interactive: true });
    const input = Buffer.alloc(900 * 1024);
    for (let index = 0; index < input.length; index++) input[index] = (index * 7) % 251;
    for (let offset = 0; offset < input.length; offset += 32 * 1024) fake.input({ data: input.subarray(offset, offset + 32 * 1024) });
    fake.input({ closeStdin: true });
    const final = execOutput(await session);
    expect(final).toMatchObject({ exited: true, exitCode: 0 });
    expect(text(fake, 'stdout').split(' ')[0]).toBe(createHash('md5').update(input).digest('hex'));
  });

  // Docker 20.10 cannot start a process for an unknown user or program after it has
  // upgraded the connection: it wrote its message as the command's output and the exec
  // "succeeded" with exit code 126.
  it('answers invalid_argument, with Docker\'s reason, when Docker cannot start the command', async () => {
    for (const tty of [false, true]) {
      const fake = fakeContext();
      const unknownUser = await failureOf(exec(fake, { argv: ['id'], user: 'nobody-here', tty }));
      expect(unknownUser.code).toBe('invalid_argument');
      expect(unknownUser.message).toMatch(/^Docker could not start the command: unable to find user nobody-here/);
      expect(fake.emitted).toEqual([]);
      const noBinary = await failureOf(exec(fakeContext(), { argv: ['/no/such/binary'], tty }));
      expect(noBinary.code).toBe('invalid_argument');
      expect(noBinary.message).toMatch(/"\/no\/such\/binary".*no such file or directory/);
      const notOnPath = await failureOf(exec(fakeContext(), { argv: ['no-such-program'], tty, interactive: true }));
      expect(notOnPath).toMatchObject({ code: 'invalid_argument', message: expect.stringContaining('executable file not found') });
      const noDirectory = await failureOf(exec(fakeContext(), { argv: ['pwd'], workingDir: '/no/such/dir', tty }));
      expect(noDirectory.code).toBe('invalid_argument');
    }
    // A command that ran and exited 126 itself is not mistaken for one that could not start.
    const fake = fakeContext();
    expect(execOutput(await exec(fake, { argv: ['sh', '-c', 'echo "unable to find user x"; exit 126'] }))).toMatchObject({ exited: true, exitCode: 126 });
    expect(text(fake)).toBe('unable to find user x\n');
  });

  it('refuses bad input before asking Docker, and says what is wrong with the container', async () => {
    for (const value of [{ argv: [] }, { argv: ['sh', 'a\0b'] }, { argv: ['env'], env: ['NOT AN ASSIGNMENT'] }, { argv: ['pwd'], workingDir: 'relative' }, { argv: ['id'], user: 'root;rm' }, { argv: ['id'], container: '../x' }]) {
      const failure = await failureOf(exec(fakeContext(), value));
      expect(failure.code).toBe('invalid_argument');
    }
    const missing = uniqueName('ip-noexec');
    const notFound = await failureOf(exec(fakeContext(), { container: missing, argv: ['true'] }));
    expect(notFound).toMatchObject({ code: 'not_found', message: `No container "${missing}" on this host` });
    const notRunning = await failureOf(exec(fakeContext(), { container: stopped, argv: ['true'] }));
    expect(notRunning.code).toBe('conflict');
    expect(notRunning.message).toMatch(/not running/);
  });
});
