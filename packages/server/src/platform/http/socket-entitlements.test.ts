import { describe, expect, it } from 'vitest';
import { SocketEntitlements } from './socket-entitlements.js';

describe('SocketEntitlements', () => {
  it('revokes only the sockets whose claim no longer holds, once, and forgets them', async () => {
    const entitlements = new SocketEntitlements();
    const revoked: string[] = [];
    let stillMember = true;
    entitlements.add({ stillHolds: async () => stillMember, revoke: () => revoked.push('shell') });
    entitlements.add({ stillHolds: async () => true, revoke: () => revoked.push('log') });

    await entitlements.recheckAll();
    expect(revoked).toEqual([]);

    stillMember = false;
    await entitlements.recheckAll();
    await entitlements.recheckAll();
    expect(revoked).toEqual(['shell']);
    expect(entitlements.size).toBe(1);
  });

  it('does not revoke when the check itself fails (a database hiccup), nor after the socket closed', async () => {
    const entitlements = new SocketEntitlements();
    const revoked: string[] = [];
    entitlements.add({ stillHolds: () => Promise.reject(new Error('connection reset')), revoke: () => revoked.push('hiccup') });
    const forget = entitlements.add({ stillHolds: async () => false, revoke: () => revoked.push('closed') });
    forget();

    await entitlements.recheckAll();
    expect(revoked).toEqual([]);
    expect(entitlements.size).toBe(1);
  });
});
