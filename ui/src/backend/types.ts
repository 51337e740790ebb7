// The UI ⇄ Rust command contract, v1 (/work/notes/app-contract.md), verbatim.
// Do not edit by hand: change the contract first, then copy it here.

export type Role = 'inspector' | 'intake_operator' | 'shift_leader' | 'dispatcher'
  | 'department' | 'leader' | 'admin' | 'system';
export type Mode = 'field' | 'supervisor';   // inspector, department → field; others → supervisor
export type Light = 'green' | 'yellow' | 'red';
export type SyncState = 'local' | 'pending' | 'synced';
export interface ApiError { code: string; message: string }

export interface Session {
  userId: string; username: string; displayName: string; role: Role; roleLabel: string;
  department: string | null; departmentName: string | null;
  tenant: string; tenantName: string | null; cells: string[]; deviceId: string; mode: Mode;
}
export interface AppInfo {
  version: string; platform: 'desktop' | 'mobile'; serverUrl: string | null;
  session: Session | null; referenceLoaded: boolean;
  /** Pre-filled sign-in (from the demo launcher's env), may be null. */
  signInHint: { serverUrl: string; tenant: string; username: string } | null;
}
// app_info() -> AppInfo
// sign_in({serverUrl, tenant, username, password, deviceName}) -> Session   (also downloads the tenant's reference data)
// sign_out() -> null

export type QueueId =
  | 'my_tasks'      // field: verify/check tasks assigned to me; department: cases dispatched to my department awaiting feedback
  | 'my_reports'    // field: cases I reported
  | 'intake'        // reported, awaiting accept (intake operator)
  | 'verify'        // awaiting verification
  | 'filing'        // awaiting filing (shift leader)
  | 'dispatch'      // awaiting dispatch (dispatcher)
  | 'handling'      // in progress at a department
  | 'approvals'     // pending extension / send-back / park / self-handle requests
  | 'check'         // feedback received, awaiting check
  | 'close'         // awaiting close
  | 'callback'      // closed public cases awaiting 回访 (call-back)
  | 'closed'        // closed, rejected, voided, merged
  | 'all';
export interface CaseQuery {
  queue?: QueueId; text?: string; light?: Light; status?: string; limit?: number; offset?: number;
}
export interface CaseRow {
  caseId: string; caseNumber: string | null; status: string; statusLabel: string;
  category: string | null; categoryName: string | null; cell: string | null;
  address: string | null; excerpt: string | null; urgency: 'urgent' | 'normal' | null;
  department: string | null; departmentName: string | null;
  light: Light | null; dueAt: number | null; syncState: SyncState; conflictCount: number;
  createdAt: number; updatedAt: number; lon: number | null; lat: number | null;
}
export interface QueueCount { queue: QueueId; label: string; total: number; green: number; yellow: number; red: number }
export interface CaseList { total: number; rows: CaseRow[]; counts: QueueCount[]; elapsedMs: number }
// list_cases({query: CaseQuery}) -> CaseList

export interface PhotoInfo { sha256: string; role: string; roleLabel: string; thumbUrl: string | null }
export interface TimelineEntry {
  eventId: string; type: string; label: string; actorName: string | null; roleLabel: string;
  at: number; summary: string; conflict: string | null;
}
export interface StageClock { stage: string; label: string; startedAt: number; dueAt: number | null; light: Light | null; done: boolean; onTime: boolean | null }
export type ActionKind = 'accept' | 'request_verification' | 'verify' | 'merge_into' | 'file' | 'reject'
  | 'void' | 'fast_dispatch' | 'dispatch' | 'request_extension' | 'approve_extension' | 'deny_extension'
  | 'request_sendback' | 'approve_sendback' | 'deny_sendback' | 'request_park' | 'approve_park'
  | 'deny_park' | 'resume' | 'feedback' | 'request_check' | 'check' | 'close' | 'approve_self_handle'
  | 'deny_self_handle' | 'callback' | 'reopen' | 'comment'
  // 督办 / 督办回复 / 批示 / 批示签收 / 催办 (issue 15 item 1)
  | 'escalate' | 'escalation_reply' | 'instruct' | 'acknowledge_instruction' | 'urge';
export type ActionField = 'reason' | 'photos' | 'department' | 'passed' | 'satisfied' | 'assignee'
  | 'limitHours' | 'comment' | 'targetCase'
  // 派遣: an override of the standard limit (value, explicit unit; the reason goes in `reason`)
  | 'limitValue' | 'limitUnit'
  // 立案: the 立案条件 chosen; 核实: a corrected position (the device's fix at the scene)
  | 'condition' | 'correctedLocation'
  // 督办: level (1–9), addressee (`target`: '' = the case's department, `department:<id>`, `role:<role>`), reply time in hours
  | 'level' | 'target' | 'replyHours';
export interface ActionSpec { kind: ActionKind; label: string; fields: ActionField[]; danger: boolean }
export interface Suggestion { departmentId: string; departmentName: string; basis: string }
export interface DuplicateCandidate { caseId: string; caseNumber: string | null; distanceM: number; categoryName: string | null; statusLabel: string; createdAt: number; score: number }
export interface CaseDetail {
  row: CaseRow;
  report: {
    description: string; lon: number; lat: number; accuracyM: number | null; locationSource: string;
    categoryName: string | null; sourceLabel: string; reporterName: string | null;
    caller: { name: string | null; phone: string | null; email?: string | null } | null;
  } | null;
  photos: PhotoInfo[]; timeline: TimelineEntry[]; clocks: StageClock[];
  actions: ActionSpec[]; suggestion: Suggestion | null; duplicates: DuplicateCandidate[];
  assignees: { userId: string; displayName: string }[];   // inspectors of the case's cell (for verify/check tasks)
  standardLimit: LimitInfo | null;        // what a dispatch records unless overridden (时限依据)
  conditions: Condition[];                // 立案条件 of the category to choose from at 立案
  filingCondition: Condition | null;      // chosen at 立案 (or the category's), with its 结案条件
  /** 督办, 批示 and 催办 on the case, oldest first, with their answers. */
  supervision?: SupervisionItem[];
}
/** One 督办 / 批示 / 催办 of a case. */
export interface SupervisionItem {
  kind: 'escalate' | 'instruct' | 'urge'; label: string; eventId: string; text: string;
  byName: string | null; byRole: string; at: number; addressee: string | null; replyBy: number | null;
  answer: string | null; answeredAt: number | null; answeredBy: string | null; onTime: boolean | null;
  /** The signed-in user must reply (督办) or acknowledge (批示). */
  awaitingMe: boolean;
}
/** Something new for the signed-in user (`alerts://new`). */
export interface Alert {
  key: string; kind: 'task' | 'returned' | 'escalate' | 'instruct' | 'urge';
  caseId: string; caseNumber: string | null; title: string; body: string; foundAt: number;
}
/** A handling limit with its basis. `unit`: working_minutes | working_hours | working_days | natural_minutes | natural_hours | natural_days */
export interface LimitInfo { value: number; unit: string; text: string; basis: string }
/** One 立案条件 of the standards table (`code` empty: the category's own conditions). */
export interface Condition { code: string; filing: string; closing: string }
// case_detail({caseId}) -> CaseDetail
// case_photo({sha256}) -> string (data: URL of the best local copy; fetched from the server if needed)

export interface ActionInput {
  kind: ActionKind; reason?: string; comment?: string; photos?: string[];  // sha256 of staged photos
  departmentId?: string; passed?: boolean; satisfied?: boolean; assignee?: string;
  limitHours?: number; targetCase?: string;
  limitValue?: number; limitUnit?: string; condition?: string;
  correctedLon?: number; correctedLat?: number; correctedAccuracyM?: number;
  level?: number; replyHours?: number; target?: string;
}
// act({caseId, input: ActionInput}) -> CaseDetail        (durable on the device before it returns)

export interface Exif { lon: number | null; lat: number | null; accuracyM: number | null; takenAt: number | null; orientation: number; make: string | null; model: string | null }
export interface StagedPhoto { sha256: string; thumbUrl: string; width: number; height: number; exif: Exif; name: string }
// photo_stage({name, data}) -> StagedPhoto    data = base64 of the file bytes (camera or file picker); runs the photo pipeline

export interface Position { lon: number; lat: number; accuracyM: number | null; source: 'gps' | 'exif' | 'manual' | 'configured' }
// current_position() -> Position | null   (mobile: geolocation plugin; desktop: GRIDCASE_POSITION env "lon,lat,acc" or null)

export interface NearbyComponent {
  id: string; typeCode: string; typeName: string; distanceM: number; owner: string | null; maintainer: string | null;
  /** Issue 13 extension (optional, mapui): the component's position, to mark it on the new-report map. */
  lon?: number | null; lat?: number | null;
}
export interface Placement {
  inside: boolean; cell: string | null; community: string | null; street: string | null;
  address: string; nearestCell: { code: string; distanceM: number } | null;
  components: NearbyComponent[];
}
// locate({lon, lat}) -> Placement

export interface Category { ref: string; kind: 'component' | 'matter'; code: string; name: string; majorName: string; minorName: string | null }
// categories_search({query, kind?}) -> Category[]   (name or code, at most 50)
// categories_recent() -> Category[]

export type DraftKind = 'report' | 'hotline' | 'self_handle';
export interface Draft {
  kind: DraftKind; photos: StagedPhoto[]; afterPhotos: StagedPhoto[];   // afterPhotos: self-handling only
  position: Position | null; placement: Placement | null; category: Category | null;
  componentId: string | null; description: string; urgency: 'urgent' | 'normal';
  caller: { name: string; phone: string; wantsCallback: boolean } | null; updatedAt: number;
  /** The 专项普查 task this report answers (set by 上报问题 in a survey); its mark is queued when saved. */
  survey?: DraftSurvey | null;
}
// draft_get() -> Draft | null
// draft_save({draft: Draft}) -> Draft          (durable; called on every change)
// draft_discard() -> null
// draft_submit() -> { caseId: string; durableMs: number }   validation errors: code 'invalid_input', message says which field

export interface Quarantine { id: number; caseId: string; code: string; reason: string; at: number }
export interface SyncStatus {
  running: boolean; online: boolean | null; lastSyncAt: number | null; lastError: ApiError | null;
  pendingCases: number; pendingPhotos: number;
  /** Hotline callers queued on this device, sent apart from the case (docs/security/privacy.md). */
  pendingContacts?: number;
  /** Patrol data waiting (track blocks, 签到/签退, survey marks) and refused for good by the server. */
  pendingPatrol?: number; refusedPatrol?: number;
  upload: { sha256: string; sent: number; total: number } | null; quarantines: Quarantine[];
}
// sync_status() -> SyncStatus ; sync_now() -> SyncStatus ; quarantine_dismiss({id}) -> SyncStatus
// quarantine_resend({id}) -> SyncStatus   puts the refused edit back on the case (fresh stamps where needed, photos kept) and starts a round

export interface MapCase { caseId: string; lon: number; lat: number; light: Light | null; statusLabel: string; caseNumber: string | null }
// map_layers() -> { cells: GeoJSON.FeatureCollection; cases: MapCase[] }   cells: mine (field) or all (supervisor); feature properties {code, community, street, openCases}
// departments() -> { id: string; name: string }[]
// evaluation({from, to, level}) -> EvaluationReport (the server's JSON passed through: snake_case keys)
// evaluation_export({from, to, format: 'xlsx'|'csv', level}) -> string (saved path)
//   from/to: inclusive Shanghai days 'YYYY-MM-DD' (the Rust side sends the day after `to` to the server)

/** One evaluation table (docs/evaluation.md). */
export type EvaluationLevel = 'street' | 'community' | 'cell' | 'tenant' | 'department'
  | 'inspector' | 'intake_operator' | 'shift_leader' | 'dispatcher';
export type FigureKind = 'count' | 'rate' | 'score';
export interface EvaluationColumn { key: string; label: string; kind: FigureKind; weight: number | null }
export interface EvaluationFigure {
  key: string; label: string; kind: FigureKind; value: number | null;
  numerator?: number | null; denominator?: number | null; score?: number | null; weight?: number | null;
}
export interface EvaluationRow { id: string; name: string; figures: EvaluationFigure[]; score: number | null; grade: string | null }
/** A published period's version (docs/evaluation.md "发布与冻结"); null = live recomputation. */
export interface EvaluationPublished {
  version: number; published_at: number; published_by: string; published_by_name: string;
  published_by_role: string; reason: string | null; case_count: number | null; period_ended: boolean;
  rules_fingerprint: string; figures_sha256: string;
}
export interface EvaluationReport {
  tenant: string; tenant_name: string; family: 'region' | 'department' | 'position'; title: string;
  level: string; from: number; to: number;   // Unix ms; `to` exclusive
  columns: EvaluationColumn[]; rows: EvaluationRow[];
  published: EvaluationPublished | null;
}

// ---- Issue 13 (/work/notes/contract13.md): offline basemap and place search ----

/** An online raster layer (WMTS/XYZ, e.g. 天地图 with the tenant's key) drawn beneath the offline basemap. */
export interface OnlineLayer { url: string; attribution: string }
/** The device's current vector-tile package. `url`: tile URL template with {z}/{x}/{y}
 *  (`basemap://localhost/{z}/{x}/{y}.pbf`; 204 = empty tile). */
export interface BasemapInfo {
  version: string; bytes: number; minzoom: number; maxzoom: number;
  bounds: [number, number, number, number]; url: string;
  /** Optional (mapui extension): the tenant's online layer; the app may not send it yet. */
  onlineLayer?: OnlineLayer | null;
}
// basemap_info() -> BasemapInfo | null   (null: no complete package on the device yet)

export type PlaceKind = 'road' | 'place' | 'community' | 'street' | 'cell' | 'component';
export interface PlaceHit {
  kind: PlaceKind; name: string; detail: string; lon: number; lat: number;
  /** 15-digit grid code at that point. */
  cell: string | null;
  /** The geocoder's address text for that point. */
  address: string;
}
export interface PlaceQuery { query: string; lon: number | null; lat: number | null; limit: number | null }
// place_search({query, lon, lat, limit}) -> PlaceHit[]   best first, at most limit (default 20)

// ---- Issue 15 (the desk; docs/ui.md "The supervisor's desk") ----
// Added fields are optional so older data and the test fake still type-check.

export interface CaseRow {
  /** The running clock's time left on the tenant's calendar (negative: overdue by): working ms
   *  when `remainingWorking`, else natural ms. Never computed as `dueAt - now`. */
  remainingMs?: number | null; remainingWorking?: boolean;
  /** A closed case: 按期结案 (true) / 超期结案 (false); null otherwise. */
  closedOnTime?: boolean | null;
  /** The report's channel (`inspector_patrol`, `public_hotline`, …), its label, the cell's street. */
  source?: string | null; sourceLabel?: string | null; street?: string | null;
  /** At 待受理: the channel needs a field verification first (受理 is then refused). */
  verificationRequired?: boolean;
  /** 督办 (issue 15 item 1): highest level (0: none), a reply awaited; 批示 awaiting 签收; 催办 count. */
  escalationLevel?: number; escalationAwaitingReply?: boolean; instructionPending?: boolean; urgeCount?: number;
  /** Something new for this user on the case, not yet opened (alerts). */
  isNew?: boolean;
}
export interface CaseQuery {
  /** `updated` (default) or `remaining` (least time left first, no deadline last). */
  sort?: 'updated' | 'remaining';
  category?: string; street?: string; department?: string; source?: string;
  /** Reporting time range [from, to) in Unix ms. */
  from?: number; to?: number;
}
export interface FacetValue { value: string; label: string; count: number }
export interface Facets { categories: FacetValue[]; streets: FacetValue[]; departments: FacetValue[]; sources: FacetValue[] }
export interface CaseList { facets?: Facets }
export interface PhotoInfo {
  /** EXIF capture time and position, metres from the case's pin; warnings `old` (> 7 days
   *  before the report) and `far` (> 200 m from the pin). */
  takenAt?: number | null; lon?: number | null; lat?: number | null; distanceM?: number | null; warnings?: string[];
}
export interface StageClock { marginMs?: number | null; working?: boolean }
/** act_batch({batch: {caseIds, input}}) -> BatchItem[]   each case through the normal `act` */
export interface BatchItem { caseId: string; caseNumber: string | null; outcome: 'done' | 'skipped'; code: string | null; message: string | null }
/** The 签到/签退 panel (patrol_status, patrol_sign_in, patrol_sign_out). */
export interface PatrolStatus {
  enabled: boolean; onDuty: boolean; since: number | null; day: string; points: number; metres: number;
  /** Position source: 'sim' (simulated walk), 'gps', 'fixed' (configured position, no track) or 'none'. */
  source: 'sim' | 'gps' | 'fixed' | 'none';
  pendingBlocks: number; pendingSigns: number; pendingMarks: number; unsealedPoints: number;
  refusedBlocks: number; refusedSigns: number; refusedMarks: number;
}
// patrol_status() -> PatrolStatus ; patrol_sign_in() -> PatrolStatus ; patrol_sign_out() -> PatrolStatus
//   errors: 'position_unavailable', 'patrol_not_on_duty', 'forbidden' (not an inspector)

export type SurveyState = 'pending' | 'clear' | 'found';
export interface SurveyComponent { id: string; status: SurveyState }
export interface MySurveyCell {
  cell: string; community: string | null; status: SurveyState; found: number; done: boolean;
  components: SurveyComponent[];
}
/** A 专项普查 task assigned to me, with my progress as this device knows it. */
export interface Survey {
  id: string; title: string; categories: string[]; startsAt: number; dueAt: number;
  cells: MySurveyCell[]; done: number; pendingMarks: number; refusedMarks: number;
}
export interface SurveyMarkInput { surveyId: string; cell: string; componentId: string | null }
export interface DraftSurvey { surveyId: string; cell: string; componentId: string | null }
// my_surveys() -> Survey[] ; survey_mark({input: SurveyMarkInput}) -> Survey[]   (nothing found)
//   errors: 'survey_not_assigned', 'survey_unknown_component', 'survey_not_started', 'not_found'
