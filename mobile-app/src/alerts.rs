//! Alerts (issue 15 item 2): after every sync round the app looks for what is new for the
//! signed-in user — a new task in their queue (a returned case, 返工, counts as `returned`), a
//! 督办 awaiting their reply, a 批示 awaiting their acknowledgement, a 催办 of their
//! department — tells the UI (`alerts://new`), raises a system notification with sound, and
//! marks the cases new in every list until they are opened.
//!
//! Invariants: an item is announced at most once per session (its key — the event that made
//! it — is remembered per case); after the session's first look only the cases a sync round
//! changed are examined (never the whole index each round); what the device already held when the session's first look ran is the
//! baseline and is never announced (so signing in does not replay history); finding alerts
//! never fails a sync round (the notification is best effort: no notification daemon, as
//! under Xvfb, is logged and the in-app notice still shows).

use crate::dto::{AlertDto, SupervisionDto};
use crate::index::{CaseIndex, CaseSummary, Viewer, addressed_to, in_queue};
use crate::reference::Reference;
use gridcase_core::model::{CaseId, Timestamp};
use gridcase_core::workflow::{Addressee, CaseState, Status};
use std::collections::{BTreeSet, HashMap, HashSet};
use tauri::{AppHandle, Emitter, Manager, Runtime};

/// The event name the UI listens to for new alerts.
pub const ALERT_EVENT: &str = "alerts://new";

/// What the session remembers: per case, the keys of the items seen (or announced) on it at
/// its last look, and the cases with something new not yet opened.
#[derive(Debug, Default)]
pub struct AlertBook {
    known: Option<HashMap<CaseId, HashSet<String>>>,
    unseen: BTreeSet<CaseId>,
}

impl AlertBook {
    /// Whether the session's first look (the baseline) has run.
    pub fn has_baseline(&self) -> bool {
        self.known.is_some()
    }

    /// Records a look at the cases `examined`, `now` being everything addressed to the viewer
    /// on them; returns the new items (none at the first look, which sets the baseline). Cases
    /// not examined keep what was known of them.
    pub fn update(&mut self, examined: &[CaseId], now: Vec<AlertDto>) -> Vec<AlertDto> {
        let mut by_case: HashMap<CaseId, Vec<AlertDto>> = HashMap::new();
        for a in now {
            if let Ok(id) = CaseId::parse(&a.case_id) {
                by_case.entry(id).or_default().push(a);
            }
        }
        let baseline = self.known.is_none();
        let known = self.known.get_or_insert_with(HashMap::new);
        let mut fresh = Vec::new();
        for id in examined {
            let items = by_case.remove(id).unwrap_or_default();
            let keys: HashSet<String> = items.iter().map(|a| a.key.clone()).collect();
            if !baseline {
                let before = known.get(id);
                for a in items {
                    if before.is_none_or(|k| !k.contains(&a.key)) {
                        self.unseen.insert(*id);
                        fresh.push(a);
                    }
                }
            }
            // Keep what is there now: an item that went and comes back is new again.
            if keys.is_empty() {
                known.remove(id);
            } else {
                known.insert(*id, keys);
            }
        }
        fresh
    }

    /// The case was opened: it is no longer new.
    pub fn seen(&mut self, id: CaseId) {
        self.unseen.remove(&id);
    }

    /// Cases with something new not yet opened.
    pub fn unseen(&self) -> &BTreeSet<CaseId> {
        &self.unseen
    }
}

/// What one look found.
#[derive(Debug)]
pub struct Look {
    /// The new items, to announce.
    pub fresh: Vec<AlertDto>,
    /// How many cases were examined.
    pub examined: usize,
}

/// The look after a sync round: the session's first look examines every case of the index
/// (the baseline, never announced); later looks examine only the cases the index folded again
/// since the last look ([`CaseIndex::take_touched`]: what the round received, and local
/// writes). A case's items depend on its events and the viewer alone, so an unchanged case
/// has nothing new.
pub fn look(
    book: &mut AlertBook,
    index: &mut CaseIndex,
    viewer: &Viewer,
    found_at: Timestamp,
) -> Look {
    let touched = index.take_touched();
    let examined: Vec<CaseId> = if book.has_baseline() {
        touched
    } else {
        index.iter().map(|s| s.row.case_id).collect()
    };
    let items = examined
        .iter()
        .filter_map(|id| index.get(id))
        .flat_map(|s| items_for(s, viewer, found_at))
        .collect();
    let fresh = book.update(&examined, items);
    Look {
        fresh,
        examined: examined.len(),
    }
}

/// Tells the UI about new alerts (`alerts://new`) and raises one system notification with
/// sound for them. The notification is best effort: its failure is logged, never raised.
pub fn announce<R: Runtime>(app: &AppHandle<R>, alerts: Vec<AlertDto>) {
    if alerts.is_empty() {
        return;
    }
    for a in &alerts {
        tracing::info!(key = %a.key, case = %a.case_id, "alert");
    }
    if let Err(e) = app.emit(ALERT_EVENT, &alerts) {
        tracing::warn!(error = %e, "alert event not delivered to the UI");
    }
    let (title, body) = match alerts.as_slice() {
        [one] => (
            format!(
                "{}：{}",
                one.title,
                one.case_number.as_deref().unwrap_or("案件")
            ),
            one.body.clone(),
        ),
        [first, ..] => (
            format!("{} 条新提醒", alerts.len()),
            format!("{}：{}", first.title, first.body),
        ),
        [] => return,
    };
    if app
        .try_state::<tauri_plugin_notification::Notification<R>>()
        .is_none()
    {
        return;
    }
    let app = app.clone();
    // Off the sync loop: a desktop without a notification daemon (Xvfb) answers with an
    // error, possibly after a D-Bus timeout.
    tauri::async_runtime::spawn_blocking(move || {
        use tauri::plugin::PermissionState;
        use tauri_plugin_notification::NotificationExt;
        let n = app.notification();
        if matches!(
            n.permission_state(),
            Ok(PermissionState::Prompt | PermissionState::PromptWithRationale)
        ) {
            let _ = n.request_permission();
        }
        let shown = n.builder().title(title).body(body).sound("default").show();
        if let Err(e) = shown {
            tracing::warn!(error = %e, "system notification not shown; the in-app notice stays");
        }
    });
}

/// Everything addressed to the viewer on one case now, each with its stable key.
pub fn items_for(s: &CaseSummary, viewer: &Viewer, found_at: Timestamp) -> Vec<AlertDto> {
    let state = &s.state;
    let case_id = s.row.case_id.to_string();
    let number = s.row.case_number.clone();
    let place = s
        .row
        .address
        .clone()
        .or_else(|| s.row.excerpt.clone())
        .unwrap_or_default();
    let item = |key: String, kind: &str, title: String, body: String| AlertDto {
        key,
        kind: kind.to_owned(),
        case_id: case_id.clone(),
        case_number: number.clone(),
        title,
        body,
        found_at: found_at.0,
    };
    let mut out = Vec::new();
    if state.status.is_terminal() {
        return out;
    }
    if in_queue("my_tasks", state, viewer)
        && let Some(v) = state.current_visit()
    {
        let returned = returned(state);
        out.push(item(
            format!("task:{case_id}:{}", v.entered_by),
            if returned { "returned" } else { "task" },
            if returned {
                "案件返工"
            } else {
                "新任务"
            }
            .to_owned(),
            format!("{}：{place}", v.status.label_zh()),
        ));
    }
    let mine = |a: &Option<Addressee>| a.is_some_and(|a| addressed_to(&a, viewer));
    for e in state.escalations_awaiting_reply() {
        if let (true, Some(ev)) = (mine(&e.addressee), e.event) {
            let due = e
                .reply_by
                .map(|t| format!("（{} 前回复）", format_time(t)))
                .unwrap_or_default();
            out.push(item(
                format!("escalate:{ev}"),
                "escalate",
                format!("{} 级督办", e.level),
                format!("{}{due}", e.reason),
            ));
        }
    }
    for i in state.instructions_pending() {
        if mine(&i.addressee) {
            out.push(item(
                format!("instruct:{}", i.event),
                "instruct",
                "领导批示".to_owned(),
                i.text.clone(),
            ));
        }
    }
    for u in &state.urges {
        if mine(&u.addressee) {
            out.push(item(
                format!("urge:{}", u.event),
                "urge",
                "催办".to_owned(),
                u.reason.clone(),
            ));
        }
    }
    out
}

/// Whether the case is back in handling after a failed check (返工).
fn returned(state: &CaseState) -> bool {
    let n = state.visits.len();
    n >= 2
        && state.visits[n - 1].status == Status::InProgress
        && state.visits[n - 2].status == Status::AwaitingCheck
}

/// A time as the tenant reads it (Beijing time, `MM-DD HH:mm`).
pub fn format_time(t: Timestamp) -> String {
    let offset = chrono::FixedOffset::east_opt(8 * 3600).expect("valid offset");
    chrono::DateTime::from_timestamp_millis(t.0)
        .map(|d| d.with_timezone(&offset).format("%m-%d %H:%M").to_string())
        .unwrap_or_default()
}

/// The 督办, 批示 and 催办 of a case for the detail view.
pub fn supervision_items(
    state: &CaseState,
    viewer: &Viewer,
    r: Option<&Reference>,
) -> Vec<SupervisionDto> {
    let name = |u| r.and_then(|x| x.user_name(u)).map(str::to_owned);
    let addressee = |a: &Option<Addressee>| {
        a.map(|a| match a {
            Addressee::Department(d) => r
                .and_then(|x| x.department_name(&d))
                .map_or_else(|| "（未知部门）".to_owned(), str::to_owned),
            Addressee::Role(role) => role.label_zh().to_owned(),
        })
    };
    let mine = |a: &Option<Addressee>| a.is_some_and(|a| addressed_to(&a, viewer));
    let now = gridcase_core::sync::runtime::now();
    let mut out: Vec<SupervisionDto> = Vec::new();
    for e in &state.escalations {
        out.push(SupervisionDto {
            kind: "escalate".into(),
            label: format!("{} 级督办", e.level),
            event_id: e.event.map(|x| x.to_string()).unwrap_or_default(),
            text: e.reason.clone(),
            by_name: name(&e.by.user),
            by_role: e.by.role.label_zh().to_owned(),
            at: e.at.0,
            addressee: addressee(&e.addressee),
            reply_by: e.reply_by.map(|t| t.0),
            answer: e.reply.as_ref().map(|a| a.text.clone()),
            answered_at: e.reply.as_ref().map(|a| a.at.0),
            answered_by: e.reply.as_ref().and_then(|a| name(&a.by.user)),
            on_time: e.replied_on_time(now),
            awaiting_me: e.awaiting_reply() && mine(&e.addressee),
        });
    }
    for i in &state.instructions {
        out.push(SupervisionDto {
            kind: "instruct".into(),
            label: "批示".into(),
            event_id: i.event.to_string(),
            text: i.text.clone(),
            by_name: name(&i.by.user),
            by_role: i.by.role.label_zh().to_owned(),
            at: i.at.0,
            addressee: addressee(&i.addressee),
            reply_by: None,
            answer: i.acknowledged.as_ref().map(|a| {
                if a.text.is_empty() {
                    "已签收".into()
                } else {
                    a.text.clone()
                }
            }),
            answered_at: i.acknowledged.as_ref().map(|a| a.at.0),
            answered_by: i.acknowledged.as_ref().and_then(|a| name(&a.by.user)),
            on_time: None,
            awaiting_me: i.acknowledged.is_none() && mine(&i.addressee),
        });
    }
    for u in &state.urges {
        out.push(SupervisionDto {
            kind: "urge".into(),
            label: "催办".into(),
            event_id: u.event.to_string(),
            text: u.reason.clone(),
            by_name: name(&u.by.user),
            by_role: u.by.role.label_zh().to_owned(),
            at: u.at.0,
            addressee: addressee(&u.addressee),
            reply_by: None,
            answer: None,
            answered_at: None,
            answered_by: None,
            on_time: None,
            awaiting_me: false,
        });
    }
    out.sort_by_key(|x| x.at);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn alert(key: &str) -> AlertDto {
        AlertDto {
            key: key.into(),
            kind: "escalate".into(),
            case_id: CaseId::from_parts(1, [1; 10]).to_string(),
            case_number: None,
            title: String::new(),
            body: String::new(),
            found_at: 0,
        }
    }

    fn case(n: u8) -> CaseId {
        CaseId::from_parts(1, [n; 10])
    }

    #[test]
    fn the_first_look_is_the_baseline_and_each_item_is_announced_once() {
        let mut book = AlertBook::default();
        let one = [case(1)];
        assert!(book.update(&one, vec![alert("a")]).is_empty());
        let fresh = book.update(&one, vec![alert("a"), alert("b")]);
        assert_eq!(fresh.len(), 1);
        assert_eq!(fresh[0].key, "b");
        assert_eq!(book.unseen().len(), 1);
        assert!(book.update(&one, vec![alert("a"), alert("b")]).is_empty());
        book.seen(case(1));
        assert!(book.unseen().is_empty());
    }

    mod look {
        use super::*;
        use crate::index::summary_of;
        use gridcase_core::model::{Actor, DepartmentId, DeviceId, EventId, Role, UserId};
        use gridcase_core::store::fold_projection;
        use gridcase_core::workflow::Urge;

        fn department() -> DepartmentId {
            DepartmentId::from_parts(1, [9; 10])
        }

        fn viewer() -> Viewer {
            Viewer {
                user: UserId::from_parts(1, [2; 10]),
                role: Role::Department,
                department: Some(department()),
            }
        }

        /// A running case with `urges` 催办 to the viewer's department.
        fn summary(id: CaseId, urges: u8) -> CaseSummary {
            let by = Actor {
                user: UserId::from_parts(1, [3; 10]),
                device: DeviceId::from_parts(1, [3; 10]),
                role: Role::ShiftLeader,
                org: None,
            };
            let state = CaseState {
                status: Status::InProgress,
                urges: (0..urges)
                    .map(|n| Urge {
                        event: EventId::from_parts(2, [n; 10]),
                        at: Timestamp(1_000),
                        by,
                        reason: format!("催办 {n}"),
                        addressee: Some(Addressee::Department(department())),
                    })
                    .collect(),
                ..CaseState::default()
            };
            summary_of(fold_projection(id, &[]), state, None, Timestamp(2_000))
        }

        fn index_of(cases: &[(CaseId, u8)]) -> CaseIndex {
            let mut idx = CaseIndex::default();
            for (id, urges) in cases {
                idx.insert(summary(*id, *urges));
            }
            idx
        }

        #[test]
        fn after_the_baseline_only_the_changed_cases_are_examined_and_nothing_is_repeated() {
            let (a, b, c) = (case(1), case(2), case(3));
            let mut idx = index_of(&[(a, 1), (b, 1), (c, 0)]);
            let mut book = AlertBook::default();
            let t = Timestamp(3_000);
            // The first look examines the whole index and announces nothing.
            let first = look(&mut book, &mut idx, &viewer(), t);
            assert_eq!(first.examined, 3);
            assert!(first.fresh.is_empty());
            // A round that changed nothing examines nothing (a and b still hold their 催办).
            let idle = look(&mut book, &mut idx, &viewer(), t);
            assert_eq!(idle.examined, 0);
            assert!(idle.fresh.is_empty());
            // The round changed c (a new 催办): only c is examined and its item announced.
            idx.insert(summary(c, 1));
            let round = look(&mut book, &mut idx, &viewer(), t);
            assert_eq!(round.examined, 1);
            assert_eq!(round.fresh.len(), 1);
            assert_eq!(round.fresh[0].case_id, c.to_string());
            // c changes again (a second 催办): the first one is not announced again.
            idx.insert(summary(c, 2));
            let again = look(&mut book, &mut idx, &viewer(), t);
            assert_eq!(again.examined, 1);
            assert_eq!(again.fresh.len(), 1);
            assert_eq!(
                again.fresh[0].key,
                format!("urge:{}", EventId::from_parts(2, [1; 10]))
            );
            // a's baseline item is still known when a changes without news.
            idx.insert(summary(a, 1));
            let quiet = look(&mut book, &mut idx, &viewer(), t);
            assert_eq!(quiet.examined, 1);
            assert!(quiet.fresh.is_empty());
            assert_eq!(
                book.unseen().iter().copied().collect::<Vec<_>>(),
                vec![c],
                "only the case with news is marked new"
            );
        }
    }
}
