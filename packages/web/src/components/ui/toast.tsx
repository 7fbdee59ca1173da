import { Toast as ToastPrimitive } from 'radix-ui';
import { createContext, type ReactNode, useCallback, useContext, useMemo, useState } from 'react';
import { cn } from '../../lib/class-names';

interface ToastMessage {
  id: number;
  title: string;
  description?: string | undefined;
  tone: 'success' | 'error';
}

type Notify = (message: { title: string; description?: string | undefined; tone?: 'success' | 'error' }) => void;

const ToastContext = createContext<Notify>(() => {});

/** Toasts announce outcomes (saved, failed) politely to screen readers and fade on their own. */
export function ToastProvider({ children }: { children: ReactNode }) {
  const [messages, setMessages] = useState<ToastMessage[]>([]);
  const notify = useCallback<Notify>((message) => {
    setMessages((current) => [...current, { id: Date.now() + Math.random(), tone: 'success', ...message }]);
  }, []);
  const value = useMemo(() => notify, [notify]);
  return (
    <ToastContext.Provider value={value}>
      <ToastPrimitive.Provider swipeDirection="right" duration={5000}>
        {children}
        {messages.map((message) => (
          <ToastPrimitive.Root
            key={message.id}
            type={message.tone === 'error' ? 'foreground' : 'background'}
            onOpenChange={(open) => !open && setMessages((current) => current.filter((other) => other.id !== message.id))}
            className={cn(
              'rounded-md border bg-card p-3 shadow-lg',
              message.tone === 'error' ? 'border-destructive' : 'border-border',
            )}
          >
            <ToastPrimitive.Title className="text-sm font-semibold">{message.title}</ToastPrimitive.Title>
            {message.description && <ToastPrimitive.Description className="text-sm text-muted-foreground">{message.description}</ToastPrimitive.Description>}
          </ToastPrimitive.Root>
        ))}
        <ToastPrimitive.Viewport className="fixed bottom-4 right-4 z-[60] flex w-80 max-w-[calc(100vw-2rem)] flex-col gap-2" />
      </ToastPrimitive.Provider>
    </ToastContext.Provider>
  );
}

/** Shows a toast: `notify({ title: 'Key revoked' })`, or `tone: 'error'`. */
export function useToast(): Notify {
  return useContext(ToastContext);
}
