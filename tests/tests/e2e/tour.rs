//! A tour of every screen on the training tenant (issue 15, Must-show: the user guide's
//! screenshots come from the training tenant): the demo tenant with 90 days of training history
//! (`biz::training`, about 2,300 cases), the real app signed in as each role in turn, every
//! screen shot at the three sizes into `docs/screenshots/`.
//!
//! Invariants:
//! - every screen asserts something the server can contradict: each queue's count on the nav
//!   equals the server's count of that queue's statuses, a list's total equals the server's
//!   count for that user (an inspector's tasks and reports, a department's tasks as the app's
//!   queue definition selects them from the server's events), a map's case
//!   count equals the server's open cases, the evaluation's rows equal the server's evaluation
//!   API for the last full month;
//! - action forms are opened on training cases and cancelled: the server's status of each case
//!   (and, for 签收 and 下派, its events) is unchanged afterwards;
//! - the 下派 form offers exactly the child units of the department (the tenant's
//!   `department_units.csv`), the 签收·下派 panel shows a 下派 the history completed, and the
//!   设备配置码 screen shows a QR code of the desk's server and tenant without any account;
//! - the only write besides the history is one 处置反馈 with two photos on the training case
//!   with the longest history still in handling (the history has no photos), so the case
//!   detail shows photos and a long timeline;
//! - each screenshot name has one writer: the names shot here are not shot by the workflow
//!   test (which keeps the flow's own states: sign-in, offline, hotline, publish, closed, check).
//!
//! Prints the history's generation time, each desk's first sync of the whole tenant and the
//! whole tour's time (figures, not assertions).

use super::*;
use gridcase_core::model::{CaseId, DepartmentId, PhotoRef, PhotoRole, Role, Sha256, UserId};
use gridcase_core::store::BlobSource;
use gridcase_core::workflow::{EventKind, Status, fold};
use gridcase_server::db;
use std::collections::{BTreeMap, BTreeSet};
use std::time::Instant;

/// Days of training history.
const HISTORY_DAYS: u32 = 90;
/// How long a first sync of the whole tenant may take before the tour gives up.
const FIRST_SYNC_LIMIT: Duration = Duration::from_secs(600);

/// The desk's queues whose membership is the case's status alone, with the server's condition
/// on its projection (the queue definitions of docs/ui.md).
const DESK_QUEUES: &[(&str, &str)] = &[
    ("intake", "status = 'reported'"),
    ("verify", "status = 'awaiting_verification'"),
    ("filing", "status = 'awaiting_filing'"),
    ("dispatch", "status = 'awaiting_dispatch'"),
    ("handling", "status IN ('in_progress', 'parked')"),
    ("check", "status IN ('feedback_received', 'awaiting_check')"),
    ("close", "status = 'awaiting_close'"),
    (
        "closed",
        "status IN ('closed', 'rejected', 'voided', 'merged')",
    ),
    ("all", "1 = 1"),
];
const OPEN: &str = "status NOT IN ('closed', 'rejected', 'voided', 'merged')";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_tour_of_every_screen_on_the_training_tenant() -> Result<()> {
    let started = Instant::now();
    let (h, _demo, history, generation) = Harness::start_demo_with_history(HISTORY_DAYS).await?;
    assert!(history.cases >= 2_000, "{history:?}");
    let work = tempfile::tempdir()?;
    let driver = start_driver(&h.proxy.url(), work.path()).await?;
    let result = tour(&h, &driver, work.path()).await;
    if result.is_err() {
        screen_at_failure(&driver, "e2e-tour-failure.png");
    }
    let syncs = result?;
    record_figure(&format!(
        "training tour (debug app build, WebKitGTK under Xvfb): {} cases over {HISTORY_DAYS} days generated in {:.1} s; first sync of the whole tenant on the desk: {}; whole tour {:.0} s",
        history.cases,
        generation.as_secs_f64(),
        syncs
            .iter()
            .map(|(who, d)| format!("{who} {:.1} s", d.as_secs_f64()))
            .collect::<Vec<_>>()
            .join(", "),
        started.elapsed().as_secs_f64()
    ));
    Ok(())
}

/// Signs each role in and shoots its screens; returns each desk's first-sync time.
async fn tour(h: &Harness, driver: &Driver, work: &Path) -> Result<Vec<(String, Duration)>> {
    let photo_case = feedback_with_photos(h).await?;
    let mut syncs = Vec::new();
    field(h, driver, work).await?;
    syncs.push((
        "intake01".to_owned(),
        intake_desk(h, driver, work, &photo_case).await?,
    ));
    syncs.push(("shift01".to_owned(), shift_desk(h, driver, work).await?));
    syncs.push((
        "dispatch01".to_owned(),
        dispatch_desk(h, driver, work).await?,
    ));
    department(h, driver, work).await?;
    syncs.push(("leader01".to_owned(), leader(h, driver, work).await?));
    Ok(syncs)
}

// ---- The server's side ----

/// One count over the tenant's cases on the server (`?1` is the tenant).
fn count(h: &Harness, condition: &str, arg: &str) -> Result<usize> {
    let sql = format!("SELECT count(*) FROM cases WHERE tenant = ?1 AND {condition} AND ?2 = ?2");
    let n: i64 = h.deployment().db().read(|tx| {
        Ok(
            tx.query_row(&sql, gridcase_server::db::sql::params![TENANT, arg], |r| {
                r.get(0)
            })?,
        )
    })?;
    Ok(usize::try_from(n)?)
}

/// Case ids of the tenant on the server matching `condition` (`?1` tenant, `?2` `arg`).
fn case_ids(h: &Harness, condition: &str, arg: &str) -> Result<Vec<String>> {
    let sql = format!(
        "SELECT case_id FROM cases WHERE tenant = ?1 AND {condition} AND ?2 = ?2 ORDER BY case_id"
    );
    Ok(h.deployment().db().read(|tx| {
        let mut stmt = tx.prepare(&sql)?;
        let rows = stmt.query_map(gridcase_server::db::sql::params![TENANT, arg], |r| r.get(0))?;
        Ok(rows.collect::<Result<Vec<String>, _>>()?)
    })?)
}

/// A case's events as the server stores them.
fn server_events(h: &Harness, id: &str) -> Result<Vec<gridcase_core::workflow::Event>> {
    let id = CaseId::parse(id).map_err(anyhow::Error::msg)?;
    let doc = h.deployment().db().read(|tx| db::docs::load(tx, id))?;
    Ok(doc.events()?)
}

fn users(h: &Harness) -> Result<Vec<db::users::UserRow>> {
    Ok(h.deployment().db().read(|tx| db::users::list(tx, TENANT))?)
}

/// The account of a department (the first by name).
fn department_user(h: &Harness, department: &str) -> Result<String> {
    users(h)?
        .into_iter()
        .filter(|u| {
            u.role == Role::Department
                && u.department.map(|d| d.to_string()).as_deref() == Some(department)
        })
        .map(|u| u.username)
        .min()
        .with_context(|| format!("an account of department {department}"))
}

/// The training case still in handling with the longest history gets the department's 处置反馈
/// with two photos (through a device of the department's account and a real sync); returns it.
async fn feedback_with_photos(h: &Harness) -> Result<String> {
    let mut best: Option<(usize, String)> = None;
    for id in case_ids(h, "status = 'in_progress' AND department IS NOT NULL", "")? {
        let n = server_events(h, &id)?.len();
        if best.as_ref().is_none_or(|(m, _)| n > *m) {
            best = Some((n, id));
        }
    }
    let (events, id) = best.context("a training case in handling")?;
    let department = h
        .server_case(&id)?
        .and_then(|r| r.department)
        .context("its department")?;
    let username = department_user(h, &department)?;
    let mut dev = h.direct_device("tour-photos", &username).await?;
    dev.client.sync_until_clean(10).await?;
    let mut photos = Vec::new();
    for name in ["with_gps.jpg", "rotated.jpg"] {
        let bytes = std::fs::read(fixture(name))?;
        let sha256 = Sha256::digest(&bytes);
        let path = dev.dir.join("photos").join(format!("{sha256}.jpg"));
        std::fs::write(&path, &bytes)?;
        let size = bytes.len() as u64;
        dev.with_store(|s| s.enqueue_blob(sha256, BlobSource::Path(path), size))?;
        photos.push(PhotoRef {
            sha256,
            role: PhotoRole::After,
            taken_at: None,
            location: None,
            size,
        });
    }
    let case = CaseId::parse(&id).map_err(anyhow::Error::msg)?;
    dev.append(
        case,
        EventKind::Feedback {
            result: "已更换破损设施，现场已清理".into(),
            photos,
        },
    )?;
    dev.client.sync_until_clean(10).await?;
    wait_server(h, &id, "feedback_received").await?;
    eprintln!("tour: {id} ({events} events in the history) got a 处置反馈 with two photos");
    Ok(id)
}

/// The cases in 待受理 that may be 受理'd without 派核实: a 监督员's own report, or one whose
/// verification was waived (the rule of `core::workflow`'s accept).
fn acceptable_reports(h: &Harness) -> Result<BTreeSet<String>> {
    let mut out = BTreeSet::new();
    for id in case_ids(h, "status = 'reported'", "")? {
        let state = fold(&server_events(h, &id)?);
        if state
            .report
            .as_ref()
            .is_some_and(|r| !r.source.needs_verification() || r.verification_waived.is_some())
        {
            out.insert(id);
        }
    }
    Ok(out)
}

/// The inspector with the most tasks (cases waiting for their 核实 or 核查), with its tasks,
/// its reports and the open cases of either (what the field map shows).
struct Inspector {
    username: String,
    tasks: usize,
    reports: usize,
    on_map: usize,
}

fn busiest_inspector(h: &Harness) -> Result<Inspector> {
    let mut tasks: BTreeMap<UserId, BTreeSet<String>> = BTreeMap::new();
    for id in case_ids(
        h,
        "status IN ('awaiting_verification', 'awaiting_check')",
        "",
    )? {
        let state = fold(&server_events(h, &id)?);
        let assignee = match state.status {
            Status::AwaitingVerification => state.verify_assignee,
            Status::AwaitingCheck => state.check_assignee,
            _ => None,
        };
        if let Some(user) = assignee {
            tasks.entry(user).or_default().insert(id);
        }
    }
    let (user, mine) = tasks
        .into_iter()
        .max_by_key(|(u, t)| (t.len(), std::cmp::Reverse(*u)))
        .context("an inspector with tasks")?;
    let username = users(h)?
        .into_iter()
        .find(|u| u.id == user)
        .map(|u| u.username)
        .context("the inspector's account")?;
    let me = user.to_string();
    let reports = count(h, "reporter = ?2", &me)?;
    let mut on_map: BTreeSet<String> = case_ids(h, &format!("reporter = ?2 AND {OPEN}"), &me)?
        .into_iter()
        .collect();
    let tasks = mine.len();
    on_map.extend(mine);
    Ok(Inspector {
        username,
        tasks,
        reports,
        on_map: on_map.len(),
    })
}

/// The department with the most cases in handling, and that number.
fn busiest_department(h: &Harness) -> Result<(String, usize)> {
    let row: (String, i64) = h.deployment().db().read(|tx| {
        Ok(tx.query_row(
            "SELECT department, count(*) FROM cases WHERE tenant = ?1 AND department IS NOT NULL
             AND status IN ('in_progress', 'parked') GROUP BY department
             ORDER BY count(*) DESC, department LIMIT 1",
            [TENANT],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )?)
    })?;
    Ok((row.0, usize::try_from(row.1)?))
}

/// How many cases the department user `username` has in 我的任务, as the app defines that
/// queue (`gridcase_app_lib::index::in_queue`) over the server's events: its cases in handling, a
/// 下派 open for its unit, and a 督办 or 批示 awaiting its answer (on a case in any open
/// state: the history never replies to its 督办).
fn department_tasks(h: &Harness, username: &str) -> Result<usize> {
    let user = users(h)?
        .into_iter()
        .find(|u| u.username == username)
        .with_context(|| format!("the account {username}"))?;
    let viewer = gridcase_app_lib::index::Viewer {
        user: user.id,
        role: user.role,
        department: user.department,
    };
    let mut n = 0;
    for id in case_ids(h, OPEN, "")? {
        let state = fold(&server_events(h, &id)?);
        n += usize::from(gridcase_app_lib::index::in_queue(
            "my_tasks", &state, &viewer,
        ));
    }
    Ok(n)
}

/// The last full month in Shanghai: its first day and the next month's first day.
fn last_full_month() -> Result<(String, String)> {
    let today = gridcase_core::sync::runtime::now()
        .to_shanghai()
        .map(|d| d.format("%Y-%m").to_string())
        .context("today in Shanghai")?;
    let (y, m) = today.split_once('-').context("a month")?;
    let (y, m): (u32, u32) = (y.parse()?, m.parse()?);
    let (py, pm) = if m == 1 { (y - 1, 12) } else { (y, m - 1) };
    Ok((format!("{py:04}-{pm:02}-01"), format!("{y:04}-{m:02}-01")))
}

/// The server's evaluation API for the last full month at `level`, as its rows' ids and
/// scores, asked by a device of `username`.
async fn api_evaluation(
    h: &Harness,
    username: &str,
    level: &str,
) -> Result<BTreeMap<String, Option<f64>>> {
    let dev = h
        .direct_device(&format!("tour-api-{username}-{level}"), username)
        .await?;
    let (from, to) = last_full_month()?;
    let body: serde_json::Value = reqwest::Client::new()
        .get(format!(
            "{}/v1/evaluation?from={from}&to={to}&level={level}",
            h.server.url()
        ))
        .bearer_auth(&dev.client.session().token)
        .send()
        .await?
        .error_for_status()?
        .json()
        .await?;
    let rows = body["rows"].as_array().context("rows")?;
    Ok(rows
        .iter()
        .filter_map(|r| Some((r["id"].as_str()?.to_owned(), r["score"].as_f64())))
        .collect())
}

// ---- The app's side ----

/// The total the open list shows (`list-window`).
async fn list_total(ui: &Ui) -> Result<Option<usize>> {
    let found = ui.s.find_all(&tid("list-window")).await?;
    match found.first() {
        Some(e) => Ok(ui
            .s
            .attr(e, "data-total")
            .await?
            .and_then(|t| t.parse().ok())),
        None => Ok(None),
    }
}

/// Opens `nav` until its list shows `want` cases (the first sync may still be running).
async fn wait_total(ui: &Ui, nav: &str, want: usize) -> Result<Duration> {
    let started = Instant::now();
    loop {
        ui.s.click(nav).await?;
        tokio::time::sleep(Duration::from_millis(500)).await;
        let seen = list_total(ui).await?;
        if seen == Some(want) {
            return Ok(started.elapsed());
        }
        if started.elapsed() > FIRST_SYNC_LIMIT {
            bail!("{nav}: the list shows {seen:?} cases, the server has {want}");
        }
    }
}

/// A queue's count on the desk's nav.
async fn nav_count(ui: &Ui, queue: &str) -> Result<Option<usize>> {
    let found = ui.s.find_all(&tid(&format!("nav-count-{queue}"))).await?;
    match found.first() {
        Some(e) => Ok(ui.s.text(e).await?.trim().parse().ok()),
        None => Ok(None),
    }
}

/// Every status queue's count on the nav equals the server's.
async fn assert_desk_counts(h: &Harness, ui: &Ui) -> Result<()> {
    for (queue, condition) in DESK_QUEUES {
        let want = count(h, condition, "")?;
        assert_eq!(
            nav_count(ui, queue).await?,
            Some(want),
            "{queue}: the nav's count against the server's"
        );
    }
    Ok(())
}

/// Signs `username` in on the desk (1440×900) and waits for its first sync to bring the whole
/// tenant (全部案件 on the nav equals the server's count); returns the app and that time, from
/// the sign-in form's submit.
async fn desk(h: &Harness, driver: &Driver, work: &Path, username: &str) -> Result<(Ui, Duration)> {
    let ui = Ui::open(driver, &work.join(username)).await?;
    ui.s.resize(DESKTOP.0, DESKTOP.1).await?;
    let started = Instant::now();
    ui.sign_in(username).await?;
    ui.s.by_id("mode-supervisor").await?;
    let total = count(h, "1 = 1", "")?;
    loop {
        if nav_count(&ui, "all").await? == Some(total) {
            break;
        }
        if started.elapsed() > FIRST_SYNC_LIMIT {
            bail!(
                "{username}: 全部案件 shows {:?}, the server has {total}",
                nav_count(&ui, "all").await?
            );
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    let took = started.elapsed();
    eprintln!(
        "tour: {username}'s first sync brought {total} cases in {:.1} s",
        took.as_secs_f64()
    );
    assert_desk_counts(h, &ui).await?;
    Ok((ui, took))
}

/// Opens the first case of `queue`'s list with `status` (the previous queue's rows stay on the
/// screen for a moment); returns its id. The list re-renders as syncs finish, so a row found
/// may be gone when it is read or clicked: both are retried.
async fn open_first(ui: &Ui, queue: &str, status: &str) -> Result<String> {
    open_first_of(ui, queue, status, None).await
}

/// As [`open_first`], the first row whose case is one of `among` when given.
async fn open_first_of(
    ui: &Ui,
    queue: &str,
    status: &str,
    among: Option<&BTreeSet<String>>,
) -> Result<String> {
    ui.s.click(&format!("nav-{queue}")).await?;
    let rows = format!(
        "[data-testid=\"case-list\"][data-queue=\"{queue}\"][data-loading=\"false\"] [data-testid^=\"case-row-\"][data-status=\"{status}\"]"
    );
    let id =
        ui.s.until(&format!("a case in {queue}"), || async {
            for row in ui.s.find_all(&rows).await? {
                let id =
                    ui.s.attr(&row, "data-testid")
                        .await
                        .ok()
                        .flatten()
                        .and_then(|t| t.strip_prefix("case-row-").map(str::to_owned));
                if let Some(id) = id
                    && among.is_none_or(|a| a.contains(&id))
                {
                    return Ok(Some(id));
                }
            }
            Ok(None)
        })
        .await?;
    let detail = format!("[data-testid=\"case-detail\"][data-case-id=\"{id}\"]");
    ui.s.until(&format!("{id} opened"), || async {
        if !ui.s.find_all(&detail).await?.is_empty() {
            return Ok(Some(()));
        }
        if let Some(row) =
            ui.s.find_all(&tid(&format!("case-row-{id}")))
                .await?
                .into_iter()
                .next()
        {
            // A stale row is found again on the next round.
            let _ = ui.s.click_el(&row).await;
        }
        tokio::time::sleep(Duration::from_millis(300)).await;
        Ok(None)
    })
    .await?;
    Ok(id)
}

/// Opens action `kind` on the open case, shoots its form as `name`, cancels it, and checks the
/// server still has the case as `status`.
async fn form_cancelled(
    h: &Harness,
    ui: &Ui,
    case: &str,
    kind: &str,
    status: &str,
    name: &str,
    back: (u32, u32, &str),
) -> Result<()> {
    assert_eq!(server_status(h, case)?.as_deref(), Some(status), "{case}");
    ui.s.click(&format!("action-{kind}")).await?;
    ui.s.by_id(&format!("action-form-{kind}")).await?;
    tokio::time::sleep(Duration::from_millis(500)).await;
    ui.shoot(name, back).await?;
    ui.s.click("action-cancel").await?;
    ui.s.until("the form to close", || async {
        Ok(ui
            .s
            .find_all(&tid(&format!("action-form-{kind}")))
            .await?
            .is_empty()
            .then_some(()))
    })
    .await?;
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(
        server_status(h, case)?.as_deref(),
        Some(status),
        "{case}: a cancelled {kind} changes nothing"
    );
    Ok(())
}

/// The number in the map's heading ("3000 个网格 · 412 件案件").
async fn map_cases(ui: &Ui) -> Result<usize> {
    let e = ui.s.by_id("map-counts").await?;
    let text = ui.s.text(&e).await?;
    text.split('·')
        .nth(1)
        .and_then(|s| s.trim().split(' ').next())
        .and_then(|n| n.parse().ok())
        .with_context(|| format!("a case count in {text:?}"))
}

/// Runs the evaluation page for the last full month at `level` and checks its rows and scores
/// against the server's API (asked as `username`); returns the number of rows.
async fn evaluation(h: &Harness, ui: &Ui, username: &str, level: &str) -> Result<usize> {
    let want = api_evaluation(h, username, level).await?;
    assert!(
        !want.is_empty(),
        "the server has {level} rows for last month"
    );
    ui.s.click("nav-evaluation").await?;
    ui.s.by_id("evaluation").await?;
    // The page runs this month once when it opens; 查询 is disabled until that is done.
    let ready = "[data-testid=\"eval-run\"]:not([disabled])";
    ui.s.wait_for("[data-testid=\"eval-table\"], [data-testid=\"eval-empty\"]")
        .await?;
    ui.s.wait_for(ready).await?;
    ui.s.select("eval-level", level).await?;
    ui.s.click("eval-last-month").await?;
    tokio::time::sleep(Duration::from_millis(300)).await;
    let run = ui.s.wait_for(ready).await?;
    ui.s.click_el(&run).await?;
    let (from, _) = last_full_month()?;
    let seen = std::sync::Mutex::new(BTreeMap::new());
    let shown =
        ui.s.until(&format!("the {level} table of {from}"), || async {
            let mut rows = BTreeMap::new();
            let table =
                ui.s.find_all(&format!(
                    "[data-testid=\"eval-table\"][data-level=\"{level}\"]"
                ))
                .await?;
            if table.is_empty() {
                return Ok(None);
            }
            for e in ui.s.find_all("[data-testid^=\"eval-row-\"]").await? {
                let id =
                    ui.s.attr(&e, "data-testid")
                        .await?
                        .and_then(|t| t.strip_prefix("eval-row-").map(str::to_owned))
                        .unwrap_or_default();
                let score =
                    ui.s.attr(&e, "data-score")
                        .await?
                        .and_then(|s| s.parse::<f64>().ok());
                rows.insert(id, score);
            }
            let same = rows.len() == want.len()
                && rows.iter().all(|(id, s)| {
                    want.get(id).is_some_and(|w| match (s, w) {
                        (Some(a), Some(b)) => (a - b).abs() < 1e-6,
                        (None, None) => true,
                        _ => false,
                    })
                });
            *seen
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner) = rows.clone();
            Ok(same.then_some(rows))
        })
        .await
        .with_context(|| {
            format!(
                "the page shows {:?}, the server {want:?}",
                seen.lock()
                    .unwrap_or_else(std::sync::PoisonError::into_inner)
            )
        })?;
    Ok(shown.len())
}

// ---- The roles ----

/// 监督员 in field mode (tablet landscape): my tasks, my reports, the map, the sync panel and
/// the new-report editor (filled, left as a draft).
async fn field(h: &Harness, driver: &Driver, work: &Path) -> Result<()> {
    let me = busiest_inspector(h)?;
    let ui = Ui::open(driver, &work.join(&me.username)).await?;
    ui.sign_in(&me.username).await?;
    ui.s.by_id("mode-field").await?;
    let took = wait_total(&ui, "nav-my_tasks", me.tasks).await?;
    eprintln!(
        "tour: {} has {} tasks and {} reports ({:.1} s to the first list)",
        me.username,
        me.tasks,
        me.reports,
        took.as_secs_f64()
    );
    ui.shoot("02-field-home", LANDSCAPE).await?;
    wait_total(&ui, "nav-my_reports", me.reports).await?;
    ui.shoot("02a-field-my-reports", LANDSCAPE).await?;
    ui.s.click("nav-map").await?;
    wait_tiles(&ui, "cases-map").await?;
    assert_eq!(map_cases(&ui).await?, me.on_map, "the field map's cases");
    tokio::time::sleep(Duration::from_millis(800)).await;
    ui.shoot("06-field-map", LANDSCAPE).await?;
    ui.s.click("nav-sync").await?;
    ui.s.wait_for("[data-testid=\"sync-online\"][data-online=\"true\"]")
        .await?;
    ui.s.wait_for("[data-testid=\"sync-pending\"][data-cases=\"0\"]")
        .await?;
    let last = ui.s.by_id("sync-last").await?;
    assert!(
        ui.s.attr(&last, "data-at")
            .await?
            .is_some_and(|t| !t.is_empty()),
        "a last sync time"
    );
    ui.shoot("05a-sync-panel", LANDSCAPE).await?;
    // A new report with a photo that carries GPS: placed on the grid from its EXIF.
    ui.s.click("new-report").await?;
    ui.s.by_id("editor-report").await?;
    let input = ui.s.by_id("photo-input").await?;
    ui.s.send_keys(&input, &fixture("with_gps.jpg")).await?;
    let cell =
        ui.s.until("the photo's position placed on the grid", || async {
            let p = ui.s.find_all(&tid("placement")).await?;
            match p.first() {
                Some(e) => Ok(ui.s.attr(e, "data-cell").await?.filter(|c| !c.is_empty())),
                None => Ok(None),
            }
        })
        .await?;
    assert_eq!(cell, "620102011001022", "EXIF 36.0611 N 103.8343 E");
    ui.s.click("category-kind-component").await?;
    ui.s.type_into("category-search", "井盖").await?;
    ui.s.click("category-option-01001").await?;
    ui.s.by_id("category-chosen").await?;
    ui.s.type_into("description", "人行道井盖破损下沉，行人易绊倒")
        .await?;
    ui.s.until("the draft to be saved", || async {
        let e = ui.s.by_id("draft-state").await?;
        Ok((ui.s.attr(&e, "data-state").await?.as_deref() == Some("clean")).then_some(()))
    })
    .await?;
    wait_tiles(&ui, "editor-map").await?;
    ui.shoot("03-new-report", LANDSCAPE).await?;
    ui.close().await
}

/// 受理员: the queues with their counts, 待受理, the case with photos and a long timeline, and
/// the 受理 form on a training case (cancelled).
async fn intake_desk(
    h: &Harness,
    driver: &Driver,
    work: &Path,
    photo_case: &str,
) -> Result<Duration> {
    let (ui, took) = desk(h, driver, work, "intake01").await?;
    wait_total(&ui, "nav-intake", count(h, "status = 'reported'", "")?).await?;
    tokio::time::sleep(Duration::from_millis(500)).await;
    ui.shoot("10-supervisor-queue", DESKTOP).await?;
    // The case with the department's photos: in 待核查 for the intake operator.
    ui.open_case("check", photo_case).await?;
    ui.s.until("both photos loaded", || async {
        let n =
            ui.s.find_all("[data-testid=\"photo-strip\"] img")
                .await?
                .len();
        Ok((n >= 2).then_some(()))
    })
    .await?;
    let timeline = ui.s.by_id("timeline").await?;
    let entries = ui.s.find_all("[data-testid=\"timeline\"] li").await?.len();
    let text = ui.s.text(&timeline).await?;
    for label in ["上报", "立案", "派遣", "处置反馈"] {
        assert!(text.contains(label), "timeline shows {label}: {text}");
    }
    assert!(entries >= 6, "a long timeline: {entries} entries");
    wait_tiles(&ui, "detail-map").await?;
    ui.shoot("11-case-detail", DESKTOP).await?;
    // 受理 is for a 监督员's own report; the other channels' reports go to 派核实 first.
    let acceptable = acceptable_reports(h)?;
    assert!(
        !acceptable.is_empty(),
        "the history has 监督员 reports in 待受理"
    );
    let case = open_first_of(&ui, "intake", "reported", Some(&acceptable)).await?;
    form_cancelled(
        h,
        &ui,
        &case,
        "accept",
        "reported",
        "18-accept-form",
        DESKTOP,
    )
    .await?;
    ui.close().await?;
    Ok(took)
}

/// 值班长: 立案 and 结案 forms on training cases (cancelled), the map with every open case, the
/// evaluation of the last full month by street.
async fn shift_desk(h: &Harness, driver: &Driver, work: &Path) -> Result<Duration> {
    let (ui, took) = desk(h, driver, work, "shift01").await?;
    let case = open_first(&ui, "filing", "awaiting_filing").await?;
    form_cancelled(
        h,
        &ui,
        &case,
        "file",
        "awaiting_filing",
        "14a-file-form",
        DESKTOP,
    )
    .await?;
    let case = open_first(&ui, "close", "awaiting_close").await?;
    form_cancelled(
        h,
        &ui,
        &case,
        "close",
        "awaiting_close",
        "19-close-form",
        DESKTOP,
    )
    .await?;
    enrol(&ui).await?;
    ui.s.click("nav-map").await?;
    wait_tiles(&ui, "cases-map").await?;
    assert_eq!(
        map_cases(&ui).await?,
        count(h, OPEN, "")?,
        "the map shows every open case"
    );
    tokio::time::sleep(Duration::from_millis(800)).await;
    ui.shoot("13-supervisor-map", DESKTOP).await?;
    let rows = evaluation(h, &ui, "shift01", "street").await?;
    eprintln!("tour: last month's evaluation by street has {rows} rows");
    tokio::time::sleep(Duration::from_millis(500)).await;
    ui.shoot("14-evaluation", DESKTOP).await?;
    ui.close().await?;
    Ok(took)
}

/// 派遣员: 处置中 filtered by a department (count against the server), the 派遣 form on a
/// training case with the responsibility list's suggestion (cancelled).
async fn dispatch_desk(h: &Harness, driver: &Driver, work: &Path) -> Result<Duration> {
    let (ui, took) = desk(h, driver, work, "dispatch01").await?;
    // The 派遣 form first: a department filter stays on when the queue changes.
    let case = open_first(&ui, "dispatch", "awaiting_dispatch").await?;
    let suggestion = ui.s.by_id("suggestion").await?;
    assert!(!ui.s.text(&suggestion).await?.is_empty());
    form_cancelled(
        h,
        &ui,
        &case,
        "dispatch",
        "awaiting_dispatch",
        "15-dispatch-form",
        DESKTOP,
    )
    .await?;
    let (department, _) = busiest_department(h)?;
    let want = count(
        h,
        "status IN ('in_progress', 'parked') AND department = ?2",
        &department,
    )?;
    ui.s.click("nav-handling").await?;
    ui.s.by_id("desk-filters").await?;
    ui.s.select("filter-department", &department).await?;
    ui.s.until("the filtered count", || async {
        Ok((list_total(&ui).await? == Some(want)).then_some(()))
    })
    .await
    .with_context(|| format!("处置中 of {department}: the server has {want}"))?;
    tokio::time::sleep(Duration::from_millis(500)).await;
    ui.shoot("10a-desk-filtered-queue", DESKTOP).await?;
    ui.close().await?;
    Ok(took)
}

/// 专业部门 (tablet landscape): its tasks (count against the server), one task, the 处置反馈
/// form with a photo (cancelled).
async fn department(h: &Harness, driver: &Driver, work: &Path) -> Result<()> {
    let (department, _) = busiest_department(h)?;
    let username = department_user(h, &department)?;
    let tasks = department_tasks(h, &username)?;
    let ui = Ui::open(driver, &work.join(&username)).await?;
    ui.sign_in(&username).await?;
    let took = wait_total(&ui, "nav-my_tasks", tasks).await?;
    eprintln!(
        "tour: {username} has {tasks} tasks ({:.1} s to the first list)",
        took.as_secs_f64()
    );
    tokio::time::sleep(Duration::from_millis(500)).await;
    ui.shoot("20a-department-tasks", LANDSCAPE).await?;
    let case = open_first(&ui, "my_tasks", "in_progress").await?;
    ui.shoot("20-department-task", LANDSCAPE).await?;
    assert_eq!(server_status(h, &case)?.as_deref(), Some("in_progress"));
    ui.s.click("action-feedback").await?;
    ui.s.by_id("action-form-feedback").await?;
    ui.s.type_into("field-comment", "已更换破损设施，现场已清理")
        .await?;
    let photos = ui.s.by_id("field-photos").await?;
    ui.s.send_keys(&photos, &fixture("rotated.jpg")).await?;
    tokio::time::sleep(Duration::from_millis(1500)).await;
    ui.shoot("21-feedback-form", LANDSCAPE).await?;
    ui.s.click("action-cancel").await?;
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(
        server_status(h, &case)?.as_deref(),
        Some("in_progress"),
        "a cancelled 处置反馈 changes nothing"
    );
    sign_for_and_sub_dispatch(h, &ui, &department).await?;
    ui.close().await
}

/// The training cases in handling of a department with child units that its user may act on:
/// not yet signed for (签收), open to a 下派 (none open, the department's deadline more than
/// two hours away), with a 下派 its child unit reported back on, and with any 下派 (the
/// panel shows the first kind when the history left one in handling, else the second).
struct UnitCases {
    /// The child units' names, as the 下派 form lists them (by name).
    children: Vec<String>,
    sign: BTreeSet<String>,
    sub: BTreeSet<String>,
    reported: BTreeSet<String>,
    handed_down: BTreeSet<String>,
}

fn unit_cases(h: &Harness, department: &str) -> Result<UnitCases> {
    let dep = h.deployment();
    let rules = dep.rules(TENANT)?;
    let id = DepartmentId::parse(department).map_err(anyhow::Error::msg)?;
    let names: BTreeMap<String, String> = dep
        .db()
        .read(|tx| db::users::departments(tx, TENANT))?
        .into_iter()
        .map(|d| (d.id.to_string(), d.name))
        .collect();
    let mut children: Vec<String> = rules
        .units
        .children_of(id)
        .into_iter()
        .filter_map(|c| names.get(&c.to_string()).cloned())
        .collect();
    children.sort();
    let now = dep.now();
    let mut out = UnitCases {
        children,
        sign: BTreeSet::new(),
        sub: BTreeSet::new(),
        reported: BTreeSet::new(),
        handed_down: BTreeSet::new(),
    };
    for case in case_ids(h, "status = 'in_progress' AND department = ?2", department)? {
        let state = fold(&server_events(h, &case)?);
        if state.dispatches.last().is_some_and(|d| d.signed.is_none()) {
            out.sign.insert(case.clone());
        }
        let due = gridcase_core::departments::handling_due(
            &gridcase_server::biz::projection::case_deadlines(&rules, &state, now),
        );
        if state.open_sub_task().is_none() && due.is_none_or(|d| d.ms() > now.ms() + 2 * 3_600_000)
        {
            out.sub.insert(case.clone());
        }
        if state.sub_tasks.iter().any(|t| t.feedback.is_some()) {
            out.reported.insert(case.clone());
        }
        if !state.sub_tasks.is_empty() {
            out.handed_down.insert(case);
        }
    }
    eprintln!(
        "tour: {department} has {} child units; in handling: {} not signed for, {} open to a 下派, {} with a 下派 ({} reported back)",
        out.children.len(),
        out.sign.len(),
        out.sub.len(),
        out.handed_down.len(),
        out.reported.len()
    );
    Ok(out)
}

/// 签收 and 下派 for the department (its task list open): the 签收 form and the 下派 form
/// (listing the department's child units) on a training case, both cancelled, and the
/// 签收·下派 panel of a case its child unit reported back on.
async fn sign_for_and_sub_dispatch(h: &Harness, ui: &Ui, department: &str) -> Result<()> {
    let cases = unit_cases(h, department)?;
    assert!(
        cases.children.len() >= 2,
        "the training tenant's busiest department has child units: {:?}",
        cases.children
    );
    // Both forms on one case when the history has one open to both.
    let both: BTreeSet<String> = cases.sign.intersection(&cases.sub).cloned().collect();
    let sign_among = if both.is_empty() { &cases.sign } else { &both };
    assert!(
        !sign_among.is_empty(),
        "a case in handling not yet signed for"
    );
    let case = open_first_of(ui, "my_tasks", "in_progress", Some(sign_among)).await?;
    let events = server_events(h, &case)?.len();
    ui.s.click("action-sign_for").await?;
    ui.s.by_id("action-form-sign_for").await?;
    ui.s.type_into("field-comment", "已签收，安排中队到场处置")
        .await?;
    tokio::time::sleep(Duration::from_millis(500)).await;
    ui.shoot("23-sign-for-form", LANDSCAPE).await?;
    cancel_form(ui, "sign_for").await?;
    assert_eq!(
        server_events(h, &case)?.len(),
        events,
        "a cancelled 签收 writes nothing"
    );
    assert_eq!(server_status(h, &case)?.as_deref(), Some("in_progress"));

    let case = if cases.sub.contains(&case) {
        case
    } else {
        assert!(!cases.sub.is_empty(), "a case in handling open to a 下派");
        open_first_of(ui, "my_tasks", "in_progress", Some(&cases.sub)).await?
    };
    let events = server_events(h, &case)?.len();
    ui.s.click("action-sub_dispatch").await?;
    ui.s.by_id("action-form-sub_dispatch").await?;
    // The options of a closed select have no rendered text: read them from the page.
    let options =
        ui.s.script(
            "return Array.from(document.querySelectorAll('[data-testid=\"field-unit\"] option')).filter((o) => o.value).map((o) => [o.value, o.textContent.trim()]);",
            json!([]),
        )
        .await?;
    let options: Vec<(String, String)> = serde_json::from_value(options)?;
    let first = options.first().map(|(id, _)| id.clone());
    let mut offered: Vec<String> = options.into_iter().map(|(_, name)| name).collect();
    offered.sort();
    assert_eq!(
        offered, cases.children,
        "the 下派 form offers the department's child units"
    );
    let first = first.context("a child unit")?;
    ui.s.select("field-unit", &first).await?;
    let due = input_value(ui, "field-dueAt").await?;
    assert!(
        due.len() == 16 && due.contains('T'),
        "the 下派 deadline defaults to the department's: {due:?}"
    );
    ui.s.type_into("field-comment", "请今日内到场处置，完成后上传照片反馈")
        .await?;
    tokio::time::sleep(Duration::from_millis(500)).await;
    ui.shoot("24-sub-dispatch-form", LANDSCAPE).await?;
    cancel_form(ui, "sub_dispatch").await?;
    assert_eq!(
        server_events(h, &case)?.len(),
        events,
        "a cancelled 下派 writes nothing"
    );

    let (among, stage) = if cases.reported.is_empty() {
        (&cases.handed_down, "")
    } else {
        (&cases.reported, "[data-stage=\"sub.reported\"]")
    };
    assert!(
        !among.is_empty(),
        "a case in handling handed down to a child unit"
    );
    open_first_of(ui, "my_tasks", "in_progress", Some(among)).await?;
    ui.s.wait_for(&format!("[data-testid=\"sub-task\"]{stage}"))
        .await?;
    let text =
        ui.s.script(
            "return document.querySelector('[data-testid=\"sub-tasks\"]').textContent;",
            json!([]),
        )
        .await?;
    let text = text.as_str().unwrap_or_default();
    assert!(
        cases.children.iter().any(|c| text.contains(c.as_str())),
        "the panel names the child unit: {text}"
    );
    ui.shoot_showing("25-sub-tasks", LANDSCAPE, Some("sub-tasks"))
        .await?;
    Ok(())
}

/// Cancels the open action form `kind` and waits for it to close.
async fn cancel_form(ui: &Ui, kind: &str) -> Result<()> {
    ui.s.click("action-cancel").await?;
    ui.s.until("the form to close", || async {
        Ok(ui
            .s
            .find_all(&tid(&format!("action-form-{kind}")))
            .await?
            .is_empty()
            .then_some(()))
    })
    .await?;
    tokio::time::sleep(Duration::from_millis(500)).await;
    Ok(())
}

/// 设备配置码 (值班长): the QR code (an SVG drawn from the code's modules) and the same code as
/// text, for the address this desk signed in to and the tenant, never an account.
async fn enrol(ui: &Ui) -> Result<()> {
    ui.s.click_scrolled("nav-enrol").await?;
    ui.s.by_id("enrol").await?;
    let qr = ui.s.wait_for("svg[data-testid=\"enrol-qr\"]").await?;
    let modules: usize =
        ui.s.attr(&qr, "data-modules")
            .await?
            .and_then(|m| m.parse().ok())
            .context("the QR code's size")?;
    assert!(modules >= 21, "a QR code of {modules} modules");
    let dark =
        ui.s.script(
            "return document.querySelector('[data-testid=\"enrol-qr\"] path').getAttribute('d').length;",
            json!([]),
        )
        .await?;
    assert!(dark.as_u64().is_some_and(|n| n > 100), "dark modules drawn");
    let server = input_value(ui, "enrol-server").await?;
    let code = input_value(ui, "enrol-code").await?;
    let port = server.rsplit(':').next().unwrap_or_default();
    assert!(
        server.starts_with("http://127.0.0.1:") && code.contains(port),
        "the desk's own server {server} in {code}"
    );
    assert!(
        code.starts_with("gridcase://enrol?") && code.contains("tenant=620102"),
        "{code}"
    );
    assert!(
        !code.contains("shift01") && !code.contains(PASSWORD),
        "no account in {code}"
    );
    tokio::time::sleep(Duration::from_millis(300)).await;
    ui.shoot("19a-enrol-qr", DESKTOP).await
}

/// 领导: the evaluation of the last full month by department.
async fn leader(h: &Harness, driver: &Driver, work: &Path) -> Result<Duration> {
    let (ui, took) = desk(h, driver, work, "leader01").await?;
    let rows = evaluation(h, &ui, "leader01", "department").await?;
    eprintln!("tour: last month's evaluation by department has {rows} rows");
    tokio::time::sleep(Duration::from_millis(500)).await;
    ui.shoot("17-leader-evaluation", DESKTOP).await?;
    ui.close().await?;
    Ok(took)
}

/// The current value of the input or text area with test id `testid` (a property the page
/// sets, not an attribute).
async fn input_value(ui: &Ui, testid: &str) -> Result<String> {
    let v =
        ui.s.script(
            &format!("return document.querySelector('[data-testid=\"{testid}\"]').value;"),
            json!([]),
        )
        .await?;
    v.as_str()
        .map(str::to_owned)
        .with_context(|| format!("the value of {testid}: {v}"))
}
