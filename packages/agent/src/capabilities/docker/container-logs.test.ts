import { toBinary } from '@bufbuild/protobuf';
import { ContainerLogsResultSchema, type ContainerLogsResult, type LogLine } from '@infrapilot/protocol/agent';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../logger.js';
import { DEFAULT_POLICY } from '../../policy.js';
import type { ResultPayload } from '../registry.js';
import { docker, eventually, failureOf, fakeContext, handlerFor, payload, removeContainers, startContainer, uniqueName, type FakeContext } from '../../test-helpers/docker.js';
import { createDocker, type AgentDocker } from './index.js';
import { lineWeight, MAX_BATCH_BYTES, MAX_LOG_LINES, MAX_PAGE_BYTES } from './container-logs.js';
import { MAX_LINE_BYTES } from './log-lines.js';

function linesOf(result: ResultPayload): LogLine[] {
  if (result.case !== 'containerLogs') throw new Error(`expected containerLogs, got ${result.case}`);
  return result.value.lines;
}

function resultOf(result: ResultPayload): ContainerLogsResult {
  if (result.case !== 'containerLogs') throw new Error(`expected containerLogs, got ${result.case}`);
  return result.value;
}

function emittedLines(fake: FakeContext): LogLine[] {
  return fake.emitted.flatMap(linesOf);
}

// Docker's RFC 3339 with up to nine decimals (trailing zeros trimmed), as nanoseconds.
function nanosecondsOf(timestamp: string): bigint {
  const [whole, fraction = ''] = timestamp.replace(/Z$/, '').split('.');
  return BigInt(Date.parse(`${whole}Z`)) * 1_000_000n + BigInt(fraction.padEnd(9, '0'));
}

function numbers(from: number, to: number): string[] {
  return Array.from({ length: to - from + 1 }, (_, index) => String(from + index));
}

describe('container logs against the real Docker Engine', () => {
  let agentDocker: AgentDocker;
  const created: string[] = [];
  const name = (prefix: string) => {
    const value = uniqueName(prefix);
    created.push(value);
    return value;
  };
  const logs = (fake: FakeContext, container: string, options: { tail?: number; follow?: boolean; since?: string; until?: string } = {}) =>
    handlerFor(agentDocker.capabilities, 'container.logs').handle(payload({ case: 'containerLogs', value: { container, ...options } }), fake.context);

  beforeAll(() => {
    agentDocker = createDocker({ policy: DEFAULT_POLICY, logger: silentLogger });
  });

  afterAll(async () => {
    await removeContainers(created);
    await agentDocker?.close();
  });

  // The control plane pages with tail = page + lines already seen; with a cap of 10 000
  // the agent silently returned fewer lines than asked, and nothing said older ones remained.
  it('pages the newest lines with tail, caps a page at the newest MAX_LOG_LINES, and says when the cap cut it', async () => {
    expect(MAX_LOG_LINES).toBe(20_000);
    const container = name('ip-seq');
    await startContainer(container, ['seq', '1', '25000']);
    await docker(['wait', container]);

    const page = resultOf(await logs(fakeContext(), container, { tail: 100 }));
    expect(page.lines.map((line) => line.text)).toEqual(numbers(24_901, 25_000));
    expect(page.limited).toBe(false);
    expect(page.lines.every((line) => line.stream === 'stdout' && !line.truncated && /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d+Z$/.test(line.timestamp))).toBe(true);

    const atTheCap = resultOf(await logs(fakeContext(), container, { tail: 20_000 }));
    expect(atTheCap.lines.map((line) => line.text)).toEqual(numbers(5_001, 25_000));
    expect(atTheCap.limited).toBe(false);

    for (const tail of [0, 25_000, 30_000]) {
      const capped = resultOf(await logs(fakeContext(), container, { tail }));
      expect(capped.lines.map((line) => line.text)).toEqual(numbers(25_000 - MAX_LOG_LINES + 1, 25_000));
      expect(capped.limited).toBe(true);
    }
  });

  // A page of long lines was one message of many megabytes, over the 4 MiB the control
  // plane accepts: it dropped the host's whole connection.
  it('keeps a page within its byte budget, newest lines first, and says older lines remain', async () => {
    const container = name('ip-wide');
    await startContainer(container, ['sh', '-c', 'i=0; while [ $i -lt 100 ]; do head -c 40000 /dev/zero | tr "\\0" x; echo " $i"; i=$((i+1)); done']);
    await docker(['wait', container]);
    const page = resultOf(await logs(fakeContext(), container));
    expect(page.limited).toBe(true);
    const numbered = page.lines.map((line) => Number(line.text.split(' ')[1]));
    expect(numbered.at(-1)).toBe(99);
    expect(numbered).toEqual(Array.from({ length: numbered.length }, (_, index) => 100 - numbered.length + index));
    expect(numbered.length).toBeGreaterThan(40);
    expect(page.lines.reduce((sum, line) => sum + lineWeight(line), 0)).toBeLessThanOrEqual(MAX_PAGE_BYTES);
    expect(toBinary(ContainerLogsResultSchema, page).length).toBeLessThan(MAX_PAGE_BYTES + 64 * 1024);

  });

  // Docker's tail counts its messages, and a line over 16 KiB is several: "tail 10" came
  // back as four lines, the first of them only the end of a line.
  it('pages whole lines with tail when lines are longer than Docker splits them', async () => {
    const container = name('ip-wide-tail');
    await startContainer(container, ['sh', '-c', 'i=0; while [ $i -lt 30 ]; do head -c 40000 /dev/zero | tr "\\0" x; echo " $i"; i=$((i+1)); done']);
    await docker(['wait', container]);
    for (const tail of [1, 10]) {
      const page = resultOf(await logs(fakeContext(), container, { tail }));
      expect(page.lines.map((line) => line.text)).toEqual(numbers(30 - tail, 29).map((number) => `${'x'.repeat(40_000)} ${number}`));
      expect(page.limited).toBe(false);
    }
  });

  it('cuts a line longer than 64 KiB and marks it, in a plain and in a TTY container', async () => {
    const plainContainer = name('ip-long');
    const ttyContainer = name('ip-long-tty');
    const script = 'head -c 300000 /dev/zero | tr "\\0" y; echo; head -c 40000 /dev/zero | tr "\\0" z; echo; echo after';
    await startContainer(plainContainer, ['sh', '-c', script]);
    await startContainer(ttyContainer, ['sh', '-c', script], ['-t']);
    await docker(['wait', plainContainer]);
    await docker(['wait', ttyContainer]);
    for (const container of [plainContainer, ttyContainer]) {
      const { lines } = resultOf(await logs(fakeContext(), container));
      expect(lines.map((line) => [line.text.length, line.truncated])).toEqual([
        [MAX_LINE_BYTES, true],
        [40_000, false],
        [5, false],
      ]);
      // Docker's 16 KiB pieces joined, without their timestamps in between (a TTY stream has no framing).
      expect(lines[0]!.text).toBe('y'.repeat(MAX_LINE_BYTES));
      expect(lines[1]!.text).toBe('z'.repeat(40_000));
    }
  });

  // Docker applies tail before until, so "the last 100 up to T" came back as the one or
  // two lines of the log's last 100 that were older than T.
  it('pages with until: the last tail lines of those up to the instant, not of the whole log', async () => {
    const container = name('ip-until');
    await startContainer(container, ['seq', '1', '1000']);
    await docker(['wait', container]);
    const all = linesOf(await logs(fakeContext(), container));
    const at = all[900]!.timestamp; // line "901"
    const until = `${nanosecondsOf(at) / 1_000_000_000n}.${String(nanosecondsOf(at) % 1_000_000_000n).padStart(9, '0')}`;
    const page = linesOf(await logs(fakeContext(), container, { tail: 100, until }));
    // until is inclusive; lines sharing 901's instant come along, the test allows for that.
    const texts = page.map((line) => Number(line.text));
    expect(texts.length).toBe(100);
    expect(texts).toEqual(Array.from({ length: 100 }, (_, index) => texts[0]! + index));
    expect(texts.at(-1)).toBeGreaterThanOrEqual(901);
    expect(page.every((line) => nanosecondsOf(line.timestamp) <= nanosecondsOf(at))).toBe(true);
  });

  it('keeps stdout and stderr apart, and a last line without a newline', async () => {
    const container = name('ip-streams');
    await startContainer(container, ['sh', '-c', 'echo out; echo err >&2; printf tail']);
    await docker(['wait', container]);
    const lines = linesOf(await logs(fakeContext(), container));
    // Docker copies the two pipes independently, so only the order within each is defined.
    expect(lines.filter((line) => line.stream === 'stdout').map((line) => line.text)).toEqual(['out', 'tail']);
    expect(lines.filter((line) => line.stream === 'stderr').map((line) => line.text)).toEqual(['err']);
    expect(lines).toHaveLength(3);
  });

  it('follows 20000 lines written while it follows: none lost, none twice, in order, and ends when the container stops', async () => {
    const container = name('ip-follow');
    await startContainer(container, ['sh', '-c', 'sleep 1; seq 1 20000']);
    const fake = fakeContext();
    const final = await logs(fake, container, { follow: true });
    const texts = [...emittedLines(fake), ...linesOf(final)].map((line) => line.text);
    expect(texts.length).toBe(20_000);
    expect(texts).toEqual(numbers(1, 20_000));
    // Batched, not one message per line and not one message for everything.
    expect(fake.emitted.length).toBeGreaterThan(1);
    expect(fake.emitted.every((batch) => linesOf(batch).length <= 2_000)).toBe(true);
  });

  it('pauses while the upstream backlog is high and loses nothing when it resumes', async () => {
    const container = name('ip-backlog');
    await startContainer(container, ['sh', '-c', 'sleep 1; seq 1 20000']);
    const fake = fakeContext();
    fake.setBacklog(1_000);
    const following = logs(fake, container, { follow: true });
    // While backlogged, at most the batches produced before the pause went out.
    await eventually(() => fake.emitted.length > 0, 'a first batch');
    const checksWhilePaused = fake.backlogChecks();
    await eventually(() => fake.backlogChecks() > checksWhilePaused + 5, 'the paused stream polls the backlog');
    const emittedWhilePaused = fake.emitted.length;
    expect(emittedLines(fake).length).toBeLessThan(20_000);
    fake.setBacklog(0);
    const final = await following;
    expect(fake.emitted.length).toBeGreaterThan(emittedWhilePaused);
    expect([...emittedLines(fake), ...linesOf(final)].map((line) => line.text)).toEqual(numbers(1, 20_000));
  });

  it('follows a slowly printing container from a tail until it is stopped, each line once', async () => {
    const container = name('ip-ticker');
    await startContainer(container, ['sh', '-c', 'trap "exit 0" TERM; i=0; while :; do i=$((i+1)); echo $i; sleep 0.02; done']);
    await eventually(async () => (await docker(['logs', container])).split('\n').length > 20, 'some history');
    const fake = fakeContext();
    const following = logs(fake, container, { follow: true, tail: 5 });
    await eventually(() => emittedLines(fake).length > 30, 'new lines while following');
    await docker(['stop', '-t', '5', container]);
    const final = await following;
    const texts = [...emittedLines(fake), ...linesOf(final)].map((line) => Number(line.text));
    const first = texts[0]!;
    expect(texts).toEqual(Array.from({ length: texts.length }, (_, index) => first + index));
    const history = (await docker(['logs', container])).split('\n').map(Number);
    expect(texts.at(-1)).toBe(history.at(-1));
  });

  // Batches were bounded by line count only: 2 000 long lines made one message of
  // megabytes, over what the control plane accepts.
  it('follows long lines in batches of at most about 512 KiB, losing none', async () => {
    const container = name('ip-follow-wide');
    await startContainer(container, ['sh', '-c', 'sleep 1; i=0; while [ $i -lt 100 ]; do head -c 40000 /dev/zero | tr "\\0" w; echo " $i"; i=$((i+1)); done']);
    const fake = fakeContext();
    const final = await logs(fake, container, { follow: true });
    const texts = [...emittedLines(fake), ...linesOf(final)].map((line) => line.text);
    expect(texts.map((text) => text.split(' ')[1])).toEqual(numbers(0, 99));
    for (const batch of [...fake.emitted, final]) {
      expect(linesOf(batch).reduce((sum, line) => sum + lineWeight(line), 0)).toBeLessThan(MAX_BATCH_BYTES + MAX_LINE_BYTES + 64);
    }
  });

  // tail 0 meant "all" for a follow too, so the control plane had to send its own idea of
  // the host's "now" as `since` to mean "no history".
  it('follows with tail 0 and no since from now on, without history; with since, from then', async () => {
    const container = name('ip-follow-new');
    await startContainer(container, ['sh', '-c', 'trap "exit 0" TERM; i=0; while :; do i=$((i+1)); echo $i; sleep 0.02; done']);
    const before = await eventually(async () => {
      const count = (await docker(['logs', container])).split('\n').length;
      return count > 20 ? count : undefined;
    }, 'some history');
    const fresh = fakeContext();
    const following = logs(fresh, container, { follow: true, tail: 0 });
    const fromStart = fakeContext();
    const followingSince = logs(fromStart, container, { follow: true, tail: 0, since: '1' });
    await eventually(() => emittedLines(fresh).length > 10 && emittedLines(fromStart).length > before, 'new lines while following');
    await docker(['stop', '-t', '5', container]);
    const texts = [...emittedLines(fresh), ...linesOf(await following)].map((line) => Number(line.text));
    expect(texts[0]).toBeGreaterThan(before);
    expect(texts).toEqual(Array.from({ length: texts.length }, (_, index) => texts[0]! + index));
    const all = [...emittedLines(fromStart), ...linesOf(await followingSince)].map((line) => Number(line.text));
    expect(all.slice(0, before)).toEqual(Array.from({ length: before }, (_, index) => index + 1));
  });

  it('stops following when cancelled', async () => {
    const container = name('ip-cancel');
    await startContainer(container, ['sh', '-c', 'trap "exit 0" TERM; while :; do echo tick; sleep 0.05; done']);
    const fake = fakeContext();
    const following = logs(fake, container, { follow: true });
    await eventually(() => emittedLines(fake).length > 2, 'a few ticks');
    fake.cancel();
    const failure = await failureOf(following);
    expect(failure.code).toBe('cancelled');
    expect(await docker(['inspect', '-f', '{{.State.Status}}', container])).toBe('running');
  });

  it('reads a TTY container as one stream without carriage returns', async () => {
    const container = name('ip-tty');
    await startContainer(container, ['sh', '-c', 'echo one; echo two >&2'], ['-t']);
    await docker(['wait', container]);
    const lines = linesOf(await logs(fakeContext(), container));
    expect(lines.map((line) => [line.stream, line.text])).toEqual([
      ['stdout', 'one'],
      ['stdout', 'two'],
    ]);
  });

  it('answers not_found for an unknown container and invalid_argument for a bad bound', async () => {
    const missing = uniqueName('ip-nolog');
    const notFound = await failureOf(logs(fakeContext(), missing));
    expect(notFound.code).toBe('not_found');
    expect(notFound.message).toBe(`No container "${missing}" on this host`);
    const badSince = await failureOf(logs(fakeContext(), missing, { since: 'yesterday' }));
    expect(badSince.code).toBe('invalid_argument');
  });
});
