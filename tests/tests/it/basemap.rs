//! The offline basemap end to end (docs/basemap.md): the demo tenant's import builds the
//! package on the real server; a real app (Tauri's mock runtime, real IPC) downloads it in the
//! background after sign-in and reports it through `basemap_info`; the download resumes from a
//! partial file with a Range request, refuses a corrupt partial and starts again; a re-import
//! with changed layers gives the signed-in device the new version after its next reference
//! check (立即同步 asks; the loop also asks every 15 minutes).

use crate::app_flow::{AppUnderTest, user, wait};
use anyhow::{Context, Result};
use gridcase_app_lib::basemap::{Basemap, Downloaded};
use gridcase_core::demo::{DEFAULT_SEED, DemoTenant};
use gridcase_core::model::Role;
use gridcase_core::protocol::BasemapRef;
use gridcase_tests::{Harness, PASSWORD, TENANT};
use serde_json::{Value, json};

fn server_package(h: &Harness) -> Result<(BasemapRef, Vec<u8>)> {
    let row = gridcase_server::biz::basemap::current(h.deployment(), TENANT)?
        .context("the import built a package")?;
    let path = h
        .deployment()
        .data_dir()
        .join("basemaps")
        .join(TENANT)
        .join(format!("{}.mbtiles", row.version));
    let bytes = std::fs::read(path)?;
    Ok((
        BasemapRef {
            version: row.version,
            bytes: row.bytes,
        },
        bytes,
    ))
}

/// The signed-in app's token (from its saved session).
fn token(app: &AppUnderTest) -> Result<String> {
    let saved: Value =
        serde_json::from_slice(&std::fs::read(app._dir.path().join("session.json"))?)?;
    Ok(saved["token"].as_str().context("token")?.to_owned())
}

#[test]
fn the_app_downloads_resumes_verifies_and_follows_the_tenants_basemap() -> Result<()> {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    let (h, demo) = rt.block_on(Harness::start_demo())?;
    let server = h.proxy.url();
    let (target, bytes) = server_package(&h)?;

    // Sign-in: the package arrives in the background and becomes current.
    let inspector = user(&demo, Role::Inspector)?;
    let app = AppUnderTest::new()?;
    app.sign_in(&server, &inspector.username)?;
    let info: Value = wait("the basemap download", || {
        let info: Value = app.call("basemap_info", json!({}))?;
        Ok((!info.is_null()).then_some(info))
    })?;
    assert_eq!(info["version"], target.version.as_str());
    assert_eq!(info["bytes"], target.bytes);
    assert_eq!(
        (info["minzoom"].as_u64(), info["maxzoom"].as_u64()),
        (Some(10), Some(17))
    );
    assert!(
        info["url"]
            .as_str()
            .unwrap_or("")
            .contains("{z}/{x}/{y}.pbf")
    );
    let user_dir = app
        ._dir
        .path()
        .join("users")
        .join(format!("{TENANT}-{}", inspector.username));
    let on_device = std::fs::read(
        user_dir
            .join("basemap")
            .join(format!("{}.mbtiles", target.version)),
    )?;
    assert_eq!(on_device, bytes);

    // A partial download resumes where it stopped (Range), and is verified.
    let token = token(&app)?;
    let client = reqwest::Client::new();
    let fresh = tempfile::tempdir()?;
    let b = Basemap::new(fresh.path());
    std::fs::create_dir_all(b.dir())?;
    std::fs::write(b.partial_path(&target.version), &bytes[..bytes.len() / 3])?;
    let outcome = rt.block_on(b.download(&client, &server, &token, &target))?;
    assert_eq!(
        outcome,
        Downloaded::Installed {
            resumed_from: (bytes.len() / 3) as u64,
            restarted: false
        }
    );
    assert_eq!(std::fs::read(b.package_path(&target.version))?, bytes);
    assert!(!b.partial_path(&target.version).exists());
    assert_eq!(
        rt.block_on(b.download(&client, &server, &token, &target))?,
        Downloaded::AlreadyCurrent
    );

    // A corrupt partial (wrong first bytes) fails verification: refused and restarted whole.
    let other = tempfile::tempdir()?;
    let c = Basemap::new(other.path());
    std::fs::create_dir_all(c.dir())?;
    let mut bad = bytes[..1000].to_vec();
    bad[10] ^= 0xff;
    std::fs::write(c.partial_path(&target.version), &bad)?;
    let outcome = rt.block_on(c.download(&client, &server, &token, &target))?;
    assert_eq!(
        outcome,
        Downloaded::Installed {
            resumed_from: 1000,
            restarted: true
        }
    );
    assert_eq!(std::fs::read(c.package_path(&target.version))?, bytes);
    assert_eq!(
        c.current_version().as_deref(),
        Some(target.version.as_str())
    );

    // Changed layers: the re-import builds a new version; the signed-in device gets it after
    // its next reference check, keeping the old one until the new one is verified, then
    // deleting it.
    let dir = tempfile::tempdir()?;
    let changed = DemoTenant::generate(DEFAULT_SEED);
    changed.write_to(dir.path())?;
    let green = dir.path().join("green.geojson");
    let text = std::fs::read_to_string(&green)?;
    std::fs::write(&green, text.replacen("黄河风情线", "黄河风情线（新）", 1))?;
    let dep = h.deployment().clone();
    let path = dir.path().to_owned();
    let report = rt.block_on(async move {
        tokio::task::spawn_blocking(move || {
            gridcase_server::biz::import::import_dir(&dep, TENANT, &path, Some(PASSWORD))
        })
        .await
    })??;
    let (next, next_bytes) = server_package(&h)?;
    assert_eq!(
        report.basemap_version.as_deref(),
        Some(next.version.as_str())
    );
    assert_ne!(next.version, target.version);
    // While signed in: 立即同步 makes the app ask for new reference data after its round
    // (a 304 when nothing changed); the new bundle names the new package, which follows.
    let _: Value = app.call("sync_now", json!({}))?;
    wait("the new basemap", || {
        let info: Value = app.call("basemap_info", json!({}))?;
        Ok((info["version"] == next.version.as_str()).then_some(()))
    })?;
    let basemap_dir = user_dir.join("basemap");
    assert_eq!(
        std::fs::read(basemap_dir.join(format!("{}.mbtiles", next.version)))?,
        next_bytes
    );
    assert!(
        !basemap_dir
            .join(format!("{}.mbtiles", target.version))
            .exists()
    );
    Ok(())
}
