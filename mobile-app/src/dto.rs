//! The wire types between the UI and the commands (the contract in docs/app.md):
//! plain serde structs with camelCase keys, times as Unix milliseconds, WGS84 coordinates.
//! Nothing here holds logic; the modules that fill them do.
//!
//! The TypeScript side of these types (`ui/src/backend/generated.ts`) is generated from them by
//! the test in `crate::ts_bindings` (ts-rs, a dev-dependency: nothing of it is in the app);
//! fields that carry a fixed vocabulary as a string name its TypeScript union
//! (`ui/src/backend/vocabulary.ts`) with `ts(type = …)`.

// The fields mirror docs/app.md one for one; documenting each again here would only
// repeat that file.
#![allow(missing_docs)]
use serde::{Deserialize, Serialize};

/// The signed-in user as the UI sees them.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
#[cfg_attr(test, derive(ts_rs::TS))]
#[cfg_attr(test, ts(rename = "Session"))]
#[serde(rename_all = "camelCase")]
pub struct SessionDto {
    pub user_id: String,
    pub username: String,
    pub display_name: String,
    #[cfg_attr(test, ts(type = "Role"))]
    pub role: String,
    pub role_label: String,
    pub department: Option<String>,
    pub department_name: Option<String>,
    pub tenant: String,
    pub tenant_name: Option<String>,
    pub cells: Vec<String>,
    pub device_id: String,
    /// `field` or `supervisor`.
    #[cfg_attr(test, ts(type = "Mode"))]
    pub mode: String,
}

/// Pre-filled sign-in fields.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
#[cfg_attr(test, derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct SignInHint {
    pub server_url: String,
    pub tenant: String,
    pub username: String,
}

/// `app_info`.
#[derive(Clone, Debug, Serialize, PartialEq)]
#[cfg_attr(test, derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct AppInfo {
    pub version: String,
    #[cfg_attr(test, ts(type = "'desktop' | 'mobile'"))]
    pub platform: String,
    pub server_url: Option<String>,
    pub session: Option<SessionDto>,
    pub reference_loaded: bool,
    pub sign_in_hint: Option<SignInHint>,
}

/// `list_cases` filter.
#[derive(Clone, Debug, Default, Deserialize, PartialEq)]
#[cfg_attr(test, derive(ts_rs::TS))]
#[cfg_attr(test, ts(optional_fields = nullable))]
#[serde(rename_all = "camelCase", default)]
pub struct CaseQuery {
    #[cfg_attr(test, ts(type = "QueueId", optional = nullable))]
    pub queue: Option<String>,
    pub text: Option<String>,
    #[cfg_attr(test, ts(type = "Light", optional = nullable))]
    pub light: Option<String>,
    pub status: Option<String>,
    pub limit: Option<usize>,
    pub offset: Option<usize>,
    /// `updated` (newest change first, the default) or `remaining` (least working time left
    /// first, overdue before due, cases without a deadline last).
    #[cfg_attr(test, ts(type = "'updated' | 'remaining'", optional = nullable))]
    pub sort: Option<String>,
    /// Desk filters (crate::desk): a category (`kind:code` as in [`CaseRow::category`]), a
    /// street name, a department id, a source channel (`public_hotline`, …) and a reporting
    /// time range `[from, to)` in Unix ms.
    pub category: Option<String>,
    pub street: Option<String>,
    pub department: Option<String>,
    pub source: Option<String>,
    pub from: Option<i64>,
    pub to: Option<i64>,
}

/// A case in a list.
#[derive(Clone, Debug, Serialize, PartialEq)]
#[cfg_attr(test, derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct CaseRow {
    pub case_id: String,
    pub case_number: Option<String>,
    pub status: String,
    pub status_label: String,
    pub category: Option<String>,
    pub category_name: Option<String>,
    pub cell: Option<String>,
    pub address: Option<String>,
    pub excerpt: Option<String>,
    #[cfg_attr(test, ts(type = "Urgency | null"))]
    pub urgency: Option<String>,
    pub department: Option<String>,
    pub department_name: Option<String>,
    #[cfg_attr(test, ts(type = "Light | null"))]
    pub light: Option<String>,
    pub due_at: Option<i64>,
    #[cfg_attr(test, ts(type = "SyncState"))]
    pub sync_state: String,
    pub conflict_count: u32,
    pub created_at: i64,
    pub updated_at: i64,
    pub lon: Option<f64>,
    pub lat: Option<f64>,
    /// The running clock's time left (negative: overdue by), in working ms when
    /// `remaining_working`, else natural ms — computed on the tenant's calendar (core
    /// `ClockReading::margin_ms`), never `due_at - now`. Measured when the index was last lit
    /// (at most a minute old).
    pub remaining_ms: Option<i64>,
    pub remaining_working: bool,
    /// A closed case: 按期结案 (`true`) or 超期结案 (`false`); `None` for other cases and for a
    /// closed case whose handling had no limit.
    pub closed_on_time: Option<bool>,
    /// The report's channel (`inspector_patrol`, `public_hotline`, …) and its zh label.
    pub source: Option<String>,
    pub source_label: Option<String>,
    /// The street (街道) of the case's cell, from the grid.
    pub street: Option<String>,
    /// At 待受理: the report's channel needs a field verification before filing (受理 is then
    /// not possible; 派发核实 is), and none was waived.
    pub verification_required: bool,
    /// The highest 督办 level (0: never escalated).
    pub escalation_level: u8,
    /// A 督办 still awaits its addressee's reply.
    pub escalation_awaiting_reply: bool,
    /// A 批示 still awaits its addressee's acknowledgement.
    pub instruction_pending: bool,
    /// Times the centre urged (催办) the case.
    pub urge_count: u32,
    /// Something new for this user arrived on the case and has not been opened yet (alerts).
    pub is_new: bool,
}

/// One value of a desk filter with how many cases of the queue have it.
#[derive(Clone, Debug, Serialize, PartialEq)]
#[cfg_attr(test, derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct FacetValue {
    pub value: String,
    pub label: String,
    pub count: usize,
}

/// The values the desk's filters offer for a queue (crate::desk::facets).
#[derive(Clone, Debug, Default, Serialize, PartialEq)]
#[cfg_attr(test, derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct Facets {
    pub categories: Vec<FacetValue>,
    pub streets: Vec<FacetValue>,
    pub departments: Vec<FacetValue>,
    pub sources: Vec<FacetValue>,
}

/// `act_batch`: one action applied to several cases, one by one.
#[derive(Clone, Debug, Default, Deserialize, PartialEq)]
#[cfg_attr(test, derive(ts_rs::TS))]
#[cfg_attr(test, ts(optional_fields = nullable))]
#[serde(rename_all = "camelCase", default)]
pub struct BatchInput {
    pub case_ids: Vec<String>,
    pub input: ActionInput,
}

/// What a batch did to one case: `done`, or `skipped` with the reason (code and message).
#[derive(Clone, Debug, Serialize, PartialEq)]
#[cfg_attr(test, derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct BatchItem {
    pub case_id: String,
    pub case_number: Option<String>,
    #[cfg_attr(test, ts(type = "'done' | 'skipped'"))]
    pub outcome: String,
    pub code: Option<String>,
    pub message: Option<String>,
}

/// A queue's counts.
#[derive(Clone, Debug, Serialize, PartialEq)]
#[cfg_attr(test, derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct QueueCount {
    #[cfg_attr(test, ts(type = "QueueId"))]
    pub queue: String,
    pub label: String,
    pub total: usize,
    pub green: usize,
    pub yellow: usize,
    pub red: usize,
}

/// `list_cases`.
#[derive(Clone, Debug, Serialize, PartialEq)]
#[cfg_attr(test, derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct CaseList {
    pub total: usize,
    pub rows: Vec<CaseRow>,
    pub counts: Vec<QueueCount>,
    /// For benchmarks and logs only; never shown to users.
    pub elapsed_ms: f64,
    pub facets: Facets,
}

/// A photo of a case.
#[derive(Clone, Debug, Serialize, PartialEq)]
#[cfg_attr(test, derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct PhotoInfo {
    pub sha256: String,
    pub role: String,
    pub role_label: String,
    pub thumb_url: Option<String>,
    /// When the photo was taken (EXIF), when the device has the file and it says.
    pub taken_at: Option<i64>,
    /// Where EXIF says it was taken, when it says.
    pub lon: Option<f64>,
    pub lat: Option<f64>,
    /// Metres from the case's pin to the EXIF position.
    pub distance_m: Option<f64>,
    /// Desk warnings (crate::desk::photo_warnings): `old` (taken more than 7 days before the
    /// report), `far` (more than 200 m from the pin).
    pub warnings: Vec<String>,
}

/// One event in a case's timeline.
#[derive(Clone, Debug, Serialize, PartialEq)]
#[cfg_attr(test, derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct TimelineEntry {
    pub event_id: String,
    #[serde(rename = "type")]
    pub kind: String,
    pub label: String,
    pub actor_name: Option<String>,
    pub role_label: String,
    pub at: i64,
    pub summary: String,
    pub conflict: Option<String>,
}

/// One run of a stage clock.
#[derive(Clone, Debug, Serialize, PartialEq)]
#[cfg_attr(test, derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct StageClock {
    pub stage: String,
    pub label: String,
    pub started_at: i64,
    pub due_at: Option<i64>,
    #[cfg_attr(test, ts(type = "Light | null"))]
    pub light: Option<String>,
    pub done: bool,
    pub on_time: Option<bool>,
    /// Time left at now (running) or at its end (done); negative: overdue by. Working ms when
    /// `working`, else natural ms (core `ClockReading::margin_ms`).
    pub margin_ms: Option<i64>,
    pub working: bool,
}

/// An action the signed-in user may take now.
#[derive(Clone, Debug, Serialize, PartialEq)]
#[cfg_attr(test, derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct ActionSpec {
    #[cfg_attr(test, ts(type = "ActionKind"))]
    pub kind: String,
    pub label: String,
    #[cfg_attr(test, ts(type = "ActionField[]"))]
    pub fields: Vec<String>,
    pub danger: bool,
}

/// The responsibility list's department for a case.
#[derive(Clone, Debug, Serialize, PartialEq)]
#[cfg_attr(test, derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct Suggestion {
    pub department_id: String,
    pub department_name: String,
    pub basis: String,
}

/// A possible duplicate.
#[derive(Clone, Debug, Serialize, PartialEq)]
#[cfg_attr(test, derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct DuplicateCandidate {
    pub case_id: String,
    pub case_number: Option<String>,
    pub distance_m: f64,
    pub category_name: Option<String>,
    pub status_label: String,
    pub created_at: i64,
    pub score: f64,
}

/// The caller of a hotline report.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
#[cfg_attr(test, derive(ts_rs::TS))]
#[cfg_attr(test, ts(rename = "Caller"))]
#[serde(rename_all = "camelCase")]
pub struct CallerDto {
    pub name: Option<String>,
    pub phone: Option<String>,
    /// E-mail (Open311 requests).
    #[serde(default)]
    #[cfg_attr(test, ts(optional = nullable))]
    pub email: Option<String>,
}

/// The report part of a case detail.
#[derive(Clone, Debug, Serialize, PartialEq)]
#[cfg_attr(test, derive(ts_rs::TS))]
#[cfg_attr(test, ts(rename = "CaseReport"))]
#[serde(rename_all = "camelCase")]
pub struct ReportDto {
    pub description: String,
    pub lon: f64,
    pub lat: f64,
    pub accuracy_m: Option<f64>,
    pub location_source: String,
    pub category_name: Option<String>,
    pub source_label: String,
    pub reporter_name: Option<String>,
    pub caller: Option<CallerDto>,
}

/// A person to assign a task to.
#[derive(Clone, Debug, Serialize, PartialEq)]
#[cfg_attr(test, derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct Assignee {
    pub user_id: String,
    pub display_name: String,
}

/// `case_detail`.
#[derive(Clone, Debug, Serialize, PartialEq)]
#[cfg_attr(test, derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct CaseDetail {
    pub row: CaseRow,
    pub report: Option<ReportDto>,
    pub photos: Vec<PhotoInfo>,
    pub timeline: Vec<TimelineEntry>,
    pub clocks: Vec<StageClock>,
    pub actions: Vec<ActionSpec>,
    pub suggestion: Option<Suggestion>,
    pub duplicates: Vec<DuplicateCandidate>,
    pub assignees: Vec<Assignee>,
    /// The handling limit a dispatch records now unless the dispatcher overrides it.
    pub standard_limit: Option<LimitDto>,
    /// The 立案条件 of the case's category to choose from at 立案, and the 结案条件.
    pub conditions: Vec<ConditionDto>,
    /// The 立案条件 chosen at filing, with its 结案条件 (shown at 核查 and 结案).
    pub filing_condition: Option<ConditionDto>,
    /// 督办, 批示 and 催办 on the case, oldest first, with their answers.
    pub supervision: Vec<SupervisionDto>,
    /// The department's 签收 of the current dispatch: when and by whom.
    pub signed_at: Option<i64>,
    pub signed_by: Option<String>,
    /// 下派 tasks of the case's department to its child units, oldest first.
    pub sub_tasks: Vec<SubTaskDto>,
    /// 下派: the child units the signed-in department user may choose (empty: none).
    pub child_units: Vec<DepartmentDto>,
    /// 下派: the latest deadline a child may be given (the case's handling deadline).
    pub parent_due: Option<i64>,
}

/// One 下派 (sub-dispatch) of a case, as the detail view shows it.
#[derive(Clone, Debug, Serialize, PartialEq)]
#[cfg_attr(test, derive(ts_rs::TS))]
#[cfg_attr(test, ts(rename = "SubTask"))]
#[serde(rename_all = "camelCase")]
pub struct SubTaskDto {
    pub event_id: String,
    /// The child unit.
    pub unit: String,
    pub unit_name: Option<String>,
    /// Who gave it (a user of the parent department).
    pub by_name: Option<String>,
    pub at: i64,
    /// The child's deadline (never later than the parent's).
    pub due_at: i64,
    pub note: String,
    /// The child's 签收.
    pub signed_at: Option<i64>,
    pub signed_by: Option<String>,
    /// The child's 下级反馈.
    pub result: Option<String>,
    pub reported_at: Option<i64>,
    /// Reported by the deadline (`None`: still open and not late, or lapsed).
    pub on_time: Option<bool>,
    /// The case left handling before the child reported.
    pub lapsed: bool,
    /// The signed-in user's unit holds it.
    pub mine: bool,
}

/// One 督办, 批示 or 催办 on a case, as the detail view shows it.
#[derive(Clone, Debug, Serialize, PartialEq)]
#[cfg_attr(test, derive(ts_rs::TS))]
#[cfg_attr(test, ts(rename = "SupervisionItem"))]
#[serde(rename_all = "camelCase")]
pub struct SupervisionDto {
    /// `escalate`, `instruct` or `urge`.
    #[cfg_attr(test, ts(type = "SupervisionKind"))]
    pub kind: String,
    /// 督办 / 批示 / 催办, with the level for 督办 (`2 级督办`).
    pub label: String,
    pub event_id: String,
    pub text: String,
    pub by_name: Option<String>,
    pub by_role: String,
    pub at: i64,
    /// Who must answer (`城管执法局`, `派遣员`), when anybody.
    pub addressee: Option<String>,
    /// 督办: the reply is due by.
    pub reply_by: Option<i64>,
    /// The reply (督办) or acknowledgement (批示), when given.
    pub answer: Option<String>,
    pub answered_at: Option<i64>,
    pub answered_by: Option<String>,
    /// 督办: replied by the due time (`None`: no due time, or not yet due).
    pub on_time: Option<bool>,
    /// The signed-in user must answer it.
    pub awaiting_me: bool,
}

/// Something new for the signed-in user, found after a sync round (`alerts://new`).
#[derive(Clone, Debug, Serialize, PartialEq)]
#[cfg_attr(test, derive(ts_rs::TS))]
#[cfg_attr(test, ts(rename = "Alert"))]
#[serde(rename_all = "camelCase")]
pub struct AlertDto {
    /// Stable key (`escalate:<event id>`, `task:<case>:<event id>` …).
    pub key: String,
    /// `task`, `returned`, `escalate`, `instruct` or `urge`.
    #[cfg_attr(test, ts(type = "AlertKind"))]
    pub kind: String,
    pub case_id: String,
    pub case_number: Option<String>,
    /// Short title (`2 级督办`, `新任务`).
    pub title: String,
    /// One line (the reason, the address).
    pub body: String,
    /// When the device found it (ms since the epoch).
    pub found_at: i64,
}

/// A handling limit with its basis (时限依据), as shown at 派遣.
#[derive(Clone, Debug, Serialize, PartialEq)]
#[cfg_attr(test, derive(ts_rs::TS))]
#[cfg_attr(test, ts(rename = "LimitInfo"))]
#[serde(rename_all = "camelCase")]
pub struct LimitDto {
    pub value: u32,
    pub unit: String,
    pub text: String,
    pub basis: String,
}

/// One 立案条件 of the standards table.
#[derive(Clone, Debug, Serialize, PartialEq)]
#[cfg_attr(test, derive(ts_rs::TS))]
#[cfg_attr(test, ts(rename = "Condition"))]
#[serde(rename_all = "camelCase")]
pub struct ConditionDto {
    pub code: String,
    pub filing: String,
    pub closing: String,
}

/// `act` input.
#[derive(Clone, Debug, Default, Deserialize, PartialEq)]
#[cfg_attr(test, derive(ts_rs::TS))]
#[cfg_attr(test, ts(optional_fields = nullable))]
#[serde(rename_all = "camelCase", default)]
pub struct ActionInput {
    #[cfg_attr(test, ts(type = "ActionKind"))]
    pub kind: String,
    pub reason: Option<String>,
    pub comment: Option<String>,
    pub photos: Option<Vec<String>>,
    pub department_id: Option<String>,
    pub passed: Option<bool>,
    pub satisfied: Option<bool>,
    pub assignee: Option<String>,
    pub limit_hours: Option<u32>,
    pub target_case: Option<String>,
    /// 派遣: a limit overriding the standard one (with `limit_unit` and a `reason`).
    pub limit_value: Option<u32>,
    /// 派遣: the override's unit, a stable name or its Chinese label (`natural_hours`, `工作日`).
    pub limit_unit: Option<String>,
    /// 立案: the 立案条件 code chosen.
    pub condition: Option<String>,
    /// 核实: a corrected position (both or neither), the device's fix at the scene.
    pub corrected_lon: Option<f64>,
    pub corrected_lat: Option<f64>,
    pub corrected_accuracy_m: Option<f64>,
    /// 督办: the level (1–9).
    pub level: Option<u8>,
    /// 督办: the reply is due this many hours from now (none: no reply time).
    pub reply_hours: Option<u32>,
    /// 督办 / 批示: the addressee — empty for the case's department, `department:<id>` or
    /// `role:<role>` (`dispatcher`, `shift_leader`, …).
    pub target: Option<String>,
    /// 下派: the child's deadline (ms since the epoch); the child unit goes in `department_id`.
    pub due_at: Option<i64>,
}

/// What EXIF said about a photo.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
#[cfg_attr(test, derive(ts_rs::TS))]
#[cfg_attr(test, ts(rename = "Exif"))]
#[serde(rename_all = "camelCase")]
pub struct ExifDto {
    pub lon: Option<f64>,
    pub lat: Option<f64>,
    pub accuracy_m: Option<f64>,
    pub taken_at: Option<i64>,
    pub orientation: u16,
    pub make: Option<String>,
    pub model: Option<String>,
}

/// A photo processed and kept on the device, not yet part of a case.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
#[cfg_attr(test, derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct StagedPhoto {
    pub sha256: String,
    pub thumb_url: String,
    pub width: u32,
    pub height: u32,
    pub exif: ExifDto,
    pub name: String,
}

/// A position and where it came from.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
#[cfg_attr(test, derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct Position {
    pub lon: f64,
    pub lat: f64,
    pub accuracy_m: Option<f64>,
    /// `gps`, `exif`, `manual` or `configured`.
    #[cfg_attr(test, ts(type = "'gps' | 'exif' | 'manual' | 'configured'"))]
    pub source: String,
}

/// A component near a point.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
#[cfg_attr(test, derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct NearbyComponent {
    pub id: String,
    pub type_code: String,
    pub type_name: String,
    pub distance_m: f64,
    pub owner: Option<String>,
    pub maintainer: Option<String>,
    /// Where the component stands (WGS84), for its marker on the new-report map; absent in
    /// drafts saved before the maps carried components.
    #[serde(default)]
    #[cfg_attr(test, ts(optional = nullable))]
    pub lon: Option<f64>,
    /// Latitude of the component.
    #[serde(default)]
    #[cfg_attr(test, ts(optional = nullable))]
    pub lat: Option<f64>,
}

/// The nearest cell to a point outside every cell.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
#[cfg_attr(test, derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct NearestCell {
    pub code: String,
    pub distance_m: f64,
}

/// Where a point is on the grid.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
#[cfg_attr(test, derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct Placement {
    pub inside: bool,
    pub cell: Option<String>,
    pub community: Option<String>,
    pub street: Option<String>,
    pub address: String,
    pub nearest_cell: Option<NearestCell>,
    pub components: Vec<NearbyComponent>,
}

/// One answer of `place_search`.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
#[cfg_attr(test, derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct PlaceHit {
    /// `road`, `place`, `community`, `street`, `cell` or `component`.
    #[cfg_attr(test, ts(type = "PlaceKind"))]
    pub kind: String,
    /// The road or place name, community or street name, cell code, component id or name.
    pub name: String,
    /// A second line: street · community, or the component's type.
    pub detail: String,
    /// Where to put the pin (WGS84).
    pub lon: f64,
    /// Latitude of the pin.
    pub lat: f64,
    /// The 15-digit cell at the pin, when the pin lies in one.
    pub cell: Option<String>,
    /// The address text at the pin.
    pub address: String,
}

/// A category of the catalog.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
#[cfg_attr(test, derive(ts_rs::TS))]
#[cfg_attr(test, ts(rename = "Category"))]
#[serde(rename_all = "camelCase")]
pub struct CategoryDto {
    #[serde(rename = "ref")]
    pub reference: String,
    #[cfg_attr(test, ts(type = "'component' | 'matter'"))]
    pub kind: String,
    pub code: String,
    pub name: String,
    pub major_name: String,
    pub minor_name: Option<String>,
}

/// The caller on a hotline draft.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
#[cfg_attr(test, derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct DraftCaller {
    pub name: String,
    pub phone: String,
    pub wants_callback: bool,
}

/// The report being written (saved on every change).
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
#[cfg_attr(test, derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct Draft {
    /// `report`, `hotline` or `self_handle`.
    #[cfg_attr(test, ts(type = "DraftKind"))]
    pub kind: String,
    pub photos: Vec<StagedPhoto>,
    #[serde(default)]
    pub after_photos: Vec<StagedPhoto>,
    pub position: Option<Position>,
    pub placement: Option<Placement>,
    pub category: Option<CategoryDto>,
    pub component_id: Option<String>,
    pub description: String,
    #[cfg_attr(test, ts(type = "Urgency"))]
    pub urgency: String,
    pub caller: Option<DraftCaller>,
    #[serde(default)]
    pub updated_at: i64,
    /// The 专项普查 task this report answers, if any.
    #[serde(default)]
    #[cfg_attr(test, ts(optional = nullable))]
    pub survey: Option<DraftSurvey>,
}

/// `draft_submit`.
#[derive(Clone, Debug, Serialize, PartialEq)]
#[cfg_attr(test, derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct Submitted {
    pub case_id: String,
    pub durable_ms: f64,
}

/// An error for the UI.
#[derive(Clone, Debug, Serialize, PartialEq)]
#[cfg_attr(test, derive(ts_rs::TS))]
#[cfg_attr(test, ts(rename = "ApiError"))]
#[serde(rename_all = "camelCase")]
pub struct ErrorDto {
    pub code: String,
    pub message: String,
}

/// A case the server refused, rebuilt from the server's copy.
#[derive(Clone, Debug, Serialize, PartialEq)]
#[cfg_attr(test, derive(ts_rs::TS))]
#[cfg_attr(test, ts(rename = "Quarantine"))]
#[serde(rename_all = "camelCase")]
pub struct QuarantineDto {
    pub id: i64,
    pub case_id: String,
    pub code: String,
    pub reason: String,
    pub at: i64,
}

/// An upload under way.
#[derive(Clone, Debug, Serialize, PartialEq)]
#[cfg_attr(test, derive(ts_rs::TS))]
#[cfg_attr(test, ts(rename = "Upload"))]
#[serde(rename_all = "camelCase")]
pub struct UploadDto {
    pub sha256: String,
    pub sent: u64,
    pub total: u64,
}

/// `sync_status`.
#[derive(Clone, Debug, Default, Serialize, PartialEq)]
#[cfg_attr(test, derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct SyncStatus {
    pub running: bool,
    pub online: Option<bool>,
    pub last_sync_at: Option<i64>,
    pub last_error: Option<ErrorDto>,
    pub pending_cases: usize,
    pub pending_photos: usize,
    /// Hotline callers queued on this device, not yet on the server (crate::contacts).
    pub pending_contacts: usize,
    pub upload: Option<UploadDto>,
    pub quarantines: Vec<QuarantineDto>,
    /// Patrol data waiting (track blocks, sign events, survey marks) and refused for good.
    #[serde(default)]
    pub pending_patrol: u64,
    #[serde(default)]
    pub refused_patrol: u64,
}

/// A case on the map.
#[derive(Clone, Debug, Serialize, PartialEq)]
#[cfg_attr(test, derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct MapCase {
    pub case_id: String,
    pub lon: f64,
    pub lat: f64,
    #[cfg_attr(test, ts(type = "Light | null"))]
    pub light: Option<String>,
    pub status_label: String,
    pub case_number: Option<String>,
}

/// `map_layers`.
#[derive(Clone, Debug, Serialize, PartialEq)]
#[cfg_attr(test, derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct MapLayers {
    #[cfg_attr(test, ts(type = "GeoJSON.FeatureCollection"))]
    pub cells: serde_json::Value,
    pub cases: Vec<MapCase>,
}

/// A department.
#[derive(Clone, Debug, Serialize, PartialEq)]
#[cfg_attr(test, derive(ts_rs::TS))]
#[cfg_attr(test, ts(rename = "Department"))]
#[serde(rename_all = "camelCase")]
pub struct DepartmentDto {
    pub id: String,
    pub name: String,
}

/// `patrol_status`: the 签到/签退 panel.
#[derive(Clone, Debug, Serialize, PartialEq)]
#[cfg_attr(test, derive(ts_rs::TS))]
#[cfg_attr(test, ts(rename = "PatrolStatus"))]
#[serde(rename_all = "camelCase")]
pub struct PatrolStatusDto {
    /// The user patrols (an inspector); the panel is hidden otherwise.
    pub enabled: bool,
    pub on_duty: bool,
    /// The open sign-in, Unix ms.
    pub since: Option<i64>,
    /// Today (tenant-local), `YYYY-MM-DD`.
    pub day: String,
    pub points: u32,
    /// 巡查里程 today, metres.
    pub metres: f64,
    /// `sim`, `gps`, `fixed` or `none`.
    #[cfg_attr(test, ts(type = "'sim' | 'gps' | 'fixed' | 'none'"))]
    pub source: String,
    /// Sealed track blocks, sign events and survey marks not yet on the server.
    pub pending_blocks: u64,
    pub pending_signs: u64,
    pub pending_marks: u64,
    /// Points recorded since the last sync (sealed at the next one).
    pub unsealed_points: u64,
    /// Items the server refused for good (kept on the device with their code).
    pub refused_blocks: u64,
    pub refused_signs: u64,
    pub refused_marks: u64,
}

/// One component of a survey cell.
#[derive(Clone, Debug, Serialize, PartialEq)]
#[cfg_attr(test, derive(ts_rs::TS))]
#[cfg_attr(test, ts(rename = "SurveyComponent"))]
#[serde(rename_all = "camelCase")]
pub struct SurveyComponentDto {
    pub id: String,
    /// `pending`, `clear` or `found`.
    #[cfg_attr(test, ts(type = "SurveyState"))]
    pub status: String,
}

/// One of my cells in a survey.
#[derive(Clone, Debug, Serialize, PartialEq)]
#[cfg_attr(test, derive(ts_rs::TS))]
#[cfg_attr(test, ts(rename = "MySurveyCell"))]
#[serde(rename_all = "camelCase")]
pub struct SurveyCellDto {
    pub cell: String,
    pub community: Option<String>,
    /// `pending`, `clear` or `found`.
    #[cfg_attr(test, ts(type = "SurveyState"))]
    pub status: String,
    /// Cases reported in it for the task (from this device).
    pub found: u32,
    pub done: bool,
    pub components: Vec<SurveyComponentDto>,
}

/// `my_surveys`: a task assigned to me, with my progress as this device knows it.
#[derive(Clone, Debug, Serialize, PartialEq)]
#[cfg_attr(test, derive(ts_rs::TS))]
#[cfg_attr(test, ts(rename = "Survey"))]
#[serde(rename_all = "camelCase")]
pub struct SurveyDto {
    pub id: String,
    pub title: String,
    /// Category names (codes when the reference data lacks them).
    pub categories: Vec<String>,
    pub starts_at: i64,
    pub due_at: i64,
    pub cells: Vec<SurveyCellDto>,
    pub done: u32,
    /// Marks not yet on the server, and refused ones.
    pub pending_marks: u32,
    pub refused_marks: u32,
}

/// `survey_mark`: "checked, nothing found" for a cell or one of its components.
#[derive(Clone, Debug, Deserialize, PartialEq)]
#[cfg_attr(test, derive(ts_rs::TS))]
#[cfg_attr(test, ts(optional_fields = nullable))]
#[serde(rename_all = "camelCase")]
pub struct SurveyMarkInput {
    pub survey_id: String,
    pub cell: String,
    pub component_id: Option<String>,
}

/// The survey a report is made for (set when 上报问题 opens the editor from a survey).
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
#[cfg_attr(test, derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct DraftSurvey {
    pub survey_id: String,
    pub cell: String,
    pub component_id: Option<String>,
}
