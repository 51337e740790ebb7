// The root: loads app_info, shows sign-in or the mode the session says, keeps the sync status
// (initial `sync_status` + the `sync://status` event), toasts and the confirm dialog.
import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import type { Backend } from './backend';
import type { Alert, AppInfo, Session, SyncStatus } from './backend/types';
import { mergeAlerts } from './logic/supervision';
import { AlertCenter } from './ui/Supervision';
import { toApiError } from './backend';
import { t } from './i18n';
import { Ctx, type AppCtx, type ToastKind } from './ui/context';
import { Modal, Spinner } from './ui/common';
import { Header } from './ui/Header';
import { SignIn } from './screens/SignIn';
import { FieldApp, type FieldView } from './screens/field/FieldApp';
import { SupervisorApp, type SupervisorView } from './screens/supervisor/SupervisorApp';

interface Toast { id: number; message: string; kind: ToastKind }
interface Confirm { message: string; danger: boolean; resolve(ok: boolean): void }

export function App({ backend }: { backend: Backend }) {
  const [info, setInfo] = useState<AppInfo | null>(null);
  const [bootError, setBootError] = useState<string | null>(null);
  const [session, setSession] = useState<Session | null>(null);
  const [sync, setSync] = useState<SyncStatus | null>(null);
  const [toasts, setToasts] = useState<Toast[]>([]);
  const [confirmState, setConfirm] = useState<Confirm | null>(null);
  const [fieldView, setFieldView] = useState<FieldView | null>(null);
  const [supView, setSupView] = useState<SupervisorView | null>(null);
  const toastSeq = useRef(0);
  // What is new for this user (alerts://new): a task, 督办, 批示, 催办, a returned case.
  const [alerts, setAlerts] = useState<Alert[]>([]);

  async function boot() {
    setBootError(null);
    try {
      const i = await backend.appInfo();
      setInfo(i);
      setSession(i.session);
    } catch (e) {
      setBootError(toApiError(e).message);
    }
  }
  useEffect(() => { void boot(); }, []);

  // Sync status: first the current one, then every change the backend emits.
  useEffect(() => {
    if (!session) return undefined;
    let unlisten: (() => void) | null = null;
    let live = true;
    backend.onSyncStatus((s) => { if (live) setSync(s); }).then((u) => { if (live) unlisten = u; else u(); }, () => {});
    backend.syncStatus().then((s) => { if (live) setSync(s); }, () => {});
    return () => { live = false; unlisten?.(); };
  }, [session?.userId, session?.deviceId]);

  useEffect(() => {
    if (!session || !backend.onAlerts) return undefined;
    let unlisten: (() => void) | null = null;
    let live = true;
    backend.onAlerts((a) => { if (live) setAlerts((kept) => mergeAlerts(kept, a)); })
      .then((u) => { if (live) unlisten = u; else u(); }, () => {});
    return () => { live = false; unlisten?.(); setAlerts([]); };
  }, [session?.userId, session?.deviceId]);

  function openAlert(a: Alert) {
    setAlerts((kept) => kept.filter((x) => x.caseId !== a.caseId));
    if (session?.mode === 'field') setFieldView({ v: 'detail', caseId: a.caseId, from: 'my_tasks' });
    else setSupView({ v: 'queue', queue: 'my_tasks', caseId: a.caseId });
  }

  const ctx: AppCtx = useMemo(() => ({
    backend, session, sync, setSync,
    toast(message: string, kind: ToastKind = 'info') {
      const id = ++toastSeq.current;
      setToasts((ts) => [...ts.slice(-3), { id, message, kind }]);
      setTimeout(() => setToasts((ts) => ts.filter((x) => x.id !== id)), kind === 'error' ? 8000 : 4000);
    },
    confirm(message: string, danger = false) {
      return new Promise<boolean>((resolve) => setConfirm({ message, danger, resolve }));
    },
    signedOut() { setSession(null); setSync(null); setFieldView(null); setSupView(null); },
  }), [backend, session, sync]);

  async function signOut() {
    if (!(await ctx.confirm(t('header.signOutConfirm'), true))) return;
    try { await backend.signOut(); } catch (e) { ctx.toast(toApiError(e).message, 'error'); return; }
    ctx.signedOut();
  }

  let body;
  if (bootError) {
    body = <main class="signin"><div class="signin-card"><div class="error-box" data-testid="boot-error">{bootError}</div>
      <button class="btn btn-primary btn-big" data-testid="boot-retry" onClick={boot}>{t('common.retry')}</button></div></main>;
  } else if (!info) {
    body = <Spinner />;
  } else if (!session) {
    body = <SignIn info={info} onSignedIn={(s) => { setSession(s); setInfo({ ...info, session: s, referenceLoaded: true }); }} />;
  } else {
    const goSync = () => (session.mode === 'field' ? setFieldView({ v: 'sync' }) : setSupView({ v: 'sync' }));
    body = (
      <div class={`shell mode-${session.mode}`} data-testid={`mode-${session.mode}`}>
        <Header onSync={goSync} onSignOut={signOut} />
        {!info.referenceLoaded && <div class="warn banner">{t('header.referenceMissing')}</div>}
        {session.mode === 'field'
          ? <FieldApp view={fieldView} setView={setFieldView} />
          : <SupervisorApp view={supView} setView={setSupView} />}
      </div>
    );
  }

  return (
    <Ctx.Provider value={ctx}>
      {body}
      {session && <AlertCenter alerts={alerts} onOpen={openAlert}
        onDismiss={(key) => setAlerts((kept) => (key == null ? [] : kept.filter((x) => x.key !== key)))} />}
      {/* In field mode the toasts sit above the bottom navigation bar (tablets; styles.css). */}
      <div class={`toasts${session?.mode === 'field' ? ' toasts-field' : ''}`} aria-live="polite">
        {toasts.map((x) => <div key={x.id} class={`toast toast-${x.kind}`} data-testid="toast" data-kind={x.kind} role={x.kind === 'error' ? 'alert' : 'status'}
          onClick={() => setToasts((ts) => ts.filter((y) => y.id !== x.id))}>{x.message}</div>)}
      </div>
      {confirmState && (
        <Modal title={t('common.confirm')} testid="confirm-dialog" onClose={() => { confirmState.resolve(false); setConfirm(null); }}>
          <p>{confirmState.message}</p>
          <div class="editor-actions">
            <button class="btn" data-testid="confirm-cancel" onClick={() => { confirmState.resolve(false); setConfirm(null); }}>{t('common.cancel')}</button>
            <button class={`btn btn-big ${confirmState.danger ? 'btn-danger' : 'btn-primary'}`} data-testid="confirm-ok"
              onClick={() => { confirmState.resolve(true); setConfirm(null); }}>{t('common.confirm')}</button>
          </div>
        </Modal>
      )}
    </Ctx.Provider>
  );
}
