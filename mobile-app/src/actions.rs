//! Workflow actions from the UI: which ones the signed-in user may take on a case now, and the
//! event each [`ActionInput`] becomes.
//!
//! Availability is decided by the workflow itself, not by a second copy of its rules: for each
//! action the user's role may append ([`allowed_roles`]), a trial event with the same shape is
//! folded after the case's events, and the action is offered only when the fold applies it
//! without a conflict. So the UI can never offer what the fold (and the server's gate) would
//! refuse, and a rule change in core changes the buttons.

use crate::dto::{ActionInput, ActionSpec};
use crate::error::{AppError, AppResult};
use gridcase_core::codes::GridCode;
use gridcase_core::model::{
    Actor, CaseId, DepartmentId, EventId, Hlc, LimitBasis, LimitUnit, Location, PhotoRef, Role,
    TimeLimit, UserId,
};
use gridcase_core::workflow::limits::{MAX_LIMIT_VALUE, MAX_NOTE_CHARS};
use gridcase_core::workflow::{Event, EventKind, allowed_roles, fold};

/// One action the UI knows: its kind, zh label, the form fields it needs, whether it is
/// destructive.
struct Known {
    kind: &'static str,
    label: &'static str,
    fields: &'static [&'static str],
    danger: bool,
}

const KNOWN: &[Known] = &[
    Known {
        kind: "accept",
        label: "受理",
        fields: &[],
        danger: false,
    },
    Known {
        kind: "request_verification",
        label: "派发核实",
        fields: &["assignee"],
        danger: false,
    },
    Known {
        kind: "verify",
        label: "提交核实结果",
        fields: &["passed", "photos", "correctedLocation", "comment"],
        danger: false,
    },
    Known {
        kind: "merge_into",
        label: "合并到重复案件",
        fields: &["targetCase"],
        danger: true,
    },
    Known {
        kind: "file",
        label: "立案",
        fields: &["condition", "comment"],
        danger: false,
    },
    Known {
        kind: "reject",
        label: "不予立案",
        fields: &["reason"],
        danger: true,
    },
    Known {
        kind: "void",
        label: "作废",
        fields: &["reason"],
        danger: true,
    },
    Known {
        kind: "fast_dispatch",
        label: "快速派遣",
        fields: &["department", "limitValue", "limitUnit", "reason"],
        danger: false,
    },
    Known {
        kind: "dispatch",
        label: "派遣",
        fields: &["department", "limitValue", "limitUnit", "reason"],
        danger: false,
    },
    Known {
        kind: "request_extension",
        label: "申请延期",
        fields: &["limitHours", "reason"],
        danger: false,
    },
    Known {
        kind: "approve_extension",
        label: "批准延期",
        fields: &["limitHours"],
        danger: false,
    },
    Known {
        kind: "deny_extension",
        label: "驳回延期",
        fields: &["reason"],
        danger: false,
    },
    Known {
        kind: "request_sendback",
        label: "申请回退",
        fields: &["reason"],
        danger: false,
    },
    Known {
        kind: "approve_sendback",
        label: "同意回退",
        fields: &[],
        danger: false,
    },
    Known {
        kind: "deny_sendback",
        label: "驳回回退",
        fields: &["reason"],
        danger: false,
    },
    Known {
        kind: "request_park",
        label: "申请挂账",
        fields: &["reason"],
        danger: false,
    },
    Known {
        kind: "approve_park",
        label: "批准挂账",
        fields: &[],
        danger: false,
    },
    Known {
        kind: "deny_park",
        label: "驳回挂账",
        fields: &["reason"],
        danger: false,
    },
    Known {
        kind: "resume",
        label: "恢复处置",
        fields: &[],
        danger: false,
    },
    Known {
        kind: "feedback",
        label: "处置反馈",
        fields: &["comment", "photos"],
        danger: false,
    },
    Known {
        kind: "request_check",
        label: "派发核查",
        fields: &["assignee"],
        danger: false,
    },
    Known {
        kind: "check",
        label: "提交核查结果",
        fields: &["passed", "photos", "comment"],
        danger: false,
    },
    Known {
        kind: "close",
        label: "结案",
        fields: &["comment"],
        danger: false,
    },
    Known {
        kind: "approve_self_handle",
        label: "确认自行处置",
        fields: &[],
        danger: false,
    },
    Known {
        kind: "deny_self_handle",
        label: "退回自行处置",
        fields: &["reason"],
        danger: true,
    },
    Known {
        kind: "callback",
        label: "记录回访",
        fields: &["satisfied", "comment"],
        danger: false,
    },
    Known {
        kind: "reopen",
        label: "重新办理",
        fields: &["reason"],
        danger: true,
    },
    Known {
        kind: "escalate",
        label: "督办",
        fields: &["level", "target", "replyHours", "reason"],
        danger: false,
    },
    Known {
        kind: "escalation_reply",
        label: "回复督办",
        fields: &["comment"],
        danger: false,
    },
    Known {
        kind: "instruct",
        label: "批示",
        fields: &["target", "comment"],
        danger: false,
    },
    Known {
        kind: "acknowledge_instruction",
        label: "签收批示",
        fields: &["comment"],
        danger: false,
    },
    Known {
        kind: "sign_for",
        label: "签收",
        fields: &["comment"],
        danger: false,
    },
    Known {
        kind: "sub_dispatch",
        label: "下派",
        fields: &["unit", "dueAt", "comment"],
        danger: false,
    },
    Known {
        kind: "sub_feedback",
        label: "下级反馈",
        fields: &["comment", "photos"],
        danger: false,
    },
    Known {
        kind: "urge",
        label: "催办",
        fields: &["reason"],
        danger: false,
    },
    Known {
        kind: "comment",
        label: "添加备注",
        fields: &["comment"],
        danger: false,
    },
];

/// What a trial or real action needs besides the input.
pub struct ActContext<'a> {
    /// Who acts.
    pub actor: Actor,
    /// A department to use in trial dispatches.
    pub any_department: Option<DepartmentId>,
    /// Photos of the input, already staged and turned into references.
    pub photos: &'a [PhotoRef],
    /// The handling limit the tenant's rules give the case now, with its basis: what a
    /// dispatch without an override records.
    pub standard_limit: Option<(TimeLimit, LimitBasis)>,
    /// A corrected position of a 核实 with the cell the device's grid puts it in.
    pub corrected: Option<(Location, Option<GridCode>)>,
    /// The first 督办 of the case awaiting this user's reply (what 回复督办 answers).
    pub open_escalation: Option<EventId>,
    /// The first 批示 of the case awaiting this user's acknowledgement (what 签收批示 signs).
    pub open_instruction: Option<EventId>,
    /// Now, on the device's clock (a 督办's reply time counts from it).
    pub now: gridcase_core::model::Timestamp,
    /// 下派: the tenant's department tree and the case's handling deadline (the parent's),
    /// which a child's deadline must not pass (docs/departments.md).
    pub units: gridcase_core::departments::DepartmentTree,
    /// The case's handling deadline, when it has one.
    pub parent_due: Option<gridcase_core::model::Timestamp>,
}

impl ActContext<'_> {
    /// Fills [`Self::open_escalation`] and [`Self::open_instruction`] from the case's state.
    pub fn with_open_items(mut self, state: &gridcase_core::workflow::CaseState) -> Self {
        let me = self.actor;
        self.open_escalation = state
            .escalations_awaiting_reply()
            .find(|e| e.addressee.is_some_and(|a| a.includes(&me)))
            .and_then(|e| e.event);
        self.open_instruction = state
            .instructions_pending()
            .find(|i| i.addressee.is_some_and(|a| a.includes(&me)))
            .map(|i| i.event);
        self
    }
}

/// Longest reply time a 督办 may ask for, in hours (the fold's 90 days).
pub const MAX_REPLY_HOURS: u32 = 90 * 24;

/// A 督办's or 批示's target as the form sends it: empty (the case's department),
/// `department:<id>` or `role:<role>`.
fn target(v: &Option<String>) -> AppResult<(Option<DepartmentId>, Option<Role>)> {
    let t = text(v);
    if t.is_empty() || t == "case_department" {
        return Ok((None, None));
    }
    if let Some(d) = t.strip_prefix("department:") {
        return Ok((Some(department(&Some(d.to_owned()))?), None));
    }
    if let Some(r) = t.strip_prefix("role:") {
        let role: Role = serde_json::from_value(serde_json::Value::String(r.to_owned()))
            .map_err(|_| AppError::invalid_field("target", format!("接收角色无效：{r}")))?;
        return Ok((None, Some(role)));
    }
    Err(AppError::invalid_field(
        "target",
        format!("接收方无效：{t}"),
    ))
}

/// The actions `actor` may take now on a case with these events.
pub fn available(events: &[Event], ctx: &ActContext<'_>, probe: EventId) -> Vec<ActionSpec> {
    let last = events.iter().map(|e| e.hlc).max();
    let hlc = match last {
        Some(h) => Hlc {
            ms: h.ms + 1,
            counter: 0,
            node: h.node,
        },
        None => Hlc {
            ms: 1,
            counter: 0,
            node: 0,
        },
    };
    let mut out = Vec::new();
    let at_intake = fold(events).status == gridcase_core::workflow::Status::Reported;
    for k in KNOWN {
        if !allowed_roles(k.kind).contains(&ctx.actor.role) {
            continue;
        }
        let input = trial_input(k.kind, ctx);
        let Ok(kind) = to_event_kind(&input, ctx) else {
            continue;
        };
        let trial = Event {
            id: probe,
            hlc,
            actor: ctx.actor,
            received_at: None,
            kind,
        };
        let mut all: Vec<&Event> = events.iter().collect();
        all.push(&trial);
        let state = fold(all);
        if state.conflicts.iter().all(|c| c.event != probe) {
            // Refusing at 待受理 is 不予受理; at 待立案, 不予立案.
            let label = if k.kind == "reject" && at_intake {
                "不予受理"
            } else {
                k.label
            };
            out.push(ActionSpec {
                kind: k.kind.to_owned(),
                label: label.to_owned(),
                fields: k.fields.iter().map(|f| (*f).to_owned()).collect(),
                danger: k.danger,
            });
        }
    }
    out
}

/// A plausible input for a trial of `kind`.
fn trial_input(kind: &str, ctx: &ActContext<'_>) -> ActionInput {
    ActionInput {
        kind: kind.to_owned(),
        reason: Some("trial".into()),
        comment: Some("trial".into()),
        photos: None,
        // 下派 names a child unit of the actor's department instead (below).
        department_id: if kind == "sub_dispatch" {
            sub_dispatch_trial(kind, ctx).department_id
        } else {
            ctx.any_department.map(|d| d.to_string())
        },
        passed: Some(true),
        satisfied: Some(true),
        assignee: Some(ctx.actor.user.to_string()),
        // Extensions take hours; a dispatch records the standard limit (no override).
        limit_hours: (!matches!(kind, "dispatch" | "fast_dispatch")).then_some(1),
        target_case: Some(CaseId::from_parts(1, [0; 10]).to_string()),
        level: Some(1),
        reply_hours: Some(24),
        // 下派: the first child unit of the actor's department, due by the parent's deadline
        // (or a day from now when it has none); no child unit, no 下派 offered.
        ..sub_dispatch_trial(kind, ctx)
    }
}

fn sub_dispatch_trial(kind: &str, ctx: &ActContext<'_>) -> ActionInput {
    if kind != "sub_dispatch" {
        return ActionInput::default();
    }
    let unit = ctx
        .actor
        .org
        .and_then(|o| ctx.units.children_of(o).first().copied());
    ActionInput {
        department_id: Some(unit.map(|u| u.to_string()).unwrap_or_default()),
        due_at: Some(ctx.parent_due.map_or(ctx.now.0 + 24 * 3_600_000, |d| d.0)),
        ..ActionInput::default()
    }
}

/// 下派: the child unit and its deadline, checked against the tree and the parent's deadline
/// with core's check (the server's write path runs the same).
fn sub_dispatch(input: &ActionInput, ctx: &ActContext<'_>) -> AppResult<EventKind> {
    let t = text(&input.department_id);
    if t.is_empty() {
        return Err(AppError::invalid_field("unit", "请选择下派单位"));
    }
    let unit = DepartmentId::parse(&t)
        .map_err(|e| AppError::invalid_field("unit", format!("单位编号无效：{e}")))?;
    let due = gridcase_core::model::Timestamp(
        input
            .due_at
            .ok_or_else(|| AppError::invalid_field("dueAt", "请填写下派时限"))?,
    );
    if due <= ctx.now {
        return Err(AppError::invalid_field("dueAt", "下派时限须晚于现在"));
    }
    gridcase_core::departments::check_sub_dispatch(
        &ctx.units,
        ctx.actor.org,
        unit,
        due,
        ctx.parent_due,
    )
    .map_err(|e| {
        let field = match e {
            gridcase_core::departments::SubDispatchError::NotChildUnit { .. } => "unit",
            gridcase_core::departments::SubDispatchError::BeyondParentDeadline { .. } => "dueAt",
        };
        AppError::invalid_field(field, e.to_string())
    })?;
    Ok(EventKind::SubDispatch {
        unit,
        due,
        note: text(&input.comment),
    })
}

fn text(v: &Option<String>) -> String {
    v.as_deref().unwrap_or("").trim().to_owned()
}

fn required(v: &Option<String>, what: &str) -> AppResult<String> {
    let t = text(v);
    if t.is_empty() {
        return Err(AppError::invalid(format!("请填写{what}")));
    }
    let max = MAX_NOTE_CHARS;
    if t.chars().count() > max {
        return Err(AppError::invalid(format!("{what}不能超过 {max} 字")));
    }
    Ok(t)
}

fn user(v: &Option<String>) -> AppResult<UserId> {
    let t = text(v);
    if t.is_empty() {
        return Err(AppError::invalid("请选择人员"));
    }
    UserId::parse(&t).map_err(|e| AppError::invalid(format!("人员编号无效：{e}")))
}

fn department(v: &Option<String>) -> AppResult<DepartmentId> {
    let t = text(v);
    if t.is_empty() {
        return Err(AppError::invalid("请选择处置部门"));
    }
    DepartmentId::parse(&t).map_err(|e| AppError::invalid(format!("部门编号无效：{e}")))
}

/// The limit a dispatch records: the dispatcher's override (value, an explicit unit and a
/// reason: a typed number alone is refused, never read as working hours), or else the
/// standard limit of the case with its basis.
fn dispatch_limit(
    input: &ActionInput,
    ctx: &ActContext<'_>,
) -> AppResult<(Option<TimeLimit>, Option<LimitBasis>)> {
    if input.limit_hours.is_some() {
        return Err(AppError::invalid_field(
            "limitUnit",
            "调整处置时限请填写时长、选择单位（工作时、小时等）并说明理由",
        ));
    }
    let Some(value) = input.limit_value.filter(|v| *v > 0) else {
        return Ok(match &ctx.standard_limit {
            Some((l, b)) => (Some(*l), Some(b.clone())),
            None => (None, None),
        });
    };
    if value > MAX_LIMIT_VALUE {
        return Err(AppError::invalid_field(
            "limitValue",
            format!("处置时限不能超过 {MAX_LIMIT_VALUE}"),
        ));
    }
    let unit_text = text(&input.limit_unit);
    if unit_text.is_empty() {
        return Err(AppError::invalid_field(
            "limitUnit",
            "请选择调整时限的单位（工作分钟、工作时、工作日、分钟、小时、天）",
        ));
    }
    let unit = LimitUnit::parse(&unit_text)
        .map_err(|_| AppError::invalid_field("limitUnit", format!("时限单位无效：{unit_text}")))?;
    let reason = required(&input.reason, "调整处置时限的理由")
        .map_err(|e| AppError::invalid_field("reason", e.message))?;
    Ok((
        Some(TimeLimit::new(value, unit)),
        Some(LimitBasis::Override { reason }),
    ))
}

fn condition(v: &Option<String>) -> AppResult<Option<String>> {
    let t = text(v);
    if t.is_empty() {
        return Ok(None);
    }
    if t.chars().count() > gridcase_core::workflow::limits::MAX_CODE_CHARS {
        return Err(AppError::invalid("立案条件编号过长"));
    }
    Ok(Some(t))
}

fn hours(v: Option<u32>) -> AppResult<Option<TimeLimit>> {
    match v {
        None | Some(0) => Ok(None),
        Some(h) if h > 24 * 365 => Err(AppError::invalid("时限不能超过一年")),
        Some(h) => Ok(Some(TimeLimit::new(h, LimitUnit::WorkingHours))),
    }
}

/// The event an input becomes, validated. Unknown kinds and missing fields are refused with
/// `invalid_input` naming the field.
pub fn to_event_kind(input: &ActionInput, ctx: &ActContext<'_>) -> AppResult<EventKind> {
    let photos = ctx.photos.to_vec();
    Ok(match input.kind.as_str() {
        "accept" => EventKind::Accept,
        "request_verification" => EventKind::RequestVerification {
            assignee: user(&input.assignee)?,
        },
        "verify" => EventKind::Verify {
            confirmed: input
                .passed
                .ok_or_else(|| AppError::invalid("请选择核实结果"))?,
            photos,
            location: ctx.corrected.map(|(l, _)| l),
            cell: ctx.corrected.and_then(|(_, c)| c),
            category: None,
            note: text(&input.comment),
        },
        "merge_into" => EventKind::MergeInto {
            target: CaseId::parse(&text(&input.target_case))
                .map_err(|e| AppError::invalid(format!("目标案件编号无效：{e}")))?,
        },
        "file" => EventKind::File {
            note: text(&input.comment),
            condition: condition(&input.condition)?,
        },
        "reject" => EventKind::Reject {
            reason: required(&input.reason, "不予受理（不予立案）的理由")?,
        },
        "void" => EventKind::Void {
            reason: required(&input.reason, "作废理由")?,
        },
        "fast_dispatch" => {
            let (limit, basis) = dispatch_limit(input, ctx)?;
            EventKind::FastDispatch {
                department: department(&input.department_id)?,
                limit,
                basis,
            }
        }
        "dispatch" => {
            let (limit, basis) = dispatch_limit(input, ctx)?;
            EventKind::Dispatch {
                department: department(&input.department_id)?,
                limit,
                basis,
            }
        }
        "request_extension" => EventKind::RequestExtension {
            requested: hours(input.limit_hours)?
                .ok_or_else(|| AppError::invalid("请填写延期时长（小时）"))?,
            reason: required(&input.reason, "延期理由")?,
        },
        "approve_extension" => EventKind::ApproveExtension {
            granted: hours(input.limit_hours)?
                .ok_or_else(|| AppError::invalid("请填写批准的延期时长（小时）"))?,
        },
        "deny_extension" => EventKind::DenyExtension {
            reason: text(&input.reason),
        },
        "request_sendback" => EventKind::RequestSendback {
            reason: required(&input.reason, "回退理由")?,
        },
        "approve_sendback" => EventKind::ApproveSendback,
        "deny_sendback" => EventKind::DenySendback {
            reason: text(&input.reason),
        },
        "request_park" => EventKind::RequestPark {
            reason: required(&input.reason, "挂账理由")?,
            expected: None,
        },
        "approve_park" => EventKind::ApprovePark,
        "deny_park" => EventKind::DenyPark {
            reason: text(&input.reason),
        },
        "resume" => EventKind::Resume,
        "feedback" => EventKind::Feedback {
            result: required(&input.comment, "处置结果说明")?,
            photos,
        },
        "request_check" => EventKind::RequestCheck {
            assignee: user(&input.assignee)?,
        },
        "check" => EventKind::Check {
            passed: input
                .passed
                .ok_or_else(|| AppError::invalid("请选择核查结果"))?,
            photos,
            note: text(&input.comment),
        },
        "close" => EventKind::Close {
            note: text(&input.comment),
        },
        "approve_self_handle" => EventKind::ApproveSelfHandle,
        "deny_self_handle" => EventKind::DenySelfHandle {
            reason: text(&input.reason),
        },
        "callback" => EventKind::Callback {
            satisfied: input
                .satisfied
                .ok_or_else(|| AppError::invalid("请选择回访结果"))?,
            note: text(&input.comment),
        },
        "reopen" => EventKind::Reopen {
            reason: required(&input.reason, "重新办理的理由")?,
        },
        "escalate" => {
            let level = input.level.unwrap_or(1);
            if level == 0 || level > gridcase_core::workflow::limits::MAX_ESCALATION_LEVEL {
                return Err(AppError::invalid_field("level", "督办级别须为 1–9"));
            }
            let (department, role) = target(&input.target)?;
            let reply_by = match input.reply_hours {
                None | Some(0) => None,
                Some(h) if h > MAX_REPLY_HOURS => {
                    return Err(AppError::invalid_field(
                        "replyHours",
                        format!("要求回复时间不能超过 {MAX_REPLY_HOURS} 小时"),
                    ));
                }
                Some(h) => Some(gridcase_core::model::Timestamp(
                    ctx.now.0 + i64::from(h) * 3_600_000,
                )),
            };
            EventKind::Escalate {
                level,
                reason: required(&input.reason, "督办理由")?,
                department,
                role,
                reply_by,
            }
        }
        "escalation_reply" => EventKind::EscalationReply {
            escalation: ctx
                .open_escalation
                .ok_or_else(|| AppError::invalid("没有待您回复的督办"))?,
            text: required(&input.comment, "督办回复内容")?,
        },
        "instruct" => {
            let (department, role) = target(&input.target)?;
            EventKind::Instruct {
                text: required(&input.comment, "批示内容")?,
                department,
                role,
            }
        }
        "acknowledge_instruction" => EventKind::AcknowledgeInstruction {
            instruction: ctx
                .open_instruction
                .ok_or_else(|| AppError::invalid("没有待您签收的批示"))?,
            note: text(&input.comment),
        },
        "urge" => EventKind::Urge {
            reason: required(&input.reason, "催办理由")?,
        },
        "sign_for" => EventKind::SignFor {
            note: text(&input.comment),
        },
        "sub_dispatch" => sub_dispatch(input, ctx)?,
        "sub_feedback" => EventKind::SubFeedback {
            result: required(&input.comment, "下级处置结果说明")?,
            photos,
        },
        "comment" => EventKind::Comment {
            text: required(&input.comment, "备注")?,
        },
        other => return Err(AppError::invalid(format!("未知的操作：{other}"))),
    })
}

/// The zh label of an event type, for the timeline.
pub fn event_label(type_name: &str) -> &'static str {
    if let Some(k) = KNOWN.iter().find(|k| k.kind == type_name) {
        return k.label;
    }
    match type_name {
        "report" => "上报",
        "self_handle" => "自行处置",
        "assign_number" => "生成案卷号",
        "add_photo" => "补充照片",
        "merge_from" => "合并重复案件",
        _ => "未知操作",
    }
}

/// Whether the action's form takes photos.
pub fn takes_photos(kind: &str) -> bool {
    matches!(kind, "verify" | "feedback" | "check" | "sub_feedback")
}

#[cfg(test)]
mod tests {
    use super::*;
    use gridcase_core::model::{DeviceId, LocationSource, Role};
    use gridcase_core::workflow::validate_kind;

    fn ctx(standard: Option<(TimeLimit, LimitBasis)>) -> ActContext<'static> {
        ActContext {
            actor: Actor {
                user: UserId::from_parts(1, [1; 10]),
                device: DeviceId::from_parts(2, [1; 10]),
                role: Role::Dispatcher,
                org: None,
            },
            any_department: None,
            photos: &[],
            standard_limit: standard,
            corrected: None,
            open_escalation: None,
            open_instruction: None,
            now: gridcase_core::model::Timestamp(1_790_000_000_000),
            units: Default::default(),
            parent_due: None,
        }
    }

    fn dispatch(value: Option<u32>, unit: Option<&str>, reason: Option<&str>) -> ActionInput {
        ActionInput {
            kind: "dispatch".into(),
            department_id: Some(DepartmentId::from_parts(3, [1; 10]).to_string()),
            limit_value: value,
            limit_unit: unit.map(str::to_owned),
            reason: reason.map(str::to_owned),
            ..ActionInput::default()
        }
    }

    fn limit_of(kind: &EventKind) -> (Option<TimeLimit>, Option<LimitBasis>) {
        match kind {
            EventKind::Dispatch { limit, basis, .. } => (*limit, basis.clone()),
            other => panic!("not a dispatch: {other:?}"),
        }
    }

    #[test]
    fn a_dispatch_records_the_standard_limit_with_its_basis() {
        // Issue 12, C3: the category's limit of the day is written on the event, so a later
        // rules import moves nothing already dispatched.
        let basis = LimitBasis::Category {
            rules_version: Some("0123456789ab".into()),
        };
        let standard = (TimeLimit::new(2, LimitUnit::NaturalHours), basis.clone());
        let kind =
            to_event_kind(&dispatch(None, None, None), &ctx(Some(standard))).expect("dispatch");
        assert_eq!(
            limit_of(&kind),
            (
                Some(TimeLimit::new(2, LimitUnit::NaturalHours)),
                Some(basis)
            )
        );
        // No rules known: nothing recorded (the deadline shows 无时限).
        let kind = to_event_kind(&dispatch(None, None, None), &ctx(None)).expect("dispatch");
        assert_eq!(limit_of(&kind), (None, None));
    }

    #[test]
    fn an_override_keeps_its_unit_and_needs_a_reason() {
        // Issue 12, C5: 2 小时 set at 21:00 stays natural hours (before, every typed limit
        // became working hours), and the reason is recorded.
        let standard = Some((
            TimeLimit::new(4, LimitUnit::WorkingHours),
            LimitBasis::Category {
                rules_version: None,
            },
        ));
        let input = dispatch(Some(2), Some("小时"), Some("夜间露天烧烤须当晚处置"));
        let kind = to_event_kind(&input, &ctx(standard.clone())).expect("override");
        assert_eq!(
            limit_of(&kind),
            (
                Some(TimeLimit::new(2, LimitUnit::NaturalHours)),
                Some(LimitBasis::Override {
                    reason: "夜间露天烧烤须当晚处置".into()
                })
            )
        );
        assert!(validate_kind(&kind).is_ok());
        for (input, says) in [
            (dispatch(Some(2), None, Some("理由")), "单位"),
            (
                dispatch(Some(2), Some("fortnights"), Some("理由")),
                "单位无效",
            ),
            (dispatch(Some(2), Some("natural_hours"), None), "理由"),
            (dispatch(Some(2), Some("natural_hours"), Some("  ")), "理由"),
            (
                ActionInput {
                    limit_hours: Some(2),
                    ..dispatch(None, None, None)
                },
                "单位",
            ),
        ] {
            let e = to_event_kind(&input, &ctx(standard.clone())).expect_err("refused");
            assert_eq!(e.code, "invalid_input");
            assert!(e.message.contains(says), "{says}: {}", e.message);
        }
    }

    #[test]
    fn filing_records_the_condition_and_verify_the_corrected_cell() {
        let file = ActionInput {
            kind: "file".into(),
            condition: Some(" 0101-02 ".into()),
            ..ActionInput::default()
        };
        let kind = to_event_kind(&file, &ctx(None)).expect("file");
        assert!(matches!(kind, EventKind::File { condition: Some(ref c), .. } if c == "0101-02"));
        let at = Location::new(103.8, 36.05, Some(5.0), LocationSource::Gps).expect("valid");
        let cell = GridCode::parse("620102001001001").ok();
        let mut c = ctx(None);
        c.corrected = Some((at, cell));
        let verify = ActionInput {
            kind: "verify".into(),
            passed: Some(true),
            ..ActionInput::default()
        };
        match to_event_kind(&verify, &c).expect("verify") {
            EventKind::Verify {
                location,
                cell: got,
                ..
            } => {
                assert_eq!(location, Some(at));
                assert_eq!(got, cell);
            }
            other => panic!("{other:?}"),
        }
    }

    /// 下派 (docs/departments.md): only to a child of the actor's department, due after now
    /// and not after the parent's deadline — the form names the field at fault.
    #[test]
    fn a_sub_dispatch_is_checked_against_the_tree_and_the_parent_deadline() {
        let (parent, child, other) = (
            DepartmentId::from_parts(3, [1; 10]),
            DepartmentId::from_parts(3, [11; 10]),
            DepartmentId::from_parts(3, [21; 10]),
        );
        let mut c = ctx(None);
        c.actor.role = Role::Department;
        c.actor.org = Some(parent);
        c.units = gridcase_core::departments::DepartmentTree::from_pairs([(child, parent)])
            .expect("tree");
        let parent_due = gridcase_core::model::Timestamp(c.now.0 + 8 * 3_600_000);
        c.parent_due = Some(parent_due);
        let input = |unit: DepartmentId, due: i64| ActionInput {
            kind: "sub_dispatch".into(),
            department_id: Some(unit.to_string()),
            due_at: Some(due),
            comment: Some("今日处理".into()),
            ..ActionInput::default()
        };
        let kind = to_event_kind(&input(child, parent_due.0), &c).expect("within the parent");
        assert!(validate_kind(&kind).is_ok());
        assert!(matches!(kind, EventKind::SubDispatch { unit, .. } if unit == child));
        let field = |r: AppResult<EventKind>| r.expect_err("refused").field;
        assert_eq!(
            field(to_event_kind(&input(child, parent_due.0 + 1), &c)).as_deref(),
            Some("dueAt")
        );
        assert_eq!(
            field(to_event_kind(&input(other, parent_due.0 - 1), &c)).as_deref(),
            Some("unit")
        );
        assert_eq!(
            field(to_event_kind(&input(child, c.now.0), &c)).as_deref(),
            Some("dueAt")
        );
        // The trial input offers 下派 only with a child unit to choose.
        let trial = trial_input("sub_dispatch", &c);
        assert_eq!(trial.department_id, Some(child.to_string()));
        assert_eq!(trial.due_at, Some(parent_due.0));
        c.units = Default::default();
        assert!(to_event_kind(&trial_input("sub_dispatch", &c), &c).is_err());
    }
}
