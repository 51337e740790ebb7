//! A citizen's contact on this device (docs/security/privacy.md): the hotline form's caller
//! never goes into the case document. It is queued durably in the user's directory
//! (`contact-outbox/<case id>.json`, temp file + fsync + rename) in `draft_submit`, before the
//! case itself is stored, and sent with `PUT /v1/cases/{id}/contact` after every sync round
//! until the server has it; only then is the file removed. The case detail of the roles that
//! deal with citizens (intake operator, shift leader, admin) reads the contact back from the
//! server (`GET /v1/cases/{id}/contact`), or from the queue while it waits there.
//!
//! Invariants: nothing is dropped silently — a contact the server refuses stays queued and
//! counts in the sync panel (`pendingContacts`), with the refusal as the last error; other
//! roles never ask for a contact and never hold one.

use crate::error::{AppError, AppResult};
use crate::photos::write_atomic;
use crate::state::Active;
use gridcase_core::model::Role;
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};
use std::time::Duration;

/// Whether a role deals with citizens (the server's `biz::contacts::may_see`).
pub fn may_see(role: Role) -> bool {
    matches!(role, Role::IntakeOperator | Role::ShiftLeader | Role::Admin)
}

/// Strips the contact text that documents written before contacts moved out of them carry
/// (`report` / `self_handle` and `merge_from`), for roles that may not see it. A superior
/// platform's name (an organisation) is kept.
pub fn redact_events(events: &mut [gridcase_core::workflow::Event]) {
    use gridcase_core::model::SourceChannel;
    use gridcase_core::workflow::EventKind;
    let strip = |source: SourceChannel, r: &mut Option<String>| {
        if source != SourceChannel::Superior {
            *r = None;
        }
    };
    for e in events {
        match &mut e.kind {
            EventKind::Report(p) | EventKind::SelfHandle { report: p, .. } => {
                strip(p.source, &mut p.reporter);
            }
            EventKind::MergeFrom { reporter, .. } => strip(reporter.source, &mut reporter.reporter),
            _ => {}
        }
    }
}

/// A contact waiting to be sent (the body of the `PUT`, plus its case).
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct PendingContact {
    /// The case.
    #[serde(skip_serializing)]
    #[serde(default)]
    pub case_id: String,
    /// The caller's name.
    pub name: Option<String>,
    /// The caller's phone.
    pub phone: Option<String>,
    /// The caller asked to be called back.
    pub wants_callback: bool,
}

/// A contact as the server answers it.
#[derive(Clone, Debug, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct ServerContact {
    /// Name.
    pub name: Option<String>,
    /// Phone.
    pub phone: Option<String>,
    /// E-mail.
    pub email: Option<String>,
}

/// `GET /v1/cases/{id}/contact`.
#[derive(Clone, Debug, Deserialize, PartialEq, Eq)]
pub struct ServerContacts {
    /// Own first, then merged duplicates'.
    pub contacts: Vec<ServerContact>,
    /// Contact text older documents carry.
    #[serde(default)]
    pub legacy: Vec<String>,
}

/// The queue of contacts to send.
#[derive(Clone, Debug)]
pub struct ContactOutbox {
    dir: PathBuf,
}

#[derive(Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Stored {
    case_id: String,
    name: Option<String>,
    phone: Option<String>,
    wants_callback: bool,
}

impl ContactOutbox {
    /// The queue in a user's directory.
    pub fn new(user_dir: &Path) -> ContactOutbox {
        ContactOutbox {
            dir: user_dir.join("contact-outbox"),
        }
    }

    fn path(&self, case_id: &str) -> PathBuf {
        self.dir.join(format!("{case_id}.json"))
    }

    /// Queues a contact durably.
    pub fn enqueue(&self, c: &PendingContact) -> AppResult<()> {
        std::fs::create_dir_all(&self.dir)?;
        let stored = Stored {
            case_id: c.case_id.clone(),
            name: c.name.clone(),
            phone: c.phone.clone(),
            wants_callback: c.wants_callback,
        };
        write_atomic(&self.path(&c.case_id), &serde_json::to_vec(&stored)?)?;
        Ok(())
    }

    /// The queued contact of a case.
    pub fn get(&self, case_id: &str) -> AppResult<Option<PendingContact>> {
        match std::fs::read(self.path(case_id)) {
            Ok(bytes) => Ok(Some(parse(&bytes)?)),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(e.into()),
        }
    }

    /// Every queued contact.
    pub fn pending(&self) -> AppResult<Vec<PendingContact>> {
        let entries = match std::fs::read_dir(&self.dir) {
            Ok(e) => e,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
            Err(e) => return Err(e.into()),
        };
        let mut out = Vec::new();
        for e in entries {
            let p = e?.path();
            if p.extension().is_some_and(|x| x == "json") {
                out.push(parse(&std::fs::read(&p)?)?);
            }
        }
        out.sort_by(|a, b| a.case_id.cmp(&b.case_id));
        Ok(out)
    }

    /// How many wait.
    pub fn count(&self) -> usize {
        self.pending().map_or(0, |p| p.len())
    }

    /// Removes a sent contact.
    pub fn remove(&self, case_id: &str) -> AppResult<()> {
        match std::fs::remove_file(self.path(case_id)) {
            Ok(()) => Ok(()),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
            Err(e) => Err(e.into()),
        }
    }
}

fn parse(bytes: &[u8]) -> AppResult<PendingContact> {
    let s: Stored = serde_json::from_slice(bytes)
        .map_err(|e| AppError::internal(format!("queued contact: {e}")))?;
    Ok(PendingContact {
        case_id: s.case_id,
        name: s.name,
        phone: s.phone,
        wants_callback: s.wants_callback,
    })
}

fn client() -> AppResult<reqwest::Client> {
    reqwest::Client::builder()
        .connect_timeout(Duration::from_secs(3))
        .timeout(Duration::from_secs(15))
        .build()
        .map_err(AppError::internal)
}

async fn error_of(resp: reqwest::Response) -> AppError {
    let status = resp.status().as_u16();
    match resp.json::<serde_json::Value>().await {
        Ok(v) => AppError::new(
            v["code"].as_str().unwrap_or("server_error"),
            v["message"].as_str().unwrap_or("").to_owned(),
        ),
        Err(_) => AppError::new("server_error", format!("HTTP {status}")),
    }
}

/// Sends every queued contact; a contact whose case the server does not have yet
/// (`not_found`) waits for the next round. Returns the first refusal, if any (the contact
/// stays queued).
pub async fn flush(active: &Active) -> Result<usize, AppError> {
    let outbox = active.contacts.clone();
    let pending = tokio::task::spawn_blocking(move || outbox.pending())
        .await
        .map_err(AppError::internal)??;
    if pending.is_empty() {
        return Ok(0);
    }
    let http = client()?;
    let base = active.saved.server_url.trim_end_matches('/').to_owned();
    let mut sent = 0;
    let mut refused = None;
    for c in pending {
        let resp = http
            .put(format!("{base}/v1/cases/{}/contact", c.case_id))
            .bearer_auth(&active.saved.session.token)
            .json(&c)
            .send()
            .await
            .map_err(|_| AppError::new("network", "无法连接服务器，来电人信息稍后自动发送"))?;
        if resp.status().is_success() {
            active.contacts.remove(&c.case_id)?;
            sent += 1;
        } else if resp.status().as_u16() != 404 {
            let e = error_of(resp).await;
            tracing::warn!(case = %c.case_id, code = %e.code, "a queued contact was refused");
            if refused.is_none() {
                refused = Some(e);
            }
        }
    }
    match refused {
        Some(e) => Err(AppError::new(
            &e.code,
            format!("来电人信息未能发送（仍保存在本机）：{}", e.message),
        )),
        None => Ok(sent),
    }
}

/// The contacts of a case for a citizen-facing role: the queued one first (not sent yet),
/// else the server's. `None` for other roles, and when the server cannot be reached.
pub async fn fetch(active: &Active, case_id: &str) -> Option<ServerContacts> {
    if !may_see(active.saved.session.role) {
        return None;
    }
    if let Ok(Some(c)) = active.contacts.get(case_id) {
        return Some(ServerContacts {
            contacts: vec![ServerContact {
                name: c.name,
                phone: c.phone,
                email: None,
            }],
            legacy: Vec::new(),
        });
    }
    let base = active.saved.server_url.trim_end_matches('/').to_owned();
    let resp = client()
        .ok()?
        .get(format!("{base}/v1/cases/{case_id}/contact"))
        .bearer_auth(&active.saved.session.token)
        .send()
        .await
        .ok()?;
    if !resp.status().is_success() {
        return None;
    }
    resp.json().await.ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_queue_survives_and_lists_in_order() {
        let dir = tempfile::tempdir().expect("tempdir");
        let q = ContactOutbox::new(dir.path());
        assert_eq!(q.count(), 0);
        for id in ["b", "a"] {
            q.enqueue(&PendingContact {
                case_id: id.into(),
                name: Some("王先生".into()),
                phone: Some("0931-8123456".into()),
                wants_callback: true,
            })
            .expect("enqueue");
        }
        let again = ContactOutbox::new(dir.path());
        let p = again.pending().expect("pending");
        assert_eq!(
            p.iter().map(|c| c.case_id.as_str()).collect::<Vec<_>>(),
            ["a", "b"]
        );
        assert_eq!(
            again
                .get("a")
                .expect("get")
                .and_then(|c| c.phone)
                .as_deref(),
            Some("0931-8123456")
        );
        // The PUT body carries no case id (it is in the path).
        let body = serde_json::to_value(&p[0]).expect("json");
        assert_eq!(
            body,
            serde_json::json!({"name": "王先生", "phone": "0931-8123456", "wantsCallback": true})
        );
        again.remove("a").expect("remove");
        again.remove("a").expect("twice");
        assert_eq!(again.count(), 1);
    }
}
