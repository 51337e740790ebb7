//! The video-analytics webhook (docs/intake.md "Video alerts"): a signed alert from a
//! registered camera becomes a report with the snapshot as its photo, and repeated alerts of
//! the same camera and category merge into that report while it is open.
//!
//! Checks, in order, each with its own code. Before the body is read ([`precheck`]): the tenant
//! exists (`not_found`), it has a webhook secret (`forbidden`), the signature headers are
//! present and well-formed (`bad_signature`), the timestamp is within the allowed skew
//! (`stale_request`), the nonce was not used before (`replayed_request`). Then, with the body
//! (read under its size limit): the HMAC-SHA256 signature over `timestamp "." nonce "." body`
//! matches (`bad_signature`, compared in constant time), the nonce is recorded atomically
//! (`replayed_request` if a concurrent call took it first), the body parses
//! (`bad_request`), the camera is registered (`unknown_camera`), the category is in the catalog,
//! and the snapshot is a complete JPEG (`bad_image`).
//!
//! Invariant: the decision "new report or merge" and the group's count are written in one
//! transaction, so a burst of alerts makes exactly one report.

use super::{
    category_text, create_system_case, location, parse_category, require_tenant, text_field,
};
use crate::db::{blobs, cases, intake};
use crate::deployment::Deployment;
use crate::error::{Result, ServerError};
use base64::Engine;
use gridcase_core::codes::GridCode;
use gridcase_core::model::{
    LocationSource, PhotoRef, PhotoRole, Sha256, SourceChannel, Timestamp, Urgency,
};
use gridcase_core::protocol::ErrorCode;
use gridcase_core::workflow::{ReportPayload, Status};
use hmac::{Hmac, Mac};
use serde::{Deserialize, Serialize};

/// Largest decoded snapshot accepted.
pub const MAX_SNAPSHOT_BYTES: usize = 8 * 1024 * 1024;

/// The signature headers of a webhook call.
#[derive(Clone, Debug, Default)]
pub struct Signed {
    /// `X-Gridcase-Timestamp`: Unix milliseconds.
    pub timestamp: Option<String>,
    /// `X-Gridcase-Nonce`: 16–128 characters of `[A-Za-z0-9_-]`, never reused.
    pub nonce: Option<String>,
    /// `X-Gridcase-Signature`: `sha256=<hex>`.
    pub signature: Option<String>,
}

/// The body of an alert.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Alert {
    /// The analytics platform's alert id.
    pub alert_id: String,
    /// The registered camera's code.
    pub camera: String,
    /// `component:<code>` / `matter:<code>`.
    pub category: String,
    /// When the analytics saw it (Unix ms); the receipt time when absent.
    #[serde(default)]
    pub detected_at: Option<i64>,
    /// What was detected.
    #[serde(default)]
    pub description: String,
    /// Detection confidence (0–1), kept in the description.
    #[serde(default)]
    pub confidence: Option<f64>,
    /// The snapshot, base64 (standard alphabet) of a JPEG.
    pub snapshot_jpeg: String,
}

/// What the webhook answers.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct AlertOutcome {
    /// The report the alert is in.
    pub case_id: String,
    /// True when the alert was added to an open report of the same camera and category.
    pub merged: bool,
    /// Alerts in that report so far.
    pub count: i64,
}

fn err(code: ErrorCode, detail: impl std::fmt::Display) -> ServerError {
    ServerError::api(code, detail)
}

/// The signature of a request: lowercase hex of HMAC-SHA256(secret, `ts "." nonce "." body`),
/// the secret taken as its UTF-8 bytes.
pub fn signature(secret: &str, timestamp: &str, nonce: &str, body: &[u8]) -> String {
    hex::encode(mac(secret, timestamp, nonce, body).finalize().into_bytes())
}

fn mac(secret: &str, timestamp: &str, nonce: &str, body: &[u8]) -> Hmac<sha2::Sha256> {
    let mut m = <Hmac<sha2::Sha256> as Mac>::new_from_slice(secret.as_bytes())
        .expect("HMAC takes keys of any length");
    m.update(timestamp.as_bytes());
    m.update(b".");
    m.update(nonce.as_bytes());
    m.update(b".");
    m.update(body);
    m
}

/// The headers of a call that passed [`precheck`]: what the body's HMAC is verified with.
#[derive(Debug)]
pub struct Prechecked {
    secret: String,
    timestamp: String,
    nonce: String,
    given: Vec<u8>,
    now: i64,
    skew: i64,
}

/// Checks everything that does not need the body, before a byte of it is read: the tenant
/// exists and has a secret, the three headers are present and well-formed, the timestamp is
/// fresh and the nonce unused. (The camera is named in the body, so it is checked after the
/// signature.)
pub fn precheck(dep: &Deployment, tenant: &str, signed: &Signed) -> Result<Prechecked> {
    let stored = dep
        .db()
        .read(|tx| {
            require_tenant(tx, tenant)?;
            intake::secret(tx, tenant)
        })?
        .ok_or_else(|| err(ErrorCode::Forbidden, "本区县未配置视频告警密钥"))?;
    let secret = match stored {
        (sealed, true) => dep.secrets().open(&secret_purpose(tenant), &sealed)?,
        // Only between an upgrade's migration and its startup step (never in `serve`).
        (clear, false) => clear,
    };
    let (Some(ts), Some(nonce), Some(sig)) = (&signed.timestamp, &signed.nonce, &signed.signature)
    else {
        return Err(err(
            ErrorCode::BadSignature,
            "缺少 X-Gridcase-Timestamp / X-Gridcase-Nonce / X-Gridcase-Signature",
        ));
    };
    let now = dep.now().ms();
    let skew = dep.config().intake.webhook_max_skew_secs as i64 * 1000;
    let at: i64 = ts
        .parse()
        .map_err(|_| err(ErrorCode::StaleRequest, "时间戳须为 Unix 毫秒"))?;
    if (now - at).abs() > skew {
        return Err(err(
            ErrorCode::StaleRequest,
            format!("与服务器时间相差超过 {} 秒", skew / 1000),
        ));
    }
    let nonce_ok = (16..=128).contains(&nonce.len())
        && nonce
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
    if !nonce_ok {
        return Err(err(
            ErrorCode::BadSignature,
            "nonce 须为 16–128 个字母、数字、- 或 _",
        ));
    }
    let given = sig
        .strip_prefix("sha256=")
        .and_then(|h| hex::decode(h).ok())
        .filter(|g| g.len() == 32)
        .ok_or_else(|| {
            err(
                ErrorCode::BadSignature,
                "签名格式应为 sha256=<64 位十六进制>",
            )
        })?;
    if dep.db().read(|tx| intake::nonce_used(tx, tenant, nonce))? {
        return Err(err(ErrorCode::ReplayedRequest, ""));
    }
    Ok(Prechecked {
        secret,
        timestamp: ts.clone(),
        nonce: nonce.clone(),
        given,
        now,
        skew,
    })
}

/// Verifies the body's HMAC against prechecked headers and records the nonce.
fn verify_body(dep: &Deployment, tenant: &str, p: &Prechecked, body: &[u8]) -> Result<()> {
    mac(&p.secret, &p.timestamp, &p.nonce, body)
        .verify_slice(&p.given)
        .map_err(|_| err(ErrorCode::BadSignature, ""))?;
    let fresh = dep
        .db()
        .write(|tx| intake::use_nonce(tx, tenant, &p.nonce, p.now, p.now - 2 * p.skew))?;
    if !fresh {
        return Err(err(ErrorCode::ReplayedRequest, ""));
    }
    Ok(())
}

/// A complete JPEG: SOI at the start and EOI at the end (trailing zero padding allowed).
fn check_jpeg(bytes: &[u8]) -> Result<()> {
    let trimmed = {
        let end = bytes.iter().rposition(|b| *b != 0).map_or(0, |i| i + 1);
        &bytes[..end]
    };
    if trimmed.len() < 4 || !trimmed.starts_with(&[0xFF, 0xD8, 0xFF]) {
        return Err(err(ErrorCode::BadImage, "缺少 JPEG 文件头"));
    }
    if !trimmed.ends_with(&[0xFF, 0xD9]) {
        return Err(err(ErrorCode::BadImage, "JPEG 不完整（缺少结束标记）"));
    }
    Ok(())
}

/// Writes the snapshot as a complete blob of the tenant (idempotent by hash).
fn store_snapshot(
    conn: &crate::db::Connection<'_>,
    dep: &Deployment,
    tenant: &str,
    bytes: &[u8],
    now: i64,
) -> Result<Sha256> {
    let sha = Sha256::digest(bytes);
    let hex = sha.to_hex();
    let key = crate::blobstore::upload::blob_key(tenant, &hex);
    let store = dep.blob_store().clone();
    let body = bytes::Bytes::copy_from_slice(bytes);
    crate::blobstore::block_on(async move {
        if store.size(&key).await?.is_none() {
            store.put(&key, body).await?;
        }
        Ok::<_, ServerError>(())
    })?;
    if blobs::get(conn, tenant, &hex)?.is_none() {
        blobs::create(conn, tenant, &hex, bytes.len() as i64, now)?;
    }
    blobs::complete(conn, tenant, &hex, now)?;
    Ok(sha)
}

/// Handles one webhook call for `tenant`.
pub fn receive(
    dep: &Deployment,
    tenant: &str,
    signed: &Signed,
    body: &[u8],
) -> Result<AlertOutcome> {
    let checked = precheck(dep, tenant, signed)?;
    receive_checked(dep, tenant, &checked, body)
}

/// Handles one webhook call whose headers passed [`precheck`] (the HTTP layer reads the body
/// only after that).
pub fn receive_checked(
    dep: &Deployment,
    tenant: &str,
    checked: &Prechecked,
    body: &[u8],
) -> Result<AlertOutcome> {
    verify_body(dep, tenant, checked, body)?;
    let alert: Alert = serde_json::from_slice(body)
        .map_err(|e| ServerError::bad_request(format!("告警内容无法解析：{e}")))?;
    let alert_id = text_field("alert_id", &alert.alert_id, super::MAX_SHORT_CHARS)?;
    let camera_code = text_field("camera", &alert.camera, super::MAX_SHORT_CHARS)?;
    let camera = dep
        .db()
        .read(|tx| intake::camera(tx, tenant, &camera_code))?
        .ok_or_else(|| err(ErrorCode::UnknownCamera, &camera_code))?;
    let rules = dep.rules(tenant)?;
    let category = parse_category(&alert.category, &rules.catalog)?;
    let now = dep.now();
    let detected = Timestamp(alert.detected_at.unwrap_or(now.ms()));
    if detected.ms() > now.ms() + 300_000 || detected.ms() < 0 {
        return Err(ServerError::bad_request(
            "detected_at 不合理（晚于服务器时间或为负）",
        ));
    }
    let snapshot = base64::engine::general_purpose::STANDARD
        .decode(alert.snapshot_jpeg.trim())
        .map_err(|_| err(ErrorCode::BadImage, "snapshot_jpeg 不是 base64"))?;
    if snapshot.len() > MAX_SNAPSHOT_BYTES {
        return Err(err(ErrorCode::TooLarge, "快照超过 8 MiB"));
    }
    check_jpeg(&snapshot)?;
    let mut description = text_field(
        "description",
        &alert.description,
        super::MAX_DESCRIPTION_CHARS,
    )?;
    if description.is_empty() {
        description = format!(
            "视频监控发现：{}",
            rules
                .catalog
                .get(&category)
                .map(|c| c.name.as_str())
                .unwrap_or("")
        );
    }
    if let Some(c) = alert
        .confidence
        .filter(|c| c.is_finite() && (0.0..=1.0).contains(c))
    {
        description.push_str(&format!("（置信度 {:.0}%）", c * 100.0));
    }
    let cell = camera.cell.as_deref().and_then(|c| GridCode::parse(c).ok());
    let loc = location(camera.lon, camera.lat, LocationSource::Manual)?;
    let window = dep.config().intake.video_merge_window_secs as i64 * 1000;
    let cat_text = category_text(&category);
    let outcome = dep.db().write(|tx| {
        if let Some(g) = intake::alert_group(tx, tenant, &camera.code, &cat_text)?
            && now.ms() - g.last_at <= window
            && still_open(tx, tenant, &g.case_id)?
        {
            intake::bump_group(tx, tenant, &camera.code, &cat_text, now.ms())?;
            return Ok(AlertOutcome {
                case_id: g.case_id,
                merged: true,
                count: g.count + 1,
            });
        }
        let sha = store_snapshot(tx, dep, tenant, &snapshot, now.ms())?;
        let report = ReportPayload {
            source: SourceChannel::VideoAnalytics,
            category: category.clone(),
            location: loc,
            cell,
            component: None,
            address: format!("{}（摄像头 {}）", camera.address, camera.name),
            description: description.clone(),
            urgency: Urgency::Normal,
            photos: vec![PhotoRef {
                sha256: sha,
                role: PhotoRole::Before,
                taken_at: Some(detected),
                location: Some(loc),
                size: snapshot.len() as u64,
            }],
            reporter: None,
            external_id: Some(format!("{}/{}", camera.code, alert_id)),
            external_deadline: None,
            verification_waived: None,
        };
        let p = create_system_case(tx, dep, tenant, report, now)?;
        intake::start_group(
            tx,
            tenant,
            &camera.code,
            &cat_text,
            &p.row.case_id,
            now.ms(),
        )?;
        Ok(AlertOutcome {
            case_id: p.row.case_id,
            merged: false,
            count: 1,
        })
    })?;
    tracing::info!(tenant = %tenant, camera = %camera.code, case = %outcome.case_id, merged = outcome.merged, "video alert");
    Ok(outcome)
}

fn still_open(conn: &crate::db::Connection<'_>, tenant: &str, case_id: &str) -> Result<bool> {
    let Ok(id) = gridcase_core::model::CaseId::parse(case_id) else {
        return Ok(false);
    };
    Ok(cases::get(conn, tenant, id)?
        .and_then(|r| Status::parse(&r.status))
        .is_some_and(|s| !s.is_terminal()))
}

/// The associated data a tenant's webhook secret is sealed with (binds it to its row).
pub fn secret_purpose(tenant: &str) -> String {
    format!("webhook_secret:{tenant}")
}

/// Sets a new webhook secret for a tenant (replacing the old one) and returns it; the database
/// keeps only its sealed form (docs/security/privacy.md).
pub fn rotate_secret(dep: &Deployment, tenant: &str) -> Result<String> {
    let secret = super::new_secret();
    let sealed = dep.secrets().seal(&secret_purpose(tenant), &secret)?;
    let now = dep.now().ms();
    dep.db().write(|tx| {
        require_tenant(tx, tenant)?;
        intake::set_sealed_secret(tx, tenant, &sealed, now)
    })?;
    Ok(secret)
}

/// The startup step: seals every secret an older build stored in clear, then truncates the
/// WAL so the clear bytes leave the files (the writer runs with `secure_delete`, so the
/// replaced cells are zeroed). Returns how many were sealed.
pub fn seal_clear_secrets(dep: &Deployment) -> Result<usize> {
    let n = dep.db().write(|tx| {
        let clear = intake::clear_secrets(tx)?;
        for (tenant, secret) in &clear {
            let sealed = dep.secrets().seal(&secret_purpose(tenant), secret)?;
            intake::replace_with_sealed(tx, tenant, &sealed)?;
        }
        Ok(clear.len())
    })?;
    if n > 0 {
        dep.db().checkpoint_truncate()?;
        tracing::info!(
            count = n,
            "sealed webhook secrets stored in clear by an older build"
        );
    }
    Ok(n)
}

/// Registers (or updates) a camera after validating it.
pub fn register_camera(dep: &Deployment, camera: &intake::Camera) -> Result<()> {
    location(camera.lon, camera.lat, LocationSource::Manual)?;
    if camera.code.trim().is_empty() || camera.code.len() > 100 {
        return Err(ServerError::bad_request(
            "摄像头编号不能为空，且不超过 100 个字符",
        ));
    }
    if let Some(c) = &camera.cell {
        GridCode::parse(c).map_err(|e| ServerError::bad_request(format!("网格编码：{e}")))?;
    }
    let now = dep.now().ms();
    dep.db().write(|tx| {
        require_tenant(tx, &camera.tenant)?;
        intake::upsert_camera(tx, camera, now)
    })
}
