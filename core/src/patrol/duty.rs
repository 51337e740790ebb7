//! Duty (在岗): an inspector's shift on the roster against their sign-in and sign-out.
//!
//! 在岗时长 is the time signed in within the shift; 在岗率 is that over the shift's length. A
//! sign-in with no sign-out is closed at the shift's end and flagged (the tablet died, or the
//! inspector forgot); a sign-out with no sign-in before it is ignored and flagged. Late arrival
//! and early leave are measured against the shift's start and end. A sign-in or sign-out whose
//! position is outside the assigned area is flagged (the caller says what "inside" means, e.g.
//! within [`super::CoverageRules::outside_tolerance_m`] of an assigned cell).
//!
//! Invariants: pure; times are seconds since the epoch; overlapping sign-in intervals are
//! counted once.

use crate::codes::GridCode;
use std::collections::BTreeSet;

/// One shift of the duty roster (排班).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Shift {
    /// When it starts (seconds since the epoch).
    pub start: i64,
    /// When it ends.
    pub end: i64,
    /// The cells the inspector patrols on this shift.
    pub cells: BTreeSet<GridCode>,
}

/// Sign-in or sign-out.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SignKind {
    /// 签到: on duty.
    In,
    /// 签退: off duty.
    Out,
}

/// A sign-in or sign-out with where it was made.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct SignEvent {
    /// When (seconds since the epoch).
    pub t: i64,
    /// In or out.
    pub kind: SignKind,
    /// Longitude, WGS84 degrees.
    pub lon: f64,
    /// Latitude, WGS84 degrees.
    pub lat: f64,
}

/// An inspector's duty figures for one shift.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct DutyDay {
    /// The shift's length in seconds.
    pub scheduled_s: i64,
    /// 在岗时长: seconds signed in within the shift.
    pub on_duty_s: i64,
    /// 在岗率: on duty ÷ scheduled (0 for an empty shift).
    pub rate: f64,
    /// Seconds between the shift's start and the first sign-in (0 when on time or absent).
    pub late_s: i64,
    /// Seconds between the last sign-out and the shift's end (0 when none before the end).
    pub early_leave_s: i64,
    /// Signed in at some point of the shift.
    pub present: bool,
    /// A sign-in never followed by a sign-out (closed at the shift's end).
    pub missing_sign_out: bool,
    /// A sign-out with no sign-in before it.
    pub stray_sign_out: bool,
    /// A sign-in or sign-out made outside the assigned area.
    pub signed_outside: bool,
}

impl DutyDay {
    /// The figures of `shift` from the day's sign events (any order); `inside` says whether a
    /// position is within the shift's assigned area.
    pub fn of(shift: &Shift, signs: &[SignEvent], inside: impl Fn(f64, f64) -> bool) -> DutyDay {
        let mut signs: Vec<&SignEvent> = signs.iter().collect();
        signs.sort_by_key(|s| (s.t, s.kind == SignKind::In));
        let mut out = DutyDay {
            scheduled_s: (shift.end - shift.start).max(0),
            ..DutyDay::default()
        };
        let mut intervals: Vec<(i64, i64)> = Vec::new();
        let mut open: Option<i64> = None;
        for s in &signs {
            out.signed_outside |= !inside(s.lon, s.lat);
            match (s.kind, open) {
                (SignKind::In, None) => open = Some(s.t),
                (SignKind::In, Some(_)) => {}
                (SignKind::Out, Some(from)) => {
                    intervals.push((from, s.t));
                    open = None;
                }
                (SignKind::Out, None) => out.stray_sign_out = true,
            }
        }
        if let Some(from) = open {
            out.missing_sign_out = true;
            intervals.push((from, shift.end.max(from)));
        }
        for &(a, b) in &intervals {
            let (a, b) = (a.max(shift.start), b.min(shift.end));
            if b > a {
                out.on_duty_s += b - a;
                out.present = true;
            }
        }
        if let Some(&(first, _)) = intervals.first() {
            out.late_s = (first - shift.start).clamp(0, out.scheduled_s);
        }
        if let Some(&(_, last)) = intervals.last()
            && !out.missing_sign_out
        {
            out.early_leave_s = (shift.end - last).clamp(0, out.scheduled_s);
        }
        if out.scheduled_s > 0 {
            out.rate = out.on_duty_s as f64 / out.scheduled_s as f64;
        }
        out
    }
}
