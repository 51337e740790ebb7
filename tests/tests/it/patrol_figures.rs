//! Issue 16 through the device runtime: an inspector's tablet records a scripted walk (GPS
//! noise, a stop, a tunnel) with the real `Recorder`, `sync_patrol` pushes it, and the server's
//! `GET /v1/patrol/report` gives the coverage, 在岗 and exact 漏报 computed by hand below from the
//! fixture's geometry and times; and, printed for docs/performance.md (run with `--nocapture`),
//! the bytes an 8-hour patrol day costs on the wire and on the server, and the positions an hour
//! the recorder keeps walking and standing. No figure here is timed.
//!
//! The fixture (tenant 620102, cell geometry imported as `cells.geojson`, so the server can
//! place points in cells):
//! - three cells side by side, each lon 0.004° (≈ 359.5 m at 36.06°N) × lat 36.060–36.063
//!   (≈ 333.6 m): A = `cell(1)` lon 103.830–103.834, B = `cell(2)` 103.834–103.838,
//!   C = `cell(3)` 103.838–103.842; insp01's own cell is A;
//! - day D = yesterday (Asia/Shanghai); insp01 is rostered D 09:00–17:00 (28 800 s) on A, B
//!   and C;
//! - the walk, along lat 36.0615 (≥ 166 m from the cells' north and south edges), 4 m GPS noise
//!   per axis, starting at D 09:10 with the 签到 at the first fix, P0 = lon 103.831 (in A):
//!   east to 103.837 (in B, 0.006° ≈ 539 m at 1.2 m/s), a 20-minute stop there, west to 103.835
//!   (0.002°, in B), a tunnel to 103.832 (0.003° ≈ 270 m, no fix, walked at 0.8 m/s: 338 s),
//!   west to 103.831 (0.001°); 签退 at D 10:10 at P0, after the walk has ended.

use gridcase_core::codes::GridCode;
use gridcase_core::model::{SourceChannel, UserId};
use gridcase_core::patrol::recorder::new_item_id;
use gridcase_core::patrol::sim::{Leg, Script};
use gridcase_core::patrol::{Recorder, SamplerConfig, TrackPoint, sim};
use gridcase_core::protocol::{PatrolReport, Roster, RosterShift, TrackBlockPush, TrackDay};
use gridcase_core::sync::runtime::{PatrolRound, SEAL_AFTER_S};
use gridcase_server::biz::patrol::day_of_ms;
use gridcase_tests::harness::cell;
use gridcase_tests::{Device, Harness, TENANT};
use serde_json::{Value, json};
use std::collections::BTreeMap;

/// Metres per degree of latitude on the sphere the server's local frame uses.
const M_PER_DEG: f64 = 6_371_008.8 * std::f64::consts::PI / 180.0;
/// The walk's latitude.
const LAT: f64 = 36.0615;
/// The walk's start and end (in A).
const P0: (f64, f64) = (103.831, LAT);

/// Metres per degree of longitude at the walk's latitude.
fn kx() -> f64 {
    M_PER_DEG * LAT.to_radians().cos()
}

/// A cell of the fixture: lon `lon0`–`lon0 + 0.004` × lat 36.060–36.063.
fn square(code: &str, lon0: f64) -> String {
    let (lon1, lat0, lat1) = (lon0 + 0.004, 36.060, 36.063);
    format!(
        "{{\"type\":\"Feature\",\"properties\":{{\"code\":\"{code}\",\"street\":\"张掖路街道\",\"community\":\"社区\",\"departments\":[]}},\"geometry\":{{\"type\":\"Polygon\",\"coordinates\":[[[{lon0},{lat0}],[{lon1},{lat0}],[{lon1},{lat1}],[{lon0},{lat1}],[{lon0},{lat0}]]]}}}}"
    )
}

/// Cells A, B and C as the tenant's grid geometry and cell list. The report places points in
/// cells with the imported geometry only (`biz::patrol` reads `TenantRules::grid`, from the
/// tenant file `cells`); the cell list (`tenants::upsert_cell`) is what a roster may name.
fn import_cells(h: &Harness) {
    let text = format!(
        "{{\"type\":\"FeatureCollection\",\"features\":[{},{},{}]}}",
        square(&cell(1), 103.830),
        square(&cell(2), 103.834),
        square(&cell(3), 103.838)
    );
    let dep = h.deployment();
    dep.db()
        .write(|tx| {
            gridcase_server::db::tenants::set_file(tx, TENANT, "cells", "cells.geojson", &text, 0)?;
            for n in 1..=3 {
                gridcase_server::db::tenants::upsert_cell(tx, TENANT, &cell(n), "张掖路街道 社区")?;
            }
            Ok(())
        })
        .expect("cells");
    dep.forget_rules(TENANT);
}

/// D 09:00 (D = yesterday in Asia/Shanghai, UTC+8 without daylight saving), Unix seconds.
fn yesterday_0900() -> i64 {
    let local = gridcase_core::sync::runtime::now().0.div_euclid(1000) + 8 * 3600;
    let today0 = local - local.rem_euclid(86_400) - 8 * 3600;
    today0 - 86_400 + 9 * 3600
}

fn day_of(t: i64) -> String {
    day_of_ms(t * 1000)
}

/// A JSON request with `token`; panics on a non-2xx answer.
async fn call(method: reqwest::Method, url: &str, token: &str, body: Option<&Value>) -> Value {
    let mut req = reqwest::Client::new()
        .request(method.clone(), url)
        .bearer_auth(token);
    if let Some(b) = body {
        req = req.json(b);
    }
    let r = req.send().await.expect("request");
    let status = r.status();
    let text = r.text().await.expect("body");
    assert!(status.is_success(), "{method} {url}: {status} {text}");
    serde_json::from_str(&text).unwrap_or(Value::Null)
}

fn token(d: &Device) -> String {
    d.client.session().token.clone()
}

/// What a played script left.
struct Played {
    /// The day of its first fix.
    day: String,
    /// Every second a fix was asked of the source (the battery proxy; in the tunnel too).
    asked: Vec<i64>,
    /// The patrol passes run while walking (when syncing as the app does).
    rounds: Vec<PatrolRound>,
}

/// Plays `script` on the device's real recorder the way the app does: 签到 at the first fix,
/// the next fix asked after the recorder's interval, 签退 at `sign_out` (s) at `at`. With
/// `sync_as_app`, a patrol pass runs whenever the oldest unsealed point is [`SEAL_AFTER_S`] old
/// in the script's time, which is when the app's 20-second passes seal a block (here every
/// pass seals: the script lies in the past).
async fn play(
    dev: &mut Device,
    script: &Script,
    sign_out: i64,
    at: (f64, f64),
    sync_as_app: bool,
) -> Played {
    let mut rec = dev
        .with_store(|s| Recorder::shanghai(s, SamplerConfig::default()))
        .expect("recorder");
    let mut src = script.source();
    let first = src.fix_at(script.t0).expect("first fix");
    dev.with_store(|s| rec.sign_in(s, new_item_id(), script.t0 * 1000, first))
        .expect("sign in");
    let (mut asked, mut rounds) = (vec![script.t0], Vec::new());
    let mut t = script.t0 + rec.next_interval_s();
    while t <= src.end() {
        asked.push(t);
        if let Some(fix) = src.fix_at(t) {
            dev.with_store(|s| rec.offer(s, fix)).expect("offer");
        }
        if sync_as_app {
            let oldest = dev
                .with_store(|s| s.patrol_unsealed_since())
                .expect("oldest");
            if oldest.is_some_and(|o| t - o >= SEAL_AFTER_S) {
                let r = dev.client.sync_patrol(false).await.expect("pass");
                assert_eq!(r.failure, None, "{r:?}");
                rounds.push(r);
            }
        }
        t += rec.next_interval_s();
    }
    assert!(sign_out >= src.end(), "the 签退 comes after the walk");
    dev.with_store(|s| rec.sign_out(s, new_item_id(), sign_out * 1000, at.0, at.1))
        .expect("sign out");
    Played {
        day: rec.day_of(script.t0),
        asked,
        rounds,
    }
}

/// The fixture's walk (module doc), starting at `t0`.
fn fixture_walk(t0: i64) -> Script {
    let walk = |lon: f64| Leg::Walk {
        lon,
        lat: LAT,
        speed_mps: 1.2,
    };
    Script {
        start: P0,
        t0,
        legs: vec![
            walk(103.837),
            Leg::Stop { seconds: 1200 },
            walk(103.835),
            Leg::Gap {
                lon: 103.832,
                lat: LAT,
                speed_mps: 0.8,
            },
            walk(103.831),
        ],
        noise_m: 4.0,
        seed: 16,
    }
}

/// Distance in metres from (lon, lat) to the segment a–b, in an equirectangular frame at
/// (lon, lat) (the server's `LocalFrame`).
fn point_segment_m((lon, lat): (f64, f64), a: &[f64; 4], b: &[f64; 4]) -> f64 {
    let k = M_PER_DEG * lat.to_radians().cos();
    let p = |q: &[f64; 4]| ((q[1] - lon) * k, (q[2] - lat) * M_PER_DEG);
    let ((ax, ay), (bx, by)) = (p(a), p(b));
    let (dx, dy) = (bx - ax, by - ay);
    let len2 = dx * dx + dy * dy;
    let u = if len2 > 0.0 {
        (-(ax * dx + ay * dy) / len2).clamp(0.0, 1.0)
    } else {
        0.0
    };
    (ax + u * dx).hypot(ay + u * dy)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_recorded_walk_synced_gives_the_hand_computed_coverage_duty_and_missed() {
    let h = Harness::start(1).await.expect("harness");
    import_cells(&h);
    let base = format!("{}/v1", h.proxy.url());
    let mut insp = h.device("tablet-1", "insp01").await.expect("insp01");
    let shift = h.device("desk", "shift").await.expect("shift");
    let admin = h.device("admin-desk", "admin").await.expect("admin");
    let mut intake = h.device("intake-desk", "intake").await.expect("intake");
    let u: UserId = insp.client.session().user_id;
    let (a, b, c) = (
        GridCode::parse(&cell(1)).expect("A"),
        GridCode::parse(&cell(2)).expect("B"),
        GridCode::parse(&cell(3)).expect("C"),
    );

    // The 漏报 window (a tenant setting) is widened to 48 h so that yesterday's walk is in it
    // whatever the time of day the test runs; the distance stays the default 30 m.
    let mut settings = call(
        reqwest::Method::GET,
        &format!("{base}/patrol/settings"),
        &token(&admin),
        None,
    )
    .await;
    let distance_m = settings["missed"]["distance_m"].as_f64().expect("distance");
    assert_eq!(distance_m, 30.0);
    settings["missed"]["window_hours"] = json!(48);
    call(
        reqwest::Method::PUT,
        &format!("{base}/patrol/settings"),
        &token(&admin),
        Some(&settings),
    )
    .await;

    // The roster: D 09:00–17:00 on A, B and C.
    let t9 = yesterday_0900();
    let day = day_of(t9);
    let roster = Roster {
        shifts: vec![RosterShift {
            inspector: u,
            day: day.clone(),
            start: t9 * 1000,
            end: (t9 + 8 * 3600) * 1000,
            cells: [a, b, c].into(),
        }],
    };
    call(
        reqwest::Method::PUT,
        &format!("{base}/patrol/roster"),
        &token(&shift),
        Some(&serde_json::to_value(&roster).expect("json")),
    )
    .await;

    // The walk through the tablet's recorder, then one patrol pass.
    let (t_in, t_out) = (t9 + 600, t9 + 600 + 3600);
    let script = fixture_walk(t_in);
    let played = play(&mut insp, &script, t_out, P0, false).await;
    assert_eq!(played.day, day);
    let round = insp.client.sync_patrol(false).await.expect("pass");
    assert_eq!(round.failure, None, "{round:?}");
    assert_eq!(round.signs_sent, 2, "{round:?}");
    assert!(round.blocks_sent >= 1, "{round:?}");
    let counts = insp.with_store(|s| s.patrol_counts()).expect("counts");
    assert_eq!(
        (
            counts.pending_blocks,
            counts.pending_signs,
            counts.refused_blocks
        ),
        (0, 0, 0)
    );

    // Afterwards, two hotline calls come in at the intake desk and reach the server by case
    // sync: m1 in B, 0.0001° of latitude (≈ 11.1 m) north of the walk, which passed there
    // twice (east at about t_in + 375 s, west at about t_in + 1 725 s); m2 in C, assigned to
    // insp01 but never walked (the walk stays ≥ 0.001° ≈ 90 m west of C).
    let m1_at = (103.836, LAT + 0.0001);
    let m1 = intake
        .report_from(&cell(2), SourceChannel::PublicHotline, m1_at.0, m1_at.1)
        .expect("m1");
    let m2 = intake
        .report_from(&cell(3), SourceChannel::PublicHotline, 103.840, LAT)
        .expect("m2");
    intake.client.sync_until_clean(10).await.expect("case sync");
    for m in [m1, m2] {
        assert!(h.server_case(&m.to_string()).expect("case").is_some());
    }

    let today = day_of_ms(gridcase_core::sync::runtime::now().0);
    let report: PatrolReport = serde_json::from_value(
        call(
            reqwest::Method::GET,
            &format!("{base}/patrol/report?from={day}&to={today}"),
            &token(&shift),
            None,
        )
        .await,
    )
    .expect("report shape");
    let w = report
        .inspectors
        .iter()
        .find(|i| i.inspector == u)
        .expect("insp01 in the report");

    // Coverage by hand. The walk's points lie in A (lon 103.831–103.834) and B (103.834–103.837)
    // and nowhere else: the line is ≥ 166 m from the north and south edges and 0.001° (≈ 90 m)
    // from A's west edge and from C, against 4 m of noise (less after the sampler's smoothing);
    // the points the smoothing puts just after the tunnel (between its ends) lie on the same
    // line, in A or B. The 20-minute stop adds no cell (its closing point is at the recorded
    // position in B), and the tunnel's missing fixes only remove points between two cells
    // already visited on the way out. So: visited {A, B}, assigned {A, B, C}: 区域覆盖率 2/3.
    assert_eq!(w.days.len(), 1, "{:?}", w.days);
    let d = &w.days[0];
    assert_eq!(d.day, day);
    let cells: BTreeMap<GridCode, (bool, bool)> = d
        .cells
        .iter()
        .map(|x| (x.cell, (x.assigned, x.visited)))
        .collect();
    let want: BTreeMap<GridCode, (bool, bool)> =
        [(a, (true, true)), (b, (true, true)), (c, (true, false))].into();
    assert_eq!(cells, want);
    assert!(
        (w.coverage_rate - 2.0 / 3.0).abs() < 1e-12,
        "{}",
        w.coverage_rate
    );
    // Every counted segment's midpoint is in A or B, both assigned: nothing outside.
    assert!(d.outside.is_empty(), "{:?}", d.outside);

    // 在岗 by hand: only the sign events and the shift count (the stop and the tunnel are
    // inside the signed-in hour and change nothing). 签到 09:10, 签退 10:10, both in A: 在岗
    // 3 600 s of 28 800 s = 0.125; late 600 s; early leave 17:00 − 10:10 = 24 600 s.
    assert_eq!((w.scheduled_s, w.on_duty_s), (28_800, 3_600));
    assert!((w.duty_rate - 0.125).abs() < 1e-12, "{}", w.duty_rate);
    assert_eq!((d.late_s, d.early_leave_s), (600, 24_600));
    assert!(!d.missing_sign_out && !d.signed_outside);

    // 巡查里程 cannot be exact with noise: the counted path is the walked legs without the
    // tunnel (338 s > the 300 s longest gap, so the segment across it does not count, and the
    // smoothing's points just after it are jumps faster than 10 m/s, not counted either):
    // 0.006° + 0.002° + 0.001° of longitude ≈ 809 m. Tolerance −100 m / +4 %: noise
    // lengthens a 15–20 m segment by well under a metre (about +2 % over the walk); the ends
    // are cut short by what lies between a leg's end and the last point recorded before it,
    // at most the sampler's 15 m threshold plus about a fix (6 m) of smoothing lag: ≤ 2 × 15 m
    // at the turn at the stop (there and back), ≤ 21 m at each of the tunnel's ends and at
    // the walk's end, so ≤ 93 m in all (the start is the 签到 point itself).
    let path_m = 0.009 * kx();
    println!(
        "insp01: 巡查里程 {:.1} m against the scripted {path_m:.1} m ({:+.2} %); 漏报 m1 at \
         {:.2} m, segment [{}, {}] s after the 签到",
        w.metres,
        100.0 * (w.metres / path_m - 1.0),
        w.missed.first().map_or(f64::NAN, |m| m.distance_m),
        w.missed.first().map_or(0, |m| m.segment[0] - t_in),
        w.missed.first().map_or(0, |m| m.segment[1] - t_in),
    );
    assert!(
        w.metres >= path_m - 100.0 && w.metres <= path_m * 1.04,
        "巡查里程 {} m against the scripted {path_m} m",
        w.metres
    );
    assert!((d.metres - w.metres).abs() < 1e-9);

    // 漏报: m1 for insp01, with a segment of its stored track within the 30 m setting; not m2.
    assert_eq!(w.missed.len(), 1, "{:?}", w.missed);
    let miss = &w.missed[0];
    assert_eq!(miss.case_id, m1);
    assert_ne!(miss.case_id, m2);
    assert!(miss.distance_m <= distance_m, "{}", miss.distance_m);
    // ≈ 11.1 m from the line; the smoothed track strays a few metres at most.
    let line_m = 0.0001 * M_PER_DEG;
    assert!(
        (miss.distance_m - line_m).abs() < 6.0,
        "{} m, the line is {line_m} m away",
        miss.distance_m
    );
    let [from, to] = miss.segment;
    let passes = [(t_in + 300, t_in + 450), (t_in + 1650, t_in + 1830)];
    assert!(
        passes.iter().any(|&(p, q)| from >= p && to <= q),
        "segment [{from}, {to}] is not a pass of m1 (t_in {t_in})"
    );
    // The evidence is two consecutive points of the stored track, at the reported distance.
    let track: TrackDay = serde_json::from_value(
        call(
            reqwest::Method::GET,
            &format!("{base}/patrol/track?inspector={u}&day={day}"),
            &token(&shift),
            None,
        )
        .await,
    )
    .expect("track");
    let mine = insp
        .with_store(|s| s.patrol_day_points(&day))
        .expect("device points");
    assert_eq!(track.points.len(), mine.len());
    let i = track
        .points
        .iter()
        .position(|p| p[0] as i64 == from)
        .expect("segment start in the track");
    assert_eq!(track.points[i + 1][0] as i64, to);
    let d_hand = point_segment_m(m1_at, &track.points[i], &track.points[i + 1]);
    assert!(
        (d_hand - miss.distance_m).abs() < 1e-3,
        "{d_hand} ≠ {}",
        miss.distance_m
    );
}

/// Standard base64 with padding (the block's wire form).
fn b64(bytes: &[u8]) -> String {
    use base64::Engine as _;
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

/// The points of `points` with `from <= t < to`.
fn points_in(points: &[TrackPoint], from: i64, to: i64) -> usize {
    points.iter().filter(|p| (from..to).contains(&p.t)).count()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn figures_an_eight_hour_day_on_the_wire_and_positions_per_hour() {
    let h = Harness::start(3).await.expect("harness");
    let mut one = h.device("tablet-1", "insp01").await.expect("insp01");
    let mut two = h.device("tablet-2", "insp02").await.expect("insp02");
    let mut three = h.device("tablet-3", "insp03").await.expect("insp03");
    let t9 = yesterday_0900();

    // 1. An 8-hour day (the core bench's `patrol_loop`: 800 m × 600 m at 1.2 m/s, a 10-minute
    // stop after every fifth side, a side in a tunnel, 4 m noise) through insp01's recorder,
    // with a patrol pass whenever the app's would seal a block, then the last pass after 签退.
    let script = sim::patrol_loop(P0, t9, 8.0, 7);
    let before = h.proxy.stats();
    let end = script.source().end();
    let played = play(&mut one, &script, end, P0, true).await;
    let last = one.client.sync_patrol(false).await.expect("last pass");
    assert_eq!(last.failure, None, "{last:?}");
    let after = h.proxy.stats();
    let passes = played.rounds.len() + 1;
    let sent: u32 = played
        .rounds
        .iter()
        .chain([&last])
        .map(|r| r.blocks_sent)
        .sum();
    let day = played.day.clone();
    let blocks = one
        .with_store(|s| s.patrol_day_blocks(&day))
        .expect("blocks");
    assert_eq!(sent as usize, blocks.len());
    let points = one
        .with_store(|s| s.patrol_day_points(&day))
        .expect("points");
    let record: usize = blocks.iter().map(|b| b.bytes.len()).sum();
    // The request bodies sync_patrol POSTed for the blocks (its JSON, byte for byte).
    let bodies: usize = blocks
        .iter()
        .map(|b| {
            serde_json::to_vec(&TrackBlockPush {
                day: day.clone(),
                seq: b.seq,
                block: b64(&b.bytes),
            })
            .expect("json")
            .len()
        })
        .sum();
    // What the server stores: the same blocks, byte for byte.
    let u1 = one.client.session().user_id;
    let stored = h
        .deployment()
        .db()
        .read(|tx| gridcase_server::db::patrol::day_blocks(tx, TENANT, u1, &day))
        .expect("stored blocks");
    assert_eq!(stored.len(), blocks.len());
    for (s, b) in stored.iter().zip(&blocks) {
        assert_eq!((s.seq, &s.bytes), (b.seq, &b.bytes));
    }
    let stored_bytes: usize = stored.iter().map(|b| b.bytes.len()).sum();
    let hours = (end - t9) as f64 / 3600.0;
    println!(
        "patrol day through the runtime: {hours:.2} h, {} points, {} blocks in {passes} passes, \
         record {record} B ({:.2} B/point), block request bodies {bodies} B, stored on the \
         server {stored_bytes} B; through the proxy for all passes (2 sign events, {} block \
         POSTs, HTTP headers and replies): {} B up, {} B down",
        points.len(),
        blocks.len(),
        record as f64 / points.len() as f64,
        blocks.len(),
        after.bytes_up - before.bytes_up,
        after.bytes_down - before.bytes_down,
    );

    // 2. Positions an hour walking: an hour and more walking 800 m east and back (insp02).
    let east = 103.831 + 800.0 / kx();
    let there_and_back = |n: usize| {
        (0..n)
            .map(|i| Leg::Walk {
                lon: if i % 2 == 0 { east } else { P0.0 },
                lat: LAT,
                speed_mps: 1.2,
            })
            .collect::<Vec<_>>()
    };
    let walking = Script {
        start: P0,
        t0: t9,
        legs: there_and_back(6),
        noise_m: 4.0,
        seed: 3,
    };
    let w_end = walking.source().end();
    assert!(w_end >= t9 + 3600);
    let w = play(&mut two, &walking, w_end, P0, false).await;
    let w_points = two
        .with_store(|s| s.patrol_day_points(&w.day))
        .expect("points");
    let w_asked = w.asked.iter().filter(|&&t| t < t9 + 3600).count();

    // 3. Standing: an hour still at one place after the 签到, then 200 m on (insp03).
    let standing = Script {
        start: P0,
        t0: t9,
        legs: vec![
            Leg::Stop { seconds: 3600 },
            Leg::Walk {
                lon: P0.0 + 200.0 / kx(),
                lat: LAT,
                speed_mps: 1.2,
            },
        ],
        noise_m: 4.0,
        seed: 5,
    };
    let s_end = standing.source().end();
    let s = play(&mut three, &standing, s_end, P0, false).await;
    let s_points = three
        .with_store(|st| st.patrol_day_points(&s.day))
        .expect("points");
    let s_asked = s.asked.iter().filter(|&&t| t < t9 + 3600).count();
    // The stop's points: up to the first point of the walk after it.
    let moved = s_points
        .iter()
        .position(|p| p.t > t9 + 3600 && (p.lon - P0.0).abs() * kx() > 15.0)
        .expect("a point after the stop");
    let stop_points: Vec<i64> = s_points[..moved].iter().map(|p| p.t - t9).collect();
    println!(
        "positions through the recorder: walking 1.2 m/s, first hour: {w_asked} fixes asked, {} \
         points recorded; standing an hour: {s_asked} fixes asked, {} points for the stop (at \
         {stop_points:?} s: the 签到 point and the stop's closing point at its last still fix)",
        points_in(&w_points, t9, t9 + 3600),
        stop_points.len(),
    );
    // Not timed: what the figures rest on.
    assert!(points_in(&w_points, t9, t9 + 3600) > 100);
    assert_eq!(stop_points.len(), 2, "{stop_points:?}");
}
