//! The supervisor's case desk (issue 15): the list's filters and sort by remaining working
//! time, the values each filter offers (facets), the photo warnings beside each photo, and
//! batch actions.
//!
//! Invariants:
//! - remaining time is the core's `ClockReading::margin_ms` (counted on the tenant's calendar,
//!   holidays and 调休 included), never `due_at - now`; the UI only formats it;
//! - a batch applies the same action to each case one by one through
//!   [`crate::commands::cases::apply_action`] — the same validation, workflow trial and role
//!   check as a single action — so a batch can never do what one action could not; a case the
//!   workflow refuses is skipped with its reason and the others go on;
//! - filters narrow a queue and never widen it (queue membership is decided first).

use crate::commands::apply_action;
use crate::dto::{ActionInput, BatchItem, CaseQuery, FacetValue, Facets};
use crate::error::{AppError, AppResult};
use crate::index::CaseSummary;
use crate::reference::Reference;
use crate::state::Active;
use gridcase_core::codes::GridCode;
use gridcase_core::model::{CaseId, PhotoRef, SourceChannel, Timestamp};
use gridcase_core::workflow::{CaseState, Status};
use std::collections::BTreeMap;

/// The actions the desk applies to several cases at once (受理, 派遣, 结案).
pub const BATCH_KINDS: [&str; 3] = ["accept", "dispatch", "close"];

/// Most cases in one batch (one page of the list).
pub const MAX_BATCH: usize = 100;

/// A photo taken this long before the report is flagged (7 days).
pub const OLD_PHOTO_MS: i64 = 7 * 24 * 3_600_000;

/// A photo taken this far from the case's pin is flagged (metres).
pub const FAR_PHOTO_M: f64 = 200.0;

/// The report's channel.
pub fn source_of(s: &CaseState) -> Option<SourceChannel> {
    s.report.as_ref().map(|r| r.source)
}

/// The stable name of a channel, as in the documents (`public_hotline`, …).
pub fn source_str(c: SourceChannel) -> &'static str {
    match c {
        SourceChannel::InspectorPatrol => "inspector_patrol",
        SourceChannel::VideoAnalytics => "video_analytics",
        SourceChannel::PublicHotline => "public_hotline",
        SourceChannel::PublicOpen311 => "public_open311",
        SourceChannel::PublicApp => "public_app",
        SourceChannel::Superior => "superior",
    }
}

/// At 待受理, whether the case must be verified before it can be accepted (its channel needs
/// a verification and none was waived): the fold refuses 受理 then.
pub fn verification_required(s: &CaseState) -> bool {
    s.status == Status::Reported
        && s.report
            .as_ref()
            .is_some_and(|r| r.source.needs_verification() && r.verification_waived.is_none())
}

/// The street (街道) of the case's cell on the device's grid.
pub fn street_of(s: &CaseSummary, r: Option<&Reference>) -> Option<String> {
    let code = GridCode::parse(s.row.cell.as_deref()?).ok()?;
    r?.grid.cell(&code).map(|c| c.street.clone())
}

/// Whether a case passes the desk filters of `q` (the queue, text and light filters are
/// applied by the caller).
pub fn matches_filters(s: &CaseSummary, q: &CaseQuery, r: Option<&Reference>) -> bool {
    fn some(v: &Option<String>) -> Option<&str> {
        v.as_deref().map(str::trim).filter(|t| !t.is_empty())
    }
    if let Some(c) = some(&q.category) {
        let mine = s.state.category().map(crate::reference::category_ref_text);
        if mine.as_deref() != Some(c) {
            return false;
        }
    }
    if let Some(d) = some(&q.department)
        && s.state.department.map(|x| x.to_string()).as_deref() != Some(d)
    {
        return false;
    }
    if let Some(src) = some(&q.source)
        && source_of(&s.state).map(source_str) != Some(src)
    {
        return false;
    }
    if let Some(st) = some(&q.street)
        && street_of(s, r).as_deref() != Some(st)
    {
        return false;
    }
    let reported = s.state.reported_at.unwrap_or(s.row.created_at).0;
    if q.from.is_some_and(|f| reported < f) || q.to.is_some_and(|t| reported >= t) {
        return false;
    }
    true
}

/// Sorts a queue: `remaining` puts the least time left first (overdue first, most overdue
/// at the top), cases without a deadline last, ties by deadline then id; anything else is the
/// default, newest change first.
pub fn sort_hits(hits: &mut [&CaseSummary], sort: Option<&str>) {
    if sort == Some("remaining") {
        hits.sort_by(|a, b| {
            let key = |s: &CaseSummary| (s.margin_ms.is_none(), s.margin_ms.unwrap_or(0));
            key(a)
                .cmp(&key(b))
                .then(a.due_at.cmp(&b.due_at))
                .then(a.row.case_id.cmp(&b.row.case_id))
        });
    } else {
        hits.sort_by(|a, b| {
            b.row
                .updated_at
                .cmp(&a.row.updated_at)
                .then(a.row.case_id.cmp(&b.row.case_id))
        });
    }
}

/// The values each filter offers over the cases of a queue, with counts, by label.
pub fn facets(cases: &[&CaseSummary], r: Option<&Reference>) -> Facets {
    fn add(m: &mut BTreeMap<String, (String, usize)>, value: String, label: String) {
        m.entry(value).or_insert((label, 0)).1 += 1;
    }
    fn done(m: BTreeMap<String, (String, usize)>) -> Vec<FacetValue> {
        let mut v: Vec<FacetValue> = m
            .into_iter()
            .map(|(value, (label, count))| FacetValue {
                value,
                label,
                count,
            })
            .collect();
        v.sort_by(|a, b| a.label.cmp(&b.label).then(a.value.cmp(&b.value)));
        v
    }
    let (mut cat, mut street, mut dept, mut src) = Default::default();
    for s in cases {
        if let Some(k) = s.state.category() {
            let value = crate::reference::category_ref_text(k);
            let label = r
                .and_then(|x| x.category_name(k))
                .map_or_else(|| value.clone(), str::to_owned);
            add(&mut cat, value, label);
        }
        if let Some(name) = street_of(s, r) {
            add(&mut street, name.clone(), name);
        }
        if let Some(d) = s.state.department {
            let label = r
                .and_then(|x| x.department_name(&d))
                .map_or_else(|| "（未知部门）".to_owned(), str::to_owned);
            add(&mut dept, d.to_string(), label);
        }
        if let Some(c) = source_of(&s.state) {
            add(&mut src, source_str(c).to_owned(), c.label_zh().to_owned());
        }
    }
    Facets {
        categories: done(cat),
        streets: done(street),
        departments: done(dept),
        sources: done(src),
    }
}

/// The warnings of one photo of a case reported at `reported_at` with its pin at `pin`:
/// `old` when EXIF says it was taken more than [`OLD_PHOTO_MS`] before the report, `far` when
/// it was taken more than [`FAR_PHOTO_M`] from the pin. Also returns the distance.
pub fn photo_warnings(
    photo: &PhotoRef,
    reported_at: Option<Timestamp>,
    pin: Option<(f64, f64)>,
) -> (Vec<String>, Option<f64>) {
    let mut out = Vec::new();
    if let (Some(taken), Some(rep)) = (photo.taken_at, reported_at)
        && rep.0.saturating_sub(taken.0) > OLD_PHOTO_MS
    {
        out.push("old".to_owned());
    }
    let distance = match (photo.location, pin) {
        (Some(l), Some((lon, lat))) => {
            Some(gridcase_core::dedup::distance_m(l.lon, l.lat, lon, lat))
        }
        _ => None,
    };
    if distance.is_some_and(|d| d > FAR_PHOTO_M) {
        out.push("far".to_owned());
    }
    (out, distance.map(|d| (d * 10.0).round() / 10.0))
}

/// Applies `input` to each case of `case_ids` in order, through the normal single action.
/// 派遣 without a department sends each case to the department the responsibility list
/// suggests for it (with its standard limit), skipping a case without a suggestion.
/// Returns one item per case: `done`, or `skipped` with the refusal's code and message.
pub fn act_batch(
    active: &Active,
    case_ids: &[String],
    input: &ActionInput,
) -> AppResult<Vec<BatchItem>> {
    if !BATCH_KINDS.contains(&input.kind.as_str()) {
        return Err(AppError::invalid("此操作不能批量办理"));
    }
    if case_ids.is_empty() {
        return Err(AppError::invalid("请先选择案件"));
    }
    if case_ids.len() > MAX_BATCH {
        return Err(AppError::invalid(format!(
            "一次最多批量办理 {MAX_BATCH} 件"
        )));
    }
    if input.photos.as_ref().is_some_and(|p| !p.is_empty()) {
        return Err(AppError::invalid("批量办理不带照片"));
    }
    let reference = active.reference();
    let r = reference.as_deref();
    let mut out = Vec::with_capacity(case_ids.len());
    let mut seen = std::collections::HashSet::new();
    for raw in case_ids {
        let Ok(id) = CaseId::parse(raw.trim()) else {
            out.push(skipped(raw.clone(), None, "invalid_input", "案件编号无效"));
            continue;
        };
        if !seen.insert(id) {
            continue;
        }
        let number = active.with_index(|idx| idx.get(&id).and_then(|s| s.row.case_number.clone()));
        let mut one = input.clone();
        if one.kind == "dispatch" && one.department_id.as_deref().is_none_or(str::is_empty) {
            let suggested = active.with_index(|idx| {
                let s = idx.get(&id)?;
                let (c, cell) = (s.state.category()?, s.state.cell()?);
                let component = s.state.report.as_ref().and_then(|r| r.component.as_ref());
                r?.suggest_for(c, &cell, component)
            });
            match suggested {
                Some(sg) => one.department_id = Some(sg.department_id),
                None => {
                    out.push(skipped(
                        id.to_string(),
                        number,
                        "no_suggestion",
                        "责任清单中没有该案件的处置部门，请单独派遣",
                    ));
                    continue;
                }
            }
        }
        match apply_action(active, id, &one) {
            Ok(_) => {
                active.refresh_case(id)?;
                out.push(BatchItem {
                    case_id: id.to_string(),
                    case_number: number,
                    outcome: "done".into(),
                    code: None,
                    message: None,
                });
            }
            Err(e) => out.push(skipped(id.to_string(), number, &e.code, &e.message)),
        }
    }
    Ok(out)
}

fn skipped(case_id: String, number: Option<String>, code: &str, message: &str) -> BatchItem {
    BatchItem {
        case_id,
        case_number: number,
        outcome: "skipped".into(),
        code: Some(code.to_owned()),
        message: Some(message.to_owned()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use gridcase_core::model::{Location, LocationSource, PhotoRole, Sha256};

    fn photo(taken: Option<i64>, at: Option<(f64, f64)>) -> PhotoRef {
        PhotoRef {
            sha256: Sha256::digest(b"p"),
            role: PhotoRole::Before,
            taken_at: taken.map(Timestamp),
            location: at.map(|(lon, lat)| {
                Location::new(lon, lat, None, LocationSource::Gps).expect("valid")
            }),
            size: 1,
        }
    }

    #[test]
    fn an_old_or_far_photo_is_flagged() {
        let day = 24 * 3_600_000;
        let rep = Some(Timestamp(100 * day));
        let pin = Some((103.8343, 36.0611));
        // Taken the same day at the pin: nothing.
        let (w, d) = photo_warnings(&photo(Some(100 * day - 3_600_000), pin), rep, pin);
        assert!(w.is_empty());
        assert_eq!(d, Some(0.0));
        // Two months before the report: old. Exactly 7 days: not yet.
        let (w, _) = photo_warnings(&photo(Some(40 * day), pin), rep, pin);
        assert_eq!(w, ["old"]);
        let (w, _) = photo_warnings(&photo(Some(93 * day), pin), rep, pin);
        assert!(w.is_empty());
        // ~0.003° of latitude is ~333 m: far; ~0.001° (~111 m) is not.
        let (w, d) = photo_warnings(&photo(None, Some((103.8343, 36.0641))), rep, pin);
        assert_eq!(w, ["far"]);
        assert!(d.is_some_and(|m| (330.0..340.0).contains(&m)), "{d:?}");
        let (w, _) = photo_warnings(&photo(None, Some((103.8343, 36.0621))), rep, pin);
        assert!(w.is_empty());
        // No EXIF: no warning (the UI says the capture time is unknown).
        let (w, d) = photo_warnings(&photo(None, None), rep, pin);
        assert!(w.is_empty() && d.is_none());
    }
}
