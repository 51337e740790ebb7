//! The case index: every case in the device store, folded once and kept in memory with its
//! running deadline clock, so lists, queue counts and the map answer in milliseconds even with
//! tens of thousands of cases. The store stays the truth: the index is rebuilt from it at start
//! and refreshed from its rows' `updated_at` after every local write and sync round; lights
//! are recomputed on refresh (at most a minute old — the detail view always computes afresh).
//!
//! Queue membership ([`in_queue`]) is a pure function of a summary and the signed-in user.

use crate::dto::{CaseRow, QueueCount};
use crate::reference::{Reference, kind_str};
use gridcase_core::deadline::{DeadlineContext, Light, deadlines};
use gridcase_core::model::{CaseId, DepartmentId, Role, Timestamp, UserId};
use gridcase_core::store::{CaseFilter, DeviceStore, ProjectionRow, StoreError, SyncState};
use gridcase_core::workflow::{CaseState, Status, fold};
use std::collections::HashMap;

/// One case as lists need it.
#[derive(Clone, Debug)]
pub struct CaseSummary {
    /// The store's projection row.
    pub row: ProjectionRow,
    /// The folded state.
    pub state: CaseState,
    /// The running clock's deadline.
    pub due_at: Option<Timestamp>,
    /// The running clock's light (`None` when no clock runs or no limit applies).
    pub light: Option<Light>,
    /// The running clock's time left on its calendar (negative: overdue by), and whether it
    /// counts working time (core `ClockReading::margin_ms`).
    pub margin_ms: Option<i64>,
    /// Whether `margin_ms` counts working time.
    pub working: bool,
    /// A closed case: 按期结案 or 超期结案 (core `Deadlines::handled_on_time`).
    pub closed_on_time: Option<bool>,
}

/// Who is looking.
#[derive(Clone, Debug)]
pub struct Viewer {
    /// The user.
    pub user: UserId,
    /// The role.
    pub role: Role,
    /// The department (department users).
    pub department: Option<DepartmentId>,
}

/// Queues in display order, with their labels.
pub const FIELD_QUEUES: [(&str, &str); 2] = [("my_tasks", "我的任务"), ("my_reports", "我的上报")];
/// Supervisor queues in display order, with their labels.
pub const SUPERVISOR_QUEUES: [(&str, &str); 12] = [
    ("my_tasks", "我的待办"),
    ("intake", "待受理"),
    ("verify", "核实中"),
    ("filing", "待立案"),
    ("dispatch", "待派遣"),
    ("handling", "处置中"),
    ("approvals", "待审批"),
    ("check", "待核查"),
    ("close", "待结案"),
    ("callback", "待回访"),
    ("closed", "已办结"),
    ("all", "全部案件"),
];

/// 待回访 (the 回访 queue, worked by intake operators): a closed public-channel case (hotline,
/// public app, Open311) with no callback since its latest close. The 回访 clock runs over the
/// same stretch (`gridcase_core::deadline::needs_callback`, docs/evaluation.md).
pub fn awaiting_callback(s: &CaseState) -> bool {
    let closed_at = s
        .visits
        .last()
        .filter(|v| s.status == Status::Closed && v.status == Status::Closed)
        .map(|v| v.entered_at);
    gridcase_core::deadline::needs_callback(s)
        && closed_at.is_some_and(|t| !s.callbacks.iter().any(|c| c.at >= t))
}

/// Whether a case is in a queue for this viewer. Unknown queues hold nothing.
pub fn in_queue(queue: &str, s: &CaseState, viewer: &Viewer) -> bool {
    use Status::*;
    let st = s.status;
    let pending_request =
        s.pending_extension().is_some() || s.sendback_request.is_some() || s.park_request.is_some();
    match queue {
        "all" => true,
        "intake" => st == Reported,
        "verify" => st == AwaitingVerification,
        "filing" => st == AwaitingFiling,
        "dispatch" => st == AwaitingDispatch,
        "handling" => matches!(st, InProgress | Parked),
        "approvals" => st == SelfHandledPendingReview || (pending_request && !st.is_terminal()),
        "check" => matches!(st, FeedbackReceived | AwaitingCheck),
        "close" => st == AwaitingClose,
        "closed" => st.is_terminal(),
        "callback" => awaiting_callback(s),
        "my_reports" => s.reported_by.is_some_and(|a| a.user == viewer.user),
        "my_tasks" if awaits_me(s, viewer) && !st.is_terminal() => true,
        "my_tasks" => match viewer.role {
            Role::Inspector => {
                (st == AwaitingVerification && s.verify_assignee == Some(viewer.user))
                    || (st == AwaitingCheck && s.check_assignee == Some(viewer.user))
            }
            Role::Department => {
                matches!(st, InProgress | Parked)
                    && viewer.department.is_some()
                    && (s.department == viewer.department || crate::units::open_for(s, viewer))
            }
            Role::IntakeOperator => matches!(st, Reported | FeedbackReceived),
            Role::ShiftLeader => {
                matches!(
                    st,
                    AwaitingFiling | AwaitingClose | SelfHandledPendingReview
                )
            }
            Role::Dispatcher => {
                st == AwaitingDispatch || (pending_request && matches!(st, InProgress | Parked))
            }
            Role::Leader | Role::Admin | Role::System => false,
        },
        _ => false,
    }
}

/// The in-memory index.
#[derive(Default)]
pub struct CaseIndex {
    cases: HashMap<CaseId, CaseSummary>,
    /// Cases folded again, put in or dropped since [`CaseIndex::take_touched`] last ran (the
    /// alerts look at only these: crate::alerts::look).
    touched: std::collections::HashSet<CaseId>,
}

impl std::fmt::Debug for CaseIndex {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CaseIndex")
            .field("cases", &self.cases.len())
            .finish()
    }
}

/// Reads every row of the store.
fn all_rows(store: &DeviceStore) -> Result<Vec<ProjectionRow>, StoreError> {
    let mut rows = Vec::new();
    let page = 5_000;
    loop {
        let batch = store.list_cases(&CaseFilter::default(), page, rows.len() as u32)?;
        let n = batch.len();
        rows.extend(batch);
        if n < page as usize {
            return Ok(rows);
        }
    }
}

/// Folds one case and measures its running clock.
pub fn summarize(
    store: &DeviceStore,
    row: ProjectionRow,
    reference: Option<&Reference>,
    now: Timestamp,
) -> Result<CaseSummary, StoreError> {
    let doc = store.load_case(row.case_id)?;
    let events = doc.events().map_err(|e| StoreError::InvalidInput {
        what: "case document",
        reason: e.to_string(),
    })?;
    Ok(summary_of(row, fold(&events), reference, now))
}

/// A summary from a case's row and its already folded state (no store read).
pub fn summary_of(
    row: ProjectionRow,
    state: CaseState,
    reference: Option<&Reference>,
    now: Timestamp,
) -> CaseSummary {
    let mut summary = CaseSummary {
        row,
        state,
        due_at: None,
        light: None,
        margin_ms: None,
        working: false,
        closed_on_time: None,
    };
    measure(&mut summary, reference, now);
    summary
}

/// Recomputes a summary's running clock at `now`.
pub fn measure(summary: &mut CaseSummary, reference: Option<&Reference>, now: Timestamp) {
    let Some(reference) = reference else {
        return;
    };
    let category_limit = summary
        .state
        .category()
        .and_then(|c| reference.catalog.get(c))
        .and_then(|c| c.limit(summary.state.urgency()));
    let ctx = DeadlineContext {
        policy: &reference.policy,
        calendar: &reference.calendar,
        teams: reference.teams.as_ref(),
        category_limit,
        now,
    };
    let d = deadlines(&summary.state, &ctx);
    let current = d.current();
    summary.due_at = current.and_then(|c| c.deadline);
    summary.light = current.map(|c| c.light).filter(|l| *l != Light::None);
    summary.margin_ms = current.and_then(|c| c.margin_ms);
    summary.working = current.is_some_and(|c| c.working);
    summary.closed_on_time = (summary.state.status == Status::Closed)
        .then(|| d.handled_on_time())
        .flatten();
}

impl CaseIndex {
    /// Number of cases.
    pub fn len(&self) -> usize {
        self.cases.len()
    }

    /// Whether the index is empty.
    pub fn is_empty(&self) -> bool {
        self.cases.is_empty()
    }

    /// One case.
    pub fn get(&self, id: &CaseId) -> Option<&CaseSummary> {
        self.cases.get(id)
    }

    /// Every case.
    pub fn iter(&self) -> impl Iterator<Item = &CaseSummary> {
        self.cases.values()
    }

    /// Brings the index up to date with the store: folds cases that are new or changed (by
    /// `updated_at`, sync state or conflict count), drops deleted ones. Returns the cases
    /// folded again (new or changed since the last refresh) and the ones dropped: after a
    /// sync round, the cases that round changed (a local write re-folds its case at once,
    /// [`CaseIndex::update_one`], so it is not in the list).
    pub fn refresh(
        &mut self,
        store: &DeviceStore,
        reference: Option<&Reference>,
        now: Timestamp,
    ) -> Result<Vec<CaseId>, StoreError> {
        let rows = all_rows(store)?;
        let mut seen = std::collections::HashSet::with_capacity(rows.len());
        let mut folded = Vec::new();
        for row in rows {
            seen.insert(row.case_id);
            match self.cases.get_mut(&row.case_id) {
                Some(old) if old.row == row => {}
                Some(old)
                    if old.row.updated_at == row.updated_at
                        && old.row.conflict_count == row.conflict_count =>
                {
                    old.row = row;
                }
                _ => {
                    folded.push(row.case_id);
                    self.insert(summarize(store, row, reference, now)?);
                }
            }
        }
        self.cases.retain(|id, _| {
            let keep = seen.contains(id);
            if !keep {
                folded.push(*id);
                self.touched.insert(*id);
            }
            keep
        });
        Ok(folded)
    }

    /// Puts a summary in (replacing the case's old one).
    pub fn insert(&mut self, summary: CaseSummary) {
        self.touched.insert(summary.row.case_id);
        self.cases.insert(summary.row.case_id, summary);
    }

    /// The cases folded again, put in or dropped since the last call (a sync round's
    /// changes, and local writes), and forgets them.
    pub fn take_touched(&mut self) -> Vec<CaseId> {
        let mut ids: Vec<CaseId> = self.touched.drain().collect();
        ids.sort_unstable();
        ids
    }

    /// Re-folds one case (after a local write).
    pub fn update_one(
        &mut self,
        store: &DeviceStore,
        id: CaseId,
        reference: Option<&Reference>,
        now: Timestamp,
    ) -> Result<(), StoreError> {
        let row = store.case_row(id)?;
        self.insert(summarize(store, row, reference, now)?);
        Ok(())
    }

    /// Recomputes every running clock's light at `now`.
    pub fn relight(&mut self, reference: Option<&Reference>, now: Timestamp) {
        for s in self.cases.values_mut() {
            if !s.state.status.is_terminal() {
                measure(s, reference, now);
            }
        }
    }

    /// Counts per queue for a viewer.
    pub fn counts(&self, queues: &[(&str, &str)], viewer: &Viewer) -> Vec<QueueCount> {
        queues
            .iter()
            .map(|(q, label)| {
                let mut c = QueueCount {
                    queue: (*q).to_owned(),
                    label: (*label).to_owned(),
                    total: 0,
                    green: 0,
                    yellow: 0,
                    red: 0,
                };
                for s in self
                    .cases
                    .values()
                    .filter(|s| in_queue(q, &s.state, viewer))
                {
                    c.total += 1;
                    match s.light {
                        Some(Light::Green) => c.green += 1,
                        Some(Light::Yellow) => c.yellow += 1,
                        Some(Light::Red) => c.red += 1,
                        _ => {}
                    }
                }
                c
            })
            .collect()
    }
}

/// `green` / `yellow` / `red`.
pub fn light_str(light: Option<Light>) -> Option<String> {
    match light {
        Some(Light::Green) => Some("green".into()),
        Some(Light::Yellow) => Some("yellow".into()),
        Some(Light::Red) => Some("red".into()),
        _ => None,
    }
}

/// `local` / `pending` / `synced`.
pub fn sync_str(state: SyncState) -> &'static str {
    match state {
        SyncState::Local => "local",
        SyncState::Pending => "pending",
        SyncState::Synced => "synced",
    }
}

/// A summary as a list row.
pub fn to_row(s: &CaseSummary, reference: Option<&Reference>) -> CaseRow {
    let r = &s.row;
    let category_name = s
        .state
        .category()
        .and_then(|c| reference.and_then(|x| x.category_name(c)))
        .map(str::to_owned);
    let department_name = s
        .state
        .department
        .and_then(|d| reference.and_then(|x| x.department_name(&d)))
        .map(str::to_owned);
    let location = s.state.report.as_ref().map(|p| p.location);
    CaseRow {
        case_id: r.case_id.to_string(),
        case_number: r.case_number.clone(),
        status: r.status.clone(),
        status_label: r.status_label.clone(),
        category: s
            .state
            .category()
            .map(|c| format!("{}:{}", kind_str(c.kind), c.code)),
        category_name,
        cell: r.cell.clone(),
        address: r.address.clone(),
        excerpt: r.excerpt.clone(),
        urgency: r.urgency.clone(),
        department: r.department.clone(),
        department_name,
        light: light_str(s.light),
        due_at: s.due_at.map(|t| t.0),
        sync_state: sync_str(r.sync_state).to_owned(),
        conflict_count: r.conflict_count,
        created_at: r.created_at.0,
        updated_at: r.updated_at.0,
        lon: location.map(|l| l.lon),
        lat: location.map(|l| l.lat),
        remaining_ms: s.margin_ms,
        remaining_working: s.working,
        closed_on_time: s.closed_on_time,
        source: crate::desk::source_of(&s.state).map(|c| crate::desk::source_str(c).to_owned()),
        source_label: crate::desk::source_of(&s.state).map(|c| c.label_zh().to_owned()),
        street: crate::desk::street_of(s, reference),
        verification_required: crate::desk::verification_required(&s.state),
        escalation_level: s.state.escalation_level(),
        escalation_awaiting_reply: s.state.escalations_awaiting_reply().next().is_some(),
        instruction_pending: s.state.instructions_pending().next().is_some(),
        urge_count: u32::try_from(s.state.urges.len()).unwrap_or(u32::MAX),
        is_new: false,
    }
}

/// Whether a 督办's or 批示's addressee includes this viewer.
pub fn addressed_to(a: &gridcase_core::workflow::Addressee, viewer: &Viewer) -> bool {
    match a {
        gridcase_core::workflow::Addressee::Department(d) => {
            viewer.role == Role::Department && viewer.department == Some(*d)
        }
        gridcase_core::workflow::Addressee::Role(r) => viewer.role == *r && *r != Role::Department,
    }
}

/// Whether the case holds a 督办 awaiting this viewer's reply or a 批示 awaiting their
/// acknowledgement.
pub fn awaits_me(s: &CaseState, viewer: &Viewer) -> bool {
    s.escalations_awaiting_reply()
        .any(|e| e.addressee.is_some_and(|a| addressed_to(&a, viewer)))
        || s.instructions_pending()
            .any(|i| i.addressee.is_some_and(|a| addressed_to(&a, viewer)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use gridcase_core::model::{Actor, DeviceId};

    fn viewer(role: Role, n: u8) -> Viewer {
        Viewer {
            user: UserId::from_parts(1, [n; 10]),
            role,
            department: (role == Role::Department).then(|| DepartmentId::from_parts(1, [9; 10])),
        }
    }

    fn state(status: Status) -> CaseState {
        CaseState {
            status,
            ..CaseState::default()
        }
    }

    /// A case closed at `closed` (its last stay), reported on `source`, with callbacks at
    /// the given times.
    fn closed_case(
        source: gridcase_core::model::SourceChannel,
        closed: Timestamp,
        callbacks: &[Timestamp],
    ) -> CaseState {
        use gridcase_core::codes::{CategoryCode, CategoryKind, CategoryRef};
        use gridcase_core::model::{EventId, Location, LocationSource, Urgency};
        use gridcase_core::workflow::{CallbackRecord, ReportPayload, StageVisit};
        let report = ReportPayload {
            source,
            category: CategoryRef {
                kind: CategoryKind::Matter,
                code: CategoryCode::parse("06010").expect("code"),
            },
            location: Location::new(103.83, 36.06, Some(5.0), LocationSource::Gps).expect("loc"),
            cell: None,
            component: None,
            address: String::new(),
            description: "暴露垃圾".into(),
            urgency: Urgency::Normal,
            photos: Vec::new(),
            reporter: None,
            external_id: None,
            external_deadline: None,
            verification_waived: None,
        };
        CaseState {
            status: Status::Closed,
            report: Some(report),
            visits: vec![StageVisit {
                status: Status::Closed,
                entered_at: closed,
                entered_by: EventId::from_parts(1, [1; 10]),
                available_at: closed,
                exited_at: None,
                exited_by: None,
                round: 0,
            }],
            callbacks: callbacks
                .iter()
                .map(|at| CallbackRecord {
                    satisfied: true,
                    at: *at,
                })
                .collect(),
            ..CaseState::default()
        }
    }

    #[test]
    fn the_callback_queue_holds_closed_public_cases_not_yet_called_back() {
        use gridcase_core::model::SourceChannel;
        let v = viewer(Role::IntakeOperator, 1);
        let closed = Timestamp(1_772_420_000_000);
        for source in [
            SourceChannel::PublicHotline,
            SourceChannel::PublicApp,
            SourceChannel::PublicOpen311,
        ] {
            assert!(in_queue("callback", &closed_case(source, closed, &[]), &v));
            // Called back since the close: out of the queue.
            let done = closed_case(source, closed, &[closed.plus_minutes(60)]);
            assert!(!in_queue("callback", &done, &v));
            // A callback before the latest close (an earlier close, then reopened): still due.
            let again = closed_case(source, closed, &[closed.plus_minutes(-60)]);
            assert!(in_queue("callback", &again, &v));
        }
        // An inspector's own report needs no callback; an open case is not in the queue.
        let patrol = closed_case(SourceChannel::InspectorPatrol, closed, &[]);
        assert!(!in_queue("callback", &patrol, &v));
        let mut open = closed_case(SourceChannel::PublicHotline, closed, &[]);
        open.status = Status::AwaitingClose;
        assert!(!in_queue("callback", &open, &v));
        assert!(SUPERVISOR_QUEUES.contains(&("callback", "待回访")));
    }

    #[test]
    fn each_status_is_in_exactly_one_stage_queue() {
        let v = viewer(Role::ShiftLeader, 1);
        let stage_queues = [
            "intake", "verify", "filing", "dispatch", "handling", "check", "close", "closed",
        ];
        for status in [
            Status::Reported,
            Status::AwaitingVerification,
            Status::AwaitingFiling,
            Status::AwaitingDispatch,
            Status::InProgress,
            Status::Parked,
            Status::FeedbackReceived,
            Status::AwaitingCheck,
            Status::AwaitingClose,
            Status::Closed,
            Status::Rejected,
            Status::Voided,
            Status::Merged,
        ] {
            let s = state(status);
            let n = stage_queues.iter().filter(|q| in_queue(q, &s, &v)).count();
            assert_eq!(n, 1, "{status:?}");
            assert!(in_queue("all", &s, &v));
            assert!(!in_queue("no_such_queue", &s, &v));
        }
    }

    #[test]
    fn my_tasks_follow_the_assignee_and_the_department() {
        let me = viewer(Role::Inspector, 1);
        let other = viewer(Role::Inspector, 2);
        let mut s = state(Status::AwaitingCheck);
        s.check_assignee = Some(me.user);
        assert!(in_queue("my_tasks", &s, &me));
        assert!(!in_queue("my_tasks", &s, &other));
        s.status = Status::AwaitingVerification;
        assert!(
            !in_queue("my_tasks", &s, &me),
            "a check assignee is not the verifier"
        );

        let dept = viewer(Role::Department, 3);
        let mut s = state(Status::InProgress);
        assert!(!in_queue("my_tasks", &s, &dept));
        s.department = dept.department;
        assert!(in_queue("my_tasks", &s, &dept));
        s.status = Status::FeedbackReceived;
        assert!(!in_queue("my_tasks", &s, &dept));
    }

    #[test]
    fn my_reports_are_the_ones_i_reported() {
        let me = viewer(Role::Inspector, 1);
        let mut s = state(Status::Reported);
        assert!(!in_queue("my_reports", &s, &me));
        s.reported_by = Some(Actor {
            user: me.user,
            device: DeviceId::from_parts(1, [4; 10]),
            role: Role::Inspector,
            org: None,
        });
        assert!(in_queue("my_reports", &s, &me));
        assert!(!in_queue("my_reports", &s, &viewer(Role::Inspector, 2)));
    }
}
