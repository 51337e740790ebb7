//! Roles (DESIGN.md §2) and the actor that appends an event: a user, on a device, in a role
//! (and, for department users, on behalf of their department).

use super::ids::{DepartmentId, DeviceId, UserId};
use serde::{Deserialize, Serialize};
use std::fmt;

/// A role in the supervision centre's workflow.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, Debug)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// 信息监督员: patrols, reports, verifies, checks, self-handles.
    Inspector,
    /// 受理员: takes reports in, sends verification and check tasks.
    IntakeOperator,
    /// 值班长: files, rejects, voids, closes.
    ShiftLeader,
    /// 派遣员: dispatches; approves extension, send-back and parking.
    Dispatcher,
    /// 专业部门 / 处置单位: handles dispatched cases and feeds back.
    Department,
    /// 领导: dashboards, evaluation, escalation (督办).
    Leader,
    /// 管理员: tenants, users, devices, reference data.
    Admin,
    /// The server itself (scheduler, intake webhooks, imports).
    System,
}

impl Role {
    /// Every role, in a stable order.
    pub const ALL: [Role; 8] = [
        Role::Inspector,
        Role::IntakeOperator,
        Role::ShiftLeader,
        Role::Dispatcher,
        Role::Department,
        Role::Leader,
        Role::Admin,
        Role::System,
    ];

    /// The stable wire name (`snake_case`).
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Inspector => "inspector",
            Role::IntakeOperator => "intake_operator",
            Role::ShiftLeader => "shift_leader",
            Role::Dispatcher => "dispatcher",
            Role::Department => "department",
            Role::Leader => "leader",
            Role::Admin => "admin",
            Role::System => "system",
        }
    }

    /// The Chinese name shown to users.
    pub fn label_zh(self) -> &'static str {
        match self {
            Role::Inspector => "信息监督员",
            Role::IntakeOperator => "受理员",
            Role::ShiftLeader => "值班长",
            Role::Dispatcher => "派遣员",
            Role::Department => "专业部门",
            Role::Leader => "领导",
            Role::Admin => "管理员",
            Role::System => "系统",
        }
    }

    /// Parses the wire name.
    pub fn parse(text: &str) -> Option<Role> {
        Role::ALL.into_iter().find(|r| r.as_str() == text)
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Who appended an event: the user, the device it was made on, and the role it acted in.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, Debug)]
pub struct Actor {
    /// The person (or the system account).
    pub user: UserId,
    /// The enrolled device the change was made on.
    pub device: DeviceId,
    /// The role the user acted in.
    pub role: Role,
    /// The department the user acts for (department users only; checked by the server's gate
    /// against its account records, and by the fold against the case's assigned department).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub org: Option<DepartmentId>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn role_names_round_trip() {
        for role in Role::ALL {
            assert_eq!(Role::parse(role.as_str()), Some(role));
            let json = serde_json::to_string(&role).expect("serialise");
            assert_eq!(json, format!("\"{}\"", role.as_str()));
        }
        assert_eq!(Role::parse("root"), None);
    }
}
