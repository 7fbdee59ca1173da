import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { create } from '@bufbuild/protobuf';
import { AgentMessageSchema, PingResultSchema, type AgentMessage } from '@infrapilot/protocol/agent';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ExecutedRequests } from './executed-requests.js';

const MINUTE_MS = 60_000;

function answer(requestId: string): AgentMessage {
  return create(AgentMessageSchema, { requestId, payload: { case: 'ping', value: create(PingResultSchema, { agentTimeUnixMs: 7n }) } });
}

describe('ExecutedRequests', () => {
  let directory: string;
  let file: string;

  beforeEach(() => {
    directory = mkdtempSync(join(tmpdir(), 'infrapilot-executed-'));
    file = join(directory, 'executed-requests.log');
  });
  afterEach(() => rmSync(directory, { recursive: true, force: true }));

  it('remembers a request from the moment it starts, and its answer once it has one', () => {
    const executed = new ExecutedRequests();
    expect(executed.has('r1')).toBe(false);
    executed.start('r1', Date.now() + MINUTE_MS);
    expect(executed.has('r1')).toBe(true);
    expect(executed.answerOf('r1')).toBeUndefined();
    executed.finish('r1', answer('r1'));
    expect(executed.answerOf('r1')).toEqual(answer('r1'));
  });

  it('keeps started ids on disk, owner-only, so a restarted agent still knows them', () => {
    const before = new ExecutedRequests(file);
    before.start('r1', Date.now() + MINUTE_MS);
    before.finish('r1', answer('r1'));
    expect(statSync(file).mode & 0o777).toBe(0o600);

    const after = new ExecutedRequests(file);
    expect(after.has('r1')).toBe(true);
    expect(after.has('r2')).toBe(false);
    // Answers live in memory only: the new process knows the id, not what it answered.
    expect(after.answerOf('r1')).toBeUndefined();
  });

  it('forgets a request a while after its deadline, when the server no longer retries it', () => {
    let now = Date.parse('2025-06-01T12:00:00Z');
    const executed = new ExecutedRequests(file, () => now);
    executed.start('old', now + MINUTE_MS);
    now += MINUTE_MS + 4 * MINUTE_MS;
    executed.start('new', now + MINUTE_MS);
    expect(executed.has('old')).toBe(true);

    now += 2 * MINUTE_MS;
    executed.start('newer', now + MINUTE_MS);
    expect(executed.has('old')).toBe(false);
    expect(executed.has('new')).toBe(true);
    expect(new ExecutedRequests(file, () => now).has('old')).toBe(false);
  });

  it('starts afresh from a damaged file instead of failing', () => {
    writeFileSync(file, '{"r1": 17, trunc');
    const executed = new ExecutedRequests(file);
    expect(executed.has('r1')).toBe(false);
    executed.start('r2', Date.now() + MINUTE_MS);
    expect(new ExecutedRequests(file).has('r2')).toBe(true);
  });

  it('holds at most 10,000 ids, dropping the oldest first', () => {
    const executed = new ExecutedRequests();
    const deadline = Date.now() + MINUTE_MS;
    for (let index = 0; index <= 10_000; index++) executed.start(`r${index}`, deadline);
    expect(executed.has('r0')).toBe(false);
    expect(executed.has('r1')).toBe(true);
    expect(executed.has('r10000')).toBe(true);
  });
});
