//! Issue 16 in the real app (user guide chapters 17 巡查管理 and 18 专项普查): the patrol screens
//! driven through the UI against the real server, asserted in the UI and on the server, with
//! screenshots at the three sizes (`40-` … `45-` in `docs/screenshots/`).
//!
//! Seeded through the real device runtime and the server's routes, as the apps would: the week's
//! roster (值班长), yesterday's patrols of two inspectors recorded by core's recorder from scripted
//! walks over their community's cells and pushed by the patrol sync (sign-in late, sign-out early,
//! one stretch outside the area, one tunnel), a hotline case on insp051's path reported today (the
//! 漏报 window widened to 48 h so yesterday's pass counts), and a 专项普查 task for both with
//! marks (a report, "nothing found"). Then the 值班长 reads 巡查考勤 (figures equal the server's
//! report), the coverage map and the playback with the 漏报 evidence, adds a shift through 排班
//! (the server holds it), creates a survey through the form (the server holds it) and reads a
//! task's progress (equal to the server's); the inspector signs in and out on 巡查 with the
//! desktop's simulated position source and marks a survey cell (the server holds both).
//!
//! Invariants: every figure asserted in the UI is compared with the server's own answer to the
//! same question; days are Asia/Shanghai days like the server's.

use super::*;
use gridcase_core::codes::GridCode;
use gridcase_core::grid::Cell;
use gridcase_core::model::{Location, LocationSource, SourceChannel, SurveyId, Urgency, UserId};
use gridcase_core::patrol::sim::{Leg, Script};
use gridcase_core::patrol::{Recorder, SamplerConfig};
use gridcase_core::protocol::{PatrolReport, SurveyMarkWire, SurveyProgressWire, TrackDay};
use gridcase_core::survey::{Finding, Target};
use gridcase_core::workflow::ReportPayload;
use gridcase_tests::Device;
use serde_json::Value;

const HOUR_MS: i64 = 3_600_000;
const DAY_MS: i64 = 86_400_000;
/// Metres per degree of latitude.
const M_PER_DEG: f64 = 111_195.08;

/// The Asia/Shanghai day holding `ms` as `YYYY-MM-DD`, and that day's midnight in Unix ms.
fn shanghai_day(ms: i64) -> (String, i64) {
    let days = (ms + 8 * HOUR_MS).div_euclid(DAY_MS);
    // Civil date from days since 1970-01-01 (H. Hinnant's algorithm).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    (format!("{y:04}-{m:02}-{d:02}"), days * DAY_MS - 8 * HOUR_MS)
}

/// The Monday-to-Sunday week holding `ms`, as (day, midnight) pairs.
fn week_of(ms: i64) -> Vec<(String, i64)> {
    let (_, midnight) = shanghai_day(ms);
    let days = (midnight + 8 * HOUR_MS).div_euclid(DAY_MS);
    // 1970-01-01 was a Thursday: Monday is 0 for (days + 3) % 7.
    let monday = midnight - (days + 3).rem_euclid(7) * DAY_MS;
    (0..7)
        .map(|i| shanghai_day(monday + i * DAY_MS + HOUR_MS))
        .collect()
}

/// The server's routes as one signed-in user.
struct Api {
    base: String,
    token: String,
}

impl Api {
    fn of(h: &Harness, d: &Device) -> Api {
        Api {
            base: h.proxy.url(),
            token: d.client.session().token.clone(),
        }
    }

    async fn call(
        &self,
        method: reqwest::Method,
        path: &str,
        body: Option<&Value>,
    ) -> Result<Value> {
        let mut r = reqwest::Client::new()
            .request(method.clone(), format!("{}/v1{path}", self.base))
            .bearer_auth(&self.token);
        if let Some(b) = body {
            r = r.json(b);
        }
        let r = r.send().await?;
        let status = r.status();
        let text = r.text().await?;
        if !status.is_success() {
            bail!("{method} {path}: {status} {text}");
        }
        serde_json::from_str(&text).with_context(|| format!("{method} {path}: {text}"))
    }

    async fn get<T: serde::de::DeserializeOwned>(&self, path: &str) -> Result<T> {
        Ok(serde_json::from_value(
            self.call(reqwest::Method::GET, path, None).await?,
        )?)
    }
}

/// The demo cells an inspector patrols (its community's cells), in code order.
fn cells_of<'a>(
    demo: &'a gridcase_core::demo::DemoTenant,
    username: &str,
) -> Result<Vec<&'a Cell>> {
    let user = demo
        .users
        .iter()
        .find(|u| u.username == username)
        .with_context(|| format!("demo user {username}"))?;
    let cells: Vec<&Cell> = demo
        .cells
        .iter()
        .filter(|c| {
            let code = c.code.to_string();
            user.cells.iter().any(|p| code.starts_with(p.as_str()))
        })
        .collect();
    if cells.len() < 8 {
        bail!("{username} has only {} cells", cells.len());
    }
    Ok(cells)
}

fn centre(c: &Cell) -> (f64, f64) {
    let ring: Vec<_> = c.polygon.exterior().coords().copied().collect();
    let n = ring.len().saturating_sub(1).max(1);
    let (x, y) = ring
        .iter()
        .take(n)
        .fold((0.0, 0.0), |(x, y), p| (x + p.x, y + p.y));
    (x / n as f64, y / n as f64)
}

fn metres(a: (f64, f64), b: (f64, f64)) -> f64 {
    let kx = M_PER_DEG * a.1.to_radians().cos();
    ((b.0 - a.0) * kx).hypot((b.1 - a.1) * M_PER_DEG)
}

/// The cells' centres in a serpentine order: rows north to south (a row is the cells whose
/// centres lie within 50 m north–south of its first), west to east and back.
fn serpentine(cells: &[&Cell]) -> Vec<(GridCode, (f64, f64))> {
    let mut all: Vec<(GridCode, (f64, f64))> = cells.iter().map(|c| (c.code, centre(c))).collect();
    all.sort_by(|a, b| b.1.1.total_cmp(&a.1.1));
    let mut rows: Vec<Vec<(GridCode, (f64, f64))>> = Vec::new();
    for c in all {
        match rows.last_mut() {
            Some(row) if (row[0].1.1 - c.1.1) * M_PER_DEG < 50.0 => row.push(c),
            _ => rows.push(vec![c]),
        }
    }
    let mut out = Vec::new();
    for (i, mut row) in rows.into_iter().enumerate() {
        row.sort_by(|a, b| a.1.0.total_cmp(&b.1.0));
        if i % 2 == 1 {
            row.reverse();
        }
        out.extend(row);
    }
    out
}

/// A day's walk from `t0` (seconds) of about `hours` through `path` and back again, at 1 m/s,
/// standing 12 minutes after every sixth cell; the first pass starts with an excursion 200 m
/// north of the northern row (outside the area) and the second crosses one stretch without
/// signal (a tunnel).
fn walk(path: &[(GridCode, (f64, f64))], t0: i64, hours: f64, seed: u64) -> Script {
    let north = path
        .iter()
        .map(|(_, p)| p.1)
        .fold(f64::NEG_INFINITY, f64::max)
        + 200.0 / M_PER_DEG;
    let (mut legs, mut t, mut at) = (Vec::new(), 0.0, path[0].1);
    let speed_mps = 1.0;
    let to = |legs: &mut Vec<Leg>, t: &mut f64, at: &mut (f64, f64), p: (f64, f64), gap: bool| {
        *t += metres(*at, p) / speed_mps;
        let (lon, lat) = p;
        legs.push(if gap {
            Leg::Gap {
                lon,
                lat,
                speed_mps,
            }
        } else {
            Leg::Walk {
                lon,
                lat,
                speed_mps,
            }
        });
        *at = p;
    };
    let mut pass = 0;
    'day: loop {
        let order: Vec<_> = if pass % 2 == 0 {
            path.iter().collect()
        } else {
            path.iter().rev().collect()
        };
        for (k, (_, p)) in order.into_iter().enumerate().skip(1) {
            if t > hours * 3600.0 {
                break 'day;
            }
            if pass == 0 && k == 1 {
                let here = at;
                to(&mut legs, &mut t, &mut at, (here.0, north), false);
                to(&mut legs, &mut t, &mut at, here, false);
            }
            to(&mut legs, &mut t, &mut at, *p, pass == 1 && k == 3);
            if k % 6 == 0 {
                legs.push(Leg::Stop { seconds: 720 });
                t += 720.0;
            }
        }
        pass += 1;
    }
    Script {
        start: path[0].1,
        t0,
        legs,
        noise_m: 4.0,
        seed,
    }
}

/// Plays `script` on the device's recorder as the app does (签到 at the first fix, a seal every
/// 20 minutes as the sync would, 签退 at the end where the walk ended); returns the day.
fn record(device: &Device, script: &Script) -> Result<String> {
    device.with_store(|s| -> Result<String> {
        let mut rec = Recorder::shanghai(s, SamplerConfig::default())?;
        let mut src = script.source();
        let first = src.fix_at(script.t0).context("first fix")?;
        let mut last = (first.lon, first.lat);
        rec.sign_in(
            s,
            gridcase_core::patrol::recorder::new_item_id(),
            script.t0 * 1000,
            first,
        )?;
        let (mut t, mut next_seal) = (script.t0 + rec.next_interval_s(), script.t0 + 1200);
        while t <= src.end() {
            if let Some(fix) = src.fix_at(t) {
                last = (fix.lon, fix.lat);
                rec.offer(s, fix)?;
            }
            if t >= next_seal {
                rec.seal(s)?;
                next_seal += 1200;
            }
            t += rec.next_interval_s();
        }
        rec.sign_out(
            s,
            gridcase_core::patrol::recorder::new_item_id(),
            src.end() * 1000,
            last.0,
            last.1,
        )?;
        Ok(rec.day_of(script.t0))
    })
}

/// The UI's figures (ui/src/logic/patrol.ts), to compare a row's text with the server's report.
fn format_rate(rate: f64) -> String {
    format!("{:.1}%", (rate.clamp(0.0, 1.0) * 1000.0).round() / 10.0)
}

fn format_km(metres: f64) -> String {
    format!("{:.1}", metres / 1000.0)
}

fn format_duration(seconds: i64) -> String {
    let s = seconds.max(0);
    if s == 0 {
        return "0".into();
    }
    if s < 60 {
        return format!("{s}秒");
    }
    let (h, m) = (s / 3600, (s % 3600) / 60);
    match (h, m) {
        (0, m) => format!("{m}分"),
        (h, 0) => format!("{h}小时"),
        (h, m) => format!("{h}小时{m}分"),
    }
}

/// Sets an input's value as typing would (date, time and datetime inputs take no keys through
/// WebKitWebDriver): the native setter, then the `input` event the screen listens to.
async fn set_input(ui: &Ui, testid: &str, value: &str) -> Result<()> {
    ui.s.by_id(testid).await?;
    ui.s.script(
        "const e = document.querySelector(`[data-testid=\"${arguments[0]}\"]`);
         const set = Object.getOwnPropertyDescriptor(HTMLInputElement.prototype, 'value').set;
         set.call(e, arguments[1]);
         e.dispatchEvent(new Event('input', { bubbles: true }));
         return e.value;",
        json!([testid, value]),
    )
    .await?;
    Ok(())
}

/// Waits until the patrol map has drawn basemap tiles.
async fn wait_patrol_tiles(ui: &Ui) -> Result<()> {
    ui.s.until("the basemap drawn on the patrol map", || async {
        for e in
            ui.s.find_all("[data-testid=\"patrol-map\"] [data-testid=\"basemap-layer\"]")
                .await?
        {
            let n = ui.s.attr(&e, "data-tiles-drawn").await?;
            if n.and_then(|n| n.parse::<u32>().ok()).unwrap_or(0) > 0 {
                return Ok(Some(()));
            }
        }
        Ok(None)
    })
    .await
}

/// What the seeding made, for the UI steps to look for.
struct Seeded {
    yesterday: String,
    today: String,
    insp1: UserId,
    insp2: UserId,
    cells1: Vec<GridCode>,
    missed_case: gridcase_core::model::CaseId,
    survey: SurveyId,
    start1: (f64, f64),
}

async fn seed(h: &Harness, demo: &gridcase_core::demo::DemoTenant) -> Result<Seeded> {
    let now = gridcase_core::sync::runtime::now().0;
    let (today, _) = shanghai_day(now);
    let (yesterday, y0) = shanghai_day(now - DAY_MS);
    let mut one = h.device("patrol-insp051", "insp051").await?;
    let mut two = h.device("patrol-insp052", "insp052").await?;
    let shift = h.device("patrol-shift01", "shift01").await?;
    let admin = h.device("patrol-admin", "admin").await?;
    let leader = Api::of(h, &shift);
    let (u1, u2) = (one.client.session().user_id, two.client.session().user_id);
    let cells1 = cells_of(demo, "insp051")?;
    let cells2 = cells_of(demo, "insp052")?;
    let codes = |cs: &[&Cell]| cs.iter().map(|c| c.code).collect::<Vec<_>>();

    // The 漏报 window widened to 48 h: yesterday's pass counts for a case reported today.
    let admin_api = Api::of(h, &admin);
    let mut settings = admin_api
        .call(reqwest::Method::GET, "/patrol/settings", None)
        .await?;
    settings["missed"]["window_hours"] = json!(48);
    admin_api
        .call(reqwest::Method::PUT, "/patrol/settings", Some(&settings))
        .await?;

    // The roster: this week's working days and yesterday, 08:30–17:00, for insp051…insp055 on
    // their community's cells.
    let mut days: Vec<(String, i64)> = week_of(now).into_iter().take(5).collect();
    if !days.iter().any(|(d, _)| *d == yesterday) {
        days.push((yesterday.clone(), y0));
    }
    let mut shifts = Vec::new();
    for n in 51..=55 {
        let username = format!("insp0{n}");
        let id = match n {
            51 => u1,
            52 => u2,
            _ => {
                h.device(&format!("patrol-{username}"), &username)
                    .await?
                    .client
                    .session()
                    .user_id
            }
        };
        let cells = codes(&cells_of(demo, &username)?);
        for (day, midnight) in &days {
            shifts.push(json!({
                "inspector": id, "day": day,
                "start": midnight + 8 * HOUR_MS + 30 * 60_000, "end": midnight + 17 * HOUR_MS,
                "cells": cells,
            }));
        }
    }
    leader
        .call(
            reqwest::Method::PUT,
            "/patrol/roster",
            Some(&json!({ "shifts": shifts })),
        )
        .await?;

    // The 专项普查 task: insp051 and insp052, eight cells each, from yesterday morning.
    let survey = SurveyId::from_parts(u64::try_from(now)?, [7; 10]);
    let pick = |cs: &[&Cell]| codes(cs).into_iter().take(8).collect::<Vec<_>>();
    let (s1, s2) = (pick(&cells1), pick(&cells2));
    leader
        .call(
            reqwest::Method::POST,
            "/surveys",
            Some(&json!({
                "id": survey, "title": "城关区井盖专项普查",
                "categories": [{"kind": "component", "code": "01001"}],
                "assignments": { u1.to_string(): s1, u2.to_string(): s2 },
                "components": {},
                "starts_at": y0 + 8 * HOUR_MS, "due_at": y0 + 8 * DAY_MS + 18 * HOUR_MS,
            })),
        )
        .await?;
    for d in [&mut one, &mut two] {
        let r = d.client.sync_patrol(true).await?;
        if r.surveys != Some(1) {
            bail!("{}: the survey not fetched: {r:?}", d.name);
        }
    }

    // Yesterday's patrols: insp051 from 08:50 (20 minutes late) for about 7 h 40 min, insp052
    // from 08:35 for about 6 hours, on their community's cells but the last three.
    let path1 = serpentine(&cells1);
    let path1 = &path1[..path1.len() - 3];
    let path2 = serpentine(&cells2);
    let path2 = &path2[..path2.len() - 3];
    let walk1 = walk(path1, y0 / 1000 + 8 * 3600 + 50 * 60, 7.6, 51);
    let walk2 = walk(path2, y0 / 1000 + 8 * 3600 + 35 * 60, 6.0, 52);
    let day1 = record(&one, &walk1)?;
    let day2 = record(&two, &walk2)?;
    assert_eq!((&day1, &day2), (&yesterday, &yesterday));

    // The public's call about a spot insp051 walked past yesterday (9 m off the path): 漏报.
    let (code, spot) = path1[4];
    let spot = (
        spot.0 + 9.0 / (M_PER_DEG * spot.1.to_radians().cos()),
        spot.1,
    );
    let mut intake = h.device("patrol-intake01", "intake01").await?;
    let missed_case = intake.report_payload(ReportPayload {
        source: SourceChannel::PublicHotline,
        category: gridcase_tests::device::category(),
        location: Location::new(spot.0, spot.1, Some(10.0), LocationSource::Manual)?,
        cell: Some(code),
        component: None,
        address: "城关区张掖路 18 号门前人行道".into(),
        description: "市民来电：人行道井盖松动，踩上去会晃".into(),
        urgency: Urgency::Normal,
        photos: Vec::new(),
        reporter: None,
        external_id: None,
        external_deadline: None,
        verification_waived: None,
    })?;
    intake.client.sync_until_clean(5).await?;

    // Survey marks: insp051 reports a problem in its first cell and finds nothing in the next
    // three; insp052 finds nothing in its first two cells.
    let found = one.report(&s1[0].to_string(), &[])?;
    one.client.sync_until_clean(5).await?;
    let mark = |n: u8, cell: GridCode, finding: Finding| SurveyMarkWire {
        id: format!("018f0000-0000-7000-8000-0000000016{n:02}"),
        cell,
        target: Target::Cell,
        finding,
        at: now - 10 * 60_000,
    };
    one.with_store(|s| -> Result<()> {
        s.survey_mark_add(survey, &mark(1, s1[0], Finding::Reported(found)))?;
        for (i, c) in s1[1..4].iter().enumerate() {
            s.survey_mark_add(survey, &mark(2 + i as u8, *c, Finding::NothingFound))?;
        }
        Ok(())
    })?;
    two.with_store(|s| -> Result<()> {
        for (i, c) in s2[..2].iter().enumerate() {
            s.survey_mark_add(survey, &mark(10 + i as u8, *c, Finding::NothingFound))?;
        }
        Ok(())
    })?;
    for d in [&mut one, &mut two] {
        let r = d.client.sync_patrol(true).await?;
        if r.failure.is_some() || r.signs_sent != 2 || r.blocks_sent == 0 {
            bail!("{}: the patrol pass: {r:?}", d.name);
        }
        let c = d.with_store(|s| s.patrol_counts())?;
        if (c.pending_blocks, c.pending_signs, c.pending_marks) != (0, 0, 0)
            || c.refused_blocks + c.refused_marks != 0
        {
            bail!("{}: left behind: {c:?}", d.name);
        }
    }
    Ok(Seeded {
        yesterday,
        today,
        insp1: u1,
        insp2: u2,
        cells1: codes(&cells1),
        missed_case,
        survey,
        start1: path1[0].1,
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn patrol_screens_through_the_real_app() -> Result<()> {
    let (h, demo) = Harness::start_demo().await?;
    let work = tempfile::tempdir()?;
    let seeded = seed(&h, &demo).await?;
    // The desktop's simulated position source, starting where insp051's walk started.
    let sim = format!("{},{}", seeded.start1.0, seeded.start1.1);
    let driver = start_driver_with(
        &h.proxy.url(),
        work.path(),
        &[(gridcase_app_lib::patrol::SIM_ENV, sim.as_str())],
    )
    .await?;
    let result = async {
        supervisor(&h, &demo, &seeded, &driver, work.path()).await?;
        field(&h, &seeded, &driver, work.path()).await
    }
    .await;
    if result.is_err() {
        screen_at_failure(&driver, "e2e-patrol-failure.png");
    }
    result
}

async fn supervisor(
    h: &Harness,
    demo: &gridcase_core::demo::DemoTenant,
    seeded: &Seeded,
    driver: &Driver,
    work: &Path,
) -> Result<()> {
    let shift = h.device("patrol-shift01-check", "shift01").await?;
    let api = Api::of(h, &shift);
    let (y, today) = (&seeded.yesterday, &seeded.today);
    let report: PatrolReport = api
        .get(&format!("/patrol/report?from={y}&to={today}"))
        .await?;
    let server_row = |u: UserId| {
        report
            .inspectors
            .iter()
            .find(|p| p.inspector == u)
            .with_context(|| format!("{u} in the server's report"))
    };
    let (r1, r2) = (server_row(seeded.insp1)?, server_row(seeded.insp2)?);
    // The seeding made what the chapters describe: partial coverage (the last three cells never
    // walked; today, when rostered, not walked yet), late and early, outside, 漏报.
    assert!(r1.coverage_rate > 0.0 && r1.coverage_rate < 1.0, "{r1:?}");
    assert!(r1.metres > 5_000.0, "{}", r1.metres);
    assert!(
        r1.missed.iter().any(|m| m.case_id == seeded.missed_case),
        "{:?}",
        r1.missed
    );
    let d1 = r1.days.iter().find(|d| d.day == *y).context("yesterday")?;
    assert!(
        d1.late_s >= 20 * 60 && d1.early_leave_s > 0 && !d1.outside.is_empty(),
        "{d1:?}"
    );

    let ui = Ui::open(driver, &work.join("shift01")).await?;
    ui.s.resize(DESKTOP.0, DESKTOP.1).await?;
    ui.sign_in("shift01").await?;

    // 巡查考勤: yesterday and today, sorted by coverage; each figure equals the server's.
    ui.s.click("nav-patrol").await?;
    // The page first asks for this month; the period is set once that answer is in.
    ui.s.by_id("patrol-heading").await?;
    set_input(&ui, "patrol-from", y).await?;
    set_input(&ui, "patrol-to", today).await?;
    let wanted = format!("{y} 至 {today}");
    ui.s.until("the report of yesterday and today", || async {
        if let Some(e) = ui.s.find_all(&tid("patrol-heading")).await?.first()
            && ui.s.text(e).await?.contains(&wanted)
        {
            return Ok(Some(()));
        }
        let run = ui.s.by_id("patrol-run").await?;
        if ui.s.attr(&run, "disabled").await?.is_none() {
            ui.s.click_el(&run).await?;
        }
        tokio::time::sleep(Duration::from_millis(1000)).await;
        Ok(None)
    })
    .await?;
    ui.s.click("patrol-sort-coverage").await?;
    ui.s.wait_for("[data-testid=\"patrol-table\"][data-sort=\"coverage\"]")
        .await?;
    for r in [r1, r2] {
        let row = ui.s.by_id(&format!("patrol-row-{}", r.inspector)).await?;
        let shown: f64 =
            ui.s.attr(&row, "data-coverage")
                .await?
                .context("data-coverage")?
                .parse()?;
        assert!(
            (shown - r.coverage_rate).abs() < 1e-9,
            "{shown} vs {}",
            r.coverage_rate
        );
        assert_eq!(
            ui.s.attr(&row, "data-missed").await?,
            Some(r.missed.len().to_string())
        );
        let text = ui.s.text(&row).await?;
        for want in [
            r.name.clone(),
            format_rate(r.coverage_rate),
            format_km(r.metres),
            format_duration(r.on_duty_s),
            format_rate(r.duty_rate),
        ] {
            assert!(
                text.contains(&want),
                "row of {}: {want:?} not in {text:?}",
                r.name
            );
        }
    }
    tokio::time::sleep(Duration::from_millis(500)).await;
    ui.shoot("40-patrol-report", DESKTOP).await?;

    // insp051's days and 漏报.
    ui.s.click(&format!("patrol-open-{}", seeded.insp1)).await?;
    let day_row =
        ui.s.by_id(&format!("patrol-day-{}-{y}", seeded.insp1))
            .await?;
    let flags = ui.s.attr(&day_row, "data-flags").await?.unwrap_or_default();
    assert!(flags.contains("outside"), "{flags}");
    let day_text = ui.s.text(&day_row).await?;
    let assigned = d1.cells.iter().filter(|c| c.assigned).count();
    let visited = d1.cells.iter().filter(|c| c.assigned && c.visited).count();
    for want in [
        format!("{visited} / {assigned}"),
        format_km(d1.metres),
        format_duration(d1.late_s),
        format_duration(d1.early_leave_s),
    ] {
        assert!(day_text.contains(&want), "{want:?} not in {day_text:?}");
    }
    let missed =
        ui.s.wait_for(&format!(
            "[data-testid=\"patrol-missed-{}\"] li[data-case-id=\"{}\"]",
            seeded.insp1, seeded.missed_case
        ))
        .await?;
    assert!(ui.s.text(&missed).await?.contains("经过，最近"));
    ui.s.script(
        "document.querySelector(`[data-testid=\"patrol-detail-${arguments[0]}\"]`).scrollIntoView({block: 'center'});",
        json!([seeded.insp1.to_string()]),
    )
    .await?;
    tokio::time::sleep(Duration::from_millis(400)).await;
    ui.shoot("40a-patrol-detail", DESKTOP).await?;

    // The coverage layer of yesterday: the map names the same cells the server counted.
    ui.s.click(&format!("patrol-day-coverage-{y}")).await?;
    ui.s.wait_for(&format!(
        "[data-testid=\"patrol-map-card\"][data-mode=\"coverage\"][data-day=\"{y}\"]"
    ))
    .await?;
    let summary = ui.s.by_id("patrol-map-summary").await?;
    let summary = ui.s.text(&summary).await?;
    assert!(
        summary.contains(&format!("责任网格 {assigned} 格次，已到访 {visited} 格次")),
        "{summary}"
    );
    let map = ui.s.by_id("patrol-map").await?;
    let counts: Value = serde_json::from_str(
        &ui.s
            .attr(&map, "data-coverage")
            .await?
            .context("data-coverage")?,
    )?;
    assert_eq!(
        counts["missed"].as_u64(),
        Some((assigned - visited) as u64),
        "{counts}"
    );
    wait_patrol_tiles(&ui).await?;
    ui.s.script(
        "document.querySelector('[data-testid=\"patrol-map-card\"]').scrollIntoView({block: 'start'});",
        json!([]),
    )
    .await?;
    tokio::time::sleep(Duration::from_millis(800)).await;
    ui.shoot("41-patrol-coverage-map", DESKTOP).await?;

    // The playback from the 漏报's evidence: the day's track as the server holds it.
    let track: TrackDay = api
        .get(&format!("/patrol/track?inspector={}&day={y}", seeded.insp1))
        .await?;
    ui.s.click(&format!("patrol-evidence-{}", seeded.missed_case))
        .await?;
    ui.s.wait_for("[data-testid=\"patrol-map-card\"][data-mode=\"track\"]")
        .await?;
    ui.s.by_id("patrol-focus").await?;
    let points =
        ui.s.until("the track drawn", || async {
            let e = ui.s.by_id("patrol-map").await?;
            ui.s.attr(&e, "data-track-points").await
        })
        .await?;
    assert_eq!(points, track.points.len().to_string());
    assert_eq!(track.signs.len(), 2);
    ui.s.by_id("playback").await?;
    wait_patrol_tiles(&ui).await?;
    ui.s.script(
        "document.querySelector('[data-testid=\"patrol-map-card\"]').scrollIntoView({block: 'start'});",
        json!([]),
    )
    .await?;
    tokio::time::sleep(Duration::from_millis(800)).await;
    ui.shoot("41a-patrol-playback", DESKTOP).await?;

    // 排班: the week shows the seeded shifts; the 值班长 adds Saturday 09:00–17:30 for insp052.
    ui.s.click("nav-roster").await?;
    ui.s.by_id("roster-table").await?;
    let week = week_of(gridcase_core::sync::runtime::now().0);
    let (monday, _) = &week[0];
    let slot =
        ui.s.wait_for(&format!(
            "[data-testid=\"roster-row-{}\"] td[data-day=\"{monday}\"][data-has-shift=\"true\"]",
            seeded.insp1
        ))
        .await?;
    assert!(ui.s.text(&slot).await?.contains("08:30–17:00"));
    let (saturday, sat0) = &week[5];
    ui.s.click(&format!("roster-slot-{}-{saturday}", seeded.insp2))
        .await?;
    ui.s.by_id("roster-editor").await?;
    set_input(&ui, "shift-start", "09:00").await?;
    set_input(&ui, "shift-end", "17:30").await?;
    tokio::time::sleep(Duration::from_millis(400)).await;
    ui.shoot("42a-roster-shift-editor", DESKTOP).await?;
    ui.s.click("shift-ok").await?;
    ui.s.click("roster-save").await?;
    ui.s.wait_for("[data-testid=\"toast\"][data-kind=\"success\"]")
        .await?;
    let held: Value =
        ui.s.until("the new shift on the server", || async {
            let held: Value = api
                .get(&format!("/patrol/roster?from={saturday}&to={saturday}"))
                .await?;
            let n = held["shifts"]
                .as_array()
                .map(|a| {
                    a.iter()
                        .filter(|s| s["inspector"] == json!(seeded.insp2))
                        .count()
                })
                .unwrap_or(0);
            Ok((n > 0).then_some(held))
        })
        .await?;
    let mine: Vec<&Value> = held["shifts"]
        .as_array()
        .context("shifts")?
        .iter()
        .filter(|s| s["inspector"] == json!(seeded.insp2))
        .collect();
    assert_eq!(mine.len(), 1, "{held}");
    assert_eq!(
        mine[0]["start"].as_i64(),
        Some(sat0 + 9 * HOUR_MS),
        "{held}"
    );
    assert_eq!(
        mine[0]["end"].as_i64(),
        Some(sat0 + 17 * HOUR_MS + 30 * 60_000),
        "{held}"
    );
    let cells2: Vec<String> = cells_of(demo, "insp052")?
        .iter()
        .map(|c| c.code.to_string())
        .collect();
    let held_cells: Vec<String> = serde_json::from_value(mine[0]["cells"].clone())?;
    assert!(
        !held_cells.is_empty() && held_cells.iter().all(|c| cells2.contains(c)),
        "{held_cells:?}"
    );
    ui.s.wait_for(&format!(
        "[data-testid=\"roster-row-{}\"] td[data-day=\"{saturday}\"][data-has-shift=\"true\"]",
        seeded.insp2
    ))
    .await?;
    tokio::time::sleep(Duration::from_millis(500)).await;
    ui.shoot("42-roster", DESKTOP).await?;

    // 专项普查: a new task through the form for insp053, three cells of its community.
    ui.s.click("nav-surveys").await?;
    ui.s.by_id(&format!("survey-row-{}", seeded.survey)).await?;
    ui.s.click("survey-new").await?;
    ui.s.by_id("survey-form").await?;
    let title = "东片区井盖专项复查";
    ui.s.type_into("survey-title", title).await?;
    ui.s.click("category-kind-component").await?;
    ui.s.type_into("category-search", "井盖").await?;
    ui.s.click("category-option-01001").await?;
    let insp3 = h
        .device("patrol-insp053-check", "insp053")
        .await?
        .client
        .session()
        .user_id;
    ui.s.select("survey-inspector", &insp3.to_string()).await?;
    let cells3 = cells_of(demo, "insp053")?;
    let community = cells3[0].code.to_string()[..12].to_owned();
    ui.s.type_into("survey-cell-filter", &community).await?;
    let chosen: Vec<String> = cells3.iter().take(3).map(|c| c.code.to_string()).collect();
    for c in &chosen {
        ui.s.click(&format!("survey-cell-{c}")).await?;
    }
    tokio::time::sleep(Duration::from_millis(400)).await;
    ui.shoot("43a-survey-form", DESKTOP).await?;
    ui.s.click("survey-submit").await?;
    let heading = ui.s.by_id("survey-heading").await?;
    assert_eq!(ui.s.text(&heading).await?, title);
    let list: Value = api.get("/surveys").await?;
    let made = list["surveys"]
        .as_array()
        .context("surveys")?
        .iter()
        .find(|s| s["title"] == title)
        .with_context(|| format!("{title} on the server: {list}"))?;
    assert_eq!(
        made["assignments"][insp3.to_string()],
        json!(chosen),
        "{made}"
    );
    assert_eq!(
        made["categories"],
        json!([{"kind": "component", "code": "01001"}])
    );
    ui.s.click("survey-back").await?;
    ui.s.by_id(&format!("survey-row-{}", made["id"].as_str().unwrap_or("")))
        .await?;
    tokio::time::sleep(Duration::from_millis(400)).await;
    ui.shoot("43-surveys", DESKTOP).await?;

    // The seeded task's progress equals the server's.
    ui.s.click(&format!("survey-open-{}", seeded.survey))
        .await?;
    let summary = ui.s.by_id("survey-summary").await?;
    let progress: SurveyProgressWire = api
        .get(&format!("/surveys/{}/progress", seeded.survey))
        .await?;
    let rate: f64 =
        ui.s.attr(&summary, "data-rate")
            .await?
            .context("data-rate")?
            .parse()?;
    assert!((rate - progress.rate).abs() < 1e-9);
    let done = progress.cells.iter().filter(|c| c.done).count();
    assert_eq!((done, progress.cases), (6, 1), "{progress:?}");
    let text = ui.s.text(&summary).await?;
    assert!(
        text.contains(&format!(
            "已完成 {done} / {} 个网格，上报问题 {} 件",
            progress.cells.len(),
            progress.cases
        )),
        "{text}"
    );
    for x in &progress.inspectors {
        let row =
            ui.s.by_id(&format!("survey-inspector-{}", x.inspector))
                .await?;
        let cells: Vec<String> = {
            let mut v = Vec::new();
            for td in
                ui.s.find_all(&format!(
                    "[data-testid=\"survey-inspector-{}\"] td",
                    x.inspector
                ))
                .await?
            {
                v.push(ui.s.text(&td).await?);
            }
            v
        };
        assert_eq!(
            cells[1..],
            [
                x.cells.to_string(),
                x.done.to_string(),
                format_rate(f64::from(x.done) / f64::from(x.cells)),
                x.reported.to_string(),
                x.clear.to_string()
            ],
            "{}",
            ui.s.text(&row).await?
        );
    }
    tokio::time::sleep(Duration::from_millis(400)).await;
    ui.shoot("44-survey-progress", DESKTOP).await?;
    ui.close().await
}

async fn field(h: &Harness, seeded: &Seeded, driver: &Driver, work: &Path) -> Result<()> {
    let shift = h.device("patrol-shift01-field", "shift01").await?;
    let api = Api::of(h, &shift);
    let ui = Ui::open(driver, &work.join("insp051")).await?;
    ui.sign_in("insp051").await?;
    ui.s.click("nav-patrol").await?;
    ui.s.by_id("patrol-panel").await?;
    ui.s.click("patrol-sign-in").await?;
    ui.s.wait_for("[data-testid=\"patrol-duty\"][data-on-duty=\"true\"]")
        .await?;
    // The task arrives with the patrol sync; the simulated walk records points.
    let survey = format!(
        "[data-testid=\"survey\"][data-survey=\"{}\"]",
        seeded.survey
    );
    ui.s.until("the survey task and a few points", || async {
        // Away and back: the panel reads the device's tasks when it opens.
        ui.s.click("nav-sync").await?;
        tokio::time::sleep(Duration::from_millis(300)).await;
        ui.s.click("nav-patrol").await?;
        tokio::time::sleep(Duration::from_millis(1000)).await;
        let duty = ui.s.by_id("patrol-duty").await?;
        let points: u32 =
            ui.s.attr(&duty, "data-points")
                .await?
                .and_then(|p| p.parse().ok())
                .unwrap_or(0);
        let task = ui.s.find_all(&survey).await?;
        Ok((points >= 2 && !task.is_empty()).then_some(()))
    })
    .await?;
    let duty = ui.s.by_id("patrol-duty").await?;
    assert!(
        ui.s.text(&duty).await?.contains("模拟"),
        "the simulated source is named"
    );
    // "未发现问题" on insp051's first cell still to check (the fifth of the task).
    let cell = seeded.cells1[4];
    ui.s.wait_for(&format!(
        "{survey} [data-testid=\"survey-cell\"][data-cell=\"{cell}\"][data-status=\"pending\"]"
    ))
    .await?;
    let button = ui
        .s
        .wait_for(&format!(
            "{survey} [data-testid=\"survey-cell\"][data-cell=\"{cell}\"] [data-testid=\"survey-clear\"]"
        ))
        .await?;
    ui.s.click_el(&button).await?;
    ui.s.wait_for(&format!(
        "{survey} [data-testid=\"survey-cell\"][data-cell=\"{cell}\"][data-status=\"clear\"]"
    ))
    .await?;
    ui.shoot("45-field-patrol", LANDSCAPE).await?;
    ui.s.click("patrol-sign-out").await?;
    ui.s.click("confirm-ok").await?;
    ui.s.wait_for("[data-testid=\"patrol-duty\"][data-on-duty=\"false\"]")
        .await?;
    // The server gets both sign events and the mark through the app's patrol sync.
    let path = format!(
        "/patrol/track?inspector={}&day={}",
        seeded.insp1, seeded.today
    );
    let track =
        ui.s.until("the sign events and the mark on the server", || async {
            ui.s.click("nav-sync").await?;
            if let Some(b) = ui.s.find_all(&tid("sync-now")).await?.first() {
                ui.s.click_el(b).await?;
            }
            tokio::time::sleep(Duration::from_millis(1500)).await;
            let track: TrackDay = api.get(&path).await?;
            let progress: SurveyProgressWire = api
                .get(&format!("/surveys/{}/progress", seeded.survey))
                .await?;
            let marked = progress
                .cells
                .iter()
                .any(|c| c.cell == cell && c.status == "clear");
            Ok((track.signs.len() == 2 && marked).then_some(track))
        })
        .await?;
    let kinds: Vec<String> = track
        .signs
        .iter()
        .map(|s| serde_json::to_value(s.kind).map(|v| v.to_string()))
        .collect::<Result<_, _>>()?;
    assert_eq!(kinds, ["\"in\"", "\"out\""], "{track:?}");
    ui.close().await
}
