//! Duplicate candidates of a case for the intake operator (`GET /v1/cases/{id}/duplicates`):
//! the tenant's open cases reported within the time window of the case, folded and passed to
//! the pure [`gridcase_core::dedup::candidates`]. Centre roles only, like the queue; a case of
//! another tenant is `not_found`.

use crate::biz::{Caller, isolation};
use crate::db::cases::{self, CaseRow};
use crate::db::docs;
use crate::db::sql::Connection;
use crate::deployment::Deployment;
use crate::error::{Result, ServerError};
use gridcase_core::dedup::{Candidate, CategoryMatch, DedupPolicy, ReportPoint, candidates};
use gridcase_core::model::CaseId;
use gridcase_core::protocol::ErrorCode;
use gridcase_core::workflow::fold;
use serde::{Deserialize, Serialize};

/// Query parameters (each optional; defaults from [`DedupPolicy::default`]).
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DuplicateQuery {
    /// Distance threshold in metres.
    pub radius_m: Option<f64>,
    /// Time window in hours.
    pub window_hours: Option<f64>,
    /// `exact` or `same_class`.
    pub category: Option<CategoryMatch>,
    /// At most this many candidates.
    pub limit: Option<usize>,
}

impl DuplicateQuery {
    /// The policy these parameters ask for (validated).
    pub fn policy(&self) -> Result<DedupPolicy> {
        let d = DedupPolicy::default();
        let window_ms = match self.window_hours {
            Some(h) if h.is_finite() => (h * 3_600_000.0).round() as i64,
            Some(_) => -1,
            None => d.window_ms,
        };
        let p = DedupPolicy {
            max_distance_m: self.radius_m.unwrap_or(d.max_distance_m),
            window_ms,
            category: self.category.unwrap_or(d.category),
            limit: self.limit.unwrap_or(d.limit),
        };
        p.validate().map_err(|e| ServerError::bad_request(e.0))?;
        Ok(p)
    }
}

/// One candidate with its queue row (status, address, description, light, case number).
#[derive(Clone, Debug, Serialize)]
pub struct DuplicateCandidate {
    /// Distance, time apart, category match and score.
    #[serde(flatten)]
    pub candidate: Candidate,
    /// The candidate's queue row.
    pub row: CaseRow,
}

/// The answer.
#[derive(Clone, Debug, Serialize)]
pub struct Duplicates {
    /// The case asked about.
    pub case_id: String,
    /// The thresholds used.
    pub policy: DedupPolicy,
    /// Best first.
    pub candidates: Vec<DuplicateCandidate>,
}

fn point(conn: &Connection<'_>, case_id: CaseId) -> Result<Option<ReportPoint>> {
    let doc = docs::load(conn, case_id)?;
    let events = isolation::read_events(&doc)?.events;
    Ok(ReportPoint::of(case_id, &fold(&events)))
}

/// The duplicate candidates of a case.
pub fn find(
    dep: &Deployment,
    caller: &Caller,
    case_id: CaseId,
    q: &DuplicateQuery,
) -> Result<Duplicates> {
    if !caller.sees_whole_tenant() {
        return Err(ServerError::api(
            ErrorCode::Forbidden,
            "重复案件识别仅对中心岗位开放",
        ));
    }
    let policy = q.policy()?;
    let tenant = caller.tenant_code();
    let mut skipped = Vec::new();
    let found = dep.db().read(|tx| {
        cases::get(tx, &tenant, case_id)?.ok_or_else(|| ServerError::not_found("案件"))?;
        let probe =
            point(tx, case_id)?.ok_or_else(|| ServerError::bad_request("该案件尚无上报内容"))?;
        let from = probe.reported_at.ms() - policy.window_ms;
        let to = probe.reported_at.ms() + policy.window_ms;
        let mut pool = Vec::new();
        for id in crate::db::intake::open_cases_between(tx, &tenant, from, to)? {
            // A candidate whose document does not read is left out (and reported).
            if id != case_id
                && let Some(Some(p)) = isolation::skip(point(tx, id), &mut skipped)?
            {
                pool.push(p);
            }
        }
        let mut out = Vec::new();
        for c in candidates(&probe, &pool, &policy) {
            if let Some(row) = cases::get(tx, &tenant, c.case_id)? {
                out.push(DuplicateCandidate { candidate: c, row });
            }
        }
        Ok(Duplicates {
            case_id: case_id.to_string(),
            policy,
            candidates: out,
        })
    });
    isolation::report(dep, "duplicates", &skipped);
    isolation::reported(dep, "duplicates", found)
}
