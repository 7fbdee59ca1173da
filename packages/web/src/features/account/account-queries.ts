import type { Session } from '@infrapilot/protocol';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { api } from '../../app/api';

const accountKeys = {
  all: ['account'] as const,
  sessions: () => ['account', 'sessions'] as const,
};

/** My signed-in sessions, this one first, then the most recently used. */
export function useMySessions() {
  return useQuery({
    queryKey: accountKeys.sessions(),
    queryFn: async (): Promise<Session[]> => {
      const { items } = await api.auth.sessions();
      return [...items].sort((a, b) => Number(b.current) - Number(a.current) || b.lastUsedAt.localeCompare(a.lastUsedAt));
    },
  });
}

export function useEndSession() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (session: Session) => api.auth.endSession(session.id),
    onSettled: () => queryClient.invalidateQueries({ queryKey: accountKeys.sessions() }),
  });
}

/**
 * Changes my password; that signs out my other sessions, so their list changes too. A
 * direct call rather than useMutation, whose cache would keep both passwords (the
 * mutation's variables) for minutes after the form was cleared.
 */
export function useChangePassword() {
  const queryClient = useQueryClient();
  return async (input: { currentPassword: string; newPassword: string }) => {
    const reply = await api.auth.changePassword(input);
    void queryClient.invalidateQueries({ queryKey: accountKeys.sessions() });
    return reply;
  };
}
