//! Who may append what: the role table of WORKFLOW.md "Events", as data the fold, the server's
//! gate and the app's buttons all read.

use super::event::EventKind;
use crate::model::{Role, SourceChannel};

use Role::{Department, Dispatcher, Inspector, IntakeOperator, Leader, ShiftLeader, System};

/// Every role but the system account (comments and photos may come from anyone in scope).
const ANYONE: &[Role] = &[
    Inspector,
    IntakeOperator,
    ShiftLeader,
    Dispatcher,
    Department,
    Leader,
    Role::Admin,
    System,
];

/// The roles a 督办 or 批示 may be addressed to (a department's users, or a centre role).
pub const ADDRESSEES: &[Role] = &[
    Department,
    ShiftLeader,
    Dispatcher,
    IntakeOperator,
    Inspector,
];

/// The roles allowed to append an event of this type (`type_name` as in
/// [`EventKind::TYPE_NAMES`]). Unknown types allow nobody.
pub fn allowed_roles(type_name: &str) -> &'static [Role] {
    match type_name {
        "report" => &[Inspector, IntakeOperator, System],
        "accept"
        | "request_verification"
        | "merge_into"
        | "merge_from"
        | "request_check"
        | "callback" => &[IntakeOperator],
        "verify" | "check" | "self_handle" => &[Inspector],
        // 不予受理 (reject at 待受理) is also the intake operator's; the fold keeps them to it.
        "reject" => &[ShiftLeader, IntakeOperator],
        "file" | "close" | "approve_self_handle" | "deny_self_handle" | "void" | "reopen" => {
            &[ShiftLeader]
        }
        "fast_dispatch" => &[ShiftLeader, Dispatcher],
        "dispatch" | "approve_extension" | "deny_extension" | "approve_sendback"
        | "deny_sendback" | "approve_park" | "deny_park" | "resume" => &[Dispatcher],
        "request_extension" | "request_sendback" | "request_park" | "feedback" => &[Department],
        // 签收 / 下派 / 下级反馈: department users; the fold checks which department
        // (the case's for 下派, the child unit's for 下级反馈, either's own task for 签收).
        "sign_for" | "sub_dispatch" | "sub_feedback" => &[Department],
        "assign_number" => &[System],
        // 督办 by 领导/值班长, and by the system when a clock runs out.
        "escalate" => &[Leader, ShiftLeader, System],
        "instruct" => &[Leader],
        "urge" => &[ShiftLeader, Dispatcher],
        // The addressee answers; the fold checks it is the 督办's or 批示's addressee.
        "escalation_reply" | "acknowledge_instruction" => ADDRESSEES,
        "comment" | "add_photo" => ANYONE,
        _ => &[],
    }
}

/// The channels a role may report through: inspectors report their own patrols; intake
/// operators enter hotline, public, superior and video reports by hand; the system account
/// takes Open311, video webhook and superior imports.
pub fn allowed_sources(role: Role) -> &'static [SourceChannel] {
    use SourceChannel::*;
    match role {
        Inspector => &[InspectorPatrol],
        IntakeOperator => &[
            PublicHotline,
            PublicApp,
            PublicOpen311,
            Superior,
            VideoAnalytics,
        ],
        System => &[PublicOpen311, VideoAnalytics, Superior],
        ShiftLeader | Dispatcher | Department | Leader | Role::Admin => &[],
    }
}

/// Whether `role` may append `kind` at all (before any state check).
pub fn role_may_append(role: Role, kind: &EventKind) -> bool {
    allowed_roles(kind.type_name()).contains(&role)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_known_type_has_roles_and_unknown_has_none() {
        for name in EventKind::TYPE_NAMES {
            assert!(!allowed_roles(name).is_empty(), "{name}");
        }
        assert!(allowed_roles("drop_table").is_empty());
    }

    #[test]
    fn inspectors_cannot_file_and_only_the_system_numbers() {
        assert!(!allowed_roles("file").contains(&Inspector));
        assert_eq!(allowed_roles("assign_number"), &[System]);
        assert!(!allowed_roles("dispatch").contains(&ShiftLeader));
    }
}
