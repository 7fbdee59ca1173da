import { ApiError } from '@infrapilot/client';
import { type Me, type MyOrg, type Permission, SESSION_HINT_COOKIE_NAME, roleAllows } from '@infrapilot/protocol';
import { useQueryClient } from '@tanstack/react-query';
import { createContext, type ReactNode, useCallback, useContext, useEffect, useMemo, useState } from 'react';
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

  const loadMe = useCallback(async () => {
    const stored = localStorage.getItem(ORG_STORAGE_KEY) ?? undefined;
    api.useOrg(stored);
    try {
      setMe(await api.auth.me());
    } catch (error) {
      // A remembered org I no longer belong to: fall back to my default org.
      if (!(error instanceof ApiError) || error.status !== 404 || !stored) throw error;
      localStorage.removeItem(ORG_STORAGE_KEY);
      api.useOrg(undefined);
      setMe(await api.auth.me());
    }
    setState('signed-in');
  }, []);

  const signedOut = useCallback(() => {
    setMe(null);
    setState('signed-out');
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
      .then((ok) => (ok ? loadMe() : signedOut()))
      .catch(() => !cancelled && signedOut());
    return () => {
      cancelled = true;
    };
  }, [loadMe, signedOut]);

  const value = useMemo<SessionValue>(
    () => ({
      state,
      me,
      org: me?.org ?? null,
      async signIn(email, password) {
        const reply = await api.auth.login({ email, password });
        if (reply.mfaRequired) return { done: false, mfaToken: reply.mfaToken };
        await loadMe();
        return { done: true };
      },
      async verifyMfa(mfaToken, code) {
        await api.auth.verifyMfa({ mfaToken, code });
        await loadMe();
      },
      async signOut() {
        try {
          await api.auth.logout();
        } finally {
          signedOut();
        }
      },
      async switchOrg(orgId) {
        localStorage.setItem(ORG_STORAGE_KEY, orgId);
        queryClient.clear();
        await loadMe();
      },
      reload: loadMe,
      can: (permission) => Boolean(me?.org && roleAllows(me.org.role, permission)),
    }),
    [state, me, loadMe, signedOut, queryClient],
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
