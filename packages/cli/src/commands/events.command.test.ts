import { afterEach, describe, expect, it } from 'vitest';
import { eventually, startTestAgent, type TestAgent } from '../../../server/src/test-helpers/test-agent.js';
import { useSignedInAdmin } from '../test-helpers/signed-in-admin.js';

describe('infrapilot events', () => {
  const { server, home } = useSignedInAdmin();
  let host: TestAgent | undefined;

  afterEach(async () => {
    await host?.destroy();
    host = undefined;
  });

  it('prints a host enrolling and becoming active, by name, then exits at --limit', async () => {
    const following = home().run(['events', '--type', 'agent.enrolled', 'agent.status_changed', '--limit', '2']);
    // Only once the socket is open can the events it should see happen.
    await eventually(async () => server().app.live.connectedCount === 1, 'the events socket is open');
    host = await startTestAgent(server().admin, 'events-host');
    const run = await following;
    expect(run.code).toBe(0);
    const lines = run.stdout.trim().split('\n');
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(/^\d{4}-\d{2}-\d{2}T\S+Z {2}events-host {2}enrolled$/);
    expect(lines[1]).toMatch(/^\S+ {2}events-host {2}pending → active$/);
    expect(run.stderr).toContain('Following live events');
  });

  it('prints samples as NDJSON with --json --samples', async () => {
    host = await startTestAgent(server().admin, 'sampled-host');
    const run = await home().run(['events', '--samples', '--type', 'agent.sample', '--limit', '1', '--json']);
    expect(run.code).toBe(0);
    const event = JSON.parse(run.stdout.trim());
    expect(event).toMatchObject({ type: 'agent.sample', live: { cpuPercent: expect.any(Number) }, point: { samples: 1 } });
  });

  it('refuses an unknown event type with the list of known ones', async () => {
    const run = await home().run(['events', '--type', 'agent.exploded']);
    expect(run.code).not.toBe(0);
    expect(run.stderr).toContain('unknown event type "agent.exploded"');
    expect(run.stderr).toContain('agent.status_changed');
    // `ready` is the connection's own frame, never printed: asking for it would wait forever.
    expect((await home().run(['events', '--type', 'ready', '--limit', '1'])).stderr).toContain('unknown event type "ready"');
  });
});
