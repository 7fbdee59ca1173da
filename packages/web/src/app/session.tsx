import { ApiError } from '@infrapilot/client';
import { type Me, type MyOrg, type Permission, SESSION_HINT_COOKIE_NAME, roleAllows } from '@infrapilot/protocol';
import { useQueryClient } from '@tanstack/react-query';
import { createContext, type ReactNode, useCallback, useContext, useEffect, useMemo, useRef, useState } from 'react';
import { api, sessionEnded } from './api';

/** The org chosen in the switcher survives a reload; it is an id, not a secret. */
const ORG_STORAGE_KEY = 'infrapilot.org';

function hasSessionHint(): boolean {
  return document.cookie.split(';').some((cookie) => cookie.trim().startsWith(`${SESSION_HINT_COOKIE_NAME}=`));
}

export type SignInStep = { done: true } | { done: false; mfaToken: string };

interface SessionValue {
  state: 'loading' | 'signed-out' | 'signed-in';
  me: Me | null;
  /** The org pages act in, with the caller's role there. */
  org: MyOrg | null;
  signIn(email: string, password: string): Promise<SignInStep>;
  verifyMfa(mfaToken: string, code: string): Promise<void>;
  signOut(): Promise<void>;
  switchOrg(orgId: string): Promise<void>;
  /** Re-reads who I am (after enabling MFA, say). */
  reload(): Promise<void>;
  /** Whether my role in the current org grants a permission (the server decides; this hides buttons). */
  can(permission: Permission): boolean;
}

const SessionContext = createContext<SessionValue | null>(null);

export function SessionProvider({ children }: { children: ReactNode }) {
  const queryClient = useQueryClient();
  const [state, setState] = useState<SessionValue['state']>('loading');
  const [me, setMe] = useState<Me | null>(null);
  // The org of the data in the query cache. No query key holds the org id, so when the
  // org changes under the pages, everything cached belongs to the old one.
  const cachedOrgId = useRef<string | null>(null);

  const adopt = useCallback(
    (next: Me) => {
      const nextOrgId = next.org?.id ?? null;
      if (cachedOrgId.current !== null && cachedOrgId.current !== nextOrgId) queryClient.clear();
      cachedOrgId.current = nextOrgId;
      setMe(next);
      setState('signed-in');
    },
    [queryClient],
  );

  /**
   * Asks who I am in `orgId` (my default org when undefined). A remembered org I no
   * longer belong to answers 404: then my default org, and the memory is dropped.
   */
  const loadMe = useCallback(
    async (orgId: string | undefined) => {
      api.useOrg(orgId);
      try {
        adopt(await api.auth.me());
      } catch (error) {
        if (!(error instanceof ApiError) || error.status !== 404 || !orgId) throw error;
        // Another tab may have remembered a different org meanwhile; that one stays.
        if (localStorage.getItem(ORG_STORAGE_KEY) === orgId) localStorage.removeItem(ORG_STORAGE_KEY);
        api.useOrg(undefined);
        adopt(await api.auth.me());
      }
    },
    [adopt],
  );

  /**
   * A session starts in the org remembered in this browser. Only here: localStorage is
   * shared by every tab, so reading it later would follow another tab's switch silently.
   */
  const startSession = useCallback(() => loadMe(localStorage.getItem(ORG_STORAGE_KEY) ?? undefined), [loadMe]);

  const signedOut = useCallback(() => {
    setMe(null);
    setState('signed-out');
    cachedOrgId.current = null;
    queryClient.clear();
  }, [queryClient]);

  useEffect(() => {
    const onEnded = () => signedOut();
    sessionEnded.addEventListener('ended', onEnded);
    return () => sessionEnded.removeEventListener('ended', onEnded);
  }, [signedOut]);

  // On page load the cookie (if any) buys a fresh access token: a reload keeps you signed in.
  useEffect(() => {
    let cancelled = false;
    if (!hasSessionHint()) {
      signedOut();
      return;
    }
    api
      .refreshOnce()
      .then((ok) => (ok ? startSession() : signedOut()))
      .catch(() => !cancelled && signedOut());
    return () => {
      cancelled = true;
    };
  }, [startSession, signedOut]);

  const value = useMemo<SessionValue>(
    () => ({
      state,
      me,
      org: me?.org ?? null,
      async signIn(email, password) {
        const reply = await api.auth.login({ email, password });
        if (reply.mfaRequired) return { done: false, mfaToken: reply.mfaToken };
        await startSession();
        return { done: true };
      },
      async verifyMfa(mfaToken, code) {
        await api.auth.verifyMfa({ mfaToken, code });
        await startSession();
      },
      async signOut() {
        try {
          await api.auth.logout();
        } finally {
          signedOut();
        }
      },
      async switchOrg(orgId) {
        const previous = api.currentOrg;
        localStorage.setItem(ORG_STORAGE_KEY, orgId);
        try {
          await loadMe(orgId);
        } catch (error) {
          // Still showing the old org: its requests must keep going there too.
          api.useOrg(previous);
          throw error;
        }
      },
      // The org this tab is in, whatever another tab chose since.
      reload: () => loadMe(api.currentOrg),
      can: (permission) => Boolean(me?.org && roleAllows(me.org.role, permission)),
    }),
    [state, me, loadMe, startSession, signedOut],
  );
  return <SessionContext.Provider value={value}>{children}</SessionContext.Provider>;
}

export function useSession(): SessionValue {
  const value = useContext(SessionContext);
  if (!value) throw new Error('useSession outside SessionProvider');
  return value;
}

/** Shortcut for hiding controls: `const canManage = useCan('agents:manage')`. */
export function useCan(permission: Permission): boolean {
  return useSession().can(permission);
}
