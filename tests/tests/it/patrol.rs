//! Issue 16, the device side against the real server: two inspectors' tablets record scripted
//! patrols (GPS noise, stops, a tunnel) with the real recorder while offline, each works its part
//! of a 专项普查 task (a report linked to the task, a "nothing found" mark, and one mark the
//! server must refuse), then reconnect: case sync first, then the patrol pass pushes sign events,
//! track blocks and marks; the server holds each inspector-day exactly as recorded, the survey's
//! progress counts both inspectors, and the workbook the 值班长 downloads
//! (`GET /v1/surveys/{id}/export.xlsx`) holds the same progress row for row. Written before the
//! server side was merged (the contract is `core::protocol` patrol): it passes only once both
//! are in.

use calamine::{Data, Reader, Xlsx};
use gridcase_core::codes::GridCode;
use gridcase_core::model::{SurveyId, UserId};
use gridcase_core::patrol::{Recorder, SamplerConfig, decode, sim};
use gridcase_core::protocol::{SurveyMarkWire, SurveyProgressWire, SurveyTaskWire, TrackDay};
use gridcase_core::store::OutboxState;
use gridcase_core::survey::{Finding, Target};
use gridcase_tests::harness::cell;
use gridcase_tests::{FaultConfig, Harness, TENANT};
use std::collections::BTreeMap;

/// Plays `script` on the device's recorder (sign-in at the first fix, 签退 at the end), sealing
/// every 20 minutes as a sync would; returns the day.
fn patrol(device: &gridcase_tests::Device, script: &sim::Script) -> String {
    device.with_store(|s| {
        let mut rec = Recorder::shanghai(s, SamplerConfig::default()).expect("recorder");
        let mut src = script.source();
        let first = src.fix_at(script.t0).expect("first fix");
        rec.sign_in(
            s,
            gridcase_core::patrol::recorder::new_item_id(),
            script.t0 * 1000,
            first,
        )
        .expect("sign in");
        let (mut t, mut next_seal) = (script.t0 + rec.next_interval_s(), script.t0 + 1200);
        while t <= src.end() {
            if let Some(fix) = src.fix_at(t) {
                rec.offer(s, fix).expect("offer");
            }
            if t >= next_seal {
                rec.seal(s).expect("seal");
                next_seal += 1200;
            }
            t += rec.next_interval_s();
        }
        let (lon, lat) = script.start;
        rec.sign_out(
            s,
            gridcase_core::patrol::recorder::new_item_id(),
            src.end() * 1000,
            lon,
            lat,
        )
        .expect("sign out");
        rec.day_of(script.t0)
    })
}

async fn get<T: serde::de::DeserializeOwned>(base: &str, token: &str, path: &str) -> T {
    let r = reqwest::Client::new()
        .get(format!("{base}/v1{path}"))
        .bearer_auth(token)
        .send()
        .await
        .expect("request");
    let status = r.status();
    let text = r.text().await.expect("body");
    assert!(status.is_success(), "GET {path}: {status} {text}");
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("GET {path}: {e}: {text}"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_inspectors_patrol_and_survey_offline_then_sync() {
    let h = Harness::start(2).await.expect("harness");
    let mut one = h.device("tablet-1", "insp01").await.expect("insp01");
    let mut two = h.device("tablet-2", "insp02").await.expect("insp02");
    let desk = h.device("desk", "shift").await.expect("shift");
    let base = h.proxy.url();
    let shift_token = desk.client.session().token.clone();
    let (u1, u2): (UserId, UserId) = (one.client.session().user_id, two.client.session().user_id);
    let (c1, c2) = (
        GridCode::parse(&cell(1)).expect("cell 1"),
        GridCode::parse(&cell(2)).expect("cell 2"),
    );

    // The tenant's grid knows the two cells (a survey names only the tenant's own cells).
    h.server
        .deployment()
        .db()
        .write(|tx| {
            for n in [1, 2] {
                gridcase_server::db::tenants::upsert_cell(tx, TENANT, &cell(n), "测试网格")?;
            }
            Ok(())
        })
        .expect("cells");

    // The 值班长 creates the survey: insp01 has cell 1, insp02 cell 2.
    let now_ms = gridcase_core::sync::runtime::now().0;
    let survey = SurveyId::from_parts(u64::try_from(now_ms).expect("now"), [5; 10]);
    let task = SurveyTaskWire {
        id: survey,
        title: "城关区井盖专项普查".into(),
        categories: vec![gridcase_tests::device::category()],
        assignments: [(u1, [c1].into()), (u2, [c2].into())].into(),
        components: BTreeMap::new(),
        starts_at: now_ms - 6 * 3_600_000,
        due_at: now_ms + 3 * 86_400_000,
    };
    let created = reqwest::Client::new()
        .post(format!("{base}/v1/surveys"))
        .bearer_auth(&shift_token)
        .json(&task)
        .send()
        .await
        .expect("create survey");
    let status = created.status();
    assert!(
        status.is_success(),
        "{status} {}",
        created.text().await.unwrap_or_default()
    );

    // Both tablets fetch their tasks while online.
    for d in [&mut one, &mut two] {
        let r = d.client.sync_patrol(true).await.expect("fetch");
        assert_eq!(r.surveys, Some(1), "{}: {r:?}", d.name);
    }

    // Offline: the server is unreachable.
    h.proxy.set_config(FaultConfig {
        refuse: true,
        ..FaultConfig::default()
    });
    h.proxy.cut_all();
    // Two hours of patrol each, yesterday 10:00–12:00 Asia/Shanghai: inside one tenant day
    // whenever the test runs (a walk ending "an hour ago" crossed Shanghai midnight between
    // 17:00 and 19:00 UTC and split its sign events over two days), and never in the server's
    // future.
    let shanghai_midnight = (now_ms / 1000 + 8 * 3600) / 86_400 * 86_400 - 8 * 3600;
    let t0 = shanghai_midnight - 86_400 + 10 * 3600;
    let day1 = patrol(&one, &sim::patrol_loop((103.834, 36.061), t0, 2.0, 1));
    let day2 = patrol(&two, &sim::patrol_loop((103.836, 36.063), t0, 2.0, 2));
    // insp01 reports a broken manhole cover for the task; insp02 finds nothing in cell 2.
    let case = one.report(&cell(1), &[]).expect("report");
    let mark = |id: &str, c: GridCode, finding: Finding| SurveyMarkWire {
        id: id.into(),
        cell: c,
        target: Target::Cell,
        finding,
        at: now_ms - 60_000,
    };
    one.with_store(|s| {
        s.survey_mark_add(
            survey,
            &mark(
                "018f0000-0000-7000-8000-000000000001",
                c1,
                Finding::Reported(case),
            ),
        )
        .expect("mark");
        // A mark for a cell that is not insp01's: the server must refuse it, alone.
        s.survey_mark_add(
            survey,
            &mark(
                "018f0000-0000-7000-8000-000000000002",
                c2,
                Finding::NothingFound,
            ),
        )
        .expect("mark");
    });
    two.with_store(|s| {
        s.survey_mark_add(
            survey,
            &mark(
                "018f0000-0000-7000-8000-000000000003",
                c2,
                Finding::NothingFound,
            ),
        )
        .expect("mark")
    });
    // A pass while offline fails and keeps everything.
    let offline = one.client.sync_patrol(false).await.expect("offline pass");
    assert!(offline.failure.is_some(), "{offline:?}");
    let waiting = one.with_store(|s| s.patrol_counts()).expect("counts");
    assert!(waiting.pending_blocks > 0 && waiting.pending_signs == 2 && waiting.pending_marks == 2);

    // Back online: case sync, then the patrol pass.
    h.proxy.set_config(FaultConfig::default());
    for d in [&mut one, &mut two] {
        d.client.sync_until_clean(10).await.expect("case sync");
        d.client.patrol_retry_now();
        let r = d.client.sync_patrol(true).await.expect("patrol pass");
        assert_eq!(r.failure, None, "{}: {r:?}", d.name);
        assert_eq!(r.signs_sent, 2, "{}: {r:?}", d.name);
        assert!(r.blocks_sent > 0, "{}", d.name);
    }
    for (d, refused_marks) in [(&one, 1), (&two, 0)] {
        let c = d.with_store(|s| s.patrol_counts()).expect("counts");
        assert_eq!(
            (
                c.pending_blocks,
                c.pending_signs,
                c.pending_marks,
                c.refused_blocks
            ),
            (0, 0, 0, 0),
            "{}",
            d.name
        );
        assert_eq!(c.refused_marks, refused_marks, "{}", d.name);
    }
    let refused = one
        .with_store(|s| s.survey_marks(survey))
        .expect("marks")
        .into_iter()
        .find(|m| m.mark.id == "018f0000-0000-7000-8000-000000000002")
        .expect("refused mark");
    assert_eq!(refused.state, OutboxState::Refused);
    assert_eq!(refused.code.as_deref(), Some("survey_not_assigned"));

    // The server holds each inspector-day exactly as recorded, with both sign events.
    for (d, day, user) in [(&one, &day1, u1), (&two, &day2, u2)] {
        let record = d.with_store(|s| s.patrol_day_record(day)).expect("record");
        let mine = decode(&record).expect("decode");
        let track: TrackDay = get(
            &base,
            &shift_token,
            &format!("/patrol/track?inspector={user}&day={day}"),
        )
        .await;
        assert_eq!(track.points.len(), mine.len(), "{}", d.name);
        for (p, q) in track.points.iter().zip(&mine) {
            assert_eq!(p[0] as i64, q.t);
            assert!((p[1] - q.lon).abs() < 1e-9 && (p[2] - q.lat).abs() < 1e-9);
        }
        assert_eq!(track.signs.len(), 2, "{}", d.name);
    }

    // The survey's progress: both cells done, one case reported, the refused mark not counted.
    let progress: SurveyProgressWire =
        get(&base, &shift_token, &format!("/surveys/{survey}/progress")).await;
    assert_eq!(progress.rate, 1.0);
    assert_eq!(progress.cases, 1);
    let by_cell: BTreeMap<_, _> = progress.cells.iter().map(|c| (c.cell, c)).collect();
    assert_eq!(by_cell[&c1].status, "found");
    assert_eq!(by_cell[&c2].status, "clear");
    assert_eq!(by_cell[&c2].inspector, u2);
    // The reported case itself went by case sync, before its mark.
    let row = h.server_case(&case.to_string()).expect("server case");
    assert!(row.is_some(), "case {case} not on the server");

    // The workbook the 值班长 downloads holds the same progress, row for row.
    let resp = reqwest::Client::new()
        .get(format!("{base}/v1/surveys/{survey}/export.xlsx"))
        .bearer_auth(&shift_token)
        .send()
        .await
        .expect("export");
    let status = resp.status();
    let bytes = resp.bytes().await.expect("workbook bytes");
    assert!(status.is_success(), "export.xlsx: {status}");
    let mut book: Xlsx<_> =
        calamine::open_workbook_from_rs(std::io::Cursor::new(bytes.to_vec())).expect("opens");
    assert_eq!(book.sheet_names(), ["网格进度", "监督员进度", "任务"]);
    let rows = |book: &mut Xlsx<_>, name: &str| -> Vec<Vec<String>> {
        book.worksheet_range(name)
            .expect("sheet")
            .rows()
            .map(|r| r.iter().map(text).collect())
            .collect()
    };
    let names: BTreeMap<UserId, &str> = progress
        .inspectors
        .iter()
        .map(|i| (i.inspector, i.name.as_str()))
        .collect();
    // 网格进度: one row per cell of the progress, in its order; by hand: cell 1 found (the
    // linked case) by insp01, cell 2 clear by insp02.
    let cell_rows = rows(&mut book, "网格进度");
    assert_eq!(cell_rows.len(), 1 + progress.cells.len());
    let from_progress: Vec<Vec<String>> = progress
        .cells
        .iter()
        .map(|c| {
            let status = match c.status.as_str() {
                "found" => "发现问题",
                "clear" => "已查无问题",
                _ => "未查",
            };
            vec![
                c.cell.to_string(),
                names[&c.inspector].to_owned(),
                status.to_owned(),
                c.found.to_string(),
                if c.done { "是" } else { "否" }.to_owned(),
                c.inspector.to_string(),
            ]
        })
        .collect();
    assert_eq!(cell_rows[1..], from_progress[..]);
    let by_hand = |c: &GridCode, who: &str, status: &str, found: &str, u: UserId| {
        vec![
            c.to_string(),
            who.to_owned(),
            status.to_owned(),
            found.to_owned(),
            "是".to_owned(),
            u.to_string(),
        ]
    };
    assert_eq!(
        cell_rows[1..],
        [
            by_hand(&c1, "insp01", "发现问题", "1", u1),
            by_hand(&c2, "insp02", "已查无问题", "0", u2)
        ]
    );
    // 监督员进度: assigned, done, reported, "nothing found" per inspector; the refused mark is
    // in no count.
    let inspector_rows = rows(&mut book, "监督员进度");
    assert_eq!(inspector_rows.len(), 1 + progress.inspectors.len());
    let sheet: BTreeMap<String, Vec<String>> = inspector_rows[1..]
        .iter()
        .map(|r| (r[5].clone(), r[..5].to_vec()))
        .collect();
    let want: BTreeMap<String, Vec<String>> = progress
        .inspectors
        .iter()
        .map(|i| {
            let n = [i.cells, i.done, i.reported, i.clear].map(|v| v.to_string());
            (
                i.inspector.to_string(),
                [vec![i.name.clone()], n.to_vec()].concat(),
            )
        })
        .collect();
    assert_eq!(sheet, want);
    assert_eq!(sheet[&u1.to_string()], ["insp01", "1", "1", "1", "0"]);
    assert_eq!(sheet[&u2.to_string()], ["insp02", "1", "1", "0", "1"]);
    // 任务: the title, the rate and the one linked case.
    let about = book.worksheet_range("任务").expect("task");
    assert_eq!(text(about.get((0, 1)).expect("title")), task.title);
    assert_eq!(about.get((3, 1)), Some(&Data::Float(progress.rate)));
    assert_eq!(
        about.get((4, 1)),
        Some(&Data::Float(f64::from(progress.cases)))
    );
    assert_eq!(progress.cases, 1);
}

/// A workbook cell as text (numbers as the shortest decimal: 1.0 → "1").
fn text(c: &Data) -> String {
    match c {
        Data::String(s) => s.clone(),
        Data::Float(f) => f.to_string(),
        Data::Int(i) => i.to_string(),
        other => format!("{other:?}"),
    }
}
