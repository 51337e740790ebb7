//! Patrols on the server (issue 16, docs/patrol.md "Server"): track blocks and sign events
//! pushed by inspectors' devices, the duty roster, the tenant's patrol settings, playback, and
//! the report (coverage, duty, outside stretches and exact 漏报) computed with
//! `gridcase_core::patrol`.
//!
//! Invariants:
//! - the inspector of a push is the signed-in user (only 监督员 push); a block is decoded with
//!   `patrol::decode` and its points checked against its day before a byte is stored; a day's
//!   blocks are numbered from 0 without gaps, a retry of a stored block (same bytes) is
//!   acknowledged with `stored: false`, different bytes under a used number are `track_conflict`;
//! - a sign event is keyed by the device's id; instants from the future (beyond
//!   [`CLOCK_SLACK_MS`]) are refused;
//! - every read and write names the caller's tenant: an inspector of another tenant is
//!   `not_found`, never read;
//! - the figures depend only on the stored data, the tenant's grid and its settings
//!   ([`PatrolSettings`], tenant file `patrol`, defaults when absent).

use super::Caller;
use super::rules::kind;
use crate::db::sql::Connection;
use crate::db::{patrol as db, tenants, users};
use crate::deployment::Deployment;
use crate::error::{Result, ServerError};
use base64::Engine as _;
use chrono::{Duration, NaiveDate};
use gridcase_core::codes::GridCode;
use gridcase_core::grid::GridIndex;
use gridcase_core::model::{CaseId, Role, Timestamp, UserId};
use gridcase_core::patrol::codec::MAX_DAY_POINTS;
use gridcase_core::patrol::coverage::DayCoverage;
use gridcase_core::patrol::duty::SignKind;
use gridcase_core::patrol::{
    Coverage, CoverageRules, DutyDay, InspectorPeriod, Missed, MissedRule, PatrolCase, Segment,
    Shift, SignEvent, TrackError, TrackPoint, decode, segments,
};
use gridcase_core::protocol::ErrorCode;
use gridcase_core::protocol::{
    CellDayWire, InspectorDayWire, InspectorPatrolWire, MissedWire, PatrolReport, Roster,
    RosterShift, SignKindWire, SignPush, SignWire, TrackBlockAck, TrackBlockPush, TrackDay,
};
use gridcase_core::workflow::CaseState;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet, HashMap};

/// How far ahead of the server's clock a device's instant may be (clock drift).
pub const CLOCK_SLACK_MS: i64 = 5 * 60_000;
/// The longest period of a report or a roster read, in days.
pub const MAX_PERIOD_DAYS: i64 = 92;
/// The most shifts one roster write may hold.
pub const MAX_SHIFTS: usize = 5_000;
/// The most cells one shift may name.
pub const MAX_SHIFT_CELLS: usize = 500;
/// The largest block, in bytes (a whole day of points is far less).
pub const MAX_BLOCK_BYTES: usize = 1 << 20;

/// The tenant's patrol settings (tenant file `patrol`, JSON; defaults when absent).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct PatrolSettings {
    /// The exact 漏报 rule.
    pub missed: MissedRule,
    /// The coverage rules.
    pub coverage: CoverageRules,
}

impl PatrolSettings {
    /// Refuses settings outside sane bounds.
    pub fn check(&self) -> Result<()> {
        let m = &self.missed;
        let w = &self.coverage.walk;
        let ok = (1.0..=1_000.0).contains(&m.distance_m)
            && (1..=720).contains(&m.window_hours)
            && (1..=3_600).contains(&w.max_gap_s)
            && (0.5..=50.0).contains(&w.max_speed_mps)
            && (0.0..=500.0).contains(&w.stop_radius_m)
            && (0..=86_400).contains(&w.max_stop_s)
            && (0.0..=1_000.0).contains(&self.coverage.outside_tolerance_m);
        if ok {
            Ok(())
        } else {
            Err(ServerError::bad_request(
                "巡查设置超出范围：距离 1–1000 米，时间窗 1–720 小时，间隔 1–3600 秒，速度 0.5–50 米/秒",
            ))
        }
    }
}

/// The tenant's settings.
pub fn settings_in(conn: &Connection<'_>, tenant: &str) -> Result<PatrolSettings> {
    match tenants::file(conn, tenant, kind::PATROL)? {
        Some((name, text)) => serde_json::from_str(&text)
            .map_err(|e| ServerError::Internal(format!("{tenant}/{name}: {e}"))),
        None => Ok(PatrolSettings::default()),
    }
}

fn may_read_all(role: Role) -> bool {
    matches!(role, Role::ShiftLeader | Role::Leader | Role::Admin)
}

fn refuse_role(caller: &Caller, what: &str) -> ServerError {
    ServerError::api(
        ErrorCode::RoleNotAllowed,
        format!("{what}：当前岗位为{}", caller.role.label_zh()),
    )
}

fn require_inspector(caller: &Caller) -> Result<()> {
    if caller.role == Role::Inspector {
        Ok(())
    } else {
        Err(refuse_role(caller, "仅监督员上传巡查数据"))
    }
}

/// `GET /v1/patrol/settings` (值班长, 领导, 管理员).
pub fn get_settings(dep: &Deployment, caller: &Caller) -> Result<PatrolSettings> {
    if !may_read_all(caller.role) {
        return Err(refuse_role(caller, "巡查设置"));
    }
    dep.db().read(|tx| settings_in(tx, &caller.tenant_code()))
}

/// `PUT /v1/patrol/settings` (管理员): replaces the tenant's settings.
pub fn put_settings(
    dep: &Deployment,
    caller: &Caller,
    s: &PatrolSettings,
) -> Result<PatrolSettings> {
    if caller.role != Role::Admin {
        return Err(refuse_role(caller, "仅管理员修改巡查设置"));
    }
    s.check()?;
    let text = serde_json::to_string(s).map_err(|e| ServerError::Internal(e.to_string()))?;
    let now = dep.now().ms();
    dep.db().write(|tx| {
        tenants::set_file(
            tx,
            &caller.tenant_code(),
            kind::PATROL,
            "patrol.json",
            &text,
            now,
        )
    })?;
    Ok(s.clone())
}

/// A tenant-local day.
pub fn parse_day(text: &str) -> Result<NaiveDate> {
    NaiveDate::parse_from_str(text, "%Y-%m-%d")
        .ok()
        .filter(|d| d.format("%Y-%m-%d").to_string() == text)
        .ok_or_else(|| ServerError::bad_request(format!("日期应为 YYYY-MM-DD：{text}")))
}

/// The first second of a local day (Unix s).
pub fn day_start_s(day: NaiveDate) -> i64 {
    Timestamp::from_shanghai(day.and_hms_opt(0, 0, 0).unwrap_or_default()).ms() / 1000
}

/// The local day of an instant (Unix ms).
pub fn day_of_ms(ms: i64) -> String {
    Timestamp(ms)
        .to_shanghai()
        .map_or_else(String::new, |d| d.format("%Y-%m-%d").to_string())
}

fn fmt_day(d: NaiveDate) -> String {
    d.format("%Y-%m-%d").to_string()
}

fn track_code(e: &TrackError) -> ErrorCode {
    match e {
        TrackError::Malformed { .. } => ErrorCode::TrackMalformed,
        TrackError::TooLong => ErrorCode::TrackTooLong,
        TrackError::BadTime { .. } => ErrorCode::TrackBadTime,
        TrackError::BadPosition { .. } => ErrorCode::TrackBadPosition,
    }
}

fn decoded(bytes: &[u8]) -> Result<Vec<TrackPoint>> {
    decode(bytes).map_err(|e| ServerError::api(track_code(&e), e))
}

/// `POST /v1/patrol/tracks`: stores one block of the caller's day record.
pub fn push_track(
    dep: &Deployment,
    caller: &Caller,
    push: &TrackBlockPush,
) -> Result<TrackBlockAck> {
    require_inspector(caller)?;
    let day = parse_day(&push.day)?;
    if push.block.len() > MAX_BLOCK_BYTES * 4 / 3 + 4 {
        return Err(ServerError::api(ErrorCode::TooLarge, "轨迹数据块过大"));
    }
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(push.block.as_bytes())
        .map_err(|e| ServerError::api(ErrorCode::TrackMalformed, format!("base64：{e}")))?;
    let points = decoded(&bytes)?;
    let (Some(first), Some(last)) = (points.first(), points.last()) else {
        return Err(ServerError::api(ErrorCode::TrackMalformed, "空数据块"));
    };
    let start = day_start_s(day);
    let now_s = (dep.now().ms() + CLOCK_SLACK_MS) / 1000;
    if first.t < start || last.t >= start + 86_400 {
        return Err(ServerError::api(
            ErrorCode::TrackBadTime,
            format!("轨迹点不在 {} 这一天内", push.day),
        ));
    }
    if last.t > now_s {
        return Err(ServerError::api(
            ErrorCode::TrackBadTime,
            "轨迹点时间晚于服务器时间",
        ));
    }
    let row = db::BlockRow {
        seq: push.seq,
        bytes,
        points: points.len() as u32,
        first_t: first.t,
        last_t: last.t,
    };
    let tenant = caller.tenant_code();
    let device = caller.device.to_string();
    let now = dep.now().ms();
    dep.db().write(|tx| {
        let stored = db::day_blocks(tx, &tenant, caller.user, &push.day)?;
        if let Some(old) = stored.iter().find(|b| b.seq == push.seq) {
            return if old.bytes == row.bytes {
                Ok(TrackBlockAck {
                    points: old.points,
                    stored: false,
                })
            } else {
                Err(ServerError::api(
                    ErrorCode::TrackConflict,
                    format!("{} 第 {} 段", push.day, push.seq),
                ))
            };
        }
        if push.seq as usize != stored.len() {
            return Err(ServerError::bad_request(format!(
                "{} 的轨迹应先上传第 {} 段",
                push.day,
                stored.len()
            )));
        }
        if stored.last().is_some_and(|b| b.last_t >= row.first_t) {
            return Err(ServerError::api(
                ErrorCode::TrackBadTime,
                "数据块的第一个点不晚于上一段的最后一个点",
            ));
        }
        let total: u64 = stored.iter().map(|b| u64::from(b.points)).sum();
        if total + u64::from(row.points) > MAX_DAY_POINTS as u64 {
            return Err(ServerError::api(ErrorCode::TrackTooLong, push.day.clone()));
        }
        db::insert_block(
            tx,
            &db::NewBlock {
                tenant: &tenant,
                inspector: caller.user,
                day: &push.day,
                block: &row,
                device: &device,
                now,
            },
        )?;
        Ok(TrackBlockAck {
            points: row.points,
            stored: true,
        })
    })
}

/// The reply to a sign push.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SignAck {
    /// False when the same event had been stored before (a retry).
    pub stored: bool,
}

fn kind_text(k: SignKindWire) -> &'static str {
    match k {
        SignKindWire::In => "in",
        SignKindWire::Out => "out",
    }
}

/// `POST /v1/patrol/signs`: stores a sign-in or sign-out of the caller.
pub fn push_sign(dep: &Deployment, caller: &Caller, push: &SignPush) -> Result<SignAck> {
    require_inspector(caller)?;
    if uuid::Uuid::try_parse(&push.id).is_err() {
        return Err(ServerError::api(
            ErrorCode::InvalidId,
            "签到记录编号应为 UUID",
        ));
    }
    if !(push.lon.is_finite()
        && push.lat.is_finite()
        && (-180.0..=180.0).contains(&push.lon)
        && (-90.0..=90.0).contains(&push.lat))
    {
        return Err(ServerError::api(
            ErrorCode::TrackBadPosition,
            "签到位置无效",
        ));
    }
    let now = dep.now().ms();
    if push.at > now + CLOCK_SLACK_MS || push.at < 946_684_800_000 {
        return Err(ServerError::api(
            ErrorCode::TrackBadTime,
            "签到时间无效或晚于服务器时间",
        ));
    }
    let row = db::SignRow {
        id: push.id.to_ascii_lowercase(),
        inspector: caller.user.to_string(),
        kind: kind_text(push.kind).to_owned(),
        at: push.at,
        day: day_of_ms(push.at),
        lon: push.lon,
        lat: push.lat,
    };
    let tenant = caller.tenant_code();
    let device = caller.device.to_string();
    dep.db().write(|tx| match db::sign(tx, &tenant, &row.id)? {
        Some(old) if old == row => Ok(SignAck { stored: false }),
        Some(_) => Err(ServerError::api(
            ErrorCode::TrackConflict,
            "该签到记录编号已用于不同的内容",
        )),
        None => {
            db::insert_sign(tx, &tenant, &row, &device, now)?;
            Ok(SignAck { stored: true })
        }
    })
}

/// The tenant's inspectors: id → (display name, own cells).
fn inspectors(
    conn: &Connection<'_>,
    tenant: &str,
) -> Result<BTreeMap<UserId, (String, BTreeSet<GridCode>)>> {
    let mut out = BTreeMap::new();
    for u in users::list(conn, tenant)? {
        if u.role != Role::Inspector {
            continue;
        }
        let cells = users::cells(conn, u.id)?
            .iter()
            .filter_map(|c| GridCode::parse(c).ok())
            .collect();
        out.insert(u.id, (u.display_name, cells));
    }
    Ok(out)
}

/// The tenant's grid: its cell geometry when imported, else no cell.
fn grid_of(
    dep: &Deployment,
    tenant: &str,
) -> Result<(std::sync::Arc<super::rules::TenantRules>, GridIndex)> {
    let rules = dep.rules(tenant)?;
    let empty =
        GridIndex::from_cells(Vec::new()).map_err(|e| ServerError::Internal(e.to_string()))?;
    Ok((rules, empty))
}

/// Whether a cell is one of the tenant's (its imported cell list or its geometry).
fn known_cells(
    conn: &Connection<'_>,
    tenant: &str,
    grid: Option<&GridIndex>,
) -> Result<BTreeSet<GridCode>> {
    let mut out: BTreeSet<GridCode> = tenants::cells(conn, tenant)?
        .iter()
        .filter_map(|(c, _)| GridCode::parse(c).ok())
        .collect();
    if let Some(g) = grid {
        out.extend(g.cells().iter().map(|c| c.code));
    }
    Ok(out)
}

fn check_period(from: &str, to: &str) -> Result<(NaiveDate, NaiveDate)> {
    let (f, t) = (parse_day(from)?, parse_day(to)?);
    if t < f {
        return Err(ServerError::bad_request("to 不能早于 from"));
    }
    if (t - f).num_days() >= MAX_PERIOD_DAYS {
        return Err(ServerError::bad_request(format!(
            "期间最长 {MAX_PERIOD_DAYS} 天"
        )));
    }
    Ok((f, t))
}

fn shift_of_row(r: &db::ShiftRow) -> Result<RosterShift> {
    let inspector =
        UserId::parse(&r.inspector).map_err(|e| ServerError::Internal(e.to_string()))?;
    let cells: BTreeSet<GridCode> =
        serde_json::from_str(&r.cells).map_err(|e| ServerError::Internal(e.to_string()))?;
    Ok(RosterShift {
        inspector,
        day: r.day.clone(),
        start: r.start_ms,
        end: r.end_ms,
        cells,
    })
}

/// `PUT /v1/patrol/roster` (值班长, 管理员): the named days' shifts are replaced by these.
pub fn put_roster(dep: &Deployment, caller: &Caller, roster: &Roster) -> Result<Roster> {
    if !matches!(caller.role, Role::ShiftLeader | Role::Admin) {
        return Err(refuse_role(caller, "仅值班长和管理员编排班表"));
    }
    if roster.shifts.len() > MAX_SHIFTS {
        return Err(ServerError::api(
            ErrorCode::TooLarge,
            format!("一次最多 {MAX_SHIFTS} 个班次"),
        ));
    }
    let tenant = caller.tenant_code();
    let (rules, _) = grid_of(dep, &tenant)?;
    let now = dep.now().ms();
    let by = caller.user.to_string();
    dep.db().write(|tx| {
        let people = inspectors(tx, &tenant)?;
        let known = known_cells(tx, &tenant, rules.grid.as_ref())?;
        let mut days = BTreeSet::new();
        let mut rows = Vec::with_capacity(roster.shifts.len());
        for (i, s) in roster.shifts.iter().enumerate() {
            let bad =
                |what: String| ServerError::bad_request(format!("第 {} 个班次：{what}", i + 1));
            parse_day(&s.day)?;
            if !people.contains_key(&s.inspector) {
                return Err(bad(format!("{} 不是本区县的监督员", s.inspector)));
            }
            if s.end <= s.start || s.end - s.start > 86_400_000 {
                return Err(bad("结束须晚于开始，且一个班次不超过 24 小时".into()));
            }
            if day_of_ms(s.start) != s.day {
                return Err(bad(format!("开始时间不在 {} 这一天", s.day)));
            }
            if s.cells.is_empty() || s.cells.len() > MAX_SHIFT_CELLS {
                return Err(bad(format!("须指定 1–{MAX_SHIFT_CELLS} 个网格")));
            }
            if let Some(c) = s.cells.iter().find(|c| !known.contains(c)) {
                return Err(bad(format!("网格 {c} 不属于本区县")));
            }
            days.insert(s.day.clone());
            rows.push(db::ShiftRow {
                inspector: s.inspector.to_string(),
                day: s.day.clone(),
                start_ms: s.start,
                end_ms: s.end,
                cells: serde_json::to_string(&s.cells)
                    .map_err(|e| ServerError::Internal(e.to_string()))?,
            });
        }
        for d in &days {
            db::clear_day(tx, &tenant, d)?;
        }
        for r in &rows {
            db::put_shift(tx, &tenant, r, &by, now)?;
        }
        Ok(())
    })?;
    let mut sorted = roster.shifts.clone();
    sorted.sort_by(|a, b| (&a.day, a.inspector, a.start).cmp(&(&b.day, b.inspector, b.start)));
    Ok(Roster { shifts: sorted })
}

/// `GET /v1/patrol/roster?from=&to=` (值班长, 领导, 管理员: every shift; 监督员: its own).
pub fn get_roster(dep: &Deployment, caller: &Caller, from: &str, to: &str) -> Result<Roster> {
    let own_only = match caller.role {
        r if may_read_all(r) => false,
        Role::Inspector => true,
        _ => return Err(refuse_role(caller, "班表")),
    };
    check_period(from, to)?;
    let rows = dep
        .db()
        .read(|tx| db::shifts(tx, &caller.tenant_code(), from, to))?;
    let mut shifts = Vec::new();
    for r in &rows {
        let s = shift_of_row(r)?;
        if !own_only || s.inspector == caller.user {
            shifts.push(s);
        }
    }
    Ok(Roster { shifts })
}

/// The inspector named by a read: the caller itself, or (for 值班长, 领导, 管理员) any inspector
/// of the caller's tenant; another tenant's user is `not_found`.
fn readable_inspector(conn: &Connection<'_>, caller: &Caller, inspector: UserId) -> Result<String> {
    if inspector != caller.user && !may_read_all(caller.role) {
        return Err(refuse_role(caller, "只能查看本人的巡查轨迹"));
    }
    match users::get(conn, inspector)? {
        Some(u) if u.tenant == caller.tenant_code() && u.role == Role::Inspector => {
            Ok(u.display_name)
        }
        _ => Err(ServerError::not_found("监督员")),
    }
}

/// A day's points (every stored block, decoded in order).
fn day_points(
    conn: &Connection<'_>,
    tenant: &str,
    inspector: UserId,
    day: &str,
) -> Result<Vec<TrackPoint>> {
    let blocks = db::day_blocks(conn, tenant, inspector, day)?;
    let bytes: Vec<u8> = blocks.into_iter().flat_map(|b| b.bytes).collect();
    // Every block was decoded before it was stored; a failure now is damage, not input.
    decode(&bytes)
        .map_err(|e| ServerError::Internal(format!("stored track {inspector}/{day}: {e}")))
}

fn sign_wire(s: &db::SignRow) -> SignWire {
    SignWire {
        kind: if s.kind == "in" {
            SignKindWire::In
        } else {
            SignKindWire::Out
        },
        at: s.at,
        lon: s.lon,
        lat: s.lat,
    }
}

/// `GET /v1/patrol/track?inspector=&day=`: one inspector-day for playback.
pub fn track_day(
    dep: &Deployment,
    caller: &Caller,
    inspector: UserId,
    day: &str,
) -> Result<TrackDay> {
    parse_day(day)?;
    let tenant = caller.tenant_code();
    dep.db().read(|tx| {
        readable_inspector(tx, caller, inspector)?;
        let points = day_points(tx, &tenant, inspector, day)?
            .iter()
            .map(|p| [p.t as f64, p.lon, p.lat, f64::from(p.accuracy_m)])
            .collect();
        let signs = db::day_signs(tx, &tenant, inspector, day)?
            .iter()
            .map(sign_wire)
            .collect();
        Ok(TrackDay {
            day: day.to_owned(),
            points,
            signs,
        })
    })
}

/// What the 漏报 rule reads of a case, with what the report shows of it.
#[derive(Clone, Debug)]
pub struct CaseFacts {
    /// The case.
    pub case_id: CaseId,
    /// Its human number.
    pub number: Option<String>,
    /// Its cell.
    pub cell: GridCode,
    /// The rule's view.
    pub case: PatrolCase,
}

impl CaseFacts {
    /// The facts of a folded case, when it has a report with a cell.
    pub fn of(case_id: CaseId, s: &CaseState) -> Option<CaseFacts> {
        let r = s.report.as_ref()?;
        Some(CaseFacts {
            case_id,
            number: s.case_number.clone(),
            cell: r.cell?,
            case: PatrolCase {
                reported_at: s.reported_at?.ms().div_euclid(1000),
                location: Some((r.location.lon, r.location.lat)),
                source: r.source,
            },
        })
    }
}

/// Decoded inspector-days, read once per computation.
struct Tracks<'c, 'a> {
    conn: &'c Connection<'a>,
    tenant: &'c str,
    walk: gridcase_core::patrol::WalkRules,
    days: HashMap<(UserId, String), (Vec<TrackPoint>, Vec<Segment>)>,
}

impl Tracks<'_, '_> {
    fn day(&mut self, u: UserId, day: &str) -> Result<&(Vec<TrackPoint>, Vec<Segment>)> {
        let key = (u, day.to_owned());
        if !self.days.contains_key(&key) {
            let points = day_points(self.conn, self.tenant, u, day)?;
            let segs = segments(&points, &self.walk);
            self.days.insert(key.clone(), (points, segs));
        }
        Ok(&self.days[&key])
    }

    /// The 漏报 evidence of one case for one inspector.
    fn check(&mut self, rule: &MissedRule, u: UserId, f: &CaseFacts) -> Result<Option<Missed>> {
        let to = f.case.reported_at;
        let from = to - rule.window_hours * 3600;
        let mut segs = Vec::new();
        let mut lone = Vec::new();
        let (Some(first), Some(last)) = (
            Timestamp(from * 1000).to_shanghai().map(|d| d.date_naive()),
            Timestamp(to * 1000).to_shanghai().map(|d| d.date_naive()),
        ) else {
            return Ok(None);
        };
        let mut d = first;
        while d <= last {
            let (points, s) = self.day(u, &fmt_day(d))?;
            if s.is_empty() {
                lone.extend_from_slice(points);
            } else {
                segs.extend_from_slice(s);
            }
            d += Duration::days(1);
        }
        Ok(rule.check(&f.case, &segs, &lone))
    }
}

/// Exact 漏报 of `cases` per inspector: a case counts for each inspector whose own cells
/// (user_cells) or rostered cells on a day of the rule's window hold its cell. Returns, per
/// inspector, `(index in cases, evidence)`.
pub fn exact_missed(
    conn: &Connection<'_>,
    tenant: &str,
    settings: &PatrolSettings,
    cases: &[CaseFacts],
) -> Result<BTreeMap<UserId, Vec<(usize, Missed)>>> {
    let rule = &settings.missed;
    let counted: Vec<(usize, &CaseFacts)> = cases
        .iter()
        .enumerate()
        .filter(|(_, f)| rule.sources.contains(&f.case.source))
        .collect();
    let mut out: BTreeMap<UserId, Vec<(usize, Missed)>> = BTreeMap::new();
    let (Some(min), Some(max)) = (
        counted.iter().map(|(_, f)| f.case.reported_at).min(),
        counted.iter().map(|(_, f)| f.case.reported_at).max(),
    ) else {
        return Ok(out);
    };
    let mut by_cell: BTreeMap<GridCode, BTreeSet<UserId>> = BTreeMap::new();
    for (u, (_, cells)) in inspectors(conn, tenant)? {
        for c in cells {
            by_cell.entry(c).or_default().insert(u);
        }
    }
    // Rostered cells of the days the windows touch.
    let first_day = day_of_ms((min - rule.window_hours * 3600) * 1000);
    let last_day = day_of_ms(max * 1000);
    let mut rostered: BTreeMap<(GridCode, String), BTreeSet<UserId>> = BTreeMap::new();
    for r in db::shifts(conn, tenant, &first_day, &last_day)? {
        let s = shift_of_row(&r)?;
        for c in s.cells {
            rostered
                .entry((c, s.day.clone()))
                .or_default()
                .insert(s.inspector);
        }
    }
    let mut tracks = Tracks {
        conn,
        tenant,
        walk: settings.coverage.walk,
        days: HashMap::new(),
    };
    for (i, f) in counted {
        let mut who = by_cell.get(&f.cell).cloned().unwrap_or_default();
        let from_day = day_of_ms((f.case.reported_at - rule.window_hours * 3600) * 1000);
        let to_day = day_of_ms(f.case.reported_at * 1000);
        for ((_, day), us) in rostered.range((f.cell, from_day)..=(f.cell, to_day)) {
            debug_assert!(!day.is_empty());
            who.extend(us.iter().copied());
        }
        for u in who {
            if let Some(m) = tracks.check(rule, u, f)? {
                out.entry(u).or_default().push((i, m));
            }
        }
    }
    Ok(out)
}

/// For the evaluation (biz::evaluation): exact 漏报 per inspector over the folded cases, or
/// `None` (the approximation) while the tenant has no track recorded before `to`.
pub fn missed_for_evaluation<'a>(
    conn: &Connection<'_>,
    tenant: &str,
    to: Timestamp,
    cases: impl IntoIterator<Item = (CaseId, &'a CaseState)>,
) -> Result<Option<BTreeMap<UserId, BTreeSet<CaseId>>>> {
    if !db::has_track_before(conn, tenant, to.ms().div_euclid(1000))? {
        return Ok(None);
    }
    let settings = settings_in(conn, tenant)?;
    let facts: Vec<CaseFacts> = cases
        .into_iter()
        .filter_map(|(id, s)| CaseFacts::of(id, s))
        .filter(|f| f.case.reported_at * 1000 < to.ms())
        .collect();
    let found = exact_missed(conn, tenant, &settings, &facts)?;
    Ok(Some(
        found
            .into_iter()
            .map(|(u, hits)| (u, hits.iter().map(|(i, _)| facts[*i].case_id).collect()))
            .collect(),
    ))
}

/// The tenant's cases reported in `[from_ms, to_ms)`, folded.
fn reported_cases(
    dep: &Deployment,
    tenant: &str,
    from_ms: i64,
    to_ms: i64,
) -> Result<Vec<CaseFacts>> {
    super::case_index::ensure_spans(dep, tenant)?;
    let mut skipped = Vec::new();
    let facts = dep.db().read(|tx| {
        let ids: Vec<CaseId> = if crate::db::case_index::spans_built(tx, tenant)? {
            crate::db::case_index::candidates(tx, tenant, from_ms, to_ms)?
                .into_iter()
                .map(|c| c.case_id)
                .collect()
        } else {
            crate::db::docs::tenant_case_ids(tx, tenant)?
        };
        let mut out = Vec::new();
        for id in ids {
            let read =
                crate::db::docs::load(tx, id).and_then(|doc| super::isolation::read_events(&doc));
            let Some(read) = super::isolation::skip(read, &mut skipped)? else {
                continue;
            };
            let mut events = read.events;
            events.sort_by_key(|e| e.order_key());
            let state = gridcase_core::workflow::fold(&events);
            if let Some(f) = CaseFacts::of(id, &state)
                && (from_ms..to_ms).contains(&(f.case.reported_at * 1000))
            {
                out.push(f);
            }
        }
        Ok(out)
    })?;
    super::isolation::report(dep, "patrol report", &skipped);
    Ok(facts)
}

/// `GET /v1/patrol/report?from=&to=` (值班长, 领导, 管理员).
pub fn report(dep: &Deployment, caller: &Caller, from: &str, to: &str) -> Result<PatrolReport> {
    if !may_read_all(caller.role) {
        return Err(refuse_role(caller, "巡查报表仅对值班长、领导和管理员开放"));
    }
    let (f, t) = check_period(from, to)?;
    let tenant = caller.tenant_code();
    let from_ms = day_start_s(f) * 1000;
    let to_ms = (day_start_s(t) + 86_400) * 1000;
    let cases = reported_cases(dep, &tenant, from_ms, to_ms)?;
    let (rules, empty) = grid_of(dep, &tenant)?;
    let grid = rules.grid.as_ref().unwrap_or(&empty);
    dep.db().read(|tx| {
        let settings = settings_in(tx, &tenant)?;
        let coverage = Coverage::new(grid, settings.coverage);
        let people = inspectors(tx, &tenant)?;
        let mut shifts: BTreeMap<(UserId, String), Vec<RosterShift>> = BTreeMap::new();
        for r in db::shifts(tx, &tenant, from, to)? {
            let s = shift_of_row(&r)?;
            shifts
                .entry((s.inspector, s.day.clone()))
                .or_default()
                .push(s);
        }
        let mut days: BTreeSet<(UserId, String)> = shifts.keys().cloned().collect();
        for (u, d) in db::track_days(tx, &tenant, from, to)?
            .into_iter()
            .chain(db::sign_days(tx, &tenant, from, to)?)
        {
            if let Ok(u) = UserId::parse(&u) {
                days.insert((u, d));
            }
        }
        let missed = exact_missed(tx, &tenant, &settings, &cases)?;
        let mut out = Vec::new();
        for (u, (name, own_cells)) in &people {
            let mut w = InspectorPatrolWire {
                inspector: *u,
                name: name.clone(),
                coverage_rate: 0.0,
                metres: 0.0,
                scheduled_s: 0,
                on_duty_s: 0,
                duty_rate: 0.0,
                days: Vec::new(),
                missed: Vec::new(),
            };
            let mut duty_days: Vec<(DayCoverage, BTreeSet<GridCode>)> = Vec::new();
            for (_, day) in days
                .range((*u, String::new())..)
                .take_while(|(x, _)| x == u)
            {
                let day_shifts = shifts.get(&(*u, day.clone())).cloned().unwrap_or_default();
                let rostered: BTreeSet<GridCode> = day_shifts
                    .iter()
                    .flat_map(|s| s.cells.iter().copied())
                    .collect();
                let area = if day_shifts.is_empty() {
                    own_cells.clone()
                } else {
                    rostered.clone()
                };
                let points = day_points(tx, &tenant, *u, day)?;
                let cov = coverage.day(&points, &area);
                let signs: Vec<SignEvent> = db::day_signs(tx, &tenant, *u, day)?
                    .iter()
                    .map(|s| SignEvent {
                        t: s.at.div_euclid(1000),
                        kind: if s.kind == "in" {
                            SignKind::In
                        } else {
                            SignKind::Out
                        },
                        lon: s.lon,
                        lat: s.lat,
                    })
                    .collect();
                let mut wd = day_wire(day, &cov, &rostered);
                for (k, s) in day_shifts.iter().enumerate() {
                    let shift = Shift {
                        start: s.start.div_euclid(1000),
                        end: s.end.div_euclid(1000),
                        cells: s.cells.clone(),
                    };
                    let d = DutyDay::of(&shift, &signs, |lon, lat| {
                        coverage.in_area(lon, lat, &s.cells)
                    });
                    wd.scheduled_s += d.scheduled_s;
                    wd.on_duty_s += d.on_duty_s;
                    if k == 0 {
                        wd.late_s = d.late_s;
                    }
                    wd.early_leave_s = d.early_leave_s;
                    wd.missing_sign_out |= d.missing_sign_out;
                    wd.signed_outside |= d.signed_outside;
                }
                w.metres += cov.metres;
                w.scheduled_s += wd.scheduled_s;
                w.on_duty_s += wd.on_duty_s;
                w.days.push(wd);
                if !day_shifts.is_empty() {
                    duty_days.push((cov, rostered));
                }
            }
            let period = InspectorPeriod::of(duty_days.iter().map(|(c, a)| (c, a)));
            w.coverage_rate = period.coverage_rate;
            if w.scheduled_s > 0 {
                w.duty_rate = w.on_duty_s as f64 / w.scheduled_s as f64;
            }
            for (i, m) in missed.get(u).into_iter().flatten() {
                let c = &cases[*i];
                w.missed.push(MissedWire {
                    case_id: c.case_id,
                    case_number: c.number.clone(),
                    distance_m: m.distance_m,
                    segment: [m.segment.from.t, m.segment.to.t],
                });
            }
            out.push(w);
        }
        out.sort_by(|a, b| (&a.name, a.inspector).cmp(&(&b.name, b.inspector)));
        Ok(PatrolReport {
            from: from.to_owned(),
            to: to.to_owned(),
            inspectors: out,
        })
    })
}

fn day_wire(day: &str, cov: &DayCoverage, rostered: &BTreeSet<GridCode>) -> InspectorDayWire {
    let mut cells: BTreeMap<GridCode, CellDayWire> = BTreeMap::new();
    for (code, c) in &cov.cells {
        cells.insert(
            *code,
            CellDayWire {
                cell: *code,
                assigned: rostered.contains(code),
                visited: c.points > 0,
                metres: c.metres,
                seconds: c.seconds,
            },
        );
    }
    for code in rostered {
        cells.entry(*code).or_insert(CellDayWire {
            cell: *code,
            assigned: true,
            visited: false,
            metres: 0.0,
            seconds: 0,
        });
    }
    InspectorDayWire {
        day: day.to_owned(),
        cells: cells.into_values().collect(),
        metres: cov.metres,
        outside: cov.outside.iter().map(|&(a, b)| [a, b]).collect(),
        scheduled_s: 0,
        on_duty_s: 0,
        late_s: 0,
        early_leave_s: 0,
        missing_sign_out: false,
        signed_outside: false,
    }
}
