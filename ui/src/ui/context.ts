// App-wide context: the backend, the session, the sync status, and how to report a failure.
import { createContext } from 'preact';
import { useCallback, useContext } from 'preact/hooks';
import type { Backend } from '../backend';
import type { ApiError, Session, SyncStatus } from '../backend/types';
import { toApiError } from '../backend';

export type ToastKind = 'info' | 'success' | 'error';
export interface AppCtx {
  backend: Backend;
  session: Session | null;
  sync: SyncStatus | null;
  setSync(s: SyncStatus): void;
  toast(message: string, kind?: ToastKind): void;
  /** An in-app confirmation dialog (no native dialogs: they differ per webview). */
  confirm(message: string, danger?: boolean): Promise<boolean>;
  /** Called when the backend says the session is gone. */
  signedOut(): void;
}

export const Ctx = createContext<AppCtx | null>(null);

export function useApp(): AppCtx {
  const c = useContext(Ctx);
  if (!c) throw new Error('AppCtx missing');
  return c;
}

/** Returns a handler that shows an ApiError's message and signs out on `not_signed_in`. */
export function useFail(): (e: unknown) => ApiError {
  const app = useApp();
  return useCallback((e: unknown) => {
    const err = toApiError(e);
    if (err.code === 'not_signed_in') app.signedOut();
    app.toast(err.message, 'error');
    return err;
  }, [app]);
}
