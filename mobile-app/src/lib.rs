//! gridcase app (Tauri 2): field mode for inspectors and departments on tablets, supervisor
//! mode for the centre on desktops, over one local device store (core's SQLite + Automerge)
//! that works offline and syncs in the background.
//!
//! `main.rs` only calls [`run`]; [`builder`] assembles the app (state, commands, start-up) so
//! tests can drive it with `tauri::test`. Modules: [`state`] (who is signed in, their files),
//! [`commands`] (the UI's API, docs/app.md), [`syncer`] (background sync and the sync
//! panel's status), [`index`] (the in-memory case index and queues), [`actions`] (workflow
//! actions offered and built), [`draft`] (the durable draft and its checks), [`photos`]
//! (staged photos), [`reference`] (the tenant's offline reference data), [`basemap`] (the
//! offline basemap package: download, the `basemap` URI scheme), [`patrol`] (签到/签退, the
//! track recorder and its position source), [`recent`], [`dto`],
//! [`error`].
#![forbid(unsafe_code)]

pub mod actions;
pub mod alerts;
pub mod basemap;
pub mod commands;
pub mod contacts;
pub mod desk;
pub mod draft;
pub mod dto;
pub mod error;
pub mod index;
pub mod patrol;
pub mod photos;
pub mod recent;
pub mod reference;
pub mod state;
pub mod syncer;
#[cfg(test)]
mod ts_bindings;
pub mod units;

use state::AppState;
use tauri::{Manager, Runtime};

/// The data directory: `--data-dir <dir>` on the command line (E2E runs start one app per
/// user), else `GRIDCASE_APP_DIR` when set (kiosks), else the platform's app data directory.
fn data_dir<R: Runtime>(app: &tauri::App<R>) -> std::path::PathBuf {
    let mut args = std::env::args_os().skip(1);
    while let Some(a) = args.next() {
        if a == "--data-dir"
            && let Some(dir) = args.next()
        {
            return dir.into();
        }
    }
    match std::env::var_os("GRIDCASE_APP_DIR") {
        Some(d) => d.into(),
        None => app
            .path()
            .app_data_dir()
            .unwrap_or_else(|_| std::env::temp_dir().join("gridcase-app")),
    }
}

/// The app's state and commands added to `builder`: `tauri::Builder::default()` for the real
/// app, `tauri::test::mock_builder()` in tests (with their own data directory as `root`).
pub fn builder<R: Runtime>(
    builder: tauri::Builder<R>,
    root: Option<std::path::PathBuf>,
) -> tauri::Builder<R> {
    #[cfg(mobile)]
    let builder = builder.plugin(tauri_plugin_geolocation::init());
    // 扫码配置: the sign-in screen's QR scan of the enrolment code (ui/src/logic/provisioning.ts).
    #[cfg(mobile)]
    let builder = builder.plugin(tauri_plugin_barcode_scanner::init());
    let builder = builder.plugin(tauri_plugin_notification::init());
    // With a given root (tests) the state is managed at once; otherwise it needs the
    // platform's paths, which exist only once the app is set up.
    let builder = match &root {
        Some(dir) => match AppState::new(dir.clone()) {
            Ok(state) => {
                // Nothing to resume in a fresh test directory.
                state.set_ready();
                builder.manage(state)
            }
            Err(e) => {
                tracing::error!(code = %e.code, "the app's data directory is unusable");
                builder
            }
        },
        None => builder,
    };
    builder
        .register_asynchronous_uri_scheme_protocol(basemap::SCHEME, |ctx, request, responder| {
            let app = ctx.app_handle().clone();
            let path = request.uri().path().to_owned();
            tauri::async_runtime::spawn_blocking(move || {
                let active = app.try_state::<AppState>().and_then(|s| s.active_opt());
                let basemap = active.as_ref().map(|a| a.basemap.as_ref());
                responder.respond(basemap::tile_response(basemap, &path));
            });
        })
        .setup(move |app| {
            if root.is_none() {
                let state = AppState::new(data_dir(app)).map_err(|e| e.message.clone())?;
                app.manage(state);
            }
            let handle = app.handle().clone();
            tauri::async_runtime::spawn(async move {
                let state = handle.state::<AppState>();
                match commands::resume(&handle, &state).await {
                    Ok(true) => {}
                    Ok(false) => {
                        if let Err(e) = commands::auto_sign_in(&handle, &state).await {
                            tracing::warn!(code = %e.code, "automatic sign-in failed");
                        }
                    }
                    Err(e) => tracing::warn!(code = %e.code, "could not resume the saved session"),
                }
                state.set_ready();
            });
            Ok(())
        })
        .invoke_handler(tauri::generate_handler![
            commands::app_info,
            commands::sign_in,
            commands::sign_out,
            commands::list_cases,
            commands::case_detail,
            commands::case_photo,
            commands::act,
            commands::act_batch,
            commands::photo_stage,
            commands::draft_get,
            commands::draft_save,
            commands::draft_discard,
            commands::draft_submit,
            commands::current_position,
            commands::locate,
            commands::place_search,
            commands::categories_search,
            commands::categories_recent,
            commands::sync_status,
            commands::sync_now,
            commands::quarantine_dismiss,
            commands::quarantine_resend,
            commands::map_layers,
            commands::basemap_info,
            commands::departments,
            commands::evaluation,
            commands::evaluation_export,
            commands::evaluation_publish,
            commands::dashboard,
            commands::dashboard_cases,
            commands::monthly_report,
            commands::quarterly_report,
            commands::patrol_inspectors,
            commands::patrol_report,
            commands::patrol_track,
            commands::patrol_roster,
            commands::patrol_roster_save,
            commands::survey_list,
            commands::survey_create,
            commands::survey_progress,
            commands::survey_export,
            commands::survey_cell_components,
            commands::patrol_status,
            commands::patrol_sign_in,
            commands::patrol_sign_out,
            commands::my_surveys,
            commands::survey_mark,
        ])
}

/// Runs the app.
#[cfg_attr(mobile, tauri::mobile_entry_point)]
pub fn run() {
    let _ = tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| "gridcase_app_lib=info,warn".into()),
        )
        .try_init();
    if let Err(e) = builder(tauri::Builder::default(), None).run(tauri::generate_context!()) {
        eprintln!("gridcase 无法启动：{e}");
        std::process::exit(1);
    }
}
