//! Duplicate detection (重复案件识别): given a new report and the open cases around it, the
//! cases it may duplicate, ranked, for the intake operator to merge (`merge_into` on the
//! duplicate, `merge_from` on the case that absorbs it).
//!
//! Pure: no I/O and no clock; the server calls it over the open cases of a tenant
//! (`GET /v1/cases/{id}/duplicates`) and the app can call it offline over its local store.
//!
//! Invariants:
//! - a candidate is within `max_distance_m` (great-circle distance), within `window_ms` of the
//!   new report (either side), in the same category (or the same 大类 when
//!   [`CategoryMatch::SameClass`] is allowed), open (not terminal) and not the report itself;
//! - the ranking is total and deterministic: by score (closer in space and time is higher,
//!   an exact category beats a class match), then by distance, then by case id;
//! - bad thresholds (negative, NaN) are refused by [`DedupPolicy::validate`], never a panic.

use crate::codes::CategoryRef;
use crate::model::{CaseId, Location, Timestamp};
use crate::workflow::{CaseState, Status};
use serde::{Deserialize, Serialize};

/// Mean Earth radius (m) for the haversine distance.
const EARTH_RADIUS_M: f64 = 6_371_008.8;

/// How categories must agree.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum CategoryMatch {
    /// The same kind and code (default).
    #[default]
    Exact,
    /// The same kind and 大类 (the first two digits), ranked below exact matches.
    SameClass,
}

/// The thresholds (configurable per call; the defaults are documented in docs/intake.md).
#[derive(Clone, Copy, PartialEq, Debug, Serialize, Deserialize)]
#[serde(default)]
pub struct DedupPolicy {
    /// Farthest a duplicate may be, in metres.
    pub max_distance_m: f64,
    /// Farthest apart in time the two reports may be, in ms.
    pub window_ms: i64,
    /// How categories must agree.
    pub category: CategoryMatch,
    /// At most this many candidates are returned.
    pub limit: usize,
}

impl Default for DedupPolicy {
    fn default() -> Self {
        DedupPolicy {
            max_distance_m: 50.0,
            window_ms: 72 * 3_600_000,
            category: CategoryMatch::Exact,
            limit: 10,
        }
    }
}

/// Why a policy is refused.
#[derive(Clone, PartialEq, Eq, Debug, thiserror::Error)]
#[error("dedup policy: {0}")]
pub struct PolicyError(pub &'static str);

impl DedupPolicy {
    /// Largest distance threshold accepted (a duplicate 5 km away is not a duplicate).
    pub const MAX_DISTANCE_M: f64 = 5_000.0;
    /// Largest time window accepted (30 days).
    pub const MAX_WINDOW_MS: i64 = 30 * 24 * 3_600_000;
    /// Largest number of candidates.
    pub const MAX_LIMIT: usize = 100;

    /// Checks the thresholds.
    pub fn validate(&self) -> Result<(), PolicyError> {
        if !(self.max_distance_m.is_finite()
            && self.max_distance_m > 0.0
            && self.max_distance_m <= Self::MAX_DISTANCE_M)
        {
            return Err(PolicyError("距离阈值须在 0–5000 米之间"));
        }
        if self.window_ms <= 0 || self.window_ms > Self::MAX_WINDOW_MS {
            return Err(PolicyError("时间窗须在 0–30 天之间"));
        }
        if self.limit == 0 || self.limit > Self::MAX_LIMIT {
            return Err(PolicyError("候选数须在 1–100 之间"));
        }
        Ok(())
    }
}

/// What is compared: a report (new or open).
#[derive(Clone, PartialEq, Debug, Serialize, Deserialize)]
pub struct ReportPoint {
    /// The case.
    pub case_id: CaseId,
    /// Its category.
    pub category: CategoryRef,
    /// Where.
    pub lon: f64,
    /// Where.
    pub lat: f64,
    /// When reported.
    pub reported_at: Timestamp,
    /// Its status (candidates must not be terminal).
    pub status: Status,
}

impl ReportPoint {
    /// The point of a folded case; `None` before its report.
    pub fn of(case_id: CaseId, state: &CaseState) -> Option<ReportPoint> {
        let report = state.report.as_ref()?;
        Some(ReportPoint {
            case_id,
            category: report.category.clone(),
            lon: report.location.lon,
            lat: report.location.lat,
            reported_at: state.reported_at?,
            status: state.status,
        })
    }
}

/// A possible duplicate.
#[derive(Clone, PartialEq, Debug, Serialize, Deserialize)]
pub struct Candidate {
    /// The open case.
    pub case_id: CaseId,
    /// Distance between the two reports, in metres.
    pub distance_m: f64,
    /// Time between the two reports, in ms (positive: the candidate is older).
    pub time_apart_ms: i64,
    /// How the categories agree.
    pub category: CategoryMatch,
    /// 0–1, higher is more likely the same problem.
    pub score: f64,
}

/// Great-circle distance between two WGS84 points, in metres.
pub fn distance_m(a_lon: f64, a_lat: f64, b_lon: f64, b_lat: f64) -> f64 {
    let (p1, p2) = (a_lat.to_radians(), b_lat.to_radians());
    let dp = p2 - p1;
    let dl = (b_lon - a_lon).to_radians();
    let h = (dp / 2.0).sin().powi(2) + p1.cos() * p2.cos() * (dl / 2.0).sin().powi(2);
    2.0 * EARTH_RADIUS_M * h.sqrt().min(1.0).asin()
}

/// The distance between a report's location and an open case.
pub fn distance_to(location: &Location, other: &ReportPoint) -> f64 {
    distance_m(location.lon, location.lat, other.lon, other.lat)
}

fn category_match(
    a: &CategoryRef,
    b: &CategoryRef,
    allowed: CategoryMatch,
) -> Option<CategoryMatch> {
    if a == b {
        return Some(CategoryMatch::Exact);
    }
    let same_class = a.kind == b.kind && a.code.class() == b.code.class();
    (allowed == CategoryMatch::SameClass && same_class).then_some(CategoryMatch::SameClass)
}

/// The open cases that `probe` may duplicate, best first, at most `policy.limit`.
pub fn candidates<'a, I>(probe: &ReportPoint, open: I, policy: &DedupPolicy) -> Vec<Candidate>
where
    I: IntoIterator<Item = &'a ReportPoint>,
{
    let mut out: Vec<Candidate> = open
        .into_iter()
        .filter(|o| o.case_id != probe.case_id && !o.status.is_terminal())
        .filter_map(|o| {
            let category = category_match(&probe.category, &o.category, policy.category)?;
            let time_apart_ms = probe.reported_at.ms() - o.reported_at.ms();
            if time_apart_ms.abs() > policy.window_ms {
                return None;
            }
            let distance_m = distance_m(probe.lon, probe.lat, o.lon, o.lat);
            if distance_m.is_nan() || distance_m > policy.max_distance_m {
                return None;
            }
            let d = distance_m / policy.max_distance_m;
            let t = time_apart_ms.abs() as f64 / policy.window_ms as f64;
            let penalty = match category {
                CategoryMatch::Exact => 0.0,
                CategoryMatch::SameClass => 0.25,
            };
            let score = ((1.0 - 0.6 * d - 0.4 * t) * (1.0 - penalty)).clamp(0.0, 1.0);
            Some(Candidate {
                case_id: o.case_id,
                distance_m,
                time_apart_ms,
                category,
                score,
            })
        })
        .collect();
    out.sort_by(|a, b| {
        b.score
            .total_cmp(&a.score)
            .then(a.distance_m.total_cmp(&b.distance_m))
            .then(a.case_id.cmp(&b.case_id))
    });
    out.truncate(policy.limit);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::codes::{CategoryCode, CategoryKind};

    const T0: i64 = 1_790_000_000_000;
    const HOUR: i64 = 3_600_000;
    /// About one metre of latitude, in degrees.
    const M: f64 = 1.0 / 111_195.0;

    fn cat(kind: CategoryKind, code: &str) -> CategoryRef {
        CategoryRef {
            kind,
            code: CategoryCode::parse(code).expect("code"),
        }
    }

    fn point(n: u8, code: &str, north_m: f64, hours_before: i64) -> ReportPoint {
        ReportPoint {
            case_id: CaseId::from_parts(1, [n; 10]),
            category: cat(CategoryKind::Component, code),
            lon: 103.8343,
            lat: 36.0611 + north_m * M,
            reported_at: Timestamp(T0 - hours_before * HOUR),
            status: Status::Reported,
        }
    }

    #[test]
    fn haversine_matches_a_known_distance() {
        // One degree of latitude is about 111.2 km.
        let d = distance_m(103.0, 36.0, 103.0, 37.0);
        assert!((d - 111_195.0).abs() < 10.0, "{d}");
        assert_eq!(distance_m(103.0, 36.0, 103.0, 36.0), 0.0);
    }

    #[test]
    fn thresholds_filter_distance_time_category_status_and_self() {
        let probe = point(0, "01001", 0.0, 0);
        let mut closed = point(5, "01001", 5.0, 1);
        closed.status = Status::Closed;
        let open = vec![
            point(1, "01001", 30.0, 2),   // in
            point(2, "01001", 60.0, 2),   // too far
            point(3, "01001", 10.0, 100), // too old
            point(4, "01002", 10.0, 1),   // other category
            closed,                       // terminal
            point(0, "01001", 0.0, 0),    // itself
            point(6, "01001", 10.0, -5),  // reported after the probe: still a candidate
        ];
        let found = candidates(&probe, &open, &DedupPolicy::default());
        assert_eq!(found.len(), 2, "{found:?}");
        assert_eq!(found[0].case_id, open[6].case_id);
        assert_eq!(found[1].case_id, open[0].case_id);
        assert!((found[1].distance_m - 30.0).abs() < 0.5);
        assert_eq!(found[1].time_apart_ms, 2 * HOUR);
        assert_eq!(found[0].time_apart_ms, -5 * HOUR);
    }

    #[test]
    fn ranking_prefers_close_in_space_and_time_then_exact_category() {
        let probe = point(0, "01001", 0.0, 0);
        let policy = DedupPolicy {
            category: CategoryMatch::SameClass,
            ..DedupPolicy::default()
        };
        let open = vec![
            point(1, "01001", 40.0, 48), // far-ish, old-ish
            point(2, "01001", 5.0, 1),   // near and recent: best
            point(3, "01002", 5.0, 1),   // same class only: penalised
        ];
        let found = candidates(&probe, &open, &policy);
        assert_eq!(found.len(), 3);
        assert_eq!(found[0].case_id, open[1].case_id);
        assert_eq!(found[0].category, CategoryMatch::Exact);
        assert_eq!(found[1].case_id, open[2].case_id);
        assert_eq!(found[1].category, CategoryMatch::SameClass);
        assert_eq!(found[2].case_id, open[0].case_id);
        assert!(found.windows(2).all(|w| w[0].score >= w[1].score));
        // A matter with the same digits is another category, even by class.
        let mut matter = point(4, "01001", 1.0, 0);
        matter.category = cat(CategoryKind::Matter, "01001");
        assert!(candidates(&probe, &[matter], &policy).is_empty());
    }

    #[test]
    fn limit_and_ties_are_deterministic() {
        let probe = point(0, "01001", 0.0, 0);
        let open: Vec<ReportPoint> = (1..=20).map(|n| point(n, "01001", 10.0, 1)).collect();
        let policy = DedupPolicy {
            limit: 5,
            ..DedupPolicy::default()
        };
        let found = candidates(&probe, open.iter().rev(), &policy);
        assert_eq!(found.len(), 5);
        let ids: Vec<CaseId> = found.iter().map(|c| c.case_id).collect();
        let mut sorted = ids.clone();
        sorted.sort();
        assert_eq!(ids, sorted, "equal scores fall back to the case id");
        let smallest = open.iter().map(|o| o.case_id).min().expect("cases");
        assert_eq!(ids[0], smallest);
    }

    #[test]
    fn bad_policies_are_refused() {
        let ok = DedupPolicy::default();
        assert!(ok.validate().is_ok());
        for bad in [
            DedupPolicy {
                max_distance_m: f64::NAN,
                ..ok
            },
            DedupPolicy {
                max_distance_m: -1.0,
                ..ok
            },
            DedupPolicy {
                max_distance_m: 10_000.0,
                ..ok
            },
            DedupPolicy { window_ms: 0, ..ok },
            DedupPolicy {
                window_ms: DedupPolicy::MAX_WINDOW_MS + 1,
                ..ok
            },
            DedupPolicy { limit: 0, ..ok },
        ] {
            assert!(bad.validate().is_err(), "{bad:?}");
        }
    }
}
