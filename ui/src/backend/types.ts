// The UI ⇄ Rust command contract (docs/app.md). The commands' wire types are generated from the
// Rust types (./generated.ts, by mobile-app/src/ts_bindings.rs; CI fails when they drift) and the
// fixed vocabularies are ./vocabulary.ts. What stays written here: the calls' signatures (as
// comments), and the server's JSON that some commands pass through unchanged (the evaluation;
// the patrol and survey wire types are in ./patrol.ts), which the app does not type.

export * from './vocabulary';
export * from './generated';

// app_info() -> AppInfo
// sign_in({serverUrl, tenant, username, password, deviceName}) -> Session   (also downloads the tenant's reference data)
// sign_out() -> null
// list_cases({query: CaseQuery}) -> CaseList
// case_detail({caseId}) -> CaseDetail
// case_photo({sha256}) -> string (data: URL of the best local copy; fetched from the server if needed)
// act({caseId, input: ActionInput}) -> CaseDetail        (durable on the device before it returns)
// act_batch({batch: BatchInput}) -> BatchItem[]           each case through the normal `act`
// photo_stage({name, data}) -> StagedPhoto    data = base64 of the file bytes (camera or file picker); runs the photo pipeline
// current_position() -> Position | null   (mobile: geolocation plugin; desktop: GRIDCASE_POSITION env "lon,lat,acc" or null)
// locate({lon, lat}) -> Placement
// categories_search({query, kind?}) -> Category[]   (name or code, at most 50)
// categories_recent() -> Category[]
// draft_get() -> Draft | null
// draft_save({draft: Draft}) -> Draft          (durable; called on every change)
// draft_discard() -> null
// draft_submit() -> Submitted   validation errors: code 'invalid_input', message says which field
// sync_status() -> SyncStatus ; sync_now() -> SyncStatus ; quarantine_dismiss({id}) -> SyncStatus
// quarantine_resend({id}) -> SyncStatus   puts the refused edit back on the case (fresh stamps where needed, photos kept) and starts a round
// map_layers() -> MapLayers   cells: mine (field) or all (supervisor); feature properties {code, community, street, openCases}
// departments() -> Department[]
// evaluation({from, to, level}) -> EvaluationReport (the server's JSON passed through: snake_case keys)
// evaluation_export({from, to, format: 'xlsx'|'csv', level}) -> string (saved path)
//   from/to: inclusive Shanghai days 'YYYY-MM-DD' (the Rust side sends the day after `to` to the server)
// patrol_status() -> PatrolStatus ; patrol_sign_in() -> PatrolStatus ; patrol_sign_out() -> PatrolStatus
//   errors: 'position_unavailable', 'patrol_not_on_duty', 'forbidden' (not an inspector)
// my_surveys() -> Survey[] ; survey_mark({input: SurveyMarkInput}) -> Survey[]   (nothing found)
//   errors: 'survey_not_assigned', 'survey_unknown_component', 'survey_not_started', 'not_found'

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

// ---- Issue 13: offline basemap and place search ----

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

export interface PlaceQuery { query: string; lon: number | null; lat: number | null; limit: number | null }
// place_search({query, lon, lat, limit}) -> PlaceHit[]   best first, at most limit (default 20)
