import type { LiveEvent } from '@infrapilot/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually } from '../../server/src/test-helpers/test-agent.js';
import { startTestServer, type TestServer } from '../../server/src/test-helpers/test-server.js';
import { followLiveEvents, type LiveEventsFollower } from './live-events.js';

const PASSWORD = 'a password long enough';

describe('followLiveEvents', () => {
  let server: TestServer;
  let sequence = 0;

  beforeAll(async () => {
    server = await startTestServer('sqlite');
  });
  afterAll(async () => {
    await server?.destroy();
  });

  async function person() {
    const email = `follower-${sequence++}@example.com`;
    await server.admin.users.create({ email, password: PASSWORD, role: 'viewer' });
    return { email, client: await server.signIn(email, PASSWORD) };
  }

  function follow(client: Awaited<ReturnType<typeof person>>['client']) {
    const events: LiveEvent[] = [];
    const states: string[] = [];
    let unauthorized = false;
    const follower: LiveEventsFollower = followLiveEvents(client, {
      onEvent: (event) => events.push(event),
      onStateChange: (state) => states.push(state),
      onUnauthorized: () => (unauthorized = true),
      maxBackoffMs: 200,
    });
    return { follower, events, states, unauthorized: () => unauthorized };
  }

  it('refreshes the access token and reconnects when the server closes the socket because the token expired', async () => {
    const { client } = await person();
    const firstToken = client.currentTokens!.accessToken;
    const live = follow(client);
    try {
      await eventually(() => live.events.some((event) => event.type === 'ready'), 'the first ready frame');
      // The token expires on the server's (fake) clock; the next credential re-check closes the socket with 4401.
      server.clock.advance(15 * 60 * 1000);
      await server.app.live.recheckAll();
      await eventually(() => live.events.filter((event) => event.type === 'ready').length === 2, 'a second ready frame after reconnecting', 10_000);
      expect(client.currentTokens!.accessToken).not.toBe(firstToken);
      expect(live.states).toContain('reconnecting');
      expect(live.unauthorized()).toBe(false);
    } finally {
      live.follower.stop();
    }
  });

  it('stops and says so when the session behind the socket has ended elsewhere', async () => {
    const { email, client } = await person();
    const live = follow(client);
    try {
      await eventually(() => live.events.some((event) => event.type === 'ready'), 'the ready frame');
      // From another device, the person signs this session out.
      const elsewhere = await server.signIn(email, PASSWORD);
      const others = (await elsewhere.auth.sessions()).items.filter((session) => !session.current);
      for (const session of others) await elsewhere.auth.endSession(session.id);
      await server.app.live.recheckAll();
      await eventually(() => live.unauthorized(), 'the follower gives up with onUnauthorized');
      expect(live.events.filter((event) => event.type === 'ready')).toHaveLength(1);
    } finally {
      live.follower.stop();
    }
  });
});
