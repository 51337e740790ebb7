//! The app's commands end to end, through Tauri's real IPC path (`tauri::test`'s mock runtime:
//! no window, no display) against the real server on loopback with the demo tenant: an
//! inspector reports a problem with a real JPEG while the server is unreachable, the report
//! syncs when the server is back, then the intake operator accepts it, the shift leader files
//! it, the dispatcher dispatches it to the responsibility list's department, the department
//! feeds back with a photo, the intake operator sends a check task, the inspector checks it
//! with a photo and the shift leader closes it — each step asserted in the apps and on the
//! server. The same flow through the real webview is the WebDriver suite (`e2e/`).

use anyhow::{Context, Result, bail};
use base64::Engine;
use gridcase_core::model::CaseId;
use gridcase_core::model::Role;
use gridcase_tests::{FaultConfig, Harness, PASSWORD, TENANT, near_first_corner};
use serde::de::DeserializeOwned;
use serde_json::{Value, json};
use std::time::{Duration, Instant};
use tauri::test::{INVOKE_KEY, MockRuntime, mock_builder, mock_context, noop_assets};
use tauri::{App, WebviewWindow, WebviewWindowBuilder};

pub(crate) const PHOTO: &[u8] = include_bytes!("../../../core/tests/fixtures/photos/with_gps.jpg");
const ROTATED: &[u8] = include_bytes!("../../../core/tests/fixtures/photos/rotated.jpg");

/// One app instance with its own data directory.
pub(crate) struct AppUnderTest {
    _app: App<MockRuntime>,
    webview: WebviewWindow<MockRuntime>,
    pub(crate) _dir: tempfile::TempDir,
}

impl AppUnderTest {
    pub(crate) fn new() -> Result<AppUnderTest> {
        let dir = tempfile::tempdir()?;
        let app = gridcase_app_lib::builder(mock_builder(), Some(dir.path().to_owned()))
            .build(mock_context(noop_assets()))
            .context("app builds")?;
        let webview = WebviewWindowBuilder::new(&app, "main", Default::default())
            .build()
            .context("webview")?;
        Ok(AppUnderTest {
            _app: app,
            webview,
            _dir: dir,
        })
    }

    /// Invokes a command as the UI does; `Err` carries the command's `{code, message}`.
    pub(crate) fn try_call<T: DeserializeOwned>(&self, cmd: &str, args: Value) -> Result<T, Value> {
        let response = tauri::test::get_ipc_response(
            &self.webview,
            tauri::webview::InvokeRequest {
                cmd: cmd.into(),
                callback: tauri::ipc::CallbackFn(0),
                error: tauri::ipc::CallbackFn(1),
                url: "tauri://localhost".parse().expect("url"),
                body: tauri::ipc::InvokeBody::Json(args),
                headers: Default::default(),
                invoke_key: INVOKE_KEY.to_string(),
            },
        )?;
        response
            .deserialize::<T>()
            .map_err(|e| json!({"code": "test_decode", "message": e.to_string()}))
    }

    pub(crate) fn call<T: DeserializeOwned>(&self, cmd: &str, args: Value) -> Result<T> {
        self.try_call(cmd, args)
            .map_err(|e| anyhow::anyhow!("{cmd} failed: {e}"))
    }

    pub(crate) fn sign_in(&self, server: &str, username: &str) -> Result<Value> {
        self.call(
            "sign_in",
            json!({"serverUrl": server, "tenant": TENANT, "username": username,
                   "password": PASSWORD, "deviceName": format!("测试终端 {username}")}),
        )
    }

    pub(crate) fn list(&self, queue: &str) -> Result<Value> {
        self.call("list_cases", json!({"query": {"queue": queue}}))
    }

    pub(crate) fn detail(&self, case_id: &str) -> Result<Value> {
        self.call("case_detail", json!({"caseId": case_id}))
    }

    pub(crate) fn stage(&self, name: &str, bytes: &[u8]) -> Result<String> {
        let data = base64::engine::general_purpose::STANDARD.encode(bytes);
        let staged: Value = self.call("photo_stage", json!({"name": name, "data": data}))?;
        Ok(staged["sha256"].as_str().context("sha256")?.to_owned())
    }

    pub(crate) fn act(&self, case_id: &str, input: Value) -> Result<Value> {
        self.call("act", json!({"caseId": case_id, "input": input}))
    }

    /// Syncs until nothing is pending (the loop runs in the background; this waits for it).
    /// When a round has ended with work still pending (a round that failed under the load of
    /// the parallel suite waits the loop's poll interval before the next), it presses 立即同步
    /// again, as a user would.
    pub(crate) fn sync_until_clean(&self) -> Result<Value> {
        let _: Value = self.call("sync_now", json!({}))?;
        wait("sync to finish", || {
            let s: Value = self.call("sync_status", json!({}))?;
            let pending =
                s["pendingCases"] != 0 || s["pendingPhotos"] != 0 || s["pendingContacts"] != 0;
            let running = s["running"] != false;
            if pending && !running {
                let _: Value = self.call("sync_now", json!({}))?;
            }
            Ok((!pending && !running).then_some(s))
        })
    }

    /// Waits until the case shows up in `queue` (after background syncs).
    pub(crate) fn wait_in_queue(&self, queue: &str, case_id: &str) -> Result<Value> {
        wait(&format!("case in {queue}"), || {
            let _: Value = self.call("sync_now", json!({}))?;
            let list = self.list(queue)?;
            let row = list["rows"]
                .as_array()
                .and_then(|rows| rows.iter().find(|r| r["caseId"] == case_id).cloned());
            Ok(row)
        })
    }

    pub(crate) fn actions(&self, case_id: &str) -> Result<Vec<String>> {
        let d = self.detail(case_id)?;
        Ok(d["actions"]
            .as_array()
            .context("actions")?
            .iter()
            .filter_map(|a| a["kind"].as_str().map(str::to_owned))
            .collect())
    }
}

/// Polls `f` every 200 ms for up to 60 s (a wait for background work, not a timing assertion).
pub(crate) fn wait<T>(what: &str, mut f: impl FnMut() -> Result<Option<T>>) -> Result<T> {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        if let Some(v) = f()? {
            return Ok(v);
        }
        if Instant::now() > deadline {
            bail!("timed out waiting for {what}");
        }
        std::thread::sleep(Duration::from_millis(200));
    }
}

pub(crate) fn user(
    demo: &gridcase_core::demo::DemoTenant,
    role: Role,
) -> Result<&gridcase_core::demo::UserRecord> {
    demo.users
        .iter()
        .find(|u| u.role == role && (role != Role::Inspector || !u.cells.is_empty()))
        .with_context(|| format!("a demo user with role {role:?}"))
}

pub(crate) fn server_status(h: &Harness, case_id: &str) -> Result<String> {
    Ok(h.server_case(case_id)?
        .context("case on the server")?
        .status)
}

#[test]
fn an_offline_report_goes_through_the_whole_workflow_in_the_apps() -> Result<()> {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    let (h, demo) = rt.block_on(Harness::start_demo())?;
    let server = h.proxy.url();

    // The inspector signs in while the network is up and gets the tenant's reference data.
    let inspector_rec = user(&demo, Role::Inspector)?;
    let inspector = AppUnderTest::new()?;
    let session = inspector.sign_in(&server, &inspector_rec.username)?;
    assert_eq!(session["mode"], "field");
    assert_eq!(session["role"], "inspector");
    let info: Value = inspector.call("app_info", json!({}))?;
    assert_eq!(info["referenceLoaded"], true);

    // A report: a real JPEG through the pipeline, a map pin in one of the inspector's cells.
    let sha = inspector.stage("现场.jpg", PHOTO)?;
    let bad = inspector.try_call::<Value>("photo_stage", json!({"name": "x.heic", "data": "AAAA"}));
    assert_eq!(bad.unwrap_err()["code"], "media_not_an_image");
    let my_cell = session["cells"][0]
        .as_str()
        .context("the inspector has cells")?
        .to_owned();
    let cell = demo
        .cells
        .iter()
        .find(|c| c.code.to_string() == my_cell)
        .context("the inspector's cell")?;
    let ring: Vec<_> = cell.polygon.exterior().coords().copied().collect();
    let n = (ring.len() - 1) as f64;
    let (lon, lat) = ring[..ring.len() - 1]
        .iter()
        .fold((0.0, 0.0), |(x, y), c| (x + c.x / n, y + c.y / n));
    let placement: Value = inspector.call("locate", json!({"lon": lon, "lat": lat}))?;
    assert_eq!(placement["cell"], my_cell.as_str());
    assert_eq!(placement["inside"], true);
    let categories: Vec<Value> = inspector.call(
        "categories_search",
        json!({"query": "井盖", "kind": "component"}),
    )?;
    let category = categories.first().context("a 井盖 category")?.clone();
    let draft = report_draft(
        &sha,
        (lon, lat, "manual"),
        &placement,
        &category,
        "井盖破损，有行人踩空风险",
    );
    let saved: Value = inspector.call("draft_save", json!({"draft": draft}))?;
    assert!(saved["updatedAt"].as_i64().unwrap_or(0) > 0);

    // The server becomes unreachable; the report is submitted and is durable on the device.
    h.proxy.set_config(FaultConfig {
        refuse: true,
        ..FaultConfig::default()
    });
    h.proxy.cut_all();
    let submitted: Value = inspector.call("draft_submit", json!({}))?;
    let case_id = submitted["caseId"].as_str().context("case id")?.to_owned();
    assert!(submitted["durableMs"].as_f64().is_some());
    let draft_after: Option<Value> = inspector.call("draft_get", json!({}))?;
    assert!(draft_after.is_none(), "the draft is gone once submitted");
    let mine = inspector.list("my_reports")?;
    assert_eq!(mine["rows"][0]["caseId"], case_id.as_str());
    assert_eq!(mine["rows"][0]["syncState"], "local");
    let offline = wait("the sync loop to notice the server is down", || {
        let _: Value = inspector.call("sync_now", json!({}))?;
        let s: Value = inspector.call("sync_status", json!({}))?;
        Ok((s["lastError"]["code"] == "network").then_some(s))
    })?;
    assert_eq!(offline["pendingCases"], 1);
    assert_eq!(offline["pendingPhotos"], 1);
    assert!(
        h.server_case(&case_id)?.is_none(),
        "nothing reached the server while it was down"
    );

    // The server is back: the report and its photo sync.
    h.proxy.set_config(FaultConfig::default());
    let status = inspector.sync_until_clean()?;
    assert!(status["lastError"].is_null(), "{status}");
    assert_eq!(server_status(&h, &case_id)?, "reported");
    // The app's index refreshes after the round reports clean: wait for the row to follow.
    wait("the report's row to show it synced", || {
        let rows = inspector.list("my_reports")?;
        Ok((rows["rows"][0]["syncState"] == "synced").then_some(()))
    })?;

    // The centre: intake operator accepts, shift leader files, dispatcher dispatches.
    let intake = AppUnderTest::new()?;
    let s = intake.sign_in(&server, &user(&demo, Role::IntakeOperator)?.username)?;
    assert_eq!(s["mode"], "supervisor");
    intake.wait_in_queue("intake", &case_id)?;
    let detail = intake.detail(&case_id)?;
    assert_eq!(detail["report"]["description"], "井盖破损，有行人踩空风险");
    assert_eq!(detail["photos"].as_array().map(Vec::len), Some(1));
    let photo_url: String = intake.call("case_photo", json!({"sha256": sha}))?;
    assert!(photo_url.starts_with("data:image/jpeg;base64,"));
    assert!(intake.actions(&case_id)?.contains(&"accept".to_owned()));
    let refused = intake.try_call::<Value>(
        "act",
        json!({"caseId": case_id, "input": {"kind": "close"}}),
    );
    assert_eq!(refused.unwrap_err()["code"], "workflow_conflict");
    intake.act(&case_id, json!({"kind": "accept"}))?;
    intake.sync_until_clean()?;
    assert_eq!(server_status(&h, &case_id)?, "awaiting_filing");

    let leader = AppUnderTest::new()?;
    leader.sign_in(&server, &user(&demo, Role::ShiftLeader)?.username)?;
    leader.wait_in_queue("filing", &case_id)?;
    leader.act(&case_id, json!({"kind": "file", "comment": "符合立案条件"}))?;
    leader.sync_until_clean()?;
    assert_eq!(server_status(&h, &case_id)?, "awaiting_dispatch");

    let dispatcher = AppUnderTest::new()?;
    dispatcher.sign_in(&server, &user(&demo, Role::Dispatcher)?.username)?;
    dispatcher.wait_in_queue("dispatch", &case_id)?;
    let d = dispatcher.detail(&case_id)?;
    let department = d["suggestion"]["departmentId"]
        .as_str()
        .context("the responsibility list suggests a department")?
        .to_owned();
    let missing = dispatcher.try_call::<Value>(
        "act",
        json!({"caseId": case_id, "input": {"kind": "dispatch"}}),
    );
    assert_eq!(missing.unwrap_err()["code"], "invalid_input");
    // A typed number alone is no longer read as working hours (issue 12, C5): the override
    // needs its unit and a reason.
    for input in [
        json!({"kind": "dispatch", "departmentId": department, "limitHours": 8}),
        json!({"kind": "dispatch", "departmentId": department, "limitValue": 8}),
        json!({"kind": "dispatch", "departmentId": department, "limitValue": 8,
               "limitUnit": "natural_hours"}),
    ] {
        let refused =
            dispatcher.try_call::<Value>("act", json!({"caseId": case_id, "input": input}));
        assert_eq!(refused.unwrap_err()["code"], "invalid_input");
    }
    let standard = d["standardLimit"].clone();
    dispatcher.act(
        &case_id,
        json!({"kind": "dispatch", "departmentId": department, "limitValue": 8,
               "limitUnit": "natural_hours", "reason": "夜间作业，须当晚处置"}),
    )?;
    let after = dispatcher.detail(&case_id)?;
    let said = after["timeline"]
        .as_array()
        .and_then(|t| t.iter().find(|e| e["type"] == "dispatch"))
        .and_then(|e| e["summary"].as_str())
        .unwrap_or_default()
        .to_owned();
    assert!(
        said.contains("时限 8 小时（依据：派遣员调整：夜间作业，须当晚处置）"),
        "{said} (standard was {standard})"
    );
    dispatcher.sync_until_clean()?;
    assert_eq!(server_status(&h, &case_id)?, "in_progress");

    // The department feeds back with a photo.
    let dept_user = demo
        .users
        .iter()
        .find(|u| {
            u.role == Role::Department
                && u.department.as_deref().is_some_and(|code| {
                    demo.departments
                        .iter()
                        .any(|dd| dd.code == code && dd.id.to_string() == department)
                })
        })
        .context("a user of the dispatched department")?;
    let dept = AppUnderTest::new()?;
    dept.sign_in(&server, &dept_user.username)?;
    dept.wait_in_queue("my_tasks", &case_id)?;
    let after = dept.stage("处置后.jpg", ROTATED)?;
    let no_photo = dept.try_call::<Value>(
        "act",
        json!({"caseId": case_id, "input": {"kind": "feedback", "comment": "已更换井盖"}}),
    );
    assert_eq!(no_photo.unwrap_err()["code"], "invalid_input");
    dept.act(
        &case_id,
        json!({"kind": "feedback", "comment": "已更换井盖", "photos": [after]}),
    )?;
    dept.sync_until_clean()?;
    assert_eq!(server_status(&h, &case_id)?, "feedback_received");

    // The intake operator sends the check to the inspector, who checks it with a photo.
    intake.wait_in_queue("check", &case_id)?;
    let d = intake.detail(&case_id)?;
    let assignee = d["assignees"]
        .as_array()
        .and_then(|a| {
            a.iter()
                .find(|u| u["displayName"] == inspector_rec.display_name.as_str())
        })
        .and_then(|u| u["userId"].as_str())
        .context("the reporting inspector among the assignees")?
        .to_owned();
    intake.act(
        &case_id,
        json!({"kind": "request_check", "assignee": assignee}),
    )?;
    intake.sync_until_clean()?;
    assert_eq!(server_status(&h, &case_id)?, "awaiting_check");

    inspector.wait_in_queue("my_tasks", &case_id)?;
    let check_photo = inspector.stage("核查.jpg", PHOTO)?;
    inspector.act(
        &case_id,
        json!({"kind": "check", "passed": true, "photos": [check_photo], "comment": "已修复"}),
    )?;
    inspector.sync_until_clean()?;
    assert_eq!(server_status(&h, &case_id)?, "awaiting_close");

    // The shift leader closes it; everyone's copy agrees.
    leader.wait_in_queue("close", &case_id)?;
    leader.act(
        &case_id,
        json!({"kind": "close", "comment": "核查通过，结案"}),
    )?;
    leader.sync_until_clean()?;
    assert_eq!(server_status(&h, &case_id)?, "closed");
    // The intake operator records the call-back on the closed case.
    intake.wait_in_queue("closed", &case_id)?;
    intake.act(
        &case_id,
        json!({"kind": "callback", "satisfied": true, "comment": "回访：已修复"}),
    )?;
    intake.sync_until_clean()?;
    let closed = inspector.wait_in_queue("my_reports", &case_id)?;
    let d = wait("the inspector's copy to close", || {
        let _: Value = inspector.call("sync_now", json!({}))?;
        let d = inspector.detail(&case_id)?;
        Ok((d["row"]["status"] == "closed").then_some(d))
    })?;
    assert!(closed["caseId"] == case_id.as_str());
    let kinds: Vec<&str> = d["timeline"]
        .as_array()
        .context("timeline")?
        .iter()
        .filter_map(|e| e["type"].as_str())
        .collect();
    for k in [
        "report",
        "accept",
        "file",
        "dispatch",
        "feedback",
        "request_check",
        "check",
        "close",
    ] {
        assert!(kinds.contains(&k), "{k} in {kinds:?}");
    }
    assert!(
        d["timeline"]
            .as_array()
            .unwrap()
            .iter()
            .all(|e| e["conflict"].is_null())
    );
    drop(rt);
    Ok(())
}

#[test]
fn commands_refuse_bad_input_with_clear_codes() -> Result<()> {
    let app = AppUnderTest::new()?;
    let e = app
        .try_call::<Value>("list_cases", json!({"query": {}}))
        .unwrap_err();
    assert_eq!(e["code"], "not_signed_in");
    // (server, user, the refusal): a scheme that is not HTTP, a user name that is a path, and
    // a well-formed sign-in to a port where nothing listens.
    for (server, username, code) in [
        ("ftp://x", "a", "invalid_input"),
        ("http://127.0.0.1:9", "../etc", "invalid_input"),
        ("http://127.0.0.1:9", "nobody", "network"),
    ] {
        let e = app
            .try_call::<Value>(
                "sign_in",
                json!({"serverUrl": server, "tenant": TENANT, "username": username, "password": "b", "deviceName": ""}),
            )
            .unwrap_err();
        assert_eq!(e["code"], code, "{server} {username}: {e}");
    }
    Ok(())
}

/// An inspector's draft (kind `report`) with one staged photo, as the UI saves it.
pub(crate) fn report_draft(
    sha: &str,
    (lon, lat, source): (f64, f64, &str),
    placement: &Value,
    category: &Value,
    description: &str,
) -> Value {
    let photo = json!({"sha256": sha, "thumbUrl": "", "width": 640, "height": 480,
        "exif": {"lon": null, "lat": null, "accuracyM": null, "takenAt": null, "orientation": 1,
                 "make": null, "model": null}, "name": "现场.jpg"});
    json!({"kind": "report", "photos": [photo], "afterPhotos": [],
        "position": {"lon": lon, "lat": lat, "accuracyM": 4.0, "source": source},
        "placement": placement, "category": category, "componentId": null,
        "description": description, "urgency": "normal", "caller": null, "updatedAt": 0})
}

/// Reports one problem with a photo at (lon, lat) from an app signed in as an inspector.
pub(crate) fn report_at(app: &AppUnderTest, lon: f64, lat: f64, text: &str) -> Result<String> {
    report_with(app, PHOTO, lon, lat, text)
}

/// [`report_at`] with these photo bytes (two inspectors never take byte-identical photos, and
/// the gate refuses a photo another device uploaded: `photo_not_owned`).
pub(crate) fn report_with(
    app: &AppUnderTest,
    photo: &[u8],
    lon: f64,
    lat: f64,
    text: &str,
) -> Result<String> {
    let sha = app.stage("现场.jpg", photo)?;
    let placement: Value = app.call("locate", json!({"lon": lon, "lat": lat}))?;
    let categories: Vec<Value> = app.call(
        "categories_search",
        json!({"query": "01001", "kind": "component"}),
    )?;
    let draft = report_draft(&sha, (lon, lat, "gps"), &placement, &categories[0], text);
    let _: Value = app.call("draft_save", json!({"draft": draft}))?;
    let submitted: Value = app.call("draft_submit", json!({}))?;
    Ok(submitted["caseId"].as_str().context("case id")?.to_owned())
}

/// Issue 11: a quarantined report is sent again from the sync panel (重新提交), with its photo,
/// and accepted; the notice goes; a second tap is refused clearly.
#[test]
fn a_quarantined_report_is_sent_again_from_the_app() -> Result<()> {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    let (h, demo) = rt.block_on(Harness::start_demo())?;
    let server = h.proxy.url();
    let inspector = user(&demo, Role::Inspector)?;
    let app = AppUnderTest::new()?;
    let session = app.sign_in(&server, &inspector.username)?;
    let cell = session["cells"][0].as_str().context("cells")?.to_owned();
    let c = demo
        .cells
        .iter()
        .find(|c| c.code.to_string() == cell)
        .context("cell")?;
    let (lon, lat) = near_first_corner(c, 0.0003)?;
    // Offline: the report stays on the tablet.
    h.proxy.set_config(FaultConfig {
        refuse: true,
        ..FaultConfig::default()
    });
    h.proxy.cut_all();
    let case = report_at(&app, lon, lat, "井盖破损，已设警示")?;
    // What a build before issue 11 did with a report stamped by a fast clock: quarantined it
    // (removed from the device, the refused report and its photo kept).
    {
        let path = app
            ._dir
            .path()
            .join("users")
            .join(format!("{TENANT}-{}", inspector.username))
            .join("device.sqlite");
        let mut store = gridcase_core::store::DeviceStore::open(path)?;
        let id = CaseId::parse(&case).map_err(anyhow::Error::msg)?;
        let now = gridcase_core::sync::runtime::now();
        store.quarantine_case(
            id,
            "hlc_in_future",
            "设备时钟超前过多，请校准时间",
            now,
            None,
        )?;
    }
    let status: Value = app.call("sync_status", json!({}))?;
    let qid = status["quarantines"]
        .as_array()
        .and_then(|qs| qs.iter().find(|q| q["caseId"] == case.as_str()))
        .and_then(|q| q["id"].as_i64())
        .with_context(|| format!("the quarantine in the panel: {status}"))?;
    h.proxy.set_config(FaultConfig::default());
    let after: Value = app.call("quarantine_resend", json!({"id": qid}))?;
    assert!(
        after["quarantines"]
            .as_array()
            .is_some_and(|qs| qs.iter().all(|q| q["id"] != qid)),
        "the notice is gone: {after}"
    );
    app.sync_until_clean()?;
    assert_eq!(server_status(&h, &case)?, "reported");
    let d = app.detail(&case)?;
    assert_eq!(d["row"]["caseId"], case.as_str());
    let again = app
        .try_call::<Value>("quarantine_resend", json!({"id": qid}))
        .expect_err("nothing left to send");
    assert_eq!(again["code"], "invalid_input", "{again}");
    let missing = app
        .try_call::<Value>("quarantine_resend", json!({"id": 987_654}))
        .expect_err("no such notice");
    assert_eq!(missing["code"], "not_found", "{missing}");
    drop(rt);
    Ok(())
}

#[test]
fn a_duplicate_is_offered_and_merging_keeps_both_reporters() -> Result<()> {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    let (h, demo) = rt.block_on(Harness::start_demo())?;
    let server = h.proxy.url();
    let inspectors: Vec<_> = demo
        .users
        .iter()
        .filter(|u| u.role == Role::Inspector)
        .take(2)
        .collect();
    let (a, b) = (AppUnderTest::new()?, AppUnderTest::new()?);
    let sa = a.sign_in(&server, &inspectors[0].username)?;
    b.sign_in(&server, &inspectors[1].username)?;
    let cell = sa["cells"][0].as_str().context("cells")?.to_owned();
    let c = demo
        .cells
        .iter()
        .find(|c| c.code.to_string() == cell)
        .context("cell")?;
    let (lon, lat) = near_first_corner(c, 0.0003)?;
    let first = report_at(&a, lon, lat, "井盖缺失")?;
    a.sync_until_clean()?;
    let other_photo = include_bytes!("../../../core/tests/fixtures/photos/rotated.jpg");
    let second = report_with(&b, other_photo, lon + 0.0001, lat, "此处井盖没了")?;
    b.sync_until_clean()?;

    let intake = AppUnderTest::new()?;
    intake.sign_in(&server, &user(&demo, Role::IntakeOperator)?.username)?;
    intake.wait_in_queue("intake", &first)?;
    intake.wait_in_queue("intake", &second)?;
    let d = intake.detail(&second)?;
    let dup = d["duplicates"]
        .as_array()
        .and_then(|a| a.iter().find(|c| c["caseId"] == first.as_str()))
        .with_context(|| format!("{first} offered as a duplicate: {}", d["duplicates"]))?;
    assert!(dup["distanceM"].as_f64().unwrap_or(1e9) < 20.0);
    intake.act(&second, json!({"kind": "merge_into", "targetCase": first}))?;
    intake.sync_until_clean()?;
    assert_eq!(server_status(&h, &second)?, "merged");
    let target = intake.detail(&first)?;
    let merged = target["timeline"]
        .as_array()
        .context("timeline")?
        .iter()
        .find(|e| e["type"] == "merge_from")
        .context("merge_from on the absorbing case")?;
    assert!(merged["summary"].as_str().unwrap_or("").contains(&second));
    assert!(merged["conflict"].is_null());
    let events = {
        let id = CaseId::parse(&first).map_err(anyhow::Error::msg)?;
        let doc = h
            .deployment()
            .db()
            .read(|tx| gridcase_server::db::docs::load(tx, id))?;
        doc.events().map_err(|e| anyhow::anyhow!("{e}"))?
    };
    let state = gridcase_core::workflow::fold(&events);
    let reporters: Vec<_> = state.reporters().iter().map(|r| r.actor.user).collect();
    assert_eq!(reporters.len(), 2, "both reporters are kept: {reporters:?}");
    drop(rt);
    Ok(())
}

#[test]
fn a_hotline_call_is_verified_in_the_field_before_filing() -> Result<()> {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    let (h, demo) = rt.block_on(Harness::start_demo())?;
    let server = h.proxy.url();
    let inspector_rec = user(&demo, Role::Inspector)?;
    let inspector = AppUnderTest::new()?;
    let s = inspector.sign_in(&server, &inspector_rec.username)?;
    let cell = s["cells"][0].as_str().context("cells")?.to_owned();
    let c = demo
        .cells
        .iter()
        .find(|c| c.code.to_string() == cell)
        .context("cell")?;
    let (lon, lat) = near_first_corner(c, 0.0003)?;

    // The intake operator takes the call: no photo, a map pin, the caller and a call-back wish.
    let intake = AppUnderTest::new()?;
    intake.sign_in(&server, &user(&demo, Role::IntakeOperator)?.username)?;
    let placement: Value = intake.call("locate", json!({"lon": lon, "lat": lat}))?;
    let categories: Vec<Value> = intake.call("categories_search", json!({"query": "暴露垃圾"}))?;
    let mut draft = json!({"kind": "hotline", "photos": [], "afterPhotos": [],
        "position": {"lon": lon, "lat": lat, "accuracyM": null, "source": "manual"},
        "placement": placement, "category": categories[0], "componentId": null,
        "description": "小区门口垃圾堆放多日", "urgency": "normal",
        "caller": {"name": "王先生", "phone": "call-me", "wantsCallback": true}, "updatedAt": 0});
    let _: Value = intake.call("draft_save", json!({"draft": draft}))?;
    let e = intake
        .try_call::<Value>("draft_submit", json!({}))
        .unwrap_err();
    assert_eq!(
        (e["code"].as_str(), e["field"].as_str()),
        (Some("invalid_input"), Some("callerPhone"))
    );
    draft["caller"]["phone"] = json!("0931-8123456");
    let _: Value = intake.call("draft_save", json!({"draft": draft}))?;
    let submitted: Value = intake.call("draft_submit", json!({}))?;
    let case_id = submitted["caseId"].as_str().context("case id")?.to_owned();
    intake.sync_until_clean()?;
    assert_eq!(server_status(&h, &case_id)?, "reported");
    let d = intake.detail(&case_id)?;
    assert_eq!(d["report"]["caller"]["name"], "王先生");
    assert_eq!(d["report"]["caller"]["phone"], "0931-8123456");
    let actions = intake.actions(&case_id)?;
    assert!(
        !actions.contains(&"accept".to_owned()),
        "a public report needs verification first: {actions:?}"
    );
    let assignee = d["assignees"]
        .as_array()
        .and_then(|a| {
            a.iter()
                .find(|u| u["displayName"] == inspector_rec.display_name.as_str())
        })
        .and_then(|u| u["userId"].as_str())
        .context("the cell's inspector among the assignees")?
        .to_owned();
    intake.act(
        &case_id,
        json!({"kind": "request_verification", "assignee": assignee}),
    )?;
    intake.sync_until_clean()?;

    // The inspector verifies on site with a photo.
    inspector.wait_in_queue("my_tasks", &case_id)?;
    let photo = inspector.stage("核实.jpg", PHOTO)?;
    inspector.act(
        &case_id,
        json!({"kind": "verify", "passed": true, "photos": [photo]}),
    )?;
    inspector.sync_until_clean()?;
    assert_eq!(server_status(&h, &case_id)?, "awaiting_filing");

    // Filed, then voided as already handled by another channel; the caller is called back.
    let leader = AppUnderTest::new()?;
    leader.sign_in(&server, &user(&demo, Role::ShiftLeader)?.username)?;
    leader.wait_in_queue("filing", &case_id)?;
    let e = leader
        .try_call::<Value>("act", json!({"caseId": case_id, "input": {"kind": "void"}}))
        .unwrap_err();
    assert_eq!(e["code"], "invalid_input");
    leader.act(
        &case_id,
        json!({"kind": "void", "reason": "已由环卫部门当日清运"}),
    )?;
    leader.sync_until_clean()?;
    assert_eq!(server_status(&h, &case_id)?, "voided");
    intake.wait_in_queue("closed", &case_id)?;
    if intake.actions(&case_id)?.contains(&"callback".to_owned()) {
        intake.act(
            &case_id,
            json!({"kind": "callback", "satisfied": true, "comment": "来电人表示满意"}),
        )?;
        intake.sync_until_clean()?;
    }
    drop(rt);
    Ok(())
}

#[test]
fn place_search_finds_a_road_by_initials_with_its_cell_and_address() -> Result<()> {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    let (h, demo) = rt.block_on(Harness::start_demo())?;
    let app = AppUnderTest::new()?;
    let e = app
        .try_call::<Value>("place_search", json!({"query": "qaxiang"}))
        .unwrap_err();
    assert_eq!(e["code"], "not_signed_in");
    app.sign_in(&h.proxy.url(), &user(&demo, Role::IntakeOperator)?.username)?;
    let (lon, lat) = (demo.info.centre[0], demo.info.centre[1]);
    // 秦安巷 by its initials and by a cut-short syllable, from the map centre.
    for query in ["qax", "qinanx"] {
        let hits: Vec<Value> = app.call(
            "place_search",
            json!({"query": query, "lon": lon, "lat": lat, "limit": 5}),
        )?;
        let first = hits.first().context("a hit")?;
        assert_eq!(first["name"], "秦安巷", "{query}: {hits:?}");
        assert_eq!(first["kind"], "road");
        // The cell and address are those `locate` gives for the pin: its cell, or for a pin on
        // the lane between cells, the nearest cell it hints.
        let placement: Value =
            app.call("locate", json!({"lon": first["lon"], "lat": first["lat"]}))?;
        let located = if placement["cell"].is_null() {
            &placement["nearestCell"]["code"]
        } else {
            &placement["cell"]
        };
        assert!(first["cell"].is_string(), "{first}");
        assert_eq!(&first["cell"], located);
        assert_eq!(first["address"], placement["address"]);
        assert!(
            first["address"]
                .as_str()
                .is_some_and(|a| a.contains("秦安巷"))
        );
    }
    let e = app
        .try_call::<Value>("place_search", json!({"query": "长".repeat(51)}))
        .unwrap_err();
    assert_eq!(e["code"], "invalid_input");
    let none: Vec<Value> = app.call("place_search", json!({"query": "不存在的地名xyz"}))?;
    assert!(none.is_empty());
    Ok(())
}
