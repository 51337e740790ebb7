//! The one set of limits on event payloads, and the check every writer runs: the app before it
//! builds an event from a draft or an action, the server's intake channels before they create a
//! case, and the server's gate on every event a device pushes (docs/security.md).
//!
//! Limits are counted in characters (`char`s), as users see them. Free text may hold line
//! breaks and tabs but no other control characters (they break XML, CSV and terminals and carry
//! nothing a user typed). The check is pure and never panics.

use super::event::{EventKind, ReportPayload};
use crate::model::{LimitBasis, PhotoRef, TimeLimit};
use thiserror::Error;

/// Longest problem description (问题描述): Open311 allows 4,000 characters.
pub const MAX_DESCRIPTION_CHARS: usize = 4_000;
/// Longest short text: address, reporter, external id, case number.
pub const MAX_SHORT_CHARS: usize = 200;
/// Longest note, reason, result or comment.
pub const MAX_NOTE_CHARS: usize = 2_000;
/// Most photos on one event (and on each side of a self-handled report).
pub const MAX_PHOTOS: usize = 9;
/// Largest time limit value (any unit).
pub const MAX_LIMIT_VALUE: u32 = 10_000;
/// Highest escalation (督办) level.
pub const MAX_ESCALATION_LEVEL: u8 = 9;

/// Longest a 督办 may give for its reply, in days from the act.
pub const MAX_REPLY_DAYS: i64 = 90;

/// Why a payload was refused: the field and the rule, in Chinese.
#[derive(Clone, Debug, PartialEq, Eq, Error)]
#[error("{field}：{reason}")]
pub struct PayloadError {
    /// The payload field at fault (`description`, `photos`, …).
    pub field: &'static str,
    /// The rule broken, with the limit.
    pub reason: String,
}

fn err(field: &'static str, reason: impl Into<String>) -> PayloadError {
    PayloadError {
        field,
        reason: reason.into(),
    }
}

/// Checks one free-text field: at most `max` characters, no control characters but line
/// breaks and tabs.
pub fn check_text(field: &'static str, value: &str, max: usize) -> Result<(), PayloadError> {
    let count = value.chars().count();
    if count > max {
        return Err(err(field, format!("{count} 字，超过上限 {max} 字")));
    }
    if value
        .chars()
        .any(|c| c.is_control() && !matches!(c, '\n' | '\r' | '\t'))
    {
        return Err(err(field, "含有控制字符"));
    }
    Ok(())
}

fn check_photos(field: &'static str, photos: &[PhotoRef]) -> Result<(), PayloadError> {
    if photos.len() > MAX_PHOTOS {
        return Err(err(
            field,
            format!("{} 张照片，上限 {MAX_PHOTOS} 张", photos.len()),
        ));
    }
    let mut seen = std::collections::HashSet::new();
    for p in photos {
        if !seen.insert(p.sha256) {
            return Err(err(field, format!("照片 {} 重复", p.sha256.to_hex())));
        }
    }
    Ok(())
}

fn check_limit(field: &'static str, limit: &TimeLimit) -> Result<(), PayloadError> {
    if limit.value == 0 || limit.value > MAX_LIMIT_VALUE {
        return Err(err(
            field,
            format!("时限 {} 超出范围 1–{MAX_LIMIT_VALUE}", limit.value),
        ));
    }
    Ok(())
}

/// Longest code of a 立案条件 or name of an area grade.
pub const MAX_CODE_CHARS: usize = 40;

fn check_code(field: &'static str, code: &str) -> Result<(), PayloadError> {
    if code.trim().is_empty() {
        return Err(err(field, "不能为空"));
    }
    check_text(field, code, MAX_CODE_CHARS)?;
    if code.chars().any(|c| c.is_control()) {
        return Err(err(field, "含有控制字符"));
    }
    Ok(())
}

/// A dispatch's recorded limit: a basis only with a limit; an override names its reason.
fn check_dispatch_limit(
    limit: Option<&TimeLimit>,
    basis: Option<&LimitBasis>,
) -> Result<(), PayloadError> {
    if let Some(l) = limit {
        check_limit("limit", l)?;
    }
    match (limit, basis) {
        (None, Some(_)) => Err(err("basis", "记录了时限依据却没有时限")),
        (_, Some(LimitBasis::Override { reason })) => {
            if reason.trim().is_empty() {
                return Err(err("reason", "调整处置时限须说明理由"));
            }
            check_text("reason", reason, MAX_NOTE_CHARS)
        }
        (
            _,
            Some(LimitBasis::Standard {
                condition,
                grade,
                rules_version,
            }),
        ) => {
            for (field, v) in [
                ("condition", condition),
                ("grade", grade),
                ("rules_version", rules_version),
            ] {
                if let Some(v) = v {
                    check_code(field, v)?;
                }
            }
            Ok(())
        }
        (
            _,
            Some(LimitBasis::Category {
                rules_version: Some(v),
            }),
        ) => check_code("rules_version", v),
        _ => Ok(()),
    }
}

fn check_report(r: &ReportPayload) -> Result<(), PayloadError> {
    check_text("address", &r.address, MAX_SHORT_CHARS)?;
    check_text("description", &r.description, MAX_DESCRIPTION_CHARS)?;
    if let Some(reporter) = &r.reporter {
        check_text("reporter", reporter, MAX_SHORT_CHARS)?;
    }
    if let Some(id) = &r.external_id {
        check_text("external_id", id, MAX_SHORT_CHARS)?;
    }
    if let Some(w) = &r.verification_waived {
        check_text("verification_waived", w, MAX_SHORT_CHARS)?;
    }
    check_photos("photos", &r.photos)
}

/// A required reason (督办, 催办): not blank, within the note limit.
fn check_reason(reason: &str) -> Result<(), PayloadError> {
    if reason.trim().is_empty() {
        return Err(err("reason", "须说明理由"));
    }
    check_text("reason", reason, MAX_NOTE_CHARS)
}

/// A 督办's or 批示's addressee: a department or a centre role, not both; a role must be
/// one a 督办 can be answered by (not the department role without its department).
fn check_target(
    department: Option<crate::model::DepartmentId>,
    role: Option<crate::model::Role>,
) -> Result<(), PayloadError> {
    match (department, role) {
        (Some(_), Some(_)) => Err(err("role", "接收方只能是一个部门或一个角色")),
        (None, Some(r))
            if r == crate::model::Role::Department || !super::rules::ADDRESSEES.contains(&r) =>
        {
            Err(err("role", format!("{} 不能作为接收角色", r.label_zh())))
        }
        _ => Ok(()),
    }
}

/// Checks an event payload against the limits above. `Unknown` types pass (they carry no
/// payload this build reads; the fold flags them).
pub fn validate_kind(kind: &EventKind) -> Result<(), PayloadError> {
    match kind {
        EventKind::Report(r) => check_report(r),
        EventKind::SelfHandle {
            report,
            after,
            note,
        } => {
            check_report(report)?;
            check_photos("after", after)?;
            check_text("note", note, MAX_NOTE_CHARS)
        }
        EventKind::Verify { photos, note, .. } | EventKind::Check { photos, note, .. } => {
            check_photos("photos", photos)?;
            check_text("note", note, MAX_NOTE_CHARS)
        }
        EventKind::Feedback { result, photos } => {
            check_photos("photos", photos)?;
            check_text("result", result, MAX_NOTE_CHARS)
        }
        EventKind::SubFeedback { result, photos } => {
            check_photos("photos", photos)?;
            if result.trim().is_empty() {
                return Err(err("result", "反馈内容不能为空"));
            }
            check_text("result", result, MAX_NOTE_CHARS)
        }
        EventKind::SignFor { note } => check_text("note", note, MAX_NOTE_CHARS),
        EventKind::SubDispatch { due, note, .. } => {
            if due.0 <= 0 {
                return Err(err("due", "下派时限无效"));
            }
            check_text("note", note, MAX_NOTE_CHARS)
        }
        EventKind::MergeFrom { reporter, .. } => {
            if let Some(text) = &reporter.reporter {
                check_text("reporter", text, MAX_SHORT_CHARS)?;
            }
            if let Some(id) = &reporter.external_id {
                check_text("external_id", id, MAX_SHORT_CHARS)?;
            }
            Ok(())
        }
        EventKind::File { note, condition } => {
            check_text("note", note, MAX_NOTE_CHARS)?;
            match condition {
                Some(c) => check_code("condition", c),
                None => Ok(()),
            }
        }
        EventKind::Close { note } => check_text("note", note, MAX_NOTE_CHARS),
        EventKind::Callback { note, .. } => check_text("note", note, MAX_NOTE_CHARS),
        EventKind::AssignNumber { number } => check_text("number", number, MAX_SHORT_CHARS),
        EventKind::Reject { reason }
        | EventKind::DenyExtension { reason }
        | EventKind::RequestSendback { reason }
        | EventKind::DenySendback { reason }
        | EventKind::DenyPark { reason }
        | EventKind::DenySelfHandle { reason }
        | EventKind::Void { reason }
        | EventKind::Reopen { reason } => check_text("reason", reason, MAX_NOTE_CHARS),
        EventKind::RequestPark { reason, .. } => check_text("reason", reason, MAX_NOTE_CHARS),
        EventKind::RequestExtension { requested, reason } => {
            check_limit("requested", requested)?;
            check_text("reason", reason, MAX_NOTE_CHARS)
        }
        EventKind::ApproveExtension { granted } => check_limit("granted", granted),
        EventKind::FastDispatch { limit, basis, .. } | EventKind::Dispatch { limit, basis, .. } => {
            check_dispatch_limit(limit.as_ref(), basis.as_ref())
        }
        EventKind::Escalate {
            level,
            reason,
            department,
            role,
            reply_by,
        } => {
            if *level == 0 || *level > MAX_ESCALATION_LEVEL {
                return Err(err(
                    "level",
                    format!("督办级别 {level} 超出范围 1–{MAX_ESCALATION_LEVEL}"),
                ));
            }
            check_target(*department, *role)?;
            if reply_by.is_some_and(|t| t.0 <= 0) {
                return Err(err("reply_by", "要求回复时间无效"));
            }
            check_reason(reason)
        }
        EventKind::Instruct {
            text,
            department,
            role,
        } => {
            check_target(*department, *role)?;
            if text.trim().is_empty() {
                return Err(err("text", "批示内容不能为空"));
            }
            check_text("text", text, MAX_NOTE_CHARS)
        }
        EventKind::EscalationReply { text, .. } => {
            if text.trim().is_empty() {
                return Err(err("text", "回复内容不能为空"));
            }
            check_text("text", text, MAX_NOTE_CHARS)
        }
        EventKind::AcknowledgeInstruction { note, .. } => check_text("note", note, MAX_NOTE_CHARS),
        EventKind::Urge { reason } => check_reason(reason),
        EventKind::Comment { text } => check_text("text", text, MAX_NOTE_CHARS),
        EventKind::AddPhoto { .. }
        | EventKind::Accept
        | EventKind::RequestVerification { .. }
        | EventKind::MergeInto { .. }
        | EventKind::ApproveSendback
        | EventKind::ApprovePark
        | EventKind::Resume
        | EventKind::RequestCheck { .. }
        | EventKind::ApproveSelfHandle
        | EventKind::Unknown { .. } => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{SourceChannel, Urgency};

    fn report(description: &str) -> EventKind {
        let mut r = crate::workflow::tests::fixtures::report(
            SourceChannel::InspectorPatrol,
            Urgency::Normal,
        );
        r.description = description.into();
        EventKind::Report(r)
    }

    #[test]
    fn description_limit_names_the_limit() {
        assert!(validate_kind(&report(&"井".repeat(MAX_DESCRIPTION_CHARS))).is_ok());
        let e = validate_kind(&report(&"井".repeat(60_000))).expect_err("too long");
        assert_eq!(e.field, "description");
        assert!(e.to_string().contains("4000"), "{e}");
    }

    #[test]
    fn control_characters_are_refused_but_line_breaks_kept() {
        assert!(validate_kind(&report("第一行\n第二行\t完")).is_ok());
        let e = validate_kind(&report("bad\u{1}text")).expect_err("control");
        assert_eq!(e.field, "description");
    }

    #[test]
    fn a_dispatch_override_needs_a_reason_and_a_basis_needs_a_limit() {
        let dept = crate::model::DepartmentId::from_parts(3, [1; 10]);
        let limit = Some(TimeLimit::new(2, crate::model::LimitUnit::NaturalHours));
        let dispatch = |limit, basis| EventKind::Dispatch {
            department: dept,
            limit,
            basis,
        };
        let with_reason = |r: &str| {
            Some(LimitBasis::Override {
                reason: r.to_owned(),
            })
        };
        assert!(validate_kind(&dispatch(limit, with_reason("夜间须当晚处置"))).is_ok());
        // An older build's override carries no basis: still accepted.
        assert!(validate_kind(&dispatch(limit, None)).is_ok());
        let e = validate_kind(&dispatch(limit, with_reason(" "))).expect_err("no reason");
        assert_eq!(e.field, "reason");
        let e = validate_kind(&dispatch(
            limit,
            with_reason(&"理".repeat(MAX_NOTE_CHARS + 1)),
        ))
        .expect_err("long reason");
        assert_eq!(e.field, "reason");
        let category = Some(LimitBasis::Category {
            rules_version: None,
        });
        let e = validate_kind(&dispatch(None, category)).expect_err("basis without limit");
        assert_eq!(e.field, "basis");
        let standard = Some(LimitBasis::Standard {
            condition: Some("0101\u{1}".to_owned()),
            grade: None,
            rules_version: None,
        });
        let e = validate_kind(&dispatch(limit, standard)).expect_err("control character");
        assert_eq!(e.field, "condition");
        let file = EventKind::File {
            note: String::new(),
            condition: Some("x".repeat(MAX_CODE_CHARS + 1)),
        };
        assert_eq!(
            validate_kind(&file).expect_err("long code").field,
            "condition"
        );
    }

    #[test]
    fn escalation_level_and_limits_are_bounded() {
        let e = EventKind::Escalate {
            level: 0,
            reason: String::new(),
            department: None,
            role: None,
            reply_by: None,
        };
        assert_eq!(validate_kind(&e).expect_err("level").field, "level");
        let e = EventKind::ApproveExtension {
            granted: TimeLimit::new(0, crate::model::LimitUnit::WorkingHours),
        };
        assert_eq!(validate_kind(&e).expect_err("limit").field, "granted");
    }
}
