/** One long-lived socket's claim: how to check it still holds, and what to do when it does not. */
interface Entitlement {
  stillHolds(): Promise<boolean>;
  revoke(): void;
}

/**
 * The sockets that outlive the access token they were opened with (a shell in a
 * container, a followed log). Their access token may expire — closing a shell every 15
 * minutes would make it useless — but what stands behind it must not: recheckAll() asks
 * each one whether its session or API key is still valid and its member still holds the
 * role, and revokes those that do not. The app runs it every minute.
 */
export class SocketEntitlements {
  private readonly open = new Set<Entitlement>();

  /** Tracks a socket until the returned function is called (when it closes). */
  add(entitlement: Entitlement): () => void {
    this.open.add(entitlement);
    return () => this.open.delete(entitlement);
  }

  get size(): number {
    return this.open.size;
  }

  async recheckAll(): Promise<void> {
    await Promise.all(
      [...this.open].map(async (entitlement) => {
        let holds: boolean;
        try {
          holds = await entitlement.stillHolds();
        } catch {
          // A database hiccup is not a revocation; the next round decides.
          return;
        }
        if (holds || !this.open.has(entitlement)) return;
        this.open.delete(entitlement);
        entitlement.revoke();
      }),
    );
  }
}
