// Generated from mobile-app/src/dto.rs by mobile-app/src/ts_bindings.rs: do not edit.
// Regenerate: GRIDCASE_BLESS=1 cargo test -p gridcase-app --lib ts_bindings
/* eslint-disable */
import type {
  ActionField, ActionKind, AlertKind, DraftKind, Light, Mode, PlaceKind, QueueId, Role,
  SupervisionKind, SurveyState, SyncState, Urgency,
} from './vocabulary';

export type Session = { userId: string, username: string, displayName: string, role: Role, roleLabel: string, department: string | null, departmentName: string | null, tenant: string, tenantName: string | null, cells: Array<string>, deviceId: string, 
/**
 * `field` or `supervisor`.
 */
mode: Mode, };

export type SignInHint = { serverUrl: string, tenant: string, username: string, };

export type AppInfo = { version: string, platform: 'desktop' | 'mobile', serverUrl: string | null, session: Session | null, referenceLoaded: boolean, signInHint: SignInHint | null, };

export type CaseQuery = { queue?: QueueId, text?: string | null, light?: Light, status?: string | null, limit?: number | null, offset?: number | null, 
/**
 * `updated` (newest change first, the default) or `remaining` (least working time left
 * first, overdue before due, cases without a deadline last).
 */
sort?: 'updated' | 'remaining', 
/**
 * Desk filters (crate::desk): a category (`kind:code` as in [`CaseRow::category`]), a
 * street name, a department id, a source channel (`public_hotline`, …) and a reporting
 * time range `[from, to)` in Unix ms.
 */
category?: string | null, street?: string | null, department?: string | null, source?: string | null, from?: number | null, to?: number | null, };

export type CaseRow = { caseId: string, caseNumber: string | null, status: string, statusLabel: string, category: string | null, categoryName: string | null, cell: string | null, address: string | null, excerpt: string | null, urgency: Urgency | null, department: string | null, departmentName: string | null, light: Light | null, dueAt: number | null, syncState: SyncState, conflictCount: number, createdAt: number, updatedAt: number, lon: number | null, lat: number | null, 
/**
 * The running clock's time left (negative: overdue by), in working ms when
 * `remaining_working`, else natural ms — computed on the tenant's calendar (core
 * `ClockReading::margin_ms`), never `due_at - now`. Measured when the index was last lit
 * (at most a minute old).
 */
remainingMs: number | null, remainingWorking: boolean, 
/**
 * A closed case: 按期结案 (`true`) or 超期结案 (`false`); `None` for other cases and for a
 * closed case whose handling had no limit.
 */
closedOnTime: boolean | null, 
/**
 * The report's channel (`inspector_patrol`, `public_hotline`, …) and its zh label.
 */
source: string | null, sourceLabel: string | null, 
/**
 * The street (街道) of the case's cell, from the grid.
 */
street: string | null, 
/**
 * At 待受理: the report's channel needs a field verification before filing (受理 is then
 * not possible; 派发核实 is), and none was waived.
 */
verificationRequired: boolean, 
/**
 * The highest 督办 level (0: never escalated).
 */
escalationLevel: number, 
/**
 * A 督办 still awaits its addressee's reply.
 */
escalationAwaitingReply: boolean, 
/**
 * A 批示 still awaits its addressee's acknowledgement.
 */
instructionPending: boolean, 
/**
 * Times the centre urged (催办) the case.
 */
urgeCount: number, 
/**
 * Something new for this user arrived on the case and has not been opened yet (alerts).
 */
isNew: boolean, };

export type FacetValue = { value: string, label: string, count: number, };

export type Facets = { categories: Array<FacetValue>, streets: Array<FacetValue>, departments: Array<FacetValue>, sources: Array<FacetValue>, };

export type BatchInput = { caseIds: Array<string>, input: ActionInput, };

export type BatchItem = { caseId: string, caseNumber: string | null, outcome: 'done' | 'skipped', code: string | null, message: string | null, };

export type QueueCount = { queue: QueueId, label: string, total: number, green: number, yellow: number, red: number, };

export type CaseList = { total: number, rows: Array<CaseRow>, counts: Array<QueueCount>, 
/**
 * For benchmarks and logs only; never shown to users.
 */
elapsedMs: number, facets: Facets, };

export type PhotoInfo = { sha256: string, role: string, roleLabel: string, thumbUrl: string | null, 
/**
 * When the photo was taken (EXIF), when the device has the file and it says.
 */
takenAt: number | null, 
/**
 * Where EXIF says it was taken, when it says.
 */
lon: number | null, lat: number | null, 
/**
 * Metres from the case's pin to the EXIF position.
 */
distanceM: number | null, 
/**
 * Desk warnings (crate::desk::photo_warnings): `old` (taken more than 7 days before the
 * report), `far` (more than 200 m from the pin).
 */
warnings: Array<string>, };

export type TimelineEntry = { eventId: string, type: string, label: string, actorName: string | null, roleLabel: string, at: number, summary: string, conflict: string | null, };

export type StageClock = { stage: string, label: string, startedAt: number, dueAt: number | null, light: Light | null, done: boolean, onTime: boolean | null, 
/**
 * Time left at now (running) or at its end (done); negative: overdue by. Working ms when
 * `working`, else natural ms (core `ClockReading::margin_ms`).
 */
marginMs: number | null, working: boolean, };

export type ActionSpec = { kind: ActionKind, label: string, fields: ActionField[], danger: boolean, };

export type Suggestion = { departmentId: string, departmentName: string, basis: string, };

export type DuplicateCandidate = { caseId: string, caseNumber: string | null, distanceM: number, categoryName: string | null, statusLabel: string, createdAt: number, score: number, };

export type Caller = { name: string | null, phone: string | null, 
/**
 * E-mail (Open311 requests).
 */
email?: string | null, };

export type CaseReport = { description: string, lon: number, lat: number, accuracyM: number | null, locationSource: string, categoryName: string | null, sourceLabel: string, reporterName: string | null, caller: Caller | null, };

export type Assignee = { userId: string, displayName: string, };

export type CaseDetail = { row: CaseRow, report: CaseReport | null, photos: Array<PhotoInfo>, timeline: Array<TimelineEntry>, clocks: Array<StageClock>, actions: Array<ActionSpec>, suggestion: Suggestion | null, duplicates: Array<DuplicateCandidate>, assignees: Array<Assignee>, 
/**
 * The handling limit a dispatch records now unless the dispatcher overrides it.
 */
standardLimit: LimitInfo | null, 
/**
 * The 立案条件 of the case's category to choose from at 立案, and the 结案条件.
 */
conditions: Array<Condition>, 
/**
 * The 立案条件 chosen at filing, with its 结案条件 (shown at 核查 and 结案).
 */
filingCondition: Condition | null, 
/**
 * 督办, 批示 and 催办 on the case, oldest first, with their answers.
 */
supervision: Array<SupervisionItem>, 
/**
 * The department's 签收 of the current dispatch: when and by whom.
 */
signedAt: number | null, signedBy: string | null, 
/**
 * 下派 tasks of the case's department to its child units, oldest first.
 */
subTasks: Array<SubTask>, 
/**
 * 下派: the child units the signed-in department user may choose (empty: none).
 */
childUnits: Array<Department>, 
/**
 * 下派: the latest deadline a child may be given (the case's handling deadline).
 */
parentDue: number | null, };

export type LimitInfo = { value: number, unit: string, text: string, basis: string, };

export type Condition = { code: string, filing: string, closing: string, };

export type ActionInput = { kind: ActionKind, reason?: string | null, comment?: string | null, photos?: Array<string> | null, departmentId?: string | null, passed?: boolean | null, satisfied?: boolean | null, assignee?: string | null, limitHours?: number | null, targetCase?: string | null, 
/**
 * 派遣: a limit overriding the standard one (with `limit_unit` and a `reason`).
 */
limitValue?: number | null, 
/**
 * 派遣: the override's unit, a stable name or its Chinese label (`natural_hours`, `工作日`).
 */
limitUnit?: string | null, 
/**
 * 立案: the 立案条件 code chosen.
 */
condition?: string | null, 
/**
 * 核实: a corrected position (both or neither), the device's fix at the scene.
 */
correctedLon?: number | null, correctedLat?: number | null, correctedAccuracyM?: number | null, 
/**
 * 督办: the level (1–9).
 */
level?: number | null, 
/**
 * 督办: the reply is due this many hours from now (none: no reply time).
 */
replyHours?: number | null, 
/**
 * 督办 / 批示: the addressee — empty for the case's department, `department:<id>` or
 * `role:<role>` (`dispatcher`, `shift_leader`, …).
 */
target?: string | null, 
/**
 * 下派: the child's deadline (ms since the epoch); the child unit goes in `department_id`.
 */
dueAt?: number | null, };

export type Exif = { lon: number | null, lat: number | null, accuracyM: number | null, takenAt: number | null, orientation: number, make: string | null, model: string | null, };

export type StagedPhoto = { sha256: string, thumbUrl: string, width: number, height: number, exif: Exif, name: string, };

export type Position = { lon: number, lat: number, accuracyM: number | null, 
/**
 * `gps`, `exif`, `manual` or `configured`.
 */
source: 'gps' | 'exif' | 'manual' | 'configured', };

export type NearbyComponent = { id: string, typeCode: string, typeName: string, distanceM: number, owner: string | null, maintainer: string | null, 
/**
 * Where the component stands (WGS84), for its marker on the new-report map; absent in
 * drafts saved before the maps carried components.
 */
lon?: number | null, 
/**
 * Latitude of the component.
 */
lat?: number | null, };

export type NearestCell = { code: string, distanceM: number, };

export type Placement = { inside: boolean, cell: string | null, community: string | null, street: string | null, address: string, nearestCell: NearestCell | null, components: Array<NearbyComponent>, };

export type PlaceHit = { 
/**
 * `road`, `place`, `community`, `street`, `cell` or `component`.
 */
kind: PlaceKind, 
/**
 * The road or place name, community or street name, cell code, component id or name.
 */
name: string, 
/**
 * A second line: street · community, or the component's type.
 */
detail: string, 
/**
 * Where to put the pin (WGS84).
 */
lon: number, 
/**
 * Latitude of the pin.
 */
lat: number, 
/**
 * The 15-digit cell at the pin, when the pin lies in one.
 */
cell: string | null, 
/**
 * The address text at the pin.
 */
address: string, };

export type Category = { ref: string, kind: 'component' | 'matter', code: string, name: string, majorName: string, minorName: string | null, };

export type DraftCaller = { name: string, phone: string, wantsCallback: boolean, };

export type Draft = { 
/**
 * `report`, `hotline` or `self_handle`.
 */
kind: DraftKind, photos: Array<StagedPhoto>, afterPhotos: Array<StagedPhoto>, position: Position | null, placement: Placement | null, category: Category | null, componentId: string | null, description: string, urgency: Urgency, caller: DraftCaller | null, updatedAt: number, 
/**
 * The 专项普查 task this report answers, if any.
 */
survey?: DraftSurvey | null, };

export type Submitted = { caseId: string, durableMs: number, };

export type ApiError = { code: string, message: string, };

export type Quarantine = { id: number, caseId: string, code: string, reason: string, at: number, };

export type Upload = { sha256: string, sent: number, total: number, };

export type SyncStatus = { running: boolean, online: boolean | null, lastSyncAt: number | null, lastError: ApiError | null, pendingCases: number, pendingPhotos: number, 
/**
 * Hotline callers queued on this device, not yet on the server (crate::contacts).
 */
pendingContacts: number, upload: Upload | null, quarantines: Array<Quarantine>, 
/**
 * Patrol data waiting (track blocks, sign events, survey marks) and refused for good.
 */
pendingPatrol: number, refusedPatrol: number, };

export type MapCase = { caseId: string, lon: number, lat: number, light: Light | null, statusLabel: string, caseNumber: string | null, };

export type MapLayers = { cells: GeoJSON.FeatureCollection, cases: Array<MapCase>, };

export type Department = { id: string, name: string, };

export type PatrolStatus = { 
/**
 * The user patrols (an inspector); the panel is hidden otherwise.
 */
enabled: boolean, onDuty: boolean, 
/**
 * The open sign-in, Unix ms.
 */
since: number | null, 
/**
 * Today (tenant-local), `YYYY-MM-DD`.
 */
day: string, points: number, 
/**
 * 巡查里程 today, metres.
 */
metres: number, 
/**
 * `sim`, `gps`, `fixed` or `none`.
 */
source: 'sim' | 'gps' | 'fixed' | 'none', 
/**
 * Sealed track blocks, sign events and survey marks not yet on the server.
 */
pendingBlocks: number, pendingSigns: number, pendingMarks: number, 
/**
 * Points recorded since the last sync (sealed at the next one).
 */
unsealedPoints: number, 
/**
 * Items the server refused for good (kept on the device with their code).
 */
refusedBlocks: number, refusedSigns: number, refusedMarks: number, };

export type SurveyComponent = { id: string, 
/**
 * `pending`, `clear` or `found`.
 */
status: SurveyState, };

export type MySurveyCell = { cell: string, community: string | null, 
/**
 * `pending`, `clear` or `found`.
 */
status: SurveyState, 
/**
 * Cases reported in it for the task (from this device).
 */
found: number, done: boolean, components: Array<SurveyComponent>, };

export type Survey = { id: string, title: string, 
/**
 * Category names (codes when the reference data lacks them).
 */
categories: Array<string>, startsAt: number, dueAt: number, cells: Array<MySurveyCell>, done: number, 
/**
 * Marks not yet on the server, and refused ones.
 */
pendingMarks: number, refusedMarks: number, };

export type SurveyMarkInput = { surveyId: string, cell: string, componentId?: string | null, };

export type DraftSurvey = { surveyId: string, cell: string, componentId: string | null, };

export type SupervisionItem = { 
/**
 * `escalate`, `instruct` or `urge`.
 */
kind: SupervisionKind, 
/**
 * 督办 / 批示 / 催办, with the level for 督办 (`2 级督办`).
 */
label: string, eventId: string, text: string, byName: string | null, byRole: string, at: number, 
/**
 * Who must answer (`城管执法局`, `派遣员`), when anybody.
 */
addressee: string | null, 
/**
 * 督办: the reply is due by.
 */
replyBy: number | null, 
/**
 * The reply (督办) or acknowledgement (批示), when given.
 */
answer: string | null, answeredAt: number | null, answeredBy: string | null, 
/**
 * 督办: replied by the due time (`None`: no due time, or not yet due).
 */
onTime: boolean | null, 
/**
 * The signed-in user must answer it.
 */
awaitingMe: boolean, };

export type Alert = { 
/**
 * Stable key (`escalate:<event id>`, `task:<case>:<event id>` …).
 */
key: string, 
/**
 * `task`, `returned`, `escalate`, `instruct` or `urge`.
 */
kind: AlertKind, caseId: string, caseNumber: string | null, 
/**
 * Short title (`2 级督办`, `新任务`).
 */
title: string, 
/**
 * One line (the reason, the address).
 */
body: string, 
/**
 * When the device found it (ms since the epoch).
 */
foundAt: number, };

export type SubTask = { eventId: string, 
/**
 * The child unit.
 */
unit: string, unitName: string | null, 
/**
 * Who gave it (a user of the parent department).
 */
byName: string | null, at: number, 
/**
 * The child's deadline (never later than the parent's).
 */
dueAt: number, note: string, 
/**
 * The child's 签收.
 */
signedAt: number | null, signedBy: string | null, 
/**
 * The child's 下级反馈.
 */
result: string | null, reportedAt: number | null, 
/**
 * Reported by the deadline (`None`: still open and not late, or lapsed).
 */
onTime: boolean | null, 
/**
 * The case left handling before the child reported.
 */
lapsed: boolean, 
/**
 * The signed-in user's unit holds it.
 */
mine: boolean, };
