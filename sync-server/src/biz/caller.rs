//! The authenticated caller of a request: a user on an enrolled device, with the actor id the
//! server issued to that device, and the principals that decide what it may see.

use automerge::ActorId;
use gridcase_core::codes::CountyCode;
use gridcase_core::model::{Actor, DepartmentId, DeviceId, Role, UserId};
use gridcase_core::workflow::is_centre_role;

/// Who is calling.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Caller {
    /// The tenant.
    pub tenant: CountyCode,
    /// The user.
    pub user: UserId,
    /// The device.
    pub device: DeviceId,
    /// The user's role.
    pub role: Role,
    /// The user's department.
    pub department: Option<DepartmentId>,
    /// The device's Automerge actor.
    pub actor_id: ActorId,
    /// Grid cells given to the user (inspectors).
    pub cells: Vec<String>,
}

impl Caller {
    /// The tenant code as text.
    pub fn tenant_code(&self) -> String {
        self.tenant.to_string()
    }

    /// The workflow actor every event this caller appends must carry.
    pub fn actor(&self) -> Actor {
        Actor {
            user: self.user,
            device: self.device,
            role: self.role,
            org: self.department,
        }
    }

    /// Whether the caller sees the whole tenant (centre roles).
    pub fn sees_whole_tenant(&self) -> bool {
        is_centre_role(self.role)
    }

    /// The scope principals of the caller; `None` for the whole tenant.
    pub fn principals(&self) -> Option<Vec<String>> {
        if self.sees_whole_tenant() {
            return None;
        }
        let mut p = vec![format!("user:{}", self.user)];
        match self.role {
            Role::Inspector => p.extend(self.cells.iter().map(|c| format!("cell:{c}"))),
            Role::Department => p.extend(self.department.map(|d| format!("dept:{d}"))),
            _ => {}
        }
        Some(p)
    }
}
