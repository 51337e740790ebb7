// TEST ONLY — an in-memory Backend for the UI's smoke tests and the screenshot harness.
// Never imported by src/ (the app ships only the Tauri backend).
import type * as GeoJSON from 'geojson';
import type { Backend, Department, MapLayers, SignInInput, SubmitResult } from '../src/backend';
import type {
  ActionInput, AppInfo, CaseDetail, CaseList, CaseQuery, CaseRow, Category, Draft, Light, Placement,
  EvaluationLevel, EvaluationReport, Position, QueueCount, QueueId, Role, Session, StagedPhoto, SyncStatus,
  BasemapInfo, PlaceHit, PlaceKind, PlaceQuery, PatrolStatus, Survey, SurveyMarkInput,
} from '../src/backend/types';
import type {
  CellComponent, InspectorPatrol, PatrolInspector, PatrolReport, Roster, SurveyProgress, SurveyTask, TrackDay,
} from '../src/backend/patrol';

const PIXEL = 'data:image/svg+xml;utf8,' + encodeURIComponent('<svg xmlns="http://www.w3.org/2000/svg" width="320" height="240"><rect width="320" height="240" fill="#8aa"/><text x="20" y="130" font-size="28" fill="#fff">现场照片</text></svg>');
/** A photo whose file carries no EXIF (no capture time or position, so no warnings). */
const NO_EXIF = { takenAt: null, lon: null, lat: null, distanceM: null, warnings: [] as string[] };

export const CATS: Category[] = [
  { ref: 'matter:01001', kind: 'matter', code: '01001', name: '暴露垃圾', majorName: '市容环境', minorName: null },
  { ref: 'matter:01006', kind: 'matter', code: '01006', name: '垃圾桶满溢', majorName: '市容环境', minorName: null },
  { ref: 'matter:02003', kind: 'matter', code: '02003', name: '违章张贴小广告', majorName: '宣传广告', minorName: null },
  { ref: 'component:01101', kind: 'component', code: '01101', name: '污水井盖', majorName: '公用设施', minorName: '井盖' },
  { ref: 'component:04001', kind: 'component', code: '04001', name: '路灯', majorName: '道路交通', minorName: null },
];

const STATUSES: [string, string, QueueId][] = [
  ['reported', '待受理', 'intake'], ['awaiting_verification', '待核实', 'verify'], ['awaiting_filing', '待立案', 'filing'],
  ['awaiting_dispatch', '待派遣', 'dispatch'], ['in_progress', '处置中', 'handling'], ['awaiting_check', '待核查', 'check'],
  ['awaiting_close', '待结案', 'close'], ['closed', '已结案', 'closed'],
];
const LIGHTS: (Light | null)[] = ['green', 'green', 'green', 'yellow', 'red'];

export interface FakeOptions {
  mode?: 'field' | 'supervisor'; cases?: number; signedIn?: boolean; now?: number; role?: Role;
  /** Tile URL template for basemap_info (harness: GDAL tiles over HTTP); absent = no package. */
  basemapUrl?: string;
  /** An online layer for basemap_info (needs basemapUrl). */
  onlineLayer?: { url: string; attribution: string };
}

/** The fake grid: 6 × 4 cells of 0.002° from (103.828, 36.058); code = …0010010 + two digits. */
export function fakeCellAt(lon: number, lat: number): string | null {
  const x = Math.floor((lon - 103.828) / 0.002); const y = Math.floor((lat - 36.058) / 0.002);
  if (x < 0 || x >= 6 || y < 0 || y >= 4) return null;
  return `6201020010010${String(x * 4 + y).padStart(2, '0')}`;
}

/** Fake gazetteer for place_search: name, its pinyin initials, kind, position. */
export const FAKE_PLACES: { kind: PlaceKind; name: string; py: string; lon: number; lat: number; detail: string }[] = [
  { kind: 'road', name: '张掖路', py: 'zyl', lon: 103.8335, lat: 36.0605, detail: '城关区 · 东岗街道 · 主干道' },
  { kind: 'road', name: '东岗西路', py: 'dgxl', lon: 103.8310, lat: 36.0621, detail: '城关区 · 东岗街道 · 主干道' },
  { kind: 'road', name: '庆阳路', py: 'qyl', lon: 103.8372, lat: 36.0590, detail: '城关区 · 东岗街道 · 次干道' },
  { kind: 'road', name: '秦安巷', py: 'qax', lon: 103.8352, lat: 36.0633, detail: '城关区 · 东岗街道 · 背街小巷' },
  { kind: 'place', name: '秦安巷口', py: 'qaxk', lon: 103.8349, lat: 36.0631, detail: '城关区 · 东岗街道 · 东岗社区' },
  { kind: 'place', name: '张掖路步行街', py: 'zylbxj', lon: 103.8321, lat: 36.0598, detail: '城关区 · 东岗街道 · 东岗社区' },
  { kind: 'place', name: '东岗小学', py: 'dgxx', lon: 103.8380, lat: 36.0642, detail: '城关区 · 东岗街道 · 东岗社区' },
  { kind: 'community', name: '东岗社区', py: 'dgsq', lon: 103.8340, lat: 36.0620, detail: '城关区 · 东岗街道' },
  { kind: 'street', name: '东岗街道', py: 'dgjd', lon: 103.8340, lat: 36.0620, detail: '城关区' },
  { kind: 'component', name: '62010201101000001', py: '', lon: 103.8342, lat: 36.0611, detail: '污水井盖 · 城关区市政' },
];

export class FakeBackend implements Backend {
  rows: CaseRow[] = [];
  queueOf = new Map<string, QueueId>();
  draft: Draft | null = null;
  saves: Draft[] = [];
  acts: { caseId: string; input: ActionInput }[] = [];
  session: Session | null;
  sync: SyncStatus;
  listeners: ((s: SyncStatus) => void)[] = [];
  now: number;
  basemapUrl: string | null;
  onlineLayer: { url: string; attribution: string } | null;

  constructor(o: FakeOptions = {}) {
    this.basemapUrl = o.basemapUrl ?? null;
    this.onlineLayer = o.onlineLayer ?? null;
    this.now = o.now ?? Date.UTC(2026, 6, 3, 6, 0);
    const mode = o.mode ?? 'supervisor';
    this.session = o.signedIn === false ? null : {
      userId: 'u-1', username: mode === 'field' ? 'inspector01' : 'leader01', displayName: mode === 'field' ? '李明' : '王芳',
      role: mode === 'field' ? 'inspector' : 'shift_leader', roleLabel: mode === 'field' ? '信息监督员' : '值班长',
      department: null, departmentName: null, tenant: '620102', tenantName: '兰州市城关区', cells: ['620102001001001'],
      deviceId: 'd-1', mode,
    };
    if (this.session && o.role) this.session = { ...this.session, role: o.role, roleLabel: ROLE_LABELS[o.role] };
    this.sync = { running: false, online: false, lastSyncAt: this.now - 3600_000, lastError: { code: 'network', message: '无法连接服务器，数据已保存在本机' },
      pendingCases: 2, pendingPhotos: 3, pendingContacts: 0, pendingPatrol: 0, refusedPatrol: 0, upload: { sha256: 'ab', sent: 300_000, total: 1_200_000 },
      quarantines: [{ id: 7, caseId: '0190a1b2-0000-7000-8000-000000000001', code: 'role_not_allowed', reason: '该角色不能对此案件执行“派遣”', at: this.now - 600_000 }] };
    const n = o.cases ?? 250;
    for (let i = 0; i < n; i++) {
      const [status, label, queue] = STATUSES[i % STATUSES.length];
      const id = `0190a1b2-${String(i).padStart(4, '0')}-7000-8000-000000000000`;
      const cat = CATS[i % CATS.length];
      const light = status === 'closed' ? null : LIGHTS[i % LIGHTS.length];
      this.rows.push({
        caseId: id, caseNumber: i % 3 ? `620102202607${String(i).padStart(5, '0')}` : null, status, statusLabel: label,
        category: cat.code, categoryName: cat.name, cell: '620102001001001', address: `城关区东岗街道${i % 9 + 1}号附近`,
        excerpt: '路边有垃圾堆放，影响通行', urgency: i % 7 === 0 ? 'urgent' : 'normal', department: null, departmentName: i % 2 ? '城关区环卫局' : null,
        light, dueAt: light ? this.now + (light === 'red' ? -5_400_000 : light === 'yellow' ? 1_800_000 : 86_400_000) : null,
        // Working time left as the Rust side measures it (issue 15): less than the wall-clock gap.
        remainingMs: light ? (light === 'red' ? -5_400_000 : light === 'yellow' ? 1_800_000 : 7 * 3_600_000) : null,
        remainingWorking: true, closedOnTime: status === 'closed' ? i % 2 === 0 : null,
        syncState: (['synced', 'pending', 'local'] as const)[i % 3], conflictCount: i % 11 === 0 ? 1 : 0,
        createdAt: this.now - i * 600_000, updatedAt: this.now - i * 300_000, lon: 103.83 + (i % 20) * 0.001, lat: 36.06 + (i % 13) * 0.001,
        source: 'inspector_patrol', sourceLabel: '监督员上报', street: '东岗街道', verificationRequired: false,
        escalationLevel: 0, escalationAwaitingReply: false, instructionPending: false, urgeCount: 0, isNew: false,
      });
      this.queueOf.set(id, queue);
    }
  }

  emit() { for (const l of this.listeners) l(this.sync); }

  async appInfo(): Promise<AppInfo> {
    return { version: '0.1.0', platform: 'desktop', serverUrl: 'http://127.0.0.1:8080', session: this.session, referenceLoaded: true,
      signInHint: { serverUrl: 'http://127.0.0.1:8080', tenant: '620102', username: 'inspector01' } };
  }
  async signIn(i: SignInInput): Promise<Session> {
    if (i.password !== 'demo') throw { code: 'invalid_input', message: '用户名或密码错误' };
    this.session = new FakeBackend({ mode: i.username.startsWith('inspector') ? 'field' : 'supervisor' }).session;
    return this.session!;
  }
  async signOut() { this.session = null; }

  private counts(): QueueCount[] {
    const qs: QueueId[] = this.session?.mode === 'field' ? ['my_tasks', 'my_reports']
      : ['intake', 'verify', 'filing', 'dispatch', 'handling', 'approvals', 'check', 'close', 'closed', 'all'];
    return qs.map((q) => {
      const rs = this.inQueue(q);
      return { queue: q, label: ({ intake: '待受理', verify: '待核实', filing: '待立案', dispatch: '待派遣', handling: '处置中', approvals: '待审批', check: '待核查', close: '待结案', closed: '已办结', all: '全部案件', my_tasks: '我的任务', my_reports: '我的上报' } as Record<string, string>)[q],
        total: rs.length, green: rs.filter((r) => r.light === 'green').length, yellow: rs.filter((r) => r.light === 'yellow').length, red: rs.filter((r) => r.light === 'red').length };
    });
  }
  private inQueue(q: QueueId): CaseRow[] {
    if (q === 'all' || q === 'my_reports') return this.rows;
    if (q === 'my_tasks') return this.rows.filter((r) => r.status === 'awaiting_verification' || r.status === 'awaiting_check');
    return this.rows.filter((r) => this.queueOf.get(r.caseId) === q);
  }
  async listCases(q: CaseQuery): Promise<CaseList> {
    const t0 = performance.now();
    let rs = this.inQueue(q.queue ?? 'all');
    if (q.light) rs = rs.filter((r) => r.light === q.light);
    if (q.text) rs = rs.filter((r) => `${r.caseNumber} ${r.address} ${r.excerpt} ${r.categoryName}`.includes(q.text!));
    const off = q.offset ?? 0;
    return { total: rs.length, rows: rs.slice(off, off + (q.limit ?? 100)), counts: this.counts(), elapsedMs: performance.now() - t0,
      facets: { categories: [], streets: [], departments: [], sources: [] } };
  }
  async caseDetail(caseId: string): Promise<CaseDetail> {
    const row = this.rows.find((r) => r.caseId === caseId);
    if (!row) throw { code: 'not_found', message: '案件不存在' };
    const hotline = row.caseNumber == null; // every third fake case came in by phone
    return {
      row,
      report: { description: '路边有垃圾堆放，影响通行', lon: row.lon!, lat: row.lat!, accuracyM: 6, locationSource: '卫星定位', categoryName: row.categoryName,
        sourceLabel: hotline ? '热线' : '监督员上报', reporterName: hotline ? null : '李明', caller: hotline ? { name: '张女士', phone: '13800138000', email: null } : null },
      photos: [{ sha256: 'a'.repeat(64), role: 'before', roleLabel: '处置前', thumbUrl: PIXEL, ...NO_EXIF }, { sha256: 'b'.repeat(64), role: 'after', roleLabel: '处置后', thumbUrl: null, ...NO_EXIF }],
      timeline: [
        { eventId: 'e1', type: 'report', label: '上报', actorName: '李明', roleLabel: '信息监督员', at: row.createdAt, summary: '暴露垃圾，城关区东岗街道', conflict: null },
        { eventId: 'e2', type: 'accept', label: '受理', actorName: '赵敏', roleLabel: '受理员', at: row.createdAt + 600_000, summary: '', conflict: null },
        { eventId: 'e2m', type: 'merge_from', label: '未知操作', actorName: '赵敏', roleLabel: '受理员', at: row.createdAt + 700_000, summary: '合并重复案件 0190a1b2-0001-7000-8000-000000000000（上报人：王强）', conflict: null },
        { eventId: 'e3', type: 'dispatch', label: '派遣', actorName: '孙强', roleLabel: '派遣员', at: row.createdAt + 900_000, summary: '派遣至 城关区环卫局', conflict: '案件已作废，派遣无效' },
      ],
      clocks: [
        { stage: 'accept', label: '受理', startedAt: row.createdAt, dueAt: row.createdAt + 1_800_000, light: 'green', done: true, onTime: true, marginMs: 600_000, working: true },
        { stage: 'handling', label: '处置', startedAt: row.createdAt + 900_000, dueAt: row.dueAt, light: row.light, done: false, onTime: null, marginMs: row.remainingMs, working: true },
      ],
      actions: this.session?.mode === 'field'
        ? [{ kind: 'check', label: '核查', fields: ['passed', 'photos', 'comment'], danger: false }]
        : [{ kind: 'dispatch', label: '派遣', fields: ['department', 'limitValue', 'limitUnit', 'reason'], danger: false },
          { kind: 'file', label: '立案', fields: ['condition', 'comment'], danger: false },
          { kind: 'merge_into', label: '合并', fields: ['targetCase'], danger: false },
          { kind: 'void', label: '作废', fields: ['reason'], danger: true }],
      suggestion: { departmentId: 'dep-3', departmentName: '城关区环卫局', basis: '权责清单：暴露垃圾 · 东岗街道' },
      duplicates: [{ caseId: this.rows[1].caseId, caseNumber: this.rows[1].caseNumber, distanceM: 12.4, categoryName: '暴露垃圾', statusLabel: '待受理', createdAt: this.now - 7200_000, score: 0.86 }],
      assignees: [{ userId: 'u-9', displayName: '李明' }],
      standardLimit: { value: 2, unit: 'natural_hours', text: '2 小时', basis: '立案处置结案标准·立案条件 0101-02·主干道（版本 3）' },
      conditions: [
        { code: '0101-01', filing: '垃圾堆放 1 立方米以下', closing: '清理干净，无残留' },
        { code: '0101-02', filing: '垃圾堆放 1 立方米及以上', closing: '清理干净并消毒' },
      ],
      filingCondition: null, supervision: [],
      signedAt: null, signedBy: null, subTasks: [], childUnits: [], parentDue: null,
    };
  }
  async casePhoto() { return PIXEL; }
  async act(caseId: string, input: ActionInput) { this.acts.push({ caseId, input }); return this.caseDetail(caseId); }
  async actBatch(caseIds: string[], input: ActionInput) {
    return caseIds.map((caseId) => {
      const row = this.rows.find((r) => r.caseId === caseId);
      const ok = !!row && ((input.kind === 'accept' && row.status === 'reported') || (input.kind === 'dispatch' && row.status === 'awaiting_dispatch') || (input.kind === 'close' && row.status === 'awaiting_close'));
      if (ok) this.acts.push({ caseId, input });
      return { caseId, caseNumber: row?.caseNumber ?? null, outcome: ok ? 'done' as const : 'skipped' as const,
        code: ok ? null : 'workflow_conflict', message: ok ? null : '当前不能执行此操作' };
    });
  }
  async photoStage(name: string, data: string): Promise<StagedPhoto> {
    if (!data) throw { code: 'unsupported_format', message: '不支持的图片格式' };
    return { sha256: (data.length.toString(16) + 'c'.repeat(64)).slice(0, 64), thumbUrl: PIXEL, width: 320, height: 240, name,
      exif: { lon: 103.8342, lat: 36.0611, accuracyM: 45, takenAt: this.now, orientation: 1, make: 'Fake', model: 'Cam' } };
  }
  async currentPosition(): Promise<Position | null> { return { lon: 103.834, lat: 36.061, accuracyM: 12, source: 'configured' }; }
  async locate(lon: number, lat: number): Promise<Placement> {
    return { inside: true, cell: fakeCellAt(lon, lat) ?? '620102001001001', community: '东岗社区', street: '东岗街道', address: `城关区东岗街道东岗社区，东岗西路附近（${lon.toFixed(4)}, ${lat.toFixed(4)}）`, nearestCell: null,
      components: [
        { id: '62010201101000001', typeCode: '01101', typeName: '污水井盖', distanceM: 4.2, owner: '城关区市政', maintainer: '市政养护所', lon: lon + 0.00004, lat: lat + 0.00002 },
        { id: '62010204001000007', typeCode: '04001', typeName: '路灯', distanceM: 9.8, owner: '城关区市政', maintainer: '路灯管理所', lon: lon - 0.00008, lat: lat + 0.00005 },
        { id: '62010201101000002', typeCode: '01101', typeName: '污水井盖', distanceM: 15.1, owner: '城关区市政', maintainer: '市政养护所', lon: lon + 0.0001, lat: lat - 0.0001 },
      ] };
  }
  async categoriesSearch(query: string, kind?: 'component' | 'matter') { return CATS.filter((c) => (!kind || c.kind === kind) && (c.name.includes(query) || c.code.includes(query))); }
  async categoriesRecent() { return CATS.slice(0, 2); }
  async draftGet() { return this.draft; }
  async draftSave(d: Draft) { this.draft = d; this.saves.push(d); return d; }
  async draftDiscard() { this.draft = null; }
  async draftSubmit(): Promise<SubmitResult> {
    if (!this.draft) throw { code: 'invalid_input', message: '没有草稿' };
    this.draft = null;
    return { caseId: this.rows[0].caseId, durableMs: 3.2 };
  }
  async syncStatus() { return this.sync; }
  async syncNow() { this.sync = { ...this.sync, running: true }; this.emit(); return this.sync; }
  // Patrol: an in-memory duty state that walks 12 m per status call while on duty, and one survey.
  patrol: PatrolStatus = {
    enabled: true, onDuty: false, since: null, day: '2026-12-07', points: 0, metres: 0, source: 'sim',
    pendingBlocks: 0, pendingSigns: 0, pendingMarks: 0, unsealedPoints: 0, refusedBlocks: 0, refusedSigns: 0, refusedMarks: 0,
  };
  fieldSurveys: Survey[] = [{
    id: '0192f0a0-0000-7000-8000-000000000009', title: '城关区井盖专项普查', categories: ['污水井盖'],
    startsAt: Date.UTC(2026, 11, 1), dueAt: Date.UTC(2026, 11, 20),
    cells: [
      { cell: '620102001001001', community: '东岗社区', status: 'pending', found: 0, done: false, components: [] },
      { cell: '620102001001002', community: '东岗社区', status: 'pending', found: 0, done: false,
        components: [{ id: '62010201101000001', status: 'pending' }, { id: '62010201101000002', status: 'pending' }] },
    ],
    done: 0, pendingMarks: 0, refusedMarks: 0,
  }];
  async patrolStatus() {
    if (this.patrol.onDuty) this.patrol = { ...this.patrol, points: this.patrol.points + 1, metres: this.patrol.metres + 12, unsealedPoints: this.patrol.unsealedPoints + 1 };
    return this.patrol;
  }
  async patrolSignIn() {
    this.patrol = { ...this.patrol, onDuty: true, since: Date.now(), pendingSigns: this.patrol.pendingSigns + 1, points: this.patrol.points + 1 };
    return this.patrol;
  }
  async patrolSignOut() {
    if (!this.patrol.onDuty) throw { code: 'patrol_not_on_duty', message: '尚未签到' };
    this.patrol = { ...this.patrol, onDuty: false, since: null, pendingSigns: this.patrol.pendingSigns + 1, pendingBlocks: this.patrol.pendingBlocks + 1, unsealedPoints: 0 };
    return this.patrol;
  }
  async mySurveys() { return this.fieldSurveys; }
  async surveyMark(input: SurveyMarkInput) {
    this.fieldSurveys = this.fieldSurveys.map((s) => {
      if (s.id !== input.surveyId) return s;
      const cells = s.cells.map((c) => {
        if (c.cell !== input.cell) return c;
        if (input.componentId === null) return { ...c, status: 'clear' as const, done: true };
        const components = c.components.map((k) => k.id === input.componentId && k.status === 'pending' ? { ...k, status: 'clear' as const } : k);
        const done = components.every((k) => k.status !== 'pending');
        return { ...c, components, done, status: done && c.status === 'pending' ? 'clear' as const : c.status };
      });
      return { ...s, cells, done: cells.filter((c) => c.done).length, pendingMarks: s.pendingMarks + 1 };
    });
    return this.fieldSurveys;
  }
  async quarantineResend(id: number) { this.sync = { ...this.sync, pendingCases: this.sync.pendingCases + 1, quarantines: this.sync.quarantines.filter((q) => q.id !== id) }; return this.sync; }
  async quarantineDismiss(id: number) { this.sync = { ...this.sync, quarantines: this.sync.quarantines.filter((q) => q.id !== id) }; return this.sync; }
  async mapLayers(): Promise<MapLayers> {
    const features: GeoJSON.Feature[] = [];
    for (let x = 0; x < 6; x++) for (let y = 0; y < 4; y++) {
      const lon = 103.828 + x * 0.002; const lat = 36.058 + y * 0.002;
      features.push({ type: 'Feature', properties: { code: `6201020010010${String(x * 4 + y).padStart(2, '0')}`, community: '东岗社区', street: '东岗街道', openCases: (x * y) % 12 },
        geometry: { type: 'Polygon', coordinates: [[[lon, lat], [lon + 0.002, lat], [lon + 0.002, lat + 0.002], [lon, lat + 0.002], [lon, lat]]] } });
    }
    return { cells: { type: 'FeatureCollection', features }, cases: this.rows.slice(0, 40).map((r) => ({ caseId: r.caseId, lon: r.lon!, lat: r.lat!, light: r.light, statusLabel: r.statusLabel, caseNumber: r.caseNumber })) };
  }
  async departments(): Promise<Department[]> { return [{ id: 'dep-1', name: '城关区市政局' }, { id: 'dep-3', name: '城关区环卫局' }, { id: 'dep-5', name: '城关区园林局' }]; }
  evalCalls: { from: string; to: string; level: EvaluationLevel; format?: string }[] = [];
  async evaluation(from: string, to: string, level: EvaluationLevel): Promise<EvaluationReport> {
    this.evalCalls.push({ from, to, level });
    const role = this.session?.role;
    if (role !== 'shift_leader' && role !== 'leader' && role !== 'admin') {
      throw { code: 'evaluation_forbidden', message: `综合评价仅对值班长、领导和管理员开放：当前岗位为${this.session?.roleLabel ?? '未知'}` };
    }
    const r = fakeEvaluation(from, to, level);
    const mine = this.publishes.filter((p) => p.from === from && p.to === to);
    if (mine.length) {
      r.published = { version: mine.length, published_at: this.now, published_by: 'u-1', published_by_name: '马丽', published_by_role: 'shift_leader',
        reason: mine[mine.length - 1].reason, case_count: 5, period_ended: true, rules_fingerprint: 'ab'.repeat(32) } as unknown as EvaluationReport['published'];
    }
    return r;
  }
  async evaluationExport(from: string, to: string, format: 'xlsx' | 'csv', level: EvaluationLevel) {
    this.evalCalls.push({ from, to, level, format });
    return `/home/user/.local/share/gridcase/exports/综合评价_${level}_${from}_${to}.${format}`;
  }
  publishes: { from: string; to: string; reason: string | null }[] = [];
  async evaluationPublish(from: string, to: string, reason: string | null) {
    const again = this.publishes.some((p) => p.from === from && p.to === to);
    if (again && !reason) throw { code: 'republish_reason_required', message: '该期考核结果已发布，重新发布须填写原因' };
    this.publishes.push({ from, to, reason });
    return { version: this.publishes.filter((p) => p.from === from && p.to === to).length };
  }
  dashCalls: { from: string; to: string }[] = [];
  async dashboard(from: string, to: string): Promise<unknown> {
    this.dashCalls.push({ from, to });
    const role = this.session?.role;
    if (role !== 'shift_leader' && role !== 'leader' && role !== 'admin') {
      throw { code: 'dashboard_forbidden', message: '综合看板与月报、季报仅对值班长、领导和管理员开放' };
    }
    const span = { from: this.now - 7 * 86_400_000, to: this.now + 86_400_000 };
    const fig = (key: string, label: string, value: number, previous: number) => ({ key, label, kind: 'count', value, day: 1, previous });
    return {
      tenant: '620102', tenant_name: '城关区',
      periods: { current: span, previous: { from: span.from - 8 * 86_400_000, to: span.from }, day: { from: this.now - 3_600_000, to: this.now + 86_400_000 } },
      figures: [fig('reported', '上报数', 12, 10), fig('filed', '立案数', 9, 9), fig('dispatched', '派遣数', 8, 6),
        fig('due_close', '应结案数', 6, 5), fig('closed', '结案数', 5, 4), fig('ontime_closed', '按期结案数', 4, 4),
        { key: 'ontime_close_rate', label: '按期结案率', kind: 'rate', value: 4 / 6, numerator: 4, denominator: 6, day: null, previous: 0.8 }],
      departments: [{ id: 'dep-1', name: '城关区市政局', due: 3, handled: 2, ontime_handle_rate: 2 / 3, overdue_pending: 1, overdue_now: 2, score: null, grade: null }],
      categories: [{ id: 'component:01001', name: '上水井盖', class: '公用设施', filed: 4, closed: 2, ontime_closed: 2, due_close: 3, previous_filed: 2 }],
      cells: [{ id: '620102001001001', name: '620102001001001', filed: 3, closed: 1, ontime_closed: 1, due_close: 2, previous_filed: 3 }],
      streets: [{ id: '620102001', name: '东岗街道', filed: 9, closed: 5, ontime_closed: 4, due_close: 6, previous_filed: 9 }],
    };
  }
  async dashboardCases(): Promise<unknown> {
    return { total: 1, rows: [{ case_id: this.rows[0]?.caseId ?? 'c-1', case_number: '620102-20261201-00001', status: 'in_progress', category: 'component:01001',
      cell: '620102001001001', department: 'dep-1', light: 'red', address: '东岗西路 1 号', description: null, created_at: this.now }] };
  }
  async monthlyReport(month: string) { return `/home/user/.local/share/gridcase/exports/月报_${month}.xlsx`; }
  async quarterlyReport(quarter: string) { return `/home/user/.local/share/gridcase/exports/季报_${quarter}.xlsx`; }
  placeQueries: PlaceQuery[] = [];
  async basemapInfo(): Promise<BasemapInfo | null> {
    if (!this.basemapUrl) return null;
    return { version: 'f'.repeat(64), bytes: 123_456, minzoom: 10, maxzoom: 17, bounds: [103.820, 36.052, 103.848, 36.070], url: this.basemapUrl,
      ...(this.onlineLayer ? { onlineLayer: this.onlineLayer } : {}) };
  }
  /** Chinese substrings, pinyin initials and code/id prefixes; exact/prefix before substring, then distance. */
  async placeSearch(q: PlaceQuery): Promise<PlaceHit[]> {
    this.placeQueries.push(q);
    const s = q.query.trim().toLowerCase();
    if (!s) return [];
    const scored: { h: PlaceHit; rank: number; d: number }[] = [];
    const entries = [...FAKE_PLACES];
    for (let i = 0; i < 24; i++) {
      const x = Math.floor(i / 4); const y = i % 4;
      entries.push({ kind: 'cell', name: `6201020010010${String(i).padStart(2, '0')}`, py: '', lon: 103.829 + x * 0.002, lat: 36.059 + y * 0.002, detail: '城关区 · 东岗街道 · 东岗社区' });
    }
    for (const p of entries) {
      let rank = -1;
      if (p.name === q.query.trim() || (p.py && p.py === s)) rank = 0;
      else if (p.name.toLowerCase().startsWith(s) || (p.py && p.py.startsWith(s))) rank = 1;
      else if ((p.kind !== 'cell' && p.kind !== 'component') && p.name.includes(q.query.trim())) rank = 2;
      if (rank < 0) continue;
      const d = q.lon != null && q.lat != null ? Math.hypot(p.lon - q.lon, p.lat - q.lat) : 0;
      const cell = fakeCellAt(p.lon, p.lat);
      scored.push({ rank, d, h: { kind: p.kind, name: p.name, detail: p.detail, lon: p.lon, lat: p.lat, cell,
        address: `城关区东岗街道东岗社区${p.kind === 'cell' ? '' : p.name}附近` } });
    }
    scored.sort((a, b) => a.rank - b.rank || a.d - b.d);
    return scored.slice(0, q.limit ?? 20).map((x) => x.h);
  }
  // ---- 巡查考勤, 排班, 专项普查 (fakePatrol*) ----
  online = true;
  roster: Roster = { shifts: [] };
  rosterSaves: Roster[] = [];
  surveys: SurveyTask[] = [];
  patrolCalls: string[] = [];
  private needOnline(what: string) {
    if (!this.online) throw { code: 'network', message: `${what}需要联网，当前无法连接服务器` };
  }
  async patrolInspectors(): Promise<PatrolInspector[]> { return FAKE_INSPECTORS; }
  async patrolReport(from: string, to: string): Promise<PatrolReport> {
    this.patrolCalls.push(`report ${from} ${to}`);
    this.needOnline('巡查考勤');
    return fakePatrolReport(from, to);
  }
  async patrolTrack(inspector: string, day: string): Promise<TrackDay> {
    this.patrolCalls.push(`track ${inspector} ${day}`);
    this.needOnline('巡查考勤');
    return fakeTrack(day);
  }
  async patrolRoster(from: string, to: string): Promise<Roster> {
    this.patrolCalls.push(`roster ${from} ${to}`);
    this.needOnline('排班');
    return { shifts: this.roster.shifts.filter((s) => s.day >= from && s.day <= to) };
  }
  async patrolRosterSave(r: Roster) {
    this.needOnline('排班');
    this.rosterSaves.push(r);
    const days = new Set(r.shifts.map((s) => s.day));
    this.roster = { shifts: [...this.roster.shifts.filter((s) => !days.has(s.day)), ...r.shifts] };
  }
  async surveyList() { this.needOnline('专项普查'); return this.surveys; }
  async surveyCreate(task: SurveyTask) {
    this.needOnline('专项普查');
    if (!this.surveys.some((t) => t.id === task.id)) this.surveys.push(task);
    return task;
  }
  async surveyProgress(id: string): Promise<SurveyProgress> {
    this.needOnline('专项普查');
    const task = this.surveys.find((t) => t.id === id);
    if (!task) throw { code: 'not_found', message: '未找到普查任务' };
    return fakeSurveyProgress(task);
  }
  async surveyExport(id: string, title: string) { this.needOnline('专项普查'); return `/home/user/.local/share/gridcase/exports/专项普查_${title}_${id.slice(0, 8)}.xlsx`; }
  async surveyCellComponents(cells: string[], types: string[]): Promise<Record<string, CellComponent[]>> {
    const out: Record<string, CellComponent[]> = {};
    if (types.includes('01101')) for (const c of cells.slice(0, 2)) out[c] = [1, 2].map((n) => ({ id: `62010201101${c.slice(-3)}${String(n).padStart(3, '0')}`, typeCode: '01101', typeName: '污水井盖' }));
    return out;
  }
  async onSyncStatus(h: (s: SyncStatus) => void) { this.listeners.push(h); return () => { this.listeners = this.listeners.filter((x) => x !== h); }; }
}

const ROLE_LABELS: Record<Role, string> = {
  inspector: '信息监督员', intake_operator: '受理员', shift_leader: '值班长', dispatcher: '派遣员',
  department: '专业部门', leader: '领导', admin: '管理员', system: '系统',
};

/** A street table shaped like the server's (docs/evaluation.md), for any level (TEST ONLY). */
export function fakeEvaluation(from: string, to: string, level: EvaluationLevel): EvaluationReport {
  const [y, m, d] = to.split('-').map(Number);
  const start = Date.UTC(...(from.split('-').map(Number).map((v, i) => (i === 1 ? v - 1 : v)) as [number, number, number])) - 8 * 3600_000;
  const end = Date.UTC(y, m - 1, d + 1) - 8 * 3600_000;
  const columns = [
    { key: 'reported', label: '上报数', kind: 'count' as const, weight: 0 },
    { key: 'filed_score', label: '立案数分值', kind: 'score' as const, weight: 20 },
    { key: 'report_rate', label: '监督举报率', kind: 'rate' as const, weight: 10 },
    { key: 'close_rate', label: '结案率', kind: 'rate' as const, weight: 30 },
    { key: 'ontime_close_rate', label: '按期结案率', kind: 'rate' as const, weight: 40 },
  ];
  const row = (id: string, name: string, reported: number, filedScore: number, rr: number | null, cr: number | null, ocr: number | null, score: number | null, grade: string | null) => ({
    id, name, score, grade,
    figures: [
      { key: 'reported', label: '上报数', kind: 'count' as const, value: reported, weight: 0 },
      { key: 'filed_score', label: '立案数分值', kind: 'score' as const, value: filedScore, score: filedScore, weight: 20 },
      { key: 'report_rate', label: '监督举报率', kind: 'rate' as const, value: rr, numerator: rr == null ? null : Math.round(rr * 20), denominator: rr == null ? 0 : 20, ...(rr == null ? {} : { score: 100 * (1 - rr) }), weight: 10 },
      { key: 'close_rate', label: '结案率', kind: 'rate' as const, value: cr, ...(cr == null ? {} : { score: 100 * cr }), weight: 30 },
      { key: 'ontime_close_rate', label: '按期结案率', kind: 'rate' as const, value: ocr, ...(ocr == null ? {} : { score: 100 * ocr }), weight: 40 },
    ],
  });
  return {
    tenant: '620102', tenant_name: '城关区', family: 'region', title: '街道评价', level, from: start, to: end, columns,
    published: null,
    rows: [
      row('620102001', '东岗街道', 24, 0, 0.05, 0.8, 0.55, 65.05555555555556, 'C'),
      row('620102002', '雁北街道', 12, 100, 0, 0.95, 0.9, 94.5, 'A'),
      row('620102003', '拱星墩街道', 30, 40, 0.1, 0.7, 0.4, 48.0, 'D'),
      row('620102004', '盐场路街道', 0, 100, null, null, null, null, null),
    ],
  };
}

// ---- Patrol fixtures (TEST ONLY) ----

export const FAKE_INSPECTORS: PatrolInspector[] = [
  { id: '0190a1b2-0000-7000-8000-0000000000a1', name: '李明', cells: ['620102001001000', '620102001001001', '620102001001004'] },
  { id: '0190a1b2-0000-7000-8000-0000000000a2', name: '张伟', cells: ['620102001001008', '620102001001012'] },
  { id: '0190a1b2-0000-7000-8000-0000000000a3', name: '赵静', cells: ['620102001001016'] },
];

/** Shanghai midnight of a day, Unix s. */
const dayStart = (day: string) => { const [y, m, d] = day.split('-').map(Number); return Date.UTC(y, m - 1, d) / 1000 - 8 * 3600; };

/** 李明's day: 08:00–12:00 walking east through cells 00 → 04 → 08 (outside his beat 09:30–10:00). */
export function fakeTrack(day: string): TrackDay {
  const t0 = dayStart(day) + 8 * 3600;
  const points: [number, number, number, number][] = [];
  for (let i = 0; i <= 240; i++) {
    if (i > 100 && i < 110) continue; // a 10-minute hole (tunnel)
    points.push([t0 + i * 60, 103.829 + i * 0.00002, 36.059 + Math.sin(i / 20) * 0.0004, 6]);
  }
  return { day, points, signs: [{ kind: 'in', at: (t0 - 300) * 1000, lon: 103.829, lat: 36.059 }, { kind: 'out', at: (t0 + 4 * 3600 + 60) * 1000, lon: 103.8338, lat: 36.059 }] };
}

function fakeInspector(p: PatrolInspector, days: string[], k: number): InspectorPatrol {
  const out: InspectorPatrol = { inspector: p.id, name: p.name, coverage_rate: 0, metres: 0, scheduled_s: 0, on_duty_s: 0, duty_rate: 0, days: [], missed: [] };
  let assigned = 0; let visited = 0;
  days.forEach((day, i) => {
    const t0 = dayStart(day) + 8 * 3600;
    const cells = p.cells.map((cell, j) => {
      const v = (i + j + k) % 3 !== 0;
      assigned += 1; if (v) visited += 1;
      return { cell, assigned: true, visited: v, metres: v ? 400 + 300 * j : 0, seconds: v ? 300 + 900 * j : 0 };
    });
    if (k === 0) cells.push({ cell: '620102001001009', assigned: false, visited: true, metres: 180, seconds: 240 });
    const metres = cells.reduce((a, c) => a + c.metres, 0);
    const late = (i + k) % 4 === 1 ? 900 : 0;
    const onDuty = 28_800 - late - ((i + k) % 5 === 2 ? 1800 : 0);
    out.days.push({ day, cells, metres, outside: k === 0 ? [[t0 + 5400, t0 + 7200]] : [], scheduled_s: 28_800, on_duty_s: onDuty,
      late_s: late, early_leave_s: (i + k) % 5 === 2 ? 1800 : 0, missing_sign_out: k === 1 && i === 0, signed_outside: k === 2 && i === 1 });
    out.metres += metres; out.scheduled_s += 28_800; out.on_duty_s += onDuty;
  });
  out.coverage_rate = assigned ? visited / assigned : 0;
  out.duty_rate = out.scheduled_s ? out.on_duty_s / out.scheduled_s : 0;
  if (k === 0 && days.length) out.missed.push({ case_id: '0190a1b2-0001-7000-8000-000000000000', case_number: '62010220260700001', distance_m: 12.4, segment: [dayStart(days[0]) + 8 * 3600 + 3000, dayStart(days[0]) + 8 * 3600 + 3240] });
  return out;
}

/** A report over at most the first 7 days of the period; none after 2026-12-31 (an empty period). */
export function fakePatrolReport(from: string, to: string): PatrolReport {
  const days: string[] = [];
  for (let t = dayStart(from); t <= dayStart(to) && days.length < 7; t += 86_400) {
    const d = new Date((t + 8 * 3600) * 1000).toISOString().slice(0, 10);
    if (d <= '2026-12-31') days.push(d);
  }
  // Like the server: every inspector, with no days when nothing was rostered or recorded.
  return { from, to, inspectors: FAKE_INSPECTORS.map((p, k) => fakeInspector(p, days, k)) };
}

export function fakeSurveyProgress(task: SurveyTask): SurveyProgress {
  const cells = Object.entries(task.assignments).flatMap(([inspector, cs]) => cs.map((cell, i) => ({
    cell, inspector, status: i % 3 === 0 ? 'found' : i % 3 === 1 ? 'clear' : 'pending', found: i % 3 === 0 ? 1 : 0, done: i % 3 !== 2,
  })));
  const inspectors = Object.keys(task.assignments).map((id) => {
    const mine = cells.filter((c) => c.inspector === id);
    return { inspector: id, name: FAKE_INSPECTORS.find((p) => p.id === id)?.name ?? id, cells: mine.length, done: mine.filter((c) => c.done).length,
      reported: mine.reduce((a, c) => a + c.found, 0), clear: mine.filter((c) => c.status === 'clear').length };
  });
  const done = cells.filter((c) => c.done).length;
  return { task, rate: cells.length ? done / cells.length : 0, cases: cells.reduce((a, c) => a + c.found, 0), cells, inspectors };
}
