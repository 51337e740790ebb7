//! The desktop/tablet app end to end in the real webview (WebKitGTK through tauri-driver and
//! WebKitWebDriver, under Xvfb): the whole workflow driven through the UI as its users would,
//! each step asserted in the UI and on the server, and screenshots at tablet landscape
//! (1280×800), tablet portrait (800×1280) and desktop (1440×900) sizes saved to
//! `docs/screenshots/` for the user guide: the flow's own states here (sign-in, offline,
//! hotline, publish, check, closed, the desk's batch and countdown), every other screen by the
//! tour of the training tenant (`tour.rs`). Each file name has one writer.
//!
//! Needs (scripts/test-all.sh provides them): `Xvfb` (each driver starts a private display of
//! its own, so tests running at once never see each other's windows), `tauri-driver` on PATH
//! (or `TAURI_DRIVER`), `/usr/bin/WebKitWebDriver`, and the app built with the
//! `custom-protocol` feature next to this test binary (or `GRIDCASE_APP_BIN`). A missing piece
//! fails the suite; it never skips. Built only with `--features e2e`.

use anyhow::{Context, Result, bail};
use gridcase_tests::webdriver::{Session, tid};
use gridcase_tests::{FaultConfig, Harness, PASSWORD, TENANT};
use serde_json::json;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

mod dashboard;
mod patrol;
mod supervision;
mod tour;

pub(crate) const LANDSCAPE: (u32, u32, &str) = (1280, 800, "tablet-landscape");
pub(crate) const PORTRAIT: (u32, u32, &str) = (800, 1280, "tablet-portrait");
pub(crate) const DESKTOP: (u32, u32, &str) = (1440, 900, "desktop");

pub(crate) fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("workspace root")
        .to_owned()
}

fn fixture(name: &str) -> String {
    workspace()
        .join("core/tests/fixtures/photos")
        .join(name)
        .display()
        .to_string()
}

pub(crate) fn app_binary() -> Result<PathBuf> {
    if let Some(p) = std::env::var_os("GRIDCASE_APP_BIN") {
        return Ok(p.into());
    }
    let exe = std::env::current_exe()?;
    let dir = exe
        .parent()
        .and_then(Path::parent)
        .context("target directory")?;
    let bin = dir.join("gridcase-app");
    if !bin.exists() {
        bail!(
            "{} is missing: build it first with `cargo build -p gridcase-app --features custom-protocol`",
            bin.display()
        );
    }
    Ok(bin)
}

fn driver_binary() -> PathBuf {
    if let Some(p) = std::env::var_os("TAURI_DRIVER") {
        return p.into();
    }
    let home = std::env::var_os("HOME")
        .map(PathBuf::from)
        .unwrap_or_default();
    let cargo_bin = home.join(".cargo/bin/tauri-driver");
    if cargo_bin.exists() {
        cargo_bin
    } else {
        PathBuf::from("tauri-driver")
    }
}

/// tauri-driver as a child process on a private X display of its own (an `Xvfb` per driver),
/// both stopped on drop. Tests running at once each draw on their own display, so one test's
/// screenshot can never catch another test's window.
pub(crate) struct Driver {
    child: Child,
    url: String,
    xvfb: Child,
    /// `:N`, the driver's display.
    display: String,
}

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = self.xvfb.kill();
        let _ = self.xvfb.wait();
    }
}

/// Starts `Xvfb` on a free display (it picks one and writes its number: `-displayfd`).
fn private_display() -> Result<(Child, String)> {
    use std::io::BufRead as _;
    let mut xvfb = Command::new("Xvfb")
        .args([
            "-displayfd",
            "1",
            "-screen",
            "0",
            "1440x1280x24",
            "-nolisten",
            "tcp",
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .context("start Xvfb (apt install xvfb)")?;
    let stdout = xvfb.stdout.take().context("Xvfb's stdout")?;
    let mut line = String::new();
    std::io::BufReader::new(stdout).read_line(&mut line)?;
    let n: u32 = line
        .trim()
        .parse()
        .with_context(|| format!("Xvfb did not say its display: {line:?}"))?;
    Ok((xvfb, format!(":{n}")))
}

fn free_port() -> Result<u16> {
    Ok(std::net::TcpListener::bind("127.0.0.1:0")?
        .local_addr()?
        .port())
}

pub(crate) async fn start_driver(server_url: &str, log: &Path) -> Result<Driver> {
    start_driver_with(server_url, log, &[]).await
}

/// [`start_driver`] with more environment for the app it starts (e.g. the simulated position
/// source of the patrol screens).
pub(crate) async fn start_driver_with(
    server_url: &str,
    log: &Path,
    env: &[(&str, &str)],
) -> Result<Driver> {
    let (xvfb, display) = private_display()?;
    let port = free_port()?;
    let native = free_port()?;
    let child = Command::new(driver_binary())
        .args([
            "--port",
            &port.to_string(),
            "--native-port",
            &native.to_string(),
        ])
        .args(["--native-driver", "/usr/bin/WebKitWebDriver"])
        .env("DISPLAY", &display)
        .env("GRIDCASE_SERVER", server_url)
        .env("GRIDCASE_TENANT", TENANT)
        .env("WEBKIT_DISABLE_COMPOSITING_MODE", "1")
        .envs(env.iter().copied())
        .stdout(Stdio::from(std::fs::File::create(log.join("driver.out"))?))
        .stderr(Stdio::from(std::fs::File::create(log.join("driver.err"))?))
        .spawn()
        .context("start tauri-driver (cargo install tauri-driver --version '^2' --locked)")?;
    let url = format!("http://127.0.0.1:{port}");
    let driver = Driver {
        child,
        url,
        xvfb,
        display,
    };
    for _ in 0..100 {
        if tokio::net::TcpStream::connect(("127.0.0.1", port))
            .await
            .is_ok()
        {
            return Ok(driver);
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    bail!("tauri-driver did not listen on {port}")
}

/// One run of the app as one user (its own data directory, kept between sessions).
pub(crate) struct Ui {
    pub(crate) s: Session,
    shots: PathBuf,
    /// The driver's display, where the app's window is.
    display: String,
}

impl Ui {
    pub(crate) async fn open(driver: &Driver, data_dir: &Path) -> Result<Ui> {
        std::fs::create_dir_all(data_dir)?;
        let caps = json!({
            "browserName": "wry",
            "tauri:options": {
                "application": app_binary()?.display().to_string(),
                "args": ["--data-dir", data_dir.display().to_string()],
            }
        });
        let s = Session::start(&driver.url, caps).await?;
        s.resize(LANDSCAPE.0, LANDSCAPE.1).await?;
        Ok(Ui {
            s,
            shots: workspace().join("docs/screenshots"),
            display: driver.display.clone(),
        })
    }

    /// Saves the current screen at the three sizes, then returns to `back`.
    pub(crate) async fn shoot(&self, name: &str, back: (u32, u32, &str)) -> Result<()> {
        self.shoot_showing(name, back, None).await
    }

    /// [`Ui::shoot`], scrolling the element with test id `showing` (when given) into view at
    /// each size (a resize moves what a scrolled panel shows).
    pub(crate) async fn shoot_showing(
        &self,
        name: &str,
        back: (u32, u32, &str),
        showing: Option<&str>,
    ) -> Result<()> {
        std::fs::create_dir_all(&self.shots)?;
        for (w, h, label) in [LANDSCAPE, PORTRAIT, DESKTOP] {
            self.s.resize(w, h).await?;
            tokio::time::sleep(Duration::from_millis(600)).await;
            if let Some(testid) = showing {
                let e = self.s.by_id(testid).await?;
                self.s.scroll_to(&e).await?;
                tokio::time::sleep(Duration::from_millis(300)).await;
            }
            // The display's pixels (ImageMagick's `import`): WebKitWebDriver's own screenshot
            // command hangs under Xvfb without compositing. The window sits at (0, 0) of the
            // driver's own display with no window manager, so the crop is the window.
            let path = self.shots.join(format!("{name}-{label}.png"));
            let status = Command::new("import")
                .env("DISPLAY", &self.display)
                .args([
                    "-window",
                    "root",
                    "-crop",
                    &format!("{w}x{h}+0+0"),
                    "+repage",
                ])
                .arg(&path)
                .status()
                .context("ImageMagick's import (apt install imagemagick)")?;
            if !status.success() {
                bail!("import failed for {}", path.display());
            }
        }
        self.s.resize(back.0, back.1).await?;
        tokio::time::sleep(Duration::from_millis(300)).await;
        Ok(())
    }

    pub(crate) async fn sign_in(&self, username: &str) -> Result<()> {
        // Start-up shows a spinner first, then sign-in or (a resumed session) the mode.
        self.s
            .wait_for("[data-testid=\"signin-form\"], [data-testid=\"mode-field\"], [data-testid=\"mode-supervisor\"]")
            .await?;
        if !self.s.find_all(&tid("signin-form")).await?.is_empty() {
            self.s.type_into("signin-username", username).await?;
            self.s.type_into("signin-password", PASSWORD).await?;
            self.s.click("signin-submit").await?;
        }
        self.s
            .wait_for("[data-testid=\"mode-field\"], [data-testid=\"mode-supervisor\"]")
            .await?;
        Ok(())
    }

    /// Opens the case from a queue, re-opening the queue until it shows up (after syncs).
    pub(crate) async fn open_case(&self, queue: &str, case_id: &str) -> Result<()> {
        let row = tid(&format!("case-row-{case_id}"));
        self.s
            .until(&format!("{case_id} in {queue}"), || async {
                self.s.click(&format!("nav-{queue}")).await?;
                tokio::time::sleep(Duration::from_millis(500)).await;
                Ok(self.s.find_all(&row).await?.into_iter().next())
            })
            .await?;
        let e = self.s.wait_for(&row).await?;
        self.s.click_el(&e).await?;
        self.s
            .wait_for(&format!(
                "[data-testid=\"case-detail\"][data-case-id=\"{case_id}\"]"
            ))
            .await?;
        Ok(())
    }

    /// Clicks an action, fills nothing more, submits its form if it has one.
    pub(crate) async fn act(&self, kind: &str) -> Result<()> {
        self.s.click(&format!("action-{kind}")).await?;
        self.submit_action().await
    }

    pub(crate) async fn submit_action(&self) -> Result<()> {
        tokio::time::sleep(Duration::from_millis(300)).await;
        if let Some(b) = self
            .s
            .find_all(&tid("action-submit"))
            .await?
            .into_iter()
            .next()
        {
            self.s.click_el(&b).await?;
        }
        self.s
            .until("the action to finish", || async {
                let open = !self.s.find_all(&tid("action-submit")).await?.is_empty();
                let errors = self
                    .s
                    .find_all("[data-testid=\"toast\"][data-kind=\"error\"]")
                    .await?;
                if let Some(e) = errors.first() {
                    bail!("the app showed an error: {}", self.s.text(e).await?);
                }
                Ok((!open).then_some(()))
            })
            .await
    }

    pub(crate) async fn close(self) -> Result<()> {
        self.s.end().await
    }
}

/// Waits until the map `testid` has painted basemap tiles with data (`data-tiles-drawn`, set
/// by the UI's basemap layer); returns how many.
pub(crate) async fn wait_tiles(ui: &Ui, testid: &str) -> Result<u32> {
    ui.s.until(
        &format!("the offline basemap drawn on {testid}"),
        || async {
            let e = ui.s.by_id(testid).await?;
            Ok(ui
                .s
                .attr(&e, "data-tiles-drawn")
                .await?
                .and_then(|n| n.parse::<u32>().ok())
                .filter(|n| *n > 0))
        },
    )
    .await
}

/// The time from opening a map to its first painted basemap tile, as the UI's basemap layer
/// measured it (`data-first-tile-ms`, performance.now() from the layer's creation), and as the
/// driver saw it (from the click to the poll that found a drawn tile, polled every 50 ms).
async fn first_render(ui: &Ui, nav: &str, map: &str) -> Result<(String, u128)> {
    let start = std::time::Instant::now();
    ui.s.click(nav).await?;
    loop {
        let drawn =
            ui.s.find_all(&format!("[data-testid=\"{map}\"][data-tiles-drawn]"))
                .await?;
        if !drawn.is_empty() {
            break;
        }
        if start.elapsed() > Duration::from_secs(30) {
            bail!("no basemap tile on {map} within 30 s");
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let seen = start.elapsed().as_millis();
    let layer =
        ui.s.find_all(&format!(
            "[data-testid=\"{map}\"] [data-testid=\"basemap-layer\"]"
        ))
        .await?;
    let own = match layer.first() {
        Some(e) => {
            ui.s.attr(e, "data-first-tile-ms")
                .await?
                .unwrap_or_default()
        }
        None => String::new(),
    };
    Ok((own, seen))
}

/// Appends a line to target/e2e-figures.txt (figures for docs/performance.md; never asserted).
pub(crate) fn record_figure(line: &str) {
    use std::io::Write;
    let path = workspace().join("target/e2e-figures.txt");
    if let Ok(mut f) = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(&path)
    {
        let _ = writeln!(f, "{line}");
    }
    eprintln!("figure: {line}");
}

/// Metres from (lon, lat) to the nearest segment of the demo road `name`.
fn metres_to_road(demo: &gridcase_core::demo::DemoTenant, name: &str, lon: f64, lat: f64) -> f64 {
    use geo::{Coord, Distance, Euclidean, MapCoords, Point};
    let kx = 111_195.08 * lat.to_radians().cos();
    demo.places
        .iter()
        .filter(|p| p.name == name)
        .filter_map(|p| match &p.geometry {
            gridcase_core::grid::PlaceGeometry::Line(l) => Some(l.map_coords(|c| Coord {
                x: (c.x - lon) * kx,
                y: (c.y - lat) * 111_195.08,
            })),
            gridcase_core::grid::PlaceGeometry::Point(_) => None,
        })
        .map(|l| Euclidean.distance(&Point::new(0.0, 0.0), &l))
        .fold(f64::INFINITY, f64::min)
}

pub(crate) fn server_status(h: &Harness, case_id: &str) -> Result<Option<String>> {
    Ok(h.server_case(case_id)?.map(|r| r.status))
}

pub(crate) async fn wait_server(h: &Harness, case_id: &str, status: &str) -> Result<()> {
    for _ in 0..300 {
        if server_status(h, case_id)?.as_deref() == Some(status) {
            return Ok(());
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    bail!(
        "the server never saw {case_id} as {status} (it has {:?})",
        server_status(h, case_id)?
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_workflow_through_the_real_app() -> Result<()> {
    let (h, demo) = Harness::start_demo().await?;
    let work = tempfile::tempdir()?;
    let driver = start_driver(&h.proxy.url(), work.path()).await?;
    let result = workflow(&h, &demo, &driver, work.path()).await;
    if result.is_err() {
        screen_at_failure(&driver, "e2e-failure.png");
    }
    result
}

/// Saves what the driver's display showed when a test failed to target/`name`, for the log's
/// reader.
pub(crate) fn screen_at_failure(driver: &Driver, name: &str) {
    let shot = workspace().join("target").join(name);
    let _ = std::fs::create_dir_all(workspace().join("target"));
    let _ = Command::new("import")
        .env("DISPLAY", &driver.display)
        .args(["-window", "root"])
        .arg(&shot)
        .status();
    eprintln!("screen at failure: {}", shot.display());
}

async fn workflow(
    h: &Harness,
    demo: &gridcase_core::demo::DemoTenant,
    driver: &Driver,
    work: &Path,
) -> Result<()> {
    let dir = |user: &str| work.join(user);

    // The inspector signs in while online.
    let ui = Ui::open(driver, &dir("insp051")).await?;
    ui.s.by_id("signin-form").await?;
    ui.shoot("01-sign-in", LANDSCAPE).await?;
    ui.sign_in("insp051").await?;
    ui.s.by_id("mode-field").await?;
    // The offline basemap arrives with the reference data (issue 13): the field map draws it
    // before the network goes away.
    ui.s.click("nav-map").await?;
    wait_tiles(&ui, "cases-map").await?;

    // The server becomes unreachable; the inspector reports with a photo that carries GPS.
    h.proxy.set_config(FaultConfig {
        refuse: true,
        ..FaultConfig::default()
    });
    h.proxy.cut_all();
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
    assert_eq!(
        cell, "620102011001022",
        "EXIF 36.0611 N 103.8343 E lies in this demo cell"
    );
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
    // Offline, the new-report map shows the basemap under the pin.
    wait_tiles(&ui, "editor-map").await?;
    ui.s.click("submit-report").await?;
    let row =
        ui.s.wait_for("[data-testid^=\"case-row-\"][data-sync=\"local\"]")
            .await?;
    let case_id =
        ui.s.attr(&row, "data-testid")
            .await?
            .and_then(|t| t.strip_prefix("case-row-").map(str::to_owned))
            .context("case id")?;
    assert_eq!(
        server_status(h, &case_id)?,
        None,
        "nothing reached the server"
    );
    ui.shoot("04-my-reports-offline", LANDSCAPE).await?;
    ui.s.click("nav-sync").await?;
    ui.s.by_id("sync-now").await?;
    ui.shoot("05-sync-panel-offline", LANDSCAPE).await?;

    // The server is back; the report syncs.
    h.proxy.set_config(FaultConfig::default());
    ui.s.click("sync-now").await?;
    wait_server(h, &case_id, "reported").await?;
    ui.s.until("the report to show as synced", || async {
        ui.s.click("nav-my_reports").await?;
        tokio::time::sleep(Duration::from_millis(400)).await;
        let css = format!("[data-testid=\"case-row-{case_id}\"][data-sync=\"synced\"]");
        Ok(ui.s.find_all(&css).await?.into_iter().next().map(|_| ()))
    })
    .await?;
    ui.s.click("nav-map").await?;
    tokio::time::sleep(Duration::from_millis(800)).await;
    ui.close().await?;

    // Intake operator accepts.
    let ui = Ui::open(driver, &dir("intake01")).await?;
    ui.s.resize(DESKTOP.0, DESKTOP.1).await?;
    ui.sign_in("intake01").await?;
    ui.open_case("intake", &case_id).await?;
    wait_tiles(&ui, "detail-map").await?;
    ui.act("accept").await?;
    wait_server(h, &case_id, "awaiting_filing").await?;
    ui.s.click("nav-intake").await?;
    tokio::time::sleep(Duration::from_millis(500)).await;
    // The hotline operator places a caller's "秦安巷" by its 拼音首字母 (issue 13, item 5): the
    // pin lands on the road, the cell and address are filled.
    ui.s.click("nav-hotline").await?;
    ui.s.by_id("editor-hotline").await?;
    wait_tiles(&ui, "editor-map").await?;
    ui.s.type_into("place-search-input", "qax").await?;
    let first =
        ui.s.until("place search results", || async {
            for e in ui.s.find_all(&tid("place-search-result")).await? {
                if ui.s.text(&e).await?.contains("秦安巷") {
                    return Ok(Some(e));
                }
            }
            Ok(None)
        })
        .await?;
    let hit_cell = ui.s.attr(&first, "data-cell").await?.unwrap_or_default();
    assert_eq!(hit_cell.len(), 15, "the hit names its cell: {hit_cell:?}");
    ui.shoot("12a-hotline-place-search", DESKTOP).await?;
    ui.s.click_el(&first).await?;
    let map = ui.s.by_id("editor-map").await?;
    let pin =
        ui.s.until("the pin on the chosen road", || async {
            let lon = ui.s.attr(&map, "data-pin-lon").await?;
            let lat = ui.s.attr(&map, "data-pin-lat").await?;
            Ok(lon
                .zip(lat)
                .and_then(|(x, y)| Some((x.parse::<f64>().ok()?, y.parse::<f64>().ok()?))))
        })
        .await?;
    let off = metres_to_road(demo, "秦安巷", pin.0, pin.1);
    assert!(off < 1.0, "the pin is {off:.1} m off 秦安巷");
    let cell = ui.s.by_id("placement-cell").await?;
    ui.s.until("the cell filled from the hit", || async {
        Ok(ui.s.text(&cell).await?.contains(&hit_cell).then_some(()))
    })
    .await?;
    let address = ui.s.by_id("placement-address").await?;
    let address = ui.s.text(&address).await?;
    assert!(address.contains("秦安巷"), "{address}");
    ui.shoot("12-hotline-intake", DESKTOP).await?;
    // First render of the supervisor map with the package on the device.
    let (own, seen) = first_render(&ui, "nav-map", "cases-map").await?;
    record_figure(&format!(
        "first basemap tile on the supervisor map (1440×900, debug app build, WebKitGTK under Xvfb): layer {own} ms, driver {seen} ms"
    ));
    tokio::time::sleep(Duration::from_millis(800)).await;
    assert!(
        ui.s.find_all(&tid("nav-evaluation")).await?.is_empty(),
        "综合评价 is for shift leaders, leaders and admins only"
    );
    ui.close().await?;

    // Shift leader files.
    let ui = Ui::open(driver, &dir("shift01")).await?;
    ui.s.resize(DESKTOP.0, DESKTOP.1).await?;
    ui.sign_in("shift01").await?;
    ui.open_case("filing", &case_id).await?;
    // 立案 under a 立案条件 of the tenant's standards table (issue 12, item 1): the form lists
    // the category's conditions and refuses to file without one.
    ui.s.click("action-file").await?;
    let conditions = ui.s.by_id("field-condition").await?;
    let listed = ui.s.text(&conditions).await?;
    assert!(
        listed.contains("01001-01") && listed.contains("井盖缺失") && listed.contains("01001-02"),
        "{listed}"
    );
    ui.s.click("action-submit").await?;
    ui.s.until("the missing 立案条件 to be named", || async {
        let form = ui.s.by_id("action-form-file").await?;
        Ok(ui
            .s
            .text(&form)
            .await?
            .contains("请选择立案条件")
            .then_some(()))
    })
    .await?;
    ui.s.click("field-condition-01001-01").await?;
    ui.submit_action().await?;
    wait_server(h, &case_id, "awaiting_dispatch").await?;
    // This month's evaluation by street, from the server.
    ui.s.click("nav-evaluation").await?;
    ui.s.by_id("eval-table").await?;
    // The reported case's street (靖远路街道, 620102011) has a row with its figures.
    let row = ui.s.by_id("eval-row-620102011").await?;
    assert!(ui.s.text(&row).await?.contains("靖远路街道"));
    tokio::time::sleep(Duration::from_millis(500)).await;
    // 发布 this month (issue 12, item 5): the server freezes it and the page shows version 1.
    ui.s.click("eval-publish").await?;
    ui.s.by_id("eval-publish-form").await?;
    ui.s.click("eval-publish-submit").await?;
    ui.s.wait_for("[data-testid=\"eval-published\"][data-version=\"1\"]")
        .await?;
    ui.shoot("14b-evaluation-published", DESKTOP).await?;
    ui.close().await?;

    // Dispatcher dispatches to the responsibility list's department (井盖 → 住建/市政: zls).
    let ui = Ui::open(driver, &dir("dispatch01")).await?;
    ui.s.resize(DESKTOP.0, DESKTOP.1).await?;
    ui.sign_in("dispatch01").await?;
    ui.open_case("dispatch", &case_id).await?;
    let suggestion = ui.s.by_id("suggestion").await?;
    assert!(!ui.s.text(&suggestion).await?.is_empty());
    ui.s.click("action-dispatch").await?;
    ui.s.by_id("action-form-dispatch").await?;
    // The standard limit is shown with its basis; the dispatcher overrides it with an
    // explicit unit and a reason (issue 12, C5), both recorded on the dispatch.
    // The limit is the standards table's row of the condition chosen at filing (4 工作时
    // 紧急 / 8 工作时 一般 for 01001-01), with its basis and version.
    let standard = ui.s.by_id("standard-limit").await?;
    let standard = ui.s.text(&standard).await?;
    assert!(
        standard.contains("标准处置时限")
            && standard.contains("工作时")
            && standard.contains("立案条件 01001-01")
            && standard.contains("版本 1"),
        "{standard}"
    );
    ui.s.type_into("field-limitValue", "8").await?;
    ui.s.select("field-limitUnit", "working_hours").await?;
    ui.s.type_into("field-reason", "井盖缺失须加急更换").await?;
    ui.submit_action().await?;
    wait_server(h, &case_id, "in_progress").await?;
    let timeline = ui.s.by_id("timeline").await?;
    let timeline = ui.s.text(&timeline).await?;
    assert!(
        timeline.contains("时限 8 工作时（依据：派遣员调整：井盖缺失须加急更换）"),
        "{timeline}"
    );
    ui.close().await?;

    // The department feeds back with a photo.
    let ui = Ui::open(driver, &dir("dept-zls")).await?;
    ui.sign_in("dept-zls").await?;
    ui.open_case("my_tasks", &case_id).await?;
    ui.s.click("action-feedback").await?;
    ui.s.by_id("action-form-feedback").await?;
    ui.s.type_into("field-comment", "已更换井盖并恢复路面")
        .await?;
    let photos = ui.s.by_id("field-photos").await?;
    ui.s.send_keys(&photos, &fixture("rotated.jpg")).await?;
    tokio::time::sleep(Duration::from_millis(1500)).await;
    ui.submit_action().await?;
    wait_server(h, &case_id, "feedback_received").await?;
    ui.close().await?;

    // The intake operator sends the check to the inspector of the cell.
    let ui = Ui::open(driver, &dir("intake01")).await?;
    ui.s.resize(DESKTOP.0, DESKTOP.1).await?;
    ui.sign_in("intake01").await?;
    ui.open_case("check", &case_id).await?;
    ui.s.click("action-request_check").await?;
    ui.s.by_id("action-form-request_check").await?;
    ui.submit_action().await?;
    wait_server(h, &case_id, "awaiting_check").await?;
    ui.close().await?;

    // The inspector checks it on site, with a photo.
    let ui = Ui::open(driver, &dir("insp051")).await?;
    ui.sign_in("insp051").await?;
    ui.open_case("my_tasks", &case_id).await?;
    ui.s.click("action-check").await?;
    ui.s.by_id("action-form-check").await?;
    // The 结案条件 of the condition the case was filed under is shown where it is checked.
    let closing = ui.s.by_id("closing-condition").await?;
    let closing = ui.s.text(&closing).await?;
    assert!(closing.contains("现场设置警示并补齐井盖"), "{closing}");
    ui.s.click("field-passed-yes").await?;
    ui.s.type_into("field-comment", "现场核查已修复").await?;
    let photos = ui.s.by_id("field-photos").await?;
    ui.s.send_keys(&photos, &fixture("with_gps.jpg")).await?;
    tokio::time::sleep(Duration::from_millis(1500)).await;
    ui.shoot("22-check-form", LANDSCAPE).await?;
    ui.submit_action().await?;
    wait_server(h, &case_id, "awaiting_close").await?;
    ui.close().await?;

    // The shift leader closes it.
    let ui = Ui::open(driver, &dir("shift01")).await?;
    ui.s.resize(DESKTOP.0, DESKTOP.1).await?;
    ui.sign_in("shift01").await?;
    ui.open_case("close", &case_id).await?;
    ui.act("close").await?;
    wait_server(h, &case_id, "closed").await?;
    ui.s.until("the detail to show the case closed", || async {
        let d = ui.s.by_id("case-detail").await?;
        Ok((ui.s.attr(&d, "data-status").await?.as_deref() == Some("closed")).then_some(()))
    })
    .await?;
    ui.shoot("16-closed-case", DESKTOP).await?;
    let timeline = ui.s.by_id("timeline").await?;
    let text = ui.s.text(&timeline).await?;
    for label in [
        "上报",
        "受理",
        "立案",
        "派遣",
        "处置反馈",
        "派发核查",
        "提交核查结果",
        "结案",
    ] {
        assert!(text.contains(label), "timeline shows {label}: {text}");
    }
    ui.close().await?;
    Ok(())
}

/// Issue 15: cases made by harness devices (inspector insp051 in its cell, the workflow steps
/// by the intake, shift-leader and dispatcher accounts), synced to the server.
pub(crate) async fn desk_cases(
    h: &Harness,
    n: usize,
    tag: &str,
) -> Result<Vec<gridcase_core::model::CaseId>> {
    let mut insp = h.device(&format!("desk-{tag}-insp"), "insp051").await?;
    let mut ids = Vec::new();
    for i in 0..n {
        let photo = gridcase_tests::photos::photo(1000 + i as u64, 4096);
        ids.push(insp.report("620102011001022", &[photo])?);
    }
    insp.client.sync_until_clean(5).await?;
    Ok(ids)
}

/// Issue 15, the desk: the intake operator selects several cases in 待受理 and accepts them in
/// one batch; each case says 已完成 and reaches 待立案 on the server.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_batch_accept_of_several_cases_on_the_desk() -> Result<()> {
    let (h, _demo) = Harness::start_demo().await?;
    let work = tempfile::tempdir()?;
    let ids = desk_cases(&h, 3, "batch").await?;
    let driver = start_driver(&h.proxy.url(), work.path()).await?;
    let ui = Ui::open(&driver, &work.path().join("intake01")).await?;
    ui.s.resize(DESKTOP.0, DESKTOP.1).await?;
    ui.sign_in("intake01").await?;
    ui.s.until("the three cases in 待受理", || async {
        ui.s.click("nav-intake").await?;
        tokio::time::sleep(Duration::from_millis(500)).await;
        for id in &ids {
            if ui
                .s
                .find_all(&tid(&format!("case-row-{id}")))
                .await?
                .is_empty()
            {
                return Ok(None);
            }
        }
        Ok(Some(()))
    })
    .await?;
    for id in &ids {
        ui.s.click(&format!("select-{id}")).await?;
    }
    let button = ui.s.by_id("batch-accept").await?;
    assert_eq!(
        ui.s.attr(&button, "data-eligible").await?.as_deref(),
        Some("3")
    );
    ui.s.click_el(&button).await?;
    ui.s.by_id("batch-form-accept").await?;
    for id in &ids {
        ui.s.by_id(&format!("batch-eligible-{id}")).await?;
    }
    ui.shoot("30-desk-batch-accept", DESKTOP).await?;
    ui.s.click("batch-submit").await?;
    ui.s.by_id("batch-results").await?;
    for id in &ids {
        let item = ui.s.by_id(&format!("batch-result-{id}")).await?;
        assert_eq!(
            ui.s.attr(&item, "data-outcome").await?.as_deref(),
            Some("done")
        );
    }
    ui.shoot("31-desk-batch-results", DESKTOP).await?;
    ui.s.click("batch-done").await?;
    for id in &ids {
        wait_server(&h, &id.to_string(), "awaiting_filing").await?;
    }
    ui.close().await?;
    Ok(())
}

/// Issue 15: a case dispatched with a handling limit whose deadline falls after the coming
/// weekend shows the time left in 工作时 measured on the tenant's calendar — not the
/// wall-clock gap, which is at least 48 hours longer (Saturday and Sunday do not count).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_working_time_countdown_across_a_weekend() -> Result<()> {
    use gridcase_core::calendar::WorkCalendar;
    use gridcase_core::model::{LimitUnit, TimeLimit, Timestamp};
    use gridcase_core::workflow::EventKind;
    const HOUR: i64 = 3_600_000;
    let calendar = WorkCalendar::parse_toml(
        "calendar.toml",
        include_str!("../../../core/data/calendar/2026.example.toml"),
    )
    .map_err(|e| anyhow::anyhow!("{e}"))?;
    let (h, demo) = Harness::start_demo().await?;
    let work = tempfile::tempdir()?;
    let case = desk_cases(&h, 1, "weekend").await?[0];
    let role_user = |role| {
        demo.users
            .iter()
            .find(|u| u.role == role)
            .map(|u| u.username.clone())
            .context("demo user")
    };
    use gridcase_core::model::Role;
    let mut intake = h
        .device("desk-weekend-intake", &role_user(Role::IntakeOperator)?)
        .await?;
    intake.client.sync_until_clean(5).await?;
    intake.append(case, EventKind::Accept)?;
    intake.client.sync_until_clean(5).await?;
    let mut shift = h
        .device("desk-weekend-shift", &role_user(Role::ShiftLeader)?)
        .await?;
    shift.client.sync_until_clean(5).await?;
    shift.append(
        case,
        EventKind::File {
            note: String::new(),
            condition: None,
        },
    )?;
    shift.client.sync_until_clean(5).await?;
    // The Monday after the next Saturday (one after today, so the whole weekend lies ahead),
    // 11:00: the limit is the whole working hours from now until then, so the deadline lies
    // after that weekend and the wall-clock gap exceeds the working time left by ≥ 48 hours.
    // Shanghai day numbers (1970-01-01, day 0, was a Thursday: weekday (d + 3) % 7, Monday 0).
    const DAY: i64 = 24 * HOUR;
    let day_of = |ms: i64| (ms + 8 * HOUR).div_euclid(DAY);
    let now = gridcase_core::sync::runtime::now();
    let today = day_of(now.0);
    let saturday = (today + 1..today + 8)
        .find(|d| (d + 3).rem_euclid(7) == 5)
        .context("a Saturday")?;
    let monday_11 = Timestamp((saturday + 2) * DAY + 11 * HOUR - 8 * HOUR);
    let hours = (calendar.working_ms_between(now, monday_11) / HOUR).max(1);
    let department = demo.departments.first().context("a department")?.id;
    let mut dispatcher = h
        .device("desk-weekend-dispatch", &role_user(Role::Dispatcher)?)
        .await?;
    dispatcher.client.sync_until_clean(5).await?;
    dispatcher.append(
        case,
        EventKind::Dispatch {
            department,
            limit: Some(TimeLimit::new(
                u32::try_from(hours)?,
                LimitUnit::WorkingHours,
            )),
            basis: Some(gridcase_core::model::LimitBasis::Override {
                reason: "测试：截止时间落在周末之后".into(),
            }),
        },
    )?;
    dispatcher.client.sync_until_clean(5).await?;
    wait_server(&h, &case.to_string(), "in_progress").await?;

    let driver = start_driver(&h.proxy.url(), work.path()).await?;
    let ui = Ui::open(&driver, &work.path().join("dispatch01")).await?;
    ui.s.resize(DESKTOP.0, DESKTOP.1).await?;
    ui.sign_in("dispatch01").await?;
    let row = tid(&format!("case-row-{case}"));
    ui.s.until("the case in 处置中", || async {
        ui.s.click("nav-handling").await?;
        tokio::time::sleep(Duration::from_millis(500)).await;
        Ok(ui.s.find_all(&row).await?.into_iter().next())
    })
    .await?;
    let badge =
        ui.s.wait_for(&format!("{row} [data-testid=\"row-countdown\"]"))
            .await?;
    let text = ui.s.text(&badge).await?;
    let left: i64 =
        ui.s.attr(&badge, "data-remaining-ms")
            .await?
            .context("remaining")?
            .parse()?;
    let due: i64 =
        ui.s.attr(&badge, "data-due-at")
            .await?
            .context("due")?
            .parse()?;
    let shown_at = gridcase_core::sync::runtime::now();
    let due_day = day_of(due);
    assert!(
        due_day > saturday + 1,
        "the deadline (day {due_day}) is after the weekend (day {saturday})"
    );
    // What the calendar says is left (the row is measured at most a minute earlier).
    let expected = calendar.working_ms_between(shown_at, Timestamp(due));
    assert!(
        (left - expected).abs() <= 2 * 60_000,
        "{left} vs the calendar's {expected}"
    );
    assert!(
        due - shown_at.0 - left >= 48 * HOUR,
        "the weekend is not counted: {text}"
    );
    assert!(
        text.starts_with("剩余 ") && text.contains("工作") && !text.contains('天'),
        "{text}"
    );
    assert!(text.contains(" · 截止 "), "{text}");
    ui.shoot("32-desk-working-time-countdown", DESKTOP).await?;
    ui.close().await?;
    Ok(())
}
