//! Patrol and survey wire types (issue 16, docs/patrol.md "Protocol"): the contract between the
//! device runtime and the server for 巡查轨迹, 签到/签退, the duty roster, the coverage/duty/漏报
//! report, and 专项普查 tasks and marks.
//!
//! Invariants:
//! - patrol data travels apart from case documents (its own routes, its own outbox on the device),
//!   so a track never delays or blocks case sync;
//! - every push is idempotent: a track block is keyed by (inspector, day, seq) and a sign event or
//!   a survey mark by the id the device gave it; the same bytes again are acknowledged, different
//!   bytes under a used key are refused with `track_conflict`;
//! - the inspector of a push is always the signed-in user; the server ignores any other claim;
//! - a track block is the `patrol::codec` block as base64 in JSON; the server decodes it with
//!   `patrol::decode` and refuses it with the codec's code before storing a byte;
//! - days are the tenant's local calendar days as `YYYY-MM-DD`; instants are Unix milliseconds
//!   except inside track points, which keep the codec's seconds.

use crate::codes::{CategoryRef, ComponentId, GridCode};
use crate::model::{CaseId, SurveyId, UserId};
use crate::survey::{Finding, Target};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};

/// `POST /v1/patrol/tracks`: one block of the caller's day record (监督员 only).
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize, Debug)]
pub struct TrackBlockPush {
    /// The tenant-local day the block belongs to, `YYYY-MM-DD`.
    pub day: String,
    /// The block's number within the day, from 0, without gaps.
    pub seq: u32,
    /// The `patrol::codec` block, standard base64.
    pub block: String,
}

/// The reply to a [`TrackBlockPush`].
#[derive(Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Debug)]
pub struct TrackBlockAck {
    /// Points in the block.
    pub points: u32,
    /// False when the same block had been stored before (a retry).
    pub stored: bool,
}

/// 签到 or 签退.
#[derive(Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Debug)]
#[serde(rename_all = "snake_case")]
pub enum SignKindWire {
    /// 签到.
    In,
    /// 签退.
    Out,
}

/// `POST /v1/patrol/signs`: a sign-in or sign-out made on the device (监督员 only).
#[derive(Clone, PartialEq, Serialize, Deserialize, Debug)]
pub struct SignPush {
    /// The device's id of the event (UUID text), the key that makes a retry harmless.
    pub id: String,
    /// In or out.
    pub kind: SignKindWire,
    /// When, Unix ms (the device's clock; the server refuses instants in the future).
    pub at: i64,
    /// Longitude, WGS84 degrees.
    pub lon: f64,
    /// Latitude, WGS84 degrees.
    pub lat: f64,
}

/// One shift of the duty roster (排班).
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize, Debug)]
pub struct RosterShift {
    /// The inspector.
    pub inspector: UserId,
    /// The tenant-local day, `YYYY-MM-DD`.
    pub day: String,
    /// Shift start, Unix ms.
    pub start: i64,
    /// Shift end, Unix ms (after `start`, at most 24 h later).
    pub end: i64,
    /// The cells patrolled on this shift.
    pub cells: BTreeSet<GridCode>,
}

/// `PUT /v1/patrol/roster`: the shifts of the named days, replacing what those days held
/// (值班长 and 管理员). `GET /v1/patrol/roster?from=&to=` returns the same shape.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize, Debug, Default)]
pub struct Roster {
    /// Shifts, by day then inspector.
    pub shifts: Vec<RosterShift>,
}

/// One cell on one day of an inspector's report.
#[derive(Clone, PartialEq, Serialize, Deserialize, Debug)]
pub struct CellDayWire {
    /// The cell.
    pub cell: GridCode,
    /// Assigned to the inspector on that day's shift.
    pub assigned: bool,
    /// A recorded point lies in it.
    pub visited: bool,
    /// Metres of counted track whose midpoint lies in it.
    pub metres: f64,
    /// Seconds of counted track whose midpoint lies in it.
    pub seconds: i64,
}

/// One inspector-day of the report.
#[derive(Clone, PartialEq, Serialize, Deserialize, Debug)]
pub struct InspectorDayWire {
    /// The day, `YYYY-MM-DD`.
    pub day: String,
    /// Cells visited or assigned.
    pub cells: Vec<CellDayWire>,
    /// 巡查里程 of the day, metres.
    pub metres: f64,
    /// Stretches outside the assigned area, `[from, to]` in Unix seconds.
    pub outside: Vec<[i64; 2]>,
    /// The shift's length, seconds (0 when not rostered).
    pub scheduled_s: i64,
    /// 在岗时长, seconds.
    pub on_duty_s: i64,
    /// Late arrival, seconds.
    pub late_s: i64,
    /// Early leave, seconds.
    pub early_leave_s: i64,
    /// A sign-in never followed by a sign-out.
    pub missing_sign_out: bool,
    /// A sign-in or sign-out made outside the assigned area.
    pub signed_outside: bool,
}

/// One exact 漏报 with its evidence.
#[derive(Clone, PartialEq, Serialize, Deserialize, Debug)]
pub struct MissedWire {
    /// The case the inspector walked past.
    pub case_id: CaseId,
    /// Its human number, when it has one.
    pub case_number: Option<String>,
    /// Closest distance of the counted track to the case's location, metres.
    pub distance_m: f64,
    /// The evidence segment, `[from, to]` in Unix seconds.
    pub segment: [i64; 2],
}

/// One inspector over the report's period.
#[derive(Clone, PartialEq, Serialize, Deserialize, Debug)]
pub struct InspectorPatrolWire {
    /// The inspector.
    pub inspector: UserId,
    /// Display name.
    pub name: String,
    /// 区域覆盖率: assigned cells visited on duty days ÷ assigned cells on duty days (0–1).
    pub coverage_rate: f64,
    /// 巡查里程, metres.
    pub metres: f64,
    /// Rostered seconds over the period.
    pub scheduled_s: i64,
    /// 在岗时长 over the period, seconds.
    pub on_duty_s: i64,
    /// 在岗率 (0–1; 0 when nothing was rostered).
    pub duty_rate: f64,
    /// Per day.
    pub days: Vec<InspectorDayWire>,
    /// Exact 漏报 in the period.
    pub missed: Vec<MissedWire>,
}

/// `GET /v1/patrol/report?from=YYYY-MM-DD&to=YYYY-MM-DD` (值班长, 领导, 管理员; `to` inclusive,
/// at most 92 days).
#[derive(Clone, PartialEq, Serialize, Deserialize, Debug, Default)]
pub struct PatrolReport {
    /// First day.
    pub from: String,
    /// Last day.
    pub to: String,
    /// Per inspector, by name.
    pub inspectors: Vec<InspectorPatrolWire>,
}

/// `GET /v1/patrol/track?inspector=&day=`: one inspector-day for playback (the inspector's own,
/// or any in the tenant for 值班长, 领导, 管理员).
#[derive(Clone, PartialEq, Serialize, Deserialize, Debug, Default)]
pub struct TrackDay {
    /// The day.
    pub day: String,
    /// Points as `[t (Unix s), lon, lat, accuracy m]`, in time order.
    pub points: Vec<[f64; 4]>,
    /// Sign events of the day as `[at (Unix ms), lon, lat]` with their kind.
    pub signs: Vec<SignWire>,
}

/// A stored sign event.
#[derive(Clone, PartialEq, Serialize, Deserialize, Debug)]
pub struct SignWire {
    /// In or out.
    pub kind: SignKindWire,
    /// Unix ms.
    pub at: i64,
    /// Longitude.
    pub lon: f64,
    /// Latitude.
    pub lat: f64,
}

/// `POST /v1/surveys` (值班长, 管理员): a new 专项普查 task. `GET /v1/surveys` lists the tasks
/// the caller may see (an inspector: those assigning it cells) in this shape.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize, Debug)]
pub struct SurveyTaskWire {
    /// The id (given by the creating device, so a retry is harmless).
    pub id: SurveyId,
    /// Title, e.g. 城关区井盖专项普查.
    pub title: String,
    /// What to look for.
    pub categories: Vec<CategoryRef>,
    /// Each assigned inspector's cells.
    pub assignments: BTreeMap<UserId, BTreeSet<GridCode>>,
    /// Components to check one by one, per cell.
    pub components: BTreeMap<GridCode, BTreeSet<ComponentId>>,
    /// Start, Unix ms.
    pub starts_at: i64,
    /// Due, Unix ms.
    pub due_at: i64,
}

/// `GET /v1/surveys`: the tasks the caller may see (an inspector: those assigning it cells).
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize, Debug, Default)]
pub struct SurveyList {
    /// The tasks.
    pub surveys: Vec<SurveyTaskWire>,
}

/// One mark in a [`SurveyMarksPush`].
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize, Debug)]
pub struct SurveyMarkWire {
    /// The device's id of the mark (UUID text).
    pub id: String,
    /// The cell.
    pub cell: GridCode,
    /// The cell as a whole or one of its components.
    pub target: Target,
    /// A case reported for the task, or nothing found.
    pub finding: Finding,
    /// When, Unix ms.
    pub at: i64,
}

/// `POST /v1/surveys/{id}/marks` (监督员): marks made offline, in any number per request (at most
/// 500).
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize, Debug, Default)]
pub struct SurveyMarksPush {
    /// The marks.
    pub marks: Vec<SurveyMarkWire>,
}

/// The reply: which marks were kept and which refused, by index, with the refusal's code.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize, Debug, Default)]
pub struct SurveyMarksAck {
    /// Marks stored now or before.
    pub accepted: u32,
    /// `(index in the push, error code)` of each refused mark (it is not sent again).
    pub refused: Vec<(u32, String)>,
}

/// One cell of a survey's progress.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize, Debug)]
pub struct SurveyCellWire {
    /// The cell.
    pub cell: GridCode,
    /// Its inspector.
    pub inspector: UserId,
    /// `pending`, `clear` or `found`.
    pub status: String,
    /// Cases reported in it for the task.
    pub found: u32,
    /// Done (a cell with listed components is done when each of them is).
    pub done: bool,
}

/// One inspector's progress.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize, Debug)]
pub struct SurveyInspectorWire {
    /// The inspector.
    pub inspector: UserId,
    /// Display name.
    pub name: String,
    /// Assigned cells.
    pub cells: u32,
    /// Cells done.
    pub done: u32,
    /// Cases reported.
    pub reported: u32,
    /// "Nothing found" marks.
    pub clear: u32,
}

/// `GET /v1/surveys/{id}/progress` (值班长, 领导, 管理员; an inspector sees its own cells).
/// `GET /v1/surveys/{id}/export.xlsx` returns the same as a workbook.
#[derive(Clone, PartialEq, Serialize, Deserialize, Debug)]
pub struct SurveyProgressWire {
    /// The task.
    pub task: SurveyTaskWire,
    /// Cells done ÷ cells (0–1).
    pub rate: f64,
    /// Distinct cases reported for the task.
    pub cases: u32,
    /// Per cell.
    pub cells: Vec<SurveyCellWire>,
    /// Per inspector.
    pub inspectors: Vec<SurveyInspectorWire>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_push_round_trips_as_json() {
        let push = TrackBlockPush {
            day: "2026-12-07".into(),
            seq: 3,
            block: "R1QB".into(),
        };
        let text = serde_json::to_string(&push).unwrap();
        assert_eq!(text, r#"{"day":"2026-12-07","seq":3,"block":"R1QB"}"#);
        assert_eq!(serde_json::from_str::<TrackBlockPush>(&text).unwrap(), push);
        let sign = SignPush {
            id: "a".into(),
            kind: SignKindWire::Out,
            at: 1,
            lon: 103.8,
            lat: 36.0,
        };
        assert!(
            serde_json::to_string(&sign)
                .unwrap()
                .contains(r#""kind":"out""#)
        );
    }
}
