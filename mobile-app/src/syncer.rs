//! The background sync loop of the signed-in user: a round at start, after every local change
//! (a kick), on "立即同步", and every [`POLL`] otherwise; the status the sync panel shows
//! (pending cases and photos, upload progress, last sync, last error, quarantined cases),
//! pushed to the UI as the `sync://status` event.
//!
//! Invariants: a kick during a round cancels and restarts it (rounds are cancel-safe in core);
//! network failures never stop the loop, only a revoked session does; the case index is
//! refreshed after every round; queued hotline callers are sent after every complete round
//! (crate::contacts) and counted as `pendingContacts`; patrol data (track blocks, 签到/签退,
//! survey marks) is pushed after every round by core's `sync_patrol` on its own backoff, and the
//! survey tasks are fetched at the first round, every `SURVEYS_EVERY` and on 立即同步; after
//! every round what is new for the user is announced (crate::alerts).

use crate::dto::{ErrorDto, QuarantineDto, SyncStatus, UploadDto};
use crate::error::AppResult;
use crate::state::Active;
use gridcase_core::sync::runtime::{ClientConfig, SURVEYS_EVERY, SyncClient, SyncError};
use gridcase_core::sync::{Progress, RoundSummary};
use std::sync::Arc;
use std::time::Duration;
use tauri::{AppHandle, Emitter, Runtime};

/// Time between rounds when nothing happens.
pub const POLL: Duration = Duration::from_secs(20);

/// How often the loop asks the server whether the tenant's reference data (cells, rules, the
/// basemap's version …) changed; 立即同步 asks after its round too. An unchanged answer is a
/// 304 with no body.
pub const REFERENCE_EVERY: Duration = Duration::from_secs(15 * 60);

/// The event name the UI listens to.
pub const STATUS_EVENT: &str = "sync://status";

/// The runtime's configuration for the app: short timeouts so an unreachable server is
/// noticed quickly.
pub fn client_config(server_url: &str) -> ClientConfig {
    let mut c = ClientConfig::new(server_url.trim_end_matches('/'));
    c.connect_timeout = Duration::from_secs(3);
    c.request_timeout = Duration::from_secs(30);
    c.poll_interval = POLL;
    c
}

/// Recounts what is waiting and the quarantines.
pub fn recount(active: &Active) -> AppResult<SyncStatus> {
    let (cases, photos, quarantines, patrol) = active.with_store(|s| -> AppResult<_> {
        Ok((
            s.dirty_case_count()? as usize,
            s.pending_blob_count()? as usize,
            s.quarantines(None, false)?,
            s.patrol_counts()?,
        ))
    })?;
    let contacts = active.contacts.count();
    Ok(active.update_status(|st| {
        st.pending_cases = cases;
        st.pending_photos = photos;
        st.pending_contacts = contacts;
        st.pending_patrol = patrol.pending_blocks + patrol.pending_signs + patrol.pending_marks;
        st.refused_patrol = patrol.refused_blocks + patrol.refused_signs + patrol.refused_marks;
        st.quarantines = quarantines
            .into_iter()
            .map(|q| QuarantineDto {
                id: q.id,
                case_id: q.case_id.to_string(),
                code: q.code,
                reason: q.message,
                at: q.rejected_at.0,
            })
            .collect();
    }))
}

/// Pushes the status to the UI.
pub fn emit<R: Runtime>(app: &AppHandle<R>, status: &SyncStatus) {
    let _ = app.emit(STATUS_EVENT, status);
}

fn after_round(active: &Active, summary: &RoundSummary) {
    active.update_status(|st| {
        st.running = false;
        st.upload = None;
        match &summary.interrupted {
            None => {
                st.online = Some(true);
                st.last_sync_at = Some(gridcase_core::sync::runtime::now().0);
                st.last_error = None;
            }
            Some(i) => {
                st.online = Some(!matches!(i.code.as_str(), "network" | "timeout"));
                st.last_error = Some(ErrorDto {
                    code: i.code.clone(),
                    message: friendly(&i.code, &i.message),
                });
            }
        }
    });
}

/// A sync failure in words for the sync panel.
pub fn friendly(code: &str, message: &str) -> String {
    match code {
        "network" => "无法连接服务器，离线期间的上报已保存在本机，恢复网络后自动上传".into(),
        "timeout" => "服务器响应超时，稍后自动重试".into(),
        "unauthorized" | "token_revoked" | "token_expired" => "登录已失效，请重新登录".into(),
        "password_change_required" | "device_revoked" => message.to_owned(),
        _ => format!("同步失败（{code}）：{message}"),
    }
}

/// Runs the loop until the session's stop signal.
pub async fn run<R: Runtime>(app: AppHandle<R>, active: Arc<Active>, mut client: SyncClient) {
    let sink_app = app.clone();
    let sink_active = active.clone();
    client.on_progress(move |p: &Progress| {
        let status = sink_active.update_status(|st| match p {
            Progress::SyncStarted => st.running = true,
            Progress::BlobProgress {
                sha256,
                sent,
                total,
            } => {
                st.upload = Some(UploadDto {
                    sha256: sha256.to_string(),
                    sent: *sent,
                    total: *total,
                });
            }
            Progress::BlobDone { .. } => st.upload = None,
            Progress::Error { code, message, .. } => {
                st.last_error = Some(ErrorDto {
                    code: code.clone(),
                    message: friendly(code, message),
                });
                if matches!(code.as_str(), "network" | "timeout") {
                    st.online = Some(false);
                }
            }
            _ => {}
        });
        emit(&sink_app, &status);
    });
    let mut stop = active.stop.subscribe();
    let mut last_reference_check = std::time::Instant::now();
    let mut last_survey_fetch: Option<std::time::Instant> = None;
    loop {
        if *stop.borrow() {
            return;
        }
        let round = tokio::select! {
            r = client.sync_once() => Some(r),
            () = active.kick.notified() => None,
            _ = stop.changed() => return,
        };
        match round {
            Some(Ok(summary)) => {
                after_round(&active, &summary);
                let asked = active
                    .reference_due
                    .swap(false, std::sync::atomic::Ordering::Relaxed);
                let due_surveys = asked;
                if asked {
                    client.patrol_retry_now();
                }
                let due = asked || last_reference_check.elapsed() >= REFERENCE_EVERY;
                if summary.interrupted.is_none() && due {
                    last_reference_check = std::time::Instant::now();
                    refresh_reference(&active).await;
                }
                // Hotline callers go after the round that pushed their cases.
                if summary.interrupted.is_none()
                    && let Err(e) = crate::contacts::flush(&active).await
                {
                    active.update_status(|st| {
                        st.last_error = Some(ErrorDto {
                            code: e.code.clone(),
                            message: e.message.clone(),
                        });
                    });
                }
                // Patrol data (track blocks, 签到/签退, survey marks) after the case round, on
                // its own routes and backoff: its failures never stop or delay case sync.
                let fetch_surveys = due_surveys
                    || last_survey_fetch
                        .is_none_or(|t: std::time::Instant| t.elapsed() >= SURVEYS_EVERY);
                let patrol = tokio::select! {
                    r = client.sync_patrol(fetch_surveys) => Some(r),
                    _ = stop.changed() => return,
                };
                match patrol {
                    Some(Ok(p)) => {
                        if p.surveys.is_some() {
                            last_survey_fetch = Some(std::time::Instant::now());
                        }
                        if let Some(f) = p.failure {
                            tracing::debug!(code = %f.code, "patrol data not sent; retried later");
                        }
                    }
                    Some(Err(e)) => tracing::warn!(code = %e.code(), "patrol sync failed"),
                    None => {}
                }
            }
            Some(Err(SyncError::Stopped(f))) => {
                active.update_status(|st| {
                    st.running = false;
                    st.last_error = Some(ErrorDto {
                        code: f.code.clone(),
                        message: friendly(&f.code, &f.message),
                    });
                });
            }
            Some(Err(e)) => {
                active.update_status(|st| {
                    st.running = false;
                    st.last_error = Some(ErrorDto {
                        code: e.code().to_owned(),
                        message: friendly(e.code(), &e.to_string()),
                    });
                });
            }
            None => continue,
        }
        let a = active.clone();
        let refreshed = tokio::task::spawn_blocking(move || {
            // The cases this round changed are folded again here; the alerts look at those.
            a.refresh_index()?;
            a.relight();
            let alerts = a.detect_alerts();
            recount(&a).map(|s| (s, alerts))
        })
        .await;
        if let Ok(Ok((status, alerts))) = refreshed {
            emit(&app, &status);
            // What is new for this user (a task, a 督办 …): the UI's notice and a system
            // notification (crate::alerts).
            crate::alerts::announce(&app, alerts);
        }
        // Between rounds the server is long-polled: a new task, 督办 or returned case in this
        // user's scope starts a round at once (issue 15 item 2); the poll interval stays the
        // fallback (offline, or a server without long polling answers at once: then this
        // branch never fires and the pause is the interval).
        let changed = async {
            match client.wait_for_change().await {
                Ok(true) => {}
                _ => std::future::pending::<()>().await,
            }
        };
        tokio::select! {
            () = tokio::time::sleep(POLL) => {}
            () = changed => {}
            () = active.kick.notified() => {}
            _ = stop.changed() => return,
        }
    }
}

/// Asks the server for new reference data; when it changed, parses and keeps it (the previous
/// copy stays in use when the new one is refused) and starts the download of a new basemap
/// package. Failures are logged only: offline is normal, and the next check retries.
async fn refresh_reference(active: &Arc<Active>) {
    let have = active.reference().map(|r| r.bundle.version.clone());
    let fetched = crate::commands::fetch_reference_if_changed(
        &active.saved.server_url,
        &active.saved.session.token,
        have.as_deref(),
    )
    .await;
    match fetched {
        Ok(None) => {}
        Ok(Some(bundle)) => {
            let a = active.clone();
            let version = bundle.version.clone();
            match tokio::task::spawn_blocking(move || a.set_reference(bundle)).await {
                Ok(Ok(())) => {
                    tracing::info!(%version, "reference data updated");
                    crate::commands::spawn_basemap_download(active);
                }
                Ok(Err(e)) => {
                    tracing::warn!(code = %e.code, "new reference data refused; the previous copy stays")
                }
                Err(e) => tracing::warn!(error = %e, "reference update task failed"),
            }
        }
        Err(e) => tracing::debug!(code = %e.code, "reference check failed; retried later"),
    }
}

/// Starts the loop for a session on Tauri's runtime.
pub fn start<R: Runtime>(app: &AppHandle<R>, active: Arc<Active>, client: SyncClient) {
    let app = app.clone();
    tauri::async_runtime::spawn(run(app, active, client));
}
