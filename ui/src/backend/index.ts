// The one interface between the screens and the Rust side, and its Tauri implementation.
// Every method is a typed wrapper over one command of the contract (/work/notes/app-contract.md);
// every failure is turned into an ApiError {code, message} so the screens can switch on `code`
// and show `message` (zh-CN from the Rust side) as is.
import type * as GeoJSON from 'geojson';
import type {
  ActionInput, AppInfo, CaseDetail, CaseList, CaseQuery, Category, Draft, MapCase, Placement,
  EvaluationLevel, EvaluationReport, Position, Session, StagedPhoto, SyncStatus, ApiError,
  BasemapInfo, PlaceHit, PlaceQuery, BatchItem, PatrolStatus, Survey, SurveyMarkInput, Alert,
} from './types';
import { patrolAdminCalls, type PatrolAdmin, type Roster, type SurveyTask } from './patrol';

export type * from './types';
export type * from './patrol';

export interface MapLayers { cells: GeoJSON.FeatureCollection; cases: MapCase[] }
export interface SubmitResult { caseId: string; durableMs: number }
export interface Department { id: string; name: string }
export type ExportFormat = 'xlsx' | 'csv';
export interface DashboardCasesQuery {
  from: string; to: string; scope: 'current' | 'previous' | 'day'; figure: string;
  category?: string; cell?: string; street?: string; department?: string; offset?: number;
}
export interface SignInInput {
  serverUrl: string; tenant: string; username: string; password: string; deviceName: string;
}

export interface Backend extends PatrolAdmin {
  appInfo(): Promise<AppInfo>;
  /** Tablets only: scans one QR code with the camera (tauri-plugin-barcode-scanner), its text. */
  scanQr?(): Promise<string>;
  signIn(input: SignInInput): Promise<Session>;
  signOut(): Promise<void>;
  listCases(query: CaseQuery): Promise<CaseList>;
  caseDetail(caseId: string): Promise<CaseDetail>;
  casePhoto(sha256: string): Promise<string>;
  act(caseId: string, input: ActionInput): Promise<CaseDetail>;
  /** 批量受理 / 派遣 / 结案: the same action on each case, one by one; per-case outcome. */
  actBatch(caseIds: string[], input: ActionInput): Promise<BatchItem[]>;
  photoStage(name: string, data: string): Promise<StagedPhoto>;
  currentPosition(): Promise<Position | null>;
  locate(lon: number, lat: number): Promise<Placement>;
  categoriesSearch(query: string, kind?: 'component' | 'matter'): Promise<Category[]>;
  categoriesRecent(): Promise<Category[]>;
  draftGet(): Promise<Draft | null>;
  draftSave(draft: Draft): Promise<Draft>;
  draftDiscard(): Promise<void>;
  draftSubmit(): Promise<SubmitResult>;
  syncStatus(): Promise<SyncStatus>;
  patrolStatus(): Promise<PatrolStatus>;
  patrolSignIn(): Promise<PatrolStatus>;
  patrolSignOut(): Promise<PatrolStatus>;
  mySurveys(): Promise<Survey[]>;
  surveyMark(input: SurveyMarkInput): Promise<Survey[]>;
  syncNow(): Promise<SyncStatus>;
  quarantineDismiss(id: number): Promise<SyncStatus>;
  /** 重新提交: sends a quarantined edit again (photos kept). */
  quarantineResend(id: number): Promise<SyncStatus>;
  mapLayers(): Promise<MapLayers>;
  departments(): Promise<Department[]>;
  /** `from`/`to`: inclusive Shanghai days `YYYY-MM-DD`. Resolves to the server's JSON as is. */
  evaluation(from: string, to: string, level: EvaluationLevel): Promise<EvaluationReport>;
  /** Saves the table as XLSX/CSV on the device; resolves to the file's path. */
  evaluationExport(from: string, to: string, format: ExportFormat, level: EvaluationLevel): Promise<string>;
  /** 发布: freezes the period's tables on the server (a republish needs `reason`); resolves to the server's answer (`version`, …). */
  evaluationPublish(from: string, to: string, reason: string | null): Promise<{ version: number }>;
  /** 综合看板 of inclusive days `from`–`to`: the server's JSON as is (logic/dashboard.ts). */
  dashboard(from: string, to: string): Promise<unknown>;
  /** The cases behind one dashboard figure: `{total, rows}` (server queue rows, up to 200). */
  dashboardCases(q: DashboardCasesQuery): Promise<unknown>;
  /** 月报 (`YYYY-MM`) / 季报 (`YYYY-Qn`) saved as XLSX on the device; resolves to the file's path. */
  monthlyReport(month: string): Promise<string>;
  quarterlyReport(quarter: string): Promise<string>;
  /** The device's offline basemap package, or null when it has none yet (maps then draw as before). */
  basemapInfo(): Promise<BasemapInfo | null>;
  /** Offline place search (roads, places, communities, streets, cell codes, component ids), best first. */
  placeSearch(q: PlaceQuery): Promise<PlaceHit[]>;
  /** Subscribes to `sync://status`; resolves to the unsubscribe function. */
  onSyncStatus(handler: (status: SyncStatus) => void): Promise<() => void>;
  /** Subscribes to `alerts://new` (new tasks, 督办, 批示, 催办 for this user). */
  onAlerts?(handler: (alerts: Alert[]) => void): Promise<() => void>;
}

/** Turns whatever a rejected invoke carries into an ApiError. */
export function toApiError(e: unknown): ApiError {
  if (e && typeof e === 'object') {
    const o = e as Record<string, unknown>;
    if (typeof o.code === 'string' && typeof o.message === 'string') {
      const out: ApiError & { field?: string } = { code: o.code, message: o.message };
      if (typeof o.field === 'string') out.field = o.field;
      return out;
    }
    if (e instanceof Error) return { code: 'client_error', message: e.message };
  }
  if (typeof e === 'string') return { code: 'client_error', message: e };
  return { code: 'client_error', message: String(e) };
}

export function isApiError(e: unknown): e is ApiError {
  return !!e && typeof e === 'object' && typeof (e as ApiError).code === 'string'
    && typeof (e as ApiError).message === 'string';
}

type Invoke = <T>(cmd: string, args?: Record<string, unknown>) => Promise<T>;
type Listen = <T>(event: string, handler: (e: { payload: T }) => void) => Promise<() => void>;

/** The Tauri implementation. `invoke`/`listen` are injected so the module loads outside Tauri. */
export class TauriBackend implements Backend {
  constructor(private readonly invokeFn: Invoke, private readonly listenFn: Listen) {}

  private async call<T>(cmd: string, args?: Record<string, unknown>): Promise<T> {
    try {
      return await this.invokeFn<T>(cmd, args);
    } catch (e) {
      throw toApiError(e);
    }
  }

  appInfo() { return this.call<AppInfo>('app_info'); }
  async scanQr() {
    const r = await this.call<{ content: string }>('plugin:barcode-scanner|scan', { windowed: false, formats: ['QR_CODE'] });
    return r.content;
  }
  signIn(input: SignInInput) { return this.call<Session>('sign_in', { ...input }); }
  async signOut() { await this.call<null>('sign_out'); }
  listCases(query: CaseQuery) { return this.call<CaseList>('list_cases', { query }); }
  caseDetail(caseId: string) { return this.call<CaseDetail>('case_detail', { caseId }); }
  casePhoto(sha256: string) { return this.call<string>('case_photo', { sha256 }); }
  act(caseId: string, input: ActionInput) { return this.call<CaseDetail>('act', { caseId, input }); }
  actBatch(caseIds: string[], input: ActionInput) { return this.call<BatchItem[]>('act_batch', { batch: { caseIds, input } }); }
  photoStage(name: string, data: string) { return this.call<StagedPhoto>('photo_stage', { name, data }); }
  currentPosition() { return this.call<Position | null>('current_position'); }
  locate(lon: number, lat: number) { return this.call<Placement>('locate', { lon, lat }); }
  categoriesSearch(query: string, kind?: 'component' | 'matter') {
    return this.call<Category[]>('categories_search', kind ? { query, kind } : { query });
  }
  categoriesRecent() { return this.call<Category[]>('categories_recent'); }
  draftGet() { return this.call<Draft | null>('draft_get'); }
  draftSave(draft: Draft) { return this.call<Draft>('draft_save', { draft }); }
  async draftDiscard() { await this.call<null>('draft_discard'); }
  draftSubmit() { return this.call<SubmitResult>('draft_submit'); }
  syncStatus() { return this.call<SyncStatus>('sync_status'); }
  patrolStatus() { return this.call<PatrolStatus>('patrol_status'); }
  patrolSignIn() { return this.call<PatrolStatus>('patrol_sign_in'); }
  patrolSignOut() { return this.call<PatrolStatus>('patrol_sign_out'); }
  mySurveys() { return this.call<Survey[]>('my_surveys'); }
  surveyMark(input: SurveyMarkInput) { return this.call<Survey[]>('survey_mark', { input }); }
  syncNow() { return this.call<SyncStatus>('sync_now'); }
  quarantineDismiss(id: number) { return this.call<SyncStatus>('quarantine_dismiss', { id }); }
  quarantineResend(id: number) { return this.call<SyncStatus>('quarantine_resend', { id }); }
  mapLayers() { return this.call<MapLayers>('map_layers'); }
  departments() { return this.call<Department[]>('departments'); }
  evaluation(from: string, to: string, level: EvaluationLevel) {
    return this.call<EvaluationReport>('evaluation', { from, to, level });
  }
  evaluationExport(from: string, to: string, format: ExportFormat, level: EvaluationLevel) {
    return this.call<string>('evaluation_export', { from, to, format, level });
  }
  evaluationPublish(from: string, to: string, reason: string | null) {
    return this.call<{ version: number }>('evaluation_publish', { from, to, reason });
  }
  dashboard(from: string, to: string) { return this.call<unknown>('dashboard', { from, to }); }
  dashboardCases(q: DashboardCasesQuery) {
    return this.call<unknown>('dashboard_cases', {
      from: q.from, to: q.to, scope: q.scope, figure: q.figure, category: q.category ?? null, cell: q.cell ?? null,
      street: q.street ?? null, department: q.department ?? null, offset: q.offset ?? null,
    });
  }
  monthlyReport(month: string) { return this.call<string>('monthly_report', { month }); }
  quarterlyReport(quarter: string) { return this.call<string>('quarterly_report', { quarter }); }
  basemapInfo() { return this.call<BasemapInfo | null>('basemap_info'); }
  placeSearch(q: PlaceQuery) {
    return this.call<PlaceHit[]>('place_search', { query: q.query, lon: q.lon, lat: q.lat, limit: q.limit });
  }
  // 巡查考勤, 排班 and 专项普查 (./patrol.ts).
  private readonly patrol = patrolAdminCalls(<T>(cmd: string, args?: Record<string, unknown>) => this.call<T>(cmd, args));
  patrolInspectors() { return this.patrol.patrolInspectors(); }
  patrolReport(from: string, to: string) { return this.patrol.patrolReport(from, to); }
  patrolTrack(inspector: string, day: string) { return this.patrol.patrolTrack(inspector, day); }
  patrolRoster(from: string, to: string) { return this.patrol.patrolRoster(from, to); }
  patrolRosterSave(roster: Roster) { return this.patrol.patrolRosterSave(roster); }
  surveyList() { return this.patrol.surveyList(); }
  surveyCreate(task: SurveyTask) { return this.patrol.surveyCreate(task); }
  surveyProgress(id: string) { return this.patrol.surveyProgress(id); }
  surveyExport(id: string, title: string) { return this.patrol.surveyExport(id, title); }
  surveyCellComponents(cells: string[], types: string[]) { return this.patrol.surveyCellComponents(cells, types); }
  async onSyncStatus(handler: (status: SyncStatus) => void) {
    try {
      return await this.listenFn<SyncStatus>('sync://status', (e) => handler(e.payload));
    } catch (e) {
      throw toApiError(e);
    }
  }
  async onAlerts(handler: (alerts: Alert[]) => void) {
    try {
      return await this.listenFn<Alert[]>('alerts://new', (e) => handler(e.payload));
    } catch (e) {
      throw toApiError(e);
    }
  }
}

/** The backend of the running app: Tauri's IPC. */
export async function createTauriBackend(): Promise<Backend> {
  const [{ invoke }, { listen }] = await Promise.all([
    import('@tauri-apps/api/core'),
    import('@tauri-apps/api/event'),
  ]);
  return new TauriBackend(invoke as Invoke, listen as unknown as Listen);
}
