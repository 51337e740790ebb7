//! Sign-in, sign-out and what the app knows at start.

use super::blocking;
use crate::dto::{AppInfo, SessionDto};
use crate::error::{AppError, AppResult};
use crate::state::{Active, AppState, SavedSession};
use crate::syncer;
use gridcase_core::protocol::{Login, ReferenceBundle};
use gridcase_core::store::DeviceStore;
use gridcase_core::sync::runtime::{SharedStore, SyncClient};
use std::sync::{Arc, Mutex};
use tauri::{AppHandle, Runtime, State};

/// What the UI needs at start.
#[tauri::command]
pub async fn app_info(state: State<'_, AppState>) -> AppResult<AppInfo> {
    state.wait_ready().await;
    let active = state.active_opt();
    Ok(AppInfo {
        version: env!("CARGO_PKG_VERSION").to_owned(),
        platform: if cfg!(mobile) { "mobile" } else { "desktop" }.to_owned(),
        server_url: active.as_ref().map(|a| a.saved.server_url.clone()),
        session: active.as_ref().map(|a| a.session_dto()),
        reference_loaded: active.as_ref().is_some_and(|a| a.reference().is_some()),
        sign_in_hint: state.hint.clone(),
    })
}

fn check_url(url: &str) -> AppResult<String> {
    let url = url.trim().trim_end_matches('/');
    let ok = (url.starts_with("http://") || url.starts_with("https://"))
        && url.len() < 300
        && !url.contains(char::is_whitespace);
    if !ok {
        return Err(AppError::invalid(
            "服务器地址应以 http:// 或 https:// 开头，例如 http://127.0.0.1:8470",
        ));
    }
    Ok(url.to_owned())
}

/// Downloads the tenant's reference data.
pub async fn fetch_reference(server_url: &str, token: &str) -> AppResult<ReferenceBundle> {
    fetch_reference_if_changed(server_url, token, None)
        .await?
        .ok_or_else(|| AppError::new("bad_response", "服务器未返回辖区基础数据"))
}

/// Downloads the tenant's reference data unless the server's version is `have` (then `None`:
/// the server answers 304 with no body, see `GET /v1/reference`).
pub async fn fetch_reference_if_changed(
    server_url: &str,
    token: &str,
    have: Option<&str>,
) -> AppResult<Option<ReferenceBundle>> {
    let client = reqwest::Client::builder()
        .connect_timeout(std::time::Duration::from_secs(5))
        .timeout(std::time::Duration::from_secs(120))
        .build()
        .map_err(AppError::internal)?;
    let mut request = client
        .get(format!("{server_url}/v1/reference"))
        .bearer_auth(token);
    if let Some(version) = have {
        request = request.header(reqwest::header::IF_NONE_MATCH, format!("\"{version}\""));
    }
    let response = request
        .send()
        .await
        .map_err(|_| AppError::new("network", "无法连接服务器，未能下载辖区基础数据"))?;
    if response.status() == reqwest::StatusCode::NOT_MODIFIED && have.is_some() {
        return Ok(None);
    }
    if !response.status().is_success() {
        return Err(AppError::new(
            "server_error",
            format!(
                "下载辖区基础数据失败（HTTP {}）",
                response.status().as_u16()
            ),
        ));
    }
    response
        .json()
        .await
        .map(Some)
        .map_err(|e| AppError::new("bad_response", format!("辖区基础数据无法解析：{e}")))
}

/// Signs in (online), downloads the reference data, opens the user's store and starts sync.
#[tauri::command]
pub async fn sign_in<R: Runtime>(
    app: AppHandle<R>,
    state: State<'_, AppState>,
    server_url: String,
    tenant: String,
    username: String,
    password: String,
    device_name: String,
) -> AppResult<SessionDto> {
    sign_in_with(
        &app,
        &state,
        server_url,
        tenant,
        username,
        password,
        device_name,
    )
    .await
}

/// At start with no saved session: signs in with `GRIDCASE_PASSWORD` and the sign-in hint
/// (`GRIDCASE_SERVER`, `GRIDCASE_TENANT`, `GRIDCASE_USER`) when all are set — the README's demo
/// command opens the desktop app signed in this way. Returns whether it signed in.
pub async fn auto_sign_in<R: Runtime>(app: &AppHandle<R>, state: &AppState) -> AppResult<bool> {
    let (Some(hint), Ok(password)) = (state.hint.clone(), std::env::var("GRIDCASE_PASSWORD"))
    else {
        return Ok(false);
    };
    if hint.username.is_empty() || state.saved_session()?.is_some() {
        return Ok(false);
    }
    let device = "gridcase 演示终端".to_owned();
    sign_in_with(
        app,
        state,
        hint.server_url,
        hint.tenant,
        hint.username,
        password,
        device,
    )
    .await?;
    Ok(true)
}

async fn sign_in_with<R: Runtime>(
    app: &AppHandle<R>,
    state: &AppState,
    server_url: String,
    tenant: String,
    username: String,
    password: String,
    device_name: String,
) -> AppResult<SessionDto> {
    let server_url = check_url(&server_url)?;
    let username = username.trim().to_owned();
    let tenant = tenant.trim().to_owned();
    if password.is_empty() {
        return Err(AppError::invalid("请输入密码"));
    }
    let dir = crate::state::user_dir(&state.root, &tenant, &username)?;
    std::fs::create_dir_all(&dir)?;
    let store: SharedStore = {
        let path = dir.join("device.sqlite");
        Arc::new(Mutex::new(
            blocking(move || Ok(DeviceStore::open(path)?)).await?,
        ))
    };
    let login = Login {
        tenant: tenant.clone(),
        username: username.clone(),
        password,
        install_id: state.install_id.clone(),
        device_name: if device_name.trim().is_empty() {
            "gridcase 终端".to_owned()
        } else {
            device_name.trim().chars().take(60).collect()
        },
    };
    let client = SyncClient::login(syncer::client_config(&server_url), store.clone(), &login)
        .await
        .map_err(AppError::from)?;
    let s = client.session().clone();
    let bundle = fetch_reference(&server_url, &s.token).await?;
    let display_name = bundle
        .users
        .iter()
        .find(|u| u.id == s.user_id)
        .map_or_else(|| username.clone(), |u| u.display_name.clone());
    let saved = SavedSession {
        server_url,
        username,
        display_name,
        session: s,
    };
    drop(store);
    let active = activate(app, state, saved.clone(), Some(bundle)).await?;
    state.save_session(&saved)?;
    Ok(active.session_dto())
}

/// Opens the user's working set (with a newly downloaded reference bundle, if any), makes it
/// current and starts its sync loop. No request is made.
async fn activate<R: Runtime>(
    app: &AppHandle<R>,
    state: &AppState,
    saved: SavedSession,
    bundle: Option<ReferenceBundle>,
) -> AppResult<Arc<Active>> {
    let root = state.root.clone();
    let saved2 = saved.clone();
    let active = blocking(move || {
        let active = Active::open(&root, saved2)?;
        if let Some(bundle) = bundle {
            active.set_reference(bundle)?;
        }
        active.refresh_index()?;
        syncer::recount(&active)?;
        Ok(Arc::new(active))
    })
    .await?;
    // The runtime shares the store of the working set.
    let client = SyncClient::resume(
        syncer::client_config(&saved.server_url),
        active.store.clone(),
        saved.session.clone(),
    )
    .await
    .map_err(AppError::from)?;
    state.set_active(Some(active.clone()));
    syncer::start(app, active.clone(), client);
    // An inspector still on duty (the app restarted mid-shift) records on.
    crate::patrol::start_source(app, &active, state.configured_position.clone());
    spawn_basemap_download(&active);
    Ok(active)
}

/// Downloads the basemap package the reference data names, in the background: never blocks
/// sign-in or sync; a failure is logged and retried at the next sign-in or start.
pub fn spawn_basemap_download(active: &Arc<Active>) {
    let Some(target) = active.reference().and_then(|r| r.bundle.basemap.clone()) else {
        return;
    };
    if active.basemap.current_version().as_deref() == Some(target.version.as_str()) {
        return;
    }
    let basemap = active.basemap.clone();
    let server_url = active.saved.server_url.clone();
    let token = active.saved.session.token.clone();
    tauri::async_runtime::spawn(async move {
        let client = match reqwest::Client::builder()
            .connect_timeout(std::time::Duration::from_secs(5))
            .read_timeout(std::time::Duration::from_secs(60))
            .build()
        {
            Ok(c) => c,
            Err(e) => {
                tracing::warn!(error = %e, "basemap: no HTTP client");
                return;
            }
        };
        match basemap
            .download(&client, &server_url, &token, &target)
            .await
        {
            Ok(outcome) => tracing::info!(?outcome, version = %target.version, "basemap ready"),
            Err(e) => tracing::warn!(code = %e.code, "basemap download failed; retried later"),
        }
    });
}

/// Resumes the saved session at start, offline (no request is made).
pub async fn resume<R: Runtime>(app: &AppHandle<R>, state: &AppState) -> AppResult<bool> {
    let Some(saved) = state.saved_session()? else {
        return Ok(false);
    };
    activate(app, state, saved, None).await?;
    Ok(true)
}

/// Signs out: stops sync and forgets the session. The store, drafts and photos stay.
#[tauri::command]
pub async fn sign_out(state: State<'_, AppState>) -> AppResult<()> {
    state.set_active(None);
    state.forget_session()
}
