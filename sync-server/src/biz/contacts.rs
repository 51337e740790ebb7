//! A citizen's contact (name, phone, e-mail) for the roles that deal with the citizen
//! (docs/security/privacy.md): the intake operator (受理员, who also calls back: 回访), the
//! shift leader (值班长) and the administrator. Nobody else — inspectors and departments
//! above all — ever receives it.
//!
//! Invariants:
//! - contacts live in `case_contacts`, never in the case document; intake channels write them
//!   in the transaction that creates the case, the app's hotline form with `PUT
//!   /v1/cases/{id}/contact` once the case has reached the server;
//! - reading and writing are role-checked ([`may_see`]) and tenant-scoped: a case of another
//!   tenant is answered like one that does not exist;
//! - documents written before this change may still carry contact text in their `report` /
//!   `merge_from` events: [`redact`] strips it from every JSON view the server builds for
//!   other roles; the document bytes of a pull cannot be redacted (CRDT history), see the doc.

use crate::biz::Caller;
use crate::db::{cases, contacts, docs};
use crate::deployment::Deployment;
use crate::error::{Result, ServerError};
use gridcase_core::model::{CaseId, Role, SourceChannel};
use gridcase_core::protocol::ErrorCode;
use gridcase_core::workflow::{CaseState, Event, EventKind, fold};
use serde::{Deserialize, Serialize};

pub use contacts::Contact;

/// Longest name accepted (characters).
pub const MAX_NAME_CHARS: usize = 50;
/// Longest phone number accepted (characters).
pub const MAX_PHONE_CHARS: usize = 20;
/// Longest e-mail address accepted (characters).
pub const MAX_EMAIL_CHARS: usize = 254;

/// The `case_contacts` channel of the hotline form.
pub const HOTLINE: &str = "hotline";

/// Whether a role deals with citizens and may see their contact.
pub fn may_see(role: Role) -> bool {
    matches!(role, Role::IntakeOperator | Role::ShiftLeader | Role::Admin)
}

/// What a client sends (`PUT /v1/cases/{id}/contact`) and an intake channel passes on.
#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ContactInput {
    /// The citizen's name.
    #[serde(default)]
    pub name: Option<String>,
    /// Phone number.
    #[serde(default)]
    pub phone: Option<String>,
    /// E-mail address.
    #[serde(default)]
    pub email: Option<String>,
    /// The citizen asked to be called back.
    #[serde(default)]
    pub wants_callback: bool,
}

/// A validated contact: trimmed, empty fields as `None`, at least one field given.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ValidContact {
    /// Name.
    pub name: Option<String>,
    /// Phone.
    pub phone: Option<String>,
    /// E-mail.
    pub email: Option<String>,
    /// Call-back wish.
    pub wants_callback: bool,
}

fn field(
    name: &str,
    value: Option<&str>,
    max: usize,
    ok: impl Fn(char) -> bool,
) -> Result<Option<String>> {
    let Some(v) = value.map(str::trim).filter(|v| !v.is_empty()) else {
        return Ok(None);
    };
    if v.chars().count() > max {
        return Err(ServerError::api(
            ErrorCode::BadRequest,
            format!("{name} 不能超过 {max} 个字符"),
        ));
    }
    if let Some(c) = v.chars().find(|c| c.is_control() || !ok(*c)) {
        return Err(ServerError::api(
            ErrorCode::BadRequest,
            format!("{name} 含有不允许的字符 {c:?}"),
        ));
    }
    Ok(Some(v.to_owned()))
}

impl ContactInput {
    /// Validates the fields; `None` when every field is empty.
    pub fn validate(&self) -> Result<Option<ValidContact>> {
        let name = field("name", self.name.as_deref(), MAX_NAME_CHARS, |_| true)?;
        let phone = field("phone", self.phone.as_deref(), MAX_PHONE_CHARS, |c| {
            c.is_ascii_digit() || matches!(c, '-' | '+' | ' ' | '(' | ')')
        })?;
        let email = field("email", self.email.as_deref(), MAX_EMAIL_CHARS, |c| {
            !c.is_whitespace()
        })?;
        if let Some(e) = &email
            && !e.contains('@')
        {
            return Err(ServerError::api(
                ErrorCode::BadRequest,
                "email 应为电子邮件地址",
            ));
        }
        if name.is_none() && phone.is_none() && email.is_none() {
            return Ok(None);
        }
        Ok(Some(ValidContact {
            name,
            phone,
            email,
            wants_callback: self.wants_callback,
        }))
    }
}

/// Writes the contact an intake channel received, in the transaction creating the case.
pub fn put_for_channel(
    conn: &crate::db::Connection<'_>,
    tenant: &str,
    case_id: &str,
    channel: &str,
    c: &ValidContact,
    now: i64,
) -> Result<()> {
    contacts::put(
        conn,
        tenant,
        &Contact {
            case_id: case_id.to_owned(),
            channel: channel.to_owned(),
            name: c.name.clone(),
            phone: c.phone.clone(),
            email: c.email.clone(),
            wants_callback: c.wants_callback,
            written_by: None,
            created_at: now,
            updated_at: now,
        },
    )
}

fn require_role(caller: &Caller) -> Result<()> {
    if may_see(caller.role) {
        Ok(())
    } else {
        Err(ServerError::api(ErrorCode::ContactForbidden, ""))
    }
}

/// `PUT /v1/cases/{id}/contact`: the hotline form's caller, sent after the case reached the
/// server (`not_found` until then: the app keeps it queued and retries). Idempotent; a case
/// whose contact came from another channel (Open311, superior) is not overwritten.
pub fn put(
    dep: &Deployment,
    caller: &Caller,
    case_id: CaseId,
    input: &ContactInput,
) -> Result<Contact> {
    require_role(caller)?;
    let valid = input
        .validate()?
        .ok_or_else(|| ServerError::api(ErrorCode::BadRequest, "请至少填写姓名、电话或邮箱"))?;
    let tenant = caller.tenant_code();
    let id = case_id.to_string();
    let now = dep.now().ms();
    dep.db().write(|tx| {
        cases::get(tx, &tenant, case_id)?.ok_or_else(|| ServerError::not_found("案件"))?;
        let existing = contacts::get(tx, &tenant, &id)?;
        if let Some(e) = &existing
            && e.channel != HOTLINE
        {
            return Err(ServerError::api(
                ErrorCode::Forbidden,
                format!("该案件的报案人信息来自 {}，不能修改", e.channel),
            ));
        }
        let c = Contact {
            case_id: id.clone(),
            channel: HOTLINE.to_owned(),
            name: valid.name.clone(),
            phone: valid.phone.clone(),
            email: valid.email.clone(),
            wants_callback: valid.wants_callback,
            written_by: Some(caller.user.to_string()),
            created_at: existing.as_ref().map_or(now, |e| e.created_at),
            updated_at: now,
        };
        contacts::put(tx, &tenant, &c)?;
        Ok(c)
    })
}

/// The contacts of a case: its own first, then those of the duplicates merged into it.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CaseContacts {
    /// The case asked for.
    pub case_id: String,
    /// Contacts found (own first).
    pub contacts: Vec<Contact>,
    /// Contact text a document written before this change carries in its report (old cases;
    /// shown to these roles only).
    pub legacy: Vec<String>,
}

/// `GET /v1/cases/{id}/contact`.
pub fn get(dep: &Deployment, caller: &Caller, case_id: CaseId) -> Result<CaseContacts> {
    require_role(caller)?;
    let tenant = caller.tenant_code();
    dep.db().read(|tx| {
        cases::get(tx, &tenant, case_id)?.ok_or_else(|| ServerError::not_found("案件"))?;
        let state = fold(&docs::load(tx, case_id)?.events()?);
        let mut out = CaseContacts {
            case_id: case_id.to_string(),
            ..CaseContacts::default()
        };
        let mut ids = vec![case_id];
        ids.extend(state.merged_from.iter().map(|m| m.case));
        for id in ids {
            if let Some(c) = contacts::get(tx, &tenant, &id.to_string())? {
                out.contacts.push(c);
            }
        }
        out.legacy = state
            .reporters()
            .into_iter()
            .filter(|r| r.source != SourceChannel::Superior)
            .filter_map(|r| r.reporter)
            .collect();
        Ok(out)
    })
}

/// Strips contact text that documents written before this change carry (the `report`'s and
/// `merge_from`'s `reporter`) from a view built for a role that may not see it. A superior
/// platform's name (an organisation, not a citizen) is kept.
pub fn redact(role: Role, state: &mut CaseState, events: &mut [Event]) {
    if may_see(role) {
        return;
    }
    let strip = |source: SourceChannel, r: &mut Option<String>| {
        if source != SourceChannel::Superior {
            *r = None;
        }
    };
    if let Some(report) = &mut state.report {
        strip(report.source, &mut report.reporter);
    }
    for m in &mut state.merged_from {
        strip(m.reporter.source, &mut m.reporter.reporter);
    }
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
