//! Photos, the draft report, and submitting it as a new case.

use super::blocking;
use crate::draft::validate;
use crate::dto::{Draft, StagedPhoto, Submitted};
use crate::error::{AppError, AppResult};
use crate::state::{Active, AppState};
use gridcase_core::codes::CountyCode;
use gridcase_core::doc::CaseDoc;
use gridcase_core::model::PhotoRole;
use gridcase_core::store::BlobSource;
use gridcase_core::sync::runtime::now;
use gridcase_core::workflow::{EventKind, ReportPayload};
use std::time::Instant;
use tauri::State;

/// Runs the photo pipeline on a photo from the camera or the file picker.
#[tauri::command]
pub async fn photo_stage(
    state: State<'_, AppState>,
    name: String,
    data: String,
) -> AppResult<StagedPhoto> {
    let active = state.active()?;
    blocking(move || active.photos.stage(&name, &data)).await
}

/// The saved draft.
#[tauri::command]
pub async fn draft_get(state: State<'_, AppState>) -> AppResult<Option<Draft>> {
    let active = state.active()?;
    blocking(move || active.draft.get()).await
}

/// Saves the draft durably (called on every change).
#[tauri::command]
pub async fn draft_save(state: State<'_, AppState>, draft: Draft) -> AppResult<Draft> {
    let active = state.active()?;
    if draft.description.chars().count() > 5_000 {
        return Err(AppError::invalid("问题描述过长"));
    }
    blocking(move || {
        let mut draft = draft;
        draft.updated_at = now().0;
        active.draft.save(&draft)?;
        Ok(draft)
    })
    .await
}

/// Discards the draft.
#[tauri::command]
pub async fn draft_discard(state: State<'_, AppState>) -> AppResult<()> {
    let active = state.active()?;
    blocking(move || active.draft.discard()).await
}

/// Turns the draft into a case in the device store (durable before it returns), queues its
/// photos for upload and wakes sync.
#[tauri::command]
pub async fn draft_submit<R: tauri::Runtime>(
    app: tauri::AppHandle<R>,
    state: State<'_, AppState>,
) -> AppResult<Submitted> {
    let active = state.active()?;
    let a = active.clone();
    let (submitted, status) =
        blocking(move || Ok((submit(&a)?, crate::syncer::recount(&a)?))).await?;
    crate::syncer::emit(&app, &status);
    active.kick.notify_one();
    Ok(submitted)
}

/// The body of [`draft_submit`].
pub fn submit(active: &Active) -> AppResult<Submitted> {
    let started = Instant::now();
    let draft = active
        .draft
        .get()?
        .ok_or_else(|| AppError::invalid("没有待提交的上报"))?;
    let checked = validate(&draft)?;
    if let Some(link) = &draft.survey {
        crate::commands::check_link(active, link)?;
    }
    let mut files = Vec::new();
    let mut refs = |photos: &[StagedPhoto], role| -> AppResult<Vec<_>> {
        let mut out = Vec::new();
        for p in photos {
            let (r, path) = active.photos.photo_ref(&p.sha256, role)?;
            files.push((r.sha256, path, r.size));
            out.push(r);
        }
        Ok(out)
    };
    let before = refs(&draft.photos, PhotoRole::Before)?;
    let after = refs(&draft.after_photos, PhotoRole::After)?;
    let payload = ReportPayload {
        source: checked.source,
        category: checked.category,
        location: checked.location,
        cell: checked.cell,
        component: checked.component,
        address: checked.address,
        description: checked.description,
        urgency: checked.urgency,
        photos: before,
        // The caller goes to the contact outbox below, never into the document.
        reporter: None,
        external_id: None,
        external_deadline: None,
        verification_waived: None,
    };
    let kind = if draft.kind == "self_handle" {
        EventKind::SelfHandle {
            report: payload,
            after,
            note: String::new(),
        }
    } else {
        EventKind::Report(payload)
    };
    let event = active.event(kind)?;
    let case_id = active.new_case_id();
    let tenant = CountyCode::parse(&active.saved.session.tenant)
        .map_err(|e| AppError::internal(format!("tenant code: {e}")))?;
    let actor = active
        .with_store(|s| s.actor_id())?
        .ok_or_else(|| AppError::new("not_enrolled", "本设备尚未登记，请联网后重新登录"))?;
    let mut doc = CaseDoc::create(case_id, tenant, actor, &event)
        .map_err(|e| AppError::internal(format!("case document: {e}")))?;
    doc.set_author(active.saved.session.device_id);
    if let Some(c) = &checked.caller {
        // Queued durably before the case exists, so a stored case never lacks its caller.
        active.contacts.enqueue(&crate::contacts::PendingContact {
            case_id: case_id.to_string(),
            name: c.name.clone(),
            phone: c.phone.clone(),
            wants_callback: c.wants_callback,
        })?;
    }
    active.with_store(|s| -> AppResult<()> {
        // Photos first: an outbox entry without its case is harmless; a case whose photos were
        // never queued would never upload them.
        for (sha, path, size) in files {
            s.enqueue_blob(sha, BlobSource::Path(path), size)?;
        }
        s.create_case(&mut doc)?;
        Ok(())
    })?;
    let durable_ms = started.elapsed().as_secs_f64() * 1000.0;
    // The survey's mark goes after the case is stored: the server takes the mark once it has
    // the case, and the patrol pass runs after the case round.
    if let Some(link) = &draft.survey {
        crate::commands::mark_reported(active, link, case_id)?;
    }
    active.draft.discard()?;
    if let Some(c) = &draft.category {
        let _ = crate::recent::remember(&active.dir, c);
    }
    active.refresh_case(case_id)?;
    Ok(Submitted {
        case_id: case_id.to_string(),
        durable_ms,
    })
}
