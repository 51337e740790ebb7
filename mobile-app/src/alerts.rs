//! Alerts (issue 15 item 2): after every sync round the app looks for what is new for the
//! signed-in user — a new task in their queue (a returned case, 返工, counts as `returned`), a
//! 督办 awaiting their reply, a 批示 awaiting their acknowledgement, a 催办 of their
//! department — tells the UI (`alerts://new`), raises a system notification with sound, and
//! marks the cases new in every list until they are opened.
//!
//! Invariants: an item is announced at most once per session (its key — the event that made
//! it — is remembered); what the device already held when the session's first look ran is the
//! baseline and is never announced (so signing in does not replay history); finding alerts
//! never fails a sync round (the notification is best effort: no notification daemon, as
//! under Xvfb, is logged and the in-app notice still shows).

use crate::dto::{AlertDto, SupervisionDto};
use crate::index::{CaseSummary, Viewer, addressed_to, in_queue};
use crate::reference::Reference;
use gridcase_core::model::{CaseId, Timestamp};
use gridcase_core::workflow::{Addressee, CaseState, Status};
use std::collections::{BTreeSet, HashSet};
use tauri::{AppHandle, Emitter, Manager, Runtime};

/// The event name the UI listens to for new alerts.
pub const ALERT_EVENT: &str = "alerts://new";

/// What the session remembers: the keys already seen (or announced) and the cases with
/// something new not yet opened.
#[derive(Debug, Default)]
pub struct AlertBook {
    known: Option<HashSet<String>>,
    unseen: BTreeSet<CaseId>,
}

impl AlertBook {
    /// Compares what is addressed to the viewer now with what was known; returns the new
    /// items (none at the first look, which sets the baseline).
    pub fn update(&mut self, now: Vec<AlertDto>) -> Vec<AlertDto> {
        let keys: HashSet<String> = now.iter().map(|a| a.key.clone()).collect();
        let fresh = match &self.known {
            None => Vec::new(),
            Some(known) => now
                .into_iter()
                .filter(|a| !known.contains(&a.key))
                .collect(),
        };
        for a in &fresh {
            if let Ok(id) = CaseId::parse(&a.case_id) {
                self.unseen.insert(id);
            }
        }
        // Keep what was known and is still there, plus what is there now.
        let mut known = self.known.take().unwrap_or_default();
        known.retain(|k| keys.contains(k));
        known.extend(keys);
        self.known = Some(known);
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

/// Every item addressed to the viewer over the whole index.
pub fn scan<'a>(
    cases: impl Iterator<Item = &'a CaseSummary>,
    viewer: &Viewer,
    found_at: Timestamp,
) -> Vec<AlertDto> {
    cases.flat_map(|s| items_for(s, viewer, found_at)).collect()
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

    #[test]
    fn the_first_look_is_the_baseline_and_each_item_is_announced_once() {
        let mut book = AlertBook::default();
        assert!(book.update(vec![alert("a")]).is_empty());
        let fresh = book.update(vec![alert("a"), alert("b")]);
        assert_eq!(fresh.len(), 1);
        assert_eq!(fresh[0].key, "b");
        assert_eq!(book.unseen().len(), 1);
        assert!(book.update(vec![alert("a"), alert("b")]).is_empty());
        book.seen(CaseId::from_parts(1, [1; 10]));
        assert!(book.unseen().is_empty());
    }
}
