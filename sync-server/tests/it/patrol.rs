//! Patrols over HTTP (issue 16): inspectors' devices push track blocks and sign events, the
//! shift leader writes the roster, and the report's coverage, duty and exact 漏报 equal the
//! figures computed by hand below; every refusal has its code; exact 漏报 replaces the
//! approximation in the evaluation once the tenant records tracks.
//!
//! The fixture (tenant 620102, cell geometry imported as `cells.geojson`):
//! - cell A = lon 103.830–103.832 × lat 36.060–36.062, cell B = lon 103.832–103.834 × the same;
//! - day D = yesterday (Asia/Shanghai), T = D 09:00;
//! - insp_a walks due north along lon 103.831 in A: lat 36.0602, .0604, .0606, .0608, .0610 at
//!   T+0, 20, 40, 60, 80 s (four steps of 0.0002° = 22.239 m: 1° of latitude is
//!   6 371 008.8·π/180 = 111 195.08 m on the frame's sphere), stands 600 s (closed by a point at
//!   T+680), then a gap of 2 920 s (not counted) and, in B on lon 103.833, walks south 36.0610 →
//!   .0608 → .0606 at T+3600, 3620, 3640 (two steps, 44.478 m);
//! - so: 巡查里程 = 6 × 22.239 = 133.434 m; A: 6 points, 88.956 m, 680 s; B: 3 points, 44.478 m,
//!   40 s; insp_a is rostered on A only, so the B walk is outside its area: [T+3600, T+3640]
//!   (B's midpoints lie 0.001° of longitude ≈ 90 m east of A, more than the 50 m tolerance);
//!   区域覆盖率 1/1;
//! - duty: both rostered 09:00–17:00 (28 800 s). insp_a signs in at 08:50 in A and out at 13:00:
//!   在岗 14 400 s, 在岗率 0.5, early leave 14 400 s. insp_b (cell B, no track) signs in at 09:30
//!   standing in A (≈ 90 m from B: outside) and never signs out: 在岗 until 17:00 = 27 000 s,
//!   0.9375, late 1 800 s, both flags; 区域覆盖率 0/1;
//! - cases (hotline, reported now): c1 at (103.8312, 36.0605) in A — 0.0002° of longitude
//!   (≈ 18 m) east of insp_a's walk between T+20 and T+40: 漏报 with that segment; c2 at
//!   (103.8338, 36.0618) in B, insp_b's cell, never walked: no 漏报; c3 at (103.8302, 36.0618)
//!   in A, ≈ 72 m from the walk: no 漏报 (but it is a confirmed public report in A, which the
//!   approximation counts). The 漏报 window is set to 48 h (a tenant setting) so that
//!   yesterday's walk is in it whatever the time of day the test runs.

use crate::support::*;
use base64::Engine as _;
use chrono::{Duration, NaiveDate};
use gridcase_core::model::{Location, LocationSource, Role, SourceChannel, Timestamp, UserId};
use gridcase_core::patrol::{TrackPoint, encode_block};
use gridcase_core::protocol::{PatrolReport, TrackDay};
use gridcase_core::workflow::EventKind;
use gridcase_server::biz::admin::{self, UserSpec};
use serde_json::{Value, json};

const M_PER_DEG: f64 = 6_371_008.8 * std::f64::consts::PI / 180.0;
const STEP_M: f64 = 0.0002 * M_PER_DEG;

fn square(code: &str, lon0: f64) -> String {
    let (lon1, lat0, lat1) = (lon0 + 0.002, 36.060, 36.062);
    format!(
        "{{\"type\":\"Feature\",\"properties\":{{\"code\":\"{code}\",\"street\":\"张掖路街道\",\"community\":\"社区\",\"departments\":[]}},\"geometry\":{{\"type\":\"Polygon\",\"coordinates\":[[[{lon0},{lat0}],[{lon1},{lat0}],[{lon1},{lat1}],[{lon0},{lat1}],[{lon0},{lat0}]]]}}}}"
    )
}

/// Imports cells A and B as the tenant's grid geometry and adds an administrator.
pub async fn fixture(ts: &TestServer) {
    let dep = ts.server.deployment().clone();
    tokio::task::spawn_blocking(move || {
        let text = format!(
            "{{\"type\":\"FeatureCollection\",\"features\":[{},{}]}}",
            square(CELL_A, 103.830),
            square(CELL_B, 103.832)
        );
        dep.db()
            .write(|tx| {
                gridcase_server::db::tenants::set_file(
                    tx,
                    TENANT,
                    "cells",
                    "cells.geojson",
                    &text,
                    0,
                )?;
                gridcase_server::db::tenants::upsert_cell(tx, TENANT, CELL_A, "张掖路街道 社区")?;
                gridcase_server::db::tenants::upsert_cell(tx, TENANT, CELL_B, "张掖路街道 社区")
            })
            .expect("cells");
        dep.forget_rules(TENANT);
        admin::create_user(
            &dep,
            &UserSpec {
                tenant: TENANT.to_owned(),
                username: "admin".to_owned(),
                display_name: "测试admin".to_owned(),
                role: Role::Admin,
                department: None,
                cells: Vec::new(),
                password: PASSWORD.to_owned(),
            },
        )
        .expect("admin");
    })
    .await
    .expect("fixture");
}

/// Day D (yesterday, Asia/Shanghai) and T = D 09:00 in Unix seconds.
pub fn day_d() -> (NaiveDate, i64) {
    let today = Timestamp(now_ms()).to_shanghai().expect("now").date_naive();
    let d = today - Duration::days(1);
    let t = Timestamp::from_shanghai(d.and_hms_opt(9, 0, 0).expect("09:00")).ms() / 1000;
    (d, t)
}

pub fn fmt(d: NaiveDate) -> String {
    d.format("%Y-%m-%d").to_string()
}

fn pt(t: i64, lon: f64, lat: f64) -> TrackPoint {
    TrackPoint {
        t,
        lon,
        lat,
        accuracy_m: 5.0,
    }
}

/// insp_a's two blocks of day D.
pub fn walk(t: i64) -> (Vec<TrackPoint>, Vec<TrackPoint>) {
    let mut first: Vec<TrackPoint> = (0..5)
        .map(|i| pt(t + 20 * i, 103.831, 36.0602 + 0.0002 * i as f64))
        .collect();
    first.push(pt(t + 680, 103.831, 36.0610));
    let second = vec![
        pt(t + 3600, 103.833, 36.0610),
        pt(t + 3620, 103.833, 36.0608),
        pt(t + 3640, 103.833, 36.0606),
    ];
    (first, second)
}

pub fn b64(points: &[TrackPoint]) -> String {
    base64::engine::general_purpose::STANDARD.encode(encode_block(points))
}

pub async fn send(
    dev: &Device,
    method: reqwest::Method,
    path: &str,
    body: &Value,
) -> Result<Value, Failure> {
    let resp = dev
        .client
        .request(method, format!("{}{path}", dev.base))
        .bearer_auth(&dev.login.token)
        .json(body)
        .send()
        .await
        .expect("send");
    let bytes = ok_bytes(resp).await?;
    Ok(serde_json::from_slice(&bytes).unwrap_or(Value::Null))
}

pub async fn post(dev: &Device, path: &str, body: &Value) -> Result<Value, Failure> {
    send(dev, reqwest::Method::POST, path, body).await
}

pub async fn put(dev: &Device, path: &str, body: &Value) -> Result<Value, Failure> {
    send(dev, reqwest::Method::PUT, path, body).await
}

fn code_of(r: Result<Value, Failure>) -> (u16, String) {
    match r {
        Ok(v) => (200, format!("ok {v}")),
        Err(f) => (f.status, f.error.code),
    }
}

fn uuid() -> String {
    uuid::Uuid::from_u128(rand::random::<u128>()).to_string()
}

async fn sign(dev: &Device, kind: &str, at_s: i64, lon: f64, lat: f64) -> Result<Value, Failure> {
    post(
        dev,
        "/v1/patrol/signs",
        &json!({"id": uuid(), "kind": kind, "at": at_s * 1000, "lon": lon, "lat": lat}),
    )
    .await
}

/// A hotline case at (lon, lat) in `cell`, taken in by the intake operator; with `verify_by`,
/// verified (confirmed) by that inspector and filed by the shift leader.
async fn hotline_case(
    ts: &TestServer,
    cell: &str,
    lon: f64,
    lat: f64,
    verify_by: Option<&str>,
) -> gridcase_core::model::CaseId {
    let mut intake = ts.device("intake").await;
    let mut p = report_payload(cell);
    p.source = SourceChannel::PublicHotline;
    p.location = Location::new(lon, lat, Some(10.0), LocationSource::Manual).expect("loc");
    let case = intake.report_with(p);
    let r = intake.push(case).await.expect("push");
    assert_eq!(outcome(&r.docs[0]), "accepted");
    if let Some(username) = verify_by {
        let mut insp = ts.device(username).await;
        let assignee = insp.login.user_id;
        act(
            &mut intake,
            case,
            EventKind::RequestVerification { assignee },
        )
        .await;
        act(
            &mut insp,
            case,
            EventKind::Verify {
                confirmed: true,
                photos: vec![],
                location: None,
                category: None,
                note: String::new(),
                cell: None,
            },
        )
        .await;
        let mut shift = ts.device("shift").await;
        act(
            &mut shift,
            case,
            EventKind::File {
                note: String::new(),
                condition: None,
            },
        )
        .await;
    }
    case
}

async fn window_48h(ts: &TestServer) {
    let admin = ts.device("admin").await;
    let mut s = admin
        .get_json("/v1/patrol/settings")
        .await
        .expect("settings");
    assert_eq!(s["missed"]["distance_m"], 30.0, "the default");
    s["missed"]["window_hours"] = json!(48);
    put(&admin, "/v1/patrol/settings", &s)
        .await
        .expect("put settings");
}

/// insp_a's day D pushed as two blocks (the second sent twice: a retry).
async fn push_walk(insp_a: &Device, d: &str, t: i64) {
    let (first, second) = walk(t);
    for (seq, block) in [(0, &first), (1, &second), (1, &second)] {
        let ack = post(
            insp_a,
            "/v1/patrol/tracks",
            &json!({"day": d, "seq": seq, "block": b64(block)}),
        )
        .await
        .expect("block");
        assert_eq!(ack["points"], block.len());
    }
}

fn close(a: f64, b: f64, what: &str) {
    assert!((a - b).abs() < 1e-6, "{what}: {a} ≠ {b}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_walked_day_gives_the_hand_computed_report() {
    let ts = TestServer::start().await;
    fixture(&ts).await;
    window_48h(&ts).await;
    let (d, t) = day_d();
    let day = fmt(d);
    let insp_a = ts.device("insp_a").await;
    let insp_b = ts.device("insp_b").await;
    let shift = ts.device("shift").await;
    let (a_id, b_id) = (insp_a.login.user_id, insp_b.login.user_id);

    let roster = json!({"shifts": [
        {"inspector": a_id, "day": day, "start": t * 1000, "end": (t + 28_800) * 1000, "cells": [CELL_A]},
        {"inspector": b_id, "day": day, "start": t * 1000, "end": (t + 28_800) * 1000, "cells": [CELL_B]},
    ]});
    put(&shift, "/v1/patrol/roster", &roster)
        .await
        .expect("roster");
    let back = shift
        .get_json(&format!("/v1/patrol/roster?from={day}&to={day}"))
        .await
        .expect("roster back");
    assert_eq!(back["shifts"].as_array().expect("shifts").len(), 2);
    let own = insp_b
        .get_json(&format!("/v1/patrol/roster?from={day}&to={day}"))
        .await
        .expect("own roster");
    assert_eq!(
        own["shifts"].as_array().expect("shifts").len(),
        1,
        "an inspector sees its own shifts"
    );

    push_walk(&insp_a, &day, t).await;
    sign(&insp_a, "in", t - 600, 103.831, 36.0602)
        .await
        .expect("in");
    sign(&insp_a, "out", t + 14_400, 103.831, 36.0610)
        .await
        .expect("out");
    sign(&insp_b, "in", t + 1_800, 103.831, 36.061)
        .await
        .expect("b in");

    let c1 = hotline_case(&ts, CELL_A, 103.8312, 36.0605, None).await;
    let c2 = hotline_case(&ts, CELL_B, 103.8338, 36.0618, None).await;
    let c3 = hotline_case(&ts, CELL_A, 103.8302, 36.0618, None).await;

    let today = fmt(d + Duration::days(1));
    let report: PatrolReport = serde_json::from_value(
        shift
            .get_json(&format!("/v1/patrol/report?from={day}&to={today}"))
            .await
            .expect("report"),
    )
    .expect("report shape");
    let a = report
        .inspectors
        .iter()
        .find(|i| i.inspector == a_id)
        .expect("insp_a");
    let b = report
        .inspectors
        .iter()
        .find(|i| i.inspector == b_id)
        .expect("insp_b");

    close(a.metres, 6.0 * STEP_M, "insp_a 巡查里程");
    close(a.coverage_rate, 1.0, "insp_a 区域覆盖率");
    assert_eq!((a.scheduled_s, a.on_duty_s), (28_800, 14_400));
    close(a.duty_rate, 0.5, "insp_a 在岗率");
    assert_eq!(a.days.len(), 1);
    let ad = &a.days[0];
    assert_eq!(ad.day, day);
    assert_eq!(ad.outside, vec![[t + 3600, t + 3640]]);
    assert_eq!((ad.late_s, ad.early_leave_s), (0, 14_400));
    assert!(!ad.missing_sign_out && !ad.signed_outside);
    let cell = |code: &str| {
        ad.cells
            .iter()
            .find(|c| c.cell.to_string() == code)
            .expect("cell")
    };
    let (ca, cb) = (cell(CELL_A), cell(CELL_B));
    assert!(ca.assigned && ca.visited && !cb.assigned && cb.visited);
    close(ca.metres, 4.0 * STEP_M, "A metres");
    close(cb.metres, 2.0 * STEP_M, "B metres");
    assert_eq!((ca.seconds, cb.seconds), (680, 40));

    close(b.coverage_rate, 0.0, "insp_b 区域覆盖率");
    close(b.metres, 0.0, "insp_b 巡查里程");
    assert_eq!((b.scheduled_s, b.on_duty_s), (28_800, 27_000));
    close(b.duty_rate, 0.9375, "insp_b 在岗率");
    let bd = &b.days[0];
    assert_eq!((bd.late_s, bd.early_leave_s), (1_800, 0));
    assert!(bd.missing_sign_out && bd.signed_outside);
    let b_cell = &bd.cells;
    assert_eq!(b_cell.len(), 1);
    assert!(b_cell[0].assigned && !b_cell[0].visited);

    // 漏报: c1 for insp_a with the segment T+20..T+40 at ≈ 18 m; not c2 (never walked), not c3.
    assert_eq!(a.missed.len(), 1, "{:?}", a.missed);
    assert_eq!(a.missed[0].case_id, c1);
    assert_eq!(a.missed[0].segment, [t + 20, t + 40]);
    let kx = M_PER_DEG * 36.0605f64.to_radians().cos();
    assert!(
        (a.missed[0].distance_m - 0.0002 * kx).abs() < 0.05,
        "{}",
        a.missed[0].distance_m
    );
    assert!(b.missed.is_empty(), "{:?}", b.missed);
    assert!(![c2, c3].contains(&a.missed[0].case_id));

    // Playback: the inspector's own day, and any inspector's for the shift leader.
    for dev in [&insp_a, &shift] {
        let track: TrackDay = serde_json::from_value(
            dev.get_json(&format!("/v1/patrol/track?inspector={a_id}&day={day}"))
                .await
                .expect("track"),
        )
        .expect("track shape");
        assert_eq!(track.points.len(), 9, "the retry was not stored twice");
        assert_eq!(track.points[0][0], t as f64);
        assert_eq!(track.signs.len(), 2);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_refusal_has_its_code() {
    let ts = TestServer::start().await;
    fixture(&ts).await;
    let (d, t) = day_d();
    let day = fmt(d);
    let insp_a = ts.device("insp_a").await;
    let insp_b = ts.device("insp_b").await;
    let shift = ts.device("shift").await;
    let leader = ts.device("leader").await;
    let intake = ts.device("intake").await;
    let insp_x = ts.device("insp_x").await;
    let (first, second) = walk(t);
    let track = |seq: u32, block: String| json!({"day": day, "seq": seq, "block": block});

    // A malformed block, a truncated one, a non-base64 one: refused before anything is stored.
    let bytes = encode_block(&first);
    let cut = base64::engine::general_purpose::STANDARD.encode(&bytes[..bytes.len() - 2]);
    for (block, code) in [
        (
            base64::engine::general_purpose::STANDARD.encode(b"GT\x01\x05junk"),
            "track_malformed",
        ),
        (cut, "track_malformed"),
        ("@@not base64@@".to_owned(), "track_malformed"),
        (String::new(), "track_malformed"),
    ] {
        assert_eq!(
            code_of(post(&insp_a, "/v1/patrol/tracks", &track(0, block)).await).1,
            code
        );
    }
    // Points outside the named day.
    let other_day = json!({"day": fmt(d - Duration::days(1)), "seq": 0, "block": b64(&first)});
    assert_eq!(
        code_of(post(&insp_a, "/v1/patrol/tracks", &other_day).await),
        (422, "track_bad_time".into())
    );
    // Wrong roles push nothing.
    for dev in [&shift, &leader, &intake] {
        assert_eq!(
            code_of(post(dev, "/v1/patrol/tracks", &track(0, b64(&first))).await),
            (403, "role_not_allowed".into())
        );
    }
    // seq 1 before seq 0: a gap.
    assert_eq!(
        code_of(post(&insp_a, "/v1/patrol/tracks", &track(1, b64(&second))).await).1,
        "bad_request"
    );
    let ack = post(&insp_a, "/v1/patrol/tracks", &track(0, b64(&first)))
        .await
        .expect("stored");
    assert_eq!(ack, json!({"points": 6, "stored": true}));
    // The same block again: acknowledged, not stored.
    let again = post(&insp_a, "/v1/patrol/tracks", &track(0, b64(&first)))
        .await
        .expect("retry");
    assert_eq!(again, json!({"points": 6, "stored": false}));
    // Other bytes under a used seq.
    assert_eq!(
        code_of(post(&insp_a, "/v1/patrol/tracks", &track(0, b64(&first[..5]))).await),
        (409, "track_conflict".into())
    );
    // A next block that does not follow the last one in time.
    assert_eq!(
        code_of(post(&insp_a, "/v1/patrol/tracks", &track(1, b64(&first[3..]))).await).1,
        "track_bad_time"
    );
    // insp_b's day is its own: the same block under its name is a new record, not insp_a's.
    let b_ack = post(&insp_b, "/v1/patrol/tracks", &track(0, b64(&first)))
        .await
        .expect("b");
    assert_eq!(b_ack["stored"], true);

    // Sign events: from the future, off the globe, a reused id with other content.
    let future = now_ms() / 1000 + 3600;
    assert_eq!(
        code_of(sign(&insp_a, "in", future, 103.831, 36.06).await).1,
        "track_bad_time"
    );
    assert_eq!(
        code_of(sign(&insp_a, "in", t, 203.0, 36.06).await).1,
        "track_bad_position"
    );
    let id = uuid();
    let ev = json!({"id": id, "kind": "in", "at": t * 1000, "lon": 103.831, "lat": 36.06});
    assert_eq!(
        post(&insp_a, "/v1/patrol/signs", &ev).await.expect("in")["stored"],
        true
    );
    assert_eq!(
        post(&insp_a, "/v1/patrol/signs", &ev).await.expect("again")["stored"],
        false
    );
    let changed = json!({"id": id, "kind": "out", "at": t * 1000, "lon": 103.831, "lat": 36.06});
    assert_eq!(
        code_of(post(&insp_a, "/v1/patrol/signs", &changed).await),
        (409, "track_conflict".into())
    );
    assert_eq!(
        code_of(sign(&shift, "in", t, 103.831, 36.06).await).1,
        "role_not_allowed"
    );

    // Roster: only the shift leader and the administrator write it, only with the tenant's
    // inspectors and cells.
    let shift_of = |who: UserId, cell: &str| json!({"shifts": [{"inspector": who, "day": day, "start": t * 1000, "end": (t + 3600) * 1000, "cells": [cell]}]});
    let a_id = insp_a.login.user_id;
    assert_eq!(
        code_of(put(&insp_a, "/v1/patrol/roster", &shift_of(a_id, CELL_A)).await).1,
        "role_not_allowed"
    );
    assert_eq!(
        code_of(put(&leader, "/v1/patrol/roster", &shift_of(a_id, CELL_A)).await).1,
        "role_not_allowed"
    );
    assert_eq!(
        code_of(put(&shift, "/v1/patrol/roster", &shift_of(a_id, CELL_OTHER)).await).1,
        "bad_request"
    );
    assert_eq!(
        code_of(
            put(
                &shift,
                "/v1/patrol/roster",
                &shift_of(insp_x.login.user_id, CELL_A)
            )
            .await
        )
        .1,
        "bad_request"
    );
    put(&shift, "/v1/patrol/roster", &shift_of(a_id, CELL_A))
        .await
        .expect("roster");

    // Reads: another inspector's track, another tenant's inspector, a report for the wrong role.
    let b_id = insp_b.login.user_id;
    assert_eq!(
        code_of(
            insp_a
                .get_json(&format!("/v1/patrol/track?inspector={b_id}&day={day}"))
                .await
        )
        .1,
        "role_not_allowed"
    );
    let x_id = insp_x.login.user_id;
    assert_eq!(
        code_of(
            shift
                .get_json(&format!("/v1/patrol/track?inspector={x_id}&day={day}"))
                .await
        ),
        (404, "not_found".into())
    );
    assert_eq!(
        code_of(
            insp_a
                .get_json(&format!("/v1/patrol/report?from={day}&to={day}"))
                .await
        )
        .1,
        "role_not_allowed"
    );
    assert_eq!(
        code_of(
            shift
                .get_json("/v1/patrol/report?from=2026-01-01&to=2026-12-31")
                .await
        )
        .1,
        "bad_request"
    );
    // The other tenant sees none of it: its shift leader's… it has none; its inspector reads
    // its own (empty) day and not insp_a's.
    assert_eq!(
        code_of(
            insp_x
                .get_json(&format!("/v1/patrol/track?inspector={a_id}&day={day}"))
                .await
        )
        .1,
        "role_not_allowed"
    );
    let own: TrackDay = serde_json::from_value(
        insp_x
            .get_json(&format!("/v1/patrol/track?inspector={x_id}&day={day}"))
            .await
            .expect("own"),
    )
    .expect("shape");
    assert!(own.points.is_empty());
    // Settings: only the administrator writes them, within bounds.
    let admin = ts.device("admin").await;
    let mut s = admin
        .get_json("/v1/patrol/settings")
        .await
        .expect("settings");
    assert_eq!(
        code_of(put(&shift, "/v1/patrol/settings", &s).await).1,
        "role_not_allowed"
    );
    s["missed"]["window_hours"] = json!(100_000);
    assert_eq!(
        code_of(put(&admin, "/v1/patrol/settings", &s).await).1,
        "bad_request"
    );
}

fn missed_of(table: &Value, user: UserId) -> f64 {
    table["rows"]
        .as_array()
        .expect("rows")
        .iter()
        .find(|r| r["id"] == user.to_string())
        .and_then(|r| r["figures"].as_array())
        .and_then(|f| f.iter().find(|f| f["key"] == "missed"))
        .and_then(|f| f["value"].as_f64())
        .expect("missed figure")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn exact_missed_replaces_the_approximation_in_the_evaluation() {
    let ts = TestServer::start().await;
    fixture(&ts).await;
    window_48h(&ts).await;
    let (d, t) = day_d();
    let insp_a = ts.device("insp_a").await;
    let a_id = insp_a.login.user_id;
    // c1 (walked past) and c3 (never near the walk) in A, both confirmed and filed.
    hotline_case(&ts, CELL_A, 103.8312, 36.0605, Some("insp_a")).await;
    hotline_case(&ts, CELL_A, 103.8302, 36.0618, Some("insp_a")).await;
    let leader = ts.device("leader").await;
    let now = now_ms();
    let q = format!(
        "/v1/evaluation?from={}&to={}&level=position&position=inspector",
        now - 3 * 86_400_000,
        now + 86_400_000
    );
    // No track yet: the approximation (every confirmed public report in the cells).
    let before = leader.get_json(&q).await.expect("evaluation");
    assert_eq!(missed_of(&before, a_id), 2.0);
    push_walk(&insp_a, &fmt(d), t).await;
    let after = leader.get_json(&q).await.expect("evaluation");
    assert_eq!(missed_of(&after, a_id), 1.0, "only the case walked past");
}
