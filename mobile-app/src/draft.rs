//! The report being written: kept as `draft.json` in the user's directory, rewritten durably
//! (temp file, fsync, rename) on every change, so it survives a crash or a killed app; and the
//! checks a draft must pass before it becomes a case, each naming the field in zh-CN.
//!
//! Invariant: `validate` is pure and is the only gate between a draft and a `report` /
//! `self_handle` event; the event is built only from a validated draft.

use crate::dto::{Draft, Position};
use crate::error::{AppError, AppResult};
use crate::photos::write_atomic;
use crate::reference::parse_category_ref;
use gridcase_core::codes::{CategoryRef, ComponentId, GridCode};
use gridcase_core::model::{Location, LocationSource, SourceChannel, Urgency};
use std::path::PathBuf;

/// Longest description accepted, and most photos on one report: core's limits, the same the
/// server's gate applies (`workflow::limits`).
pub use gridcase_core::workflow::limits::{MAX_DESCRIPTION_CHARS as MAX_DESCRIPTION, MAX_PHOTOS};

/// Where the draft lives.
#[derive(Clone, Debug)]
pub struct DraftFile {
    path: PathBuf,
}

impl DraftFile {
    /// The draft file in a user's directory.
    pub fn new(dir: &std::path::Path) -> DraftFile {
        DraftFile {
            path: dir.join("draft.json"),
        }
    }

    /// The saved draft, if any. A draft that no longer parses is moved aside (never deleted).
    pub fn get(&self) -> AppResult<Option<Draft>> {
        match std::fs::read(&self.path) {
            Ok(bytes) => match serde_json::from_slice(&bytes) {
                Ok(d) => Ok(Some(d)),
                Err(_) => {
                    std::fs::rename(&self.path, self.path.with_extension("json.bad"))?;
                    Ok(None)
                }
            },
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(e.into()),
        }
    }

    /// Saves the draft durably.
    pub fn save(&self, draft: &Draft) -> AppResult<()> {
        write_atomic(&self.path, &serde_json::to_vec(draft)?)?;
        Ok(())
    }

    /// Removes the draft.
    pub fn discard(&self) -> AppResult<()> {
        match std::fs::remove_file(&self.path) {
            Ok(()) => Ok(()),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
            Err(e) => Err(e.into()),
        }
    }
}

/// A draft that passed [`validate`].
#[derive(Clone, Debug, PartialEq)]
pub struct Checked {
    /// Channel.
    pub source: SourceChannel,
    /// Category.
    pub category: CategoryRef,
    /// Position.
    pub location: Location,
    /// Cell, when the point is inside one.
    pub cell: Option<GridCode>,
    /// Component, for a component problem.
    pub component: Option<ComponentId>,
    /// Address text.
    pub address: String,
    /// Description (with the caller's call-back wish for hotline reports).
    pub description: String,
    /// Urgency.
    pub urgency: Urgency,
    /// The caller (hotline): sent to the server apart from the case, never in the document
    /// (crate::contacts).
    pub caller: Option<CallerContact>,
}

/// A hotline caller as the form gives it (trimmed; at least one of name and phone).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CallerContact {
    /// Name.
    pub name: Option<String>,
    /// Phone.
    pub phone: Option<String>,
    /// The caller asked to be called back.
    pub wants_callback: bool,
}

fn location_of(p: &Position) -> AppResult<Location> {
    let source = match p.source.as_str() {
        "gps" | "configured" => LocationSource::Gps,
        "exif" => LocationSource::Exif,
        "manual" => LocationSource::Manual,
        other => {
            return Err(AppError::invalid_field(
                "position",
                format!("未知的位置来源：{other}"),
            ));
        }
    };
    Location::new(p.lon, p.lat, p.accuracy_m, source)
        .map_err(|e| AppError::invalid_field("position", format!("位置无效：{e}")))
}

/// Checks a draft. Returns the first problem, naming the field.
pub fn validate(d: &Draft) -> AppResult<Checked> {
    let source = match d.kind.as_str() {
        "report" | "self_handle" => SourceChannel::InspectorPatrol,
        "hotline" => SourceChannel::PublicHotline,
        other => return Err(AppError::invalid(format!("未知的上报类型：{other}"))),
    };
    if d.kind != "hotline" && d.photos.is_empty() {
        return Err(AppError::invalid_field(
            "photos",
            "请至少拍摄或选择一张现场照片",
        ));
    }
    if d.photos.len() > MAX_PHOTOS || d.after_photos.len() > MAX_PHOTOS {
        return Err(AppError::invalid_field(
            "photos",
            format!("照片不能超过 {MAX_PHOTOS} 张"),
        ));
    }
    if d.kind == "self_handle" && d.after_photos.is_empty() {
        return Err(AppError::invalid_field(
            "afterPhotos",
            "自行处置需要处置后的照片",
        ));
    }
    let position = d.position.as_ref().ok_or_else(|| {
        AppError::invalid_field("position", "请确定问题位置（定位、照片位置或在地图上选点）")
    })?;
    let location = location_of(position)?;
    let category = d
        .category
        .as_ref()
        .ok_or_else(|| AppError::invalid_field("category", "请选择问题类别"))?;
    let category = parse_category_ref(&category.reference)
        .ok_or_else(|| AppError::invalid_field("category", "问题类别无效，请重新选择"))?;
    let description = d.description.trim().to_owned();
    if description.is_empty() {
        return Err(AppError::invalid_field("description", "请填写问题描述"));
    }
    if description.chars().count() > MAX_DESCRIPTION {
        return Err(AppError::invalid_field(
            "description",
            format!("问题描述不能超过 {MAX_DESCRIPTION} 字"),
        ));
    }
    let urgency = match d.urgency.as_str() {
        "normal" | "" => Urgency::Normal,
        "urgent" => Urgency::Urgent,
        other => {
            return Err(AppError::invalid_field(
                "urgency",
                format!("未知的紧急程度：{other}"),
            ));
        }
    };
    let placement = d.placement.as_ref();
    let cell = placement
        .and_then(|p| p.cell.as_deref())
        .map(GridCode::parse)
        .transpose()
        .map_err(|e| AppError::invalid_field("position", format!("单元网格编码无效：{e}")))?;
    if d.kind != "hotline" && cell.is_none() {
        return Err(AppError::invalid_field(
            "position",
            "问题位置不在任何单元网格内，请在地图上重新选点",
        ));
    }
    let component = match d.component_id.as_deref().filter(|s| !s.is_empty()) {
        Some(id) if category.kind == gridcase_core::codes::CategoryKind::Component => {
            Some(ComponentId::parse(id).map_err(|e| {
                AppError::invalid_field("componentId", format!("部件编码无效：{e}"))
            })?)
        }
        _ => None,
    };
    let address = placement.map_or_else(String::new, |p| p.address.clone());
    let (caller, description) = match (&d.kind[..], &d.caller) {
        ("hotline", Some(c)) => {
            let phone = c.phone.trim();
            let phone_ok =
                phone.len() <= 20 && phone.chars().all(|ch| ch.is_ascii_digit() || ch == '-');
            if !phone_ok {
                return Err(AppError::invalid_field(
                    "callerPhone",
                    "来电号码只能包含数字和“-”",
                ));
            }
            let name = c.name.trim();
            if name.chars().count() > 50 {
                return Err(AppError::invalid_field(
                    "callerName",
                    "来电人姓名不能超过 50 个字符",
                ));
            }
            let caller = (!name.is_empty() || !phone.is_empty()).then(|| CallerContact {
                name: (!name.is_empty()).then(|| name.to_owned()),
                phone: (!phone.is_empty()).then(|| phone.to_owned()),
                wants_callback: c.wants_callback,
            });
            let description = if c.wants_callback {
                format!("{description}（来电人要求回访）")
            } else {
                description
            };
            (caller, description)
        }
        ("hotline", None) => return Err(AppError::invalid_field("callerName", "请填写来电人信息")),
        _ => (None, description),
    };
    Ok(Checked {
        source,
        category,
        location,
        cell,
        component,
        address,
        description,
        urgency,
        caller,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dto::{CategoryDto, DraftCaller, ExifDto, Placement, StagedPhoto};

    fn photo() -> StagedPhoto {
        StagedPhoto {
            sha256: "ab".repeat(32),
            thumb_url: String::new(),
            width: 10,
            height: 10,
            exif: ExifDto {
                lon: None,
                lat: None,
                accuracy_m: None,
                taken_at: None,
                orientation: 1,
                make: None,
                model: None,
            },
            name: "a.jpg".into(),
        }
    }

    fn draft() -> Draft {
        Draft {
            kind: "report".into(),
            photos: vec![photo()],
            after_photos: vec![],
            position: Some(Position {
                lon: 103.83,
                lat: 36.06,
                accuracy_m: Some(5.0),
                source: "gps".into(),
            }),
            placement: Some(Placement {
                inside: true,
                cell: Some("620102001001001".into()),
                community: Some("c".into()),
                street: Some("s".into()),
                address: "某路".into(),
                nearest_cell: None,
                components: vec![],
            }),
            category: Some(CategoryDto {
                reference: "component:01001".into(),
                kind: "component".into(),
                code: "01001".into(),
                name: "井盖".into(),
                major_name: "公用设施".into(),
                minor_name: None,
            }),
            component_id: None,
            description: "井盖破损".into(),
            urgency: "normal".into(),
            caller: None,
            updated_at: 0,
            survey: None,
        }
    }

    #[test]
    fn a_complete_report_passes() {
        let c = validate(&draft()).expect("valid");
        assert_eq!(c.source, SourceChannel::InspectorPatrol);
        assert_eq!(
            c.cell.map(|g| g.to_string()).as_deref(),
            Some("620102001001001")
        );
        assert_eq!(c.description, "井盖破损");
    }

    #[test]
    fn each_missing_field_is_named() {
        type Breaker = fn(&mut Draft);
        let cases: Vec<(Breaker, &str)> = vec![
            (|d| d.photos.clear(), "照片"),
            (|d| d.position = None, "位置"),
            (|d| d.category = None, "类别"),
            (|d| d.description = "  ".into(), "描述"),
            (|d| d.urgency = "soon".into(), "紧急程度"),
            (|d| d.placement.as_mut().unwrap().cell = None, "单元网格"),
            (|d| d.kind = "x".into(), "上报类型"),
            (|d| d.description = "字".repeat(4001), "4000"),
        ];
        for (break_it, word) in cases {
            let mut d = draft();
            break_it(&mut d);
            let e = validate(&d).expect_err(word);
            assert_eq!(e.code, "invalid_input");
            assert!(
                e.field.is_some() || word == "上报类型",
                "{word}: a field is named"
            );
            assert!(e.message.contains(word), "{word}: {}", e.message);
        }
    }

    #[test]
    fn a_bad_position_is_refused() {
        let mut d = draft();
        d.position.as_mut().unwrap().lat = 123.0;
        assert!(validate(&d).unwrap_err().message.contains("位置无效"));
    }

    #[test]
    fn hotline_needs_a_caller_but_no_photo_and_keeps_the_callback_wish() {
        let mut d = draft();
        d.kind = "hotline".into();
        d.photos.clear();
        assert!(validate(&d).unwrap_err().message.contains("来电人"));
        d.caller = Some(DraftCaller {
            name: "王先生".into(),
            phone: "0931-1234567".into(),
            wants_callback: true,
        });
        let c = validate(&d).expect("valid hotline");
        assert_eq!(c.source, SourceChannel::PublicHotline);
        assert_eq!(
            c.caller,
            Some(CallerContact {
                name: Some("王先生".into()),
                phone: Some("0931-1234567".into()),
                wants_callback: true,
            })
        );
        assert!(c.description.ends_with("（来电人要求回访）"));
        d.caller.as_mut().unwrap().phone = "call me".into();
        assert!(validate(&d).unwrap_err().message.contains("来电号码"));
    }

    #[test]
    fn self_handling_needs_after_photos() {
        let mut d = draft();
        d.kind = "self_handle".into();
        assert!(validate(&d).unwrap_err().message.contains("处置后"));
        d.after_photos.push(photo());
        assert!(validate(&d).is_ok());
    }

    #[test]
    fn drafts_survive_a_reopen_and_a_corrupt_file_is_kept_aside() {
        let dir = tempfile::tempdir().unwrap();
        let f = DraftFile::new(dir.path());
        assert_eq!(f.get().unwrap(), None);
        f.save(&draft()).unwrap();
        assert_eq!(DraftFile::new(dir.path()).get().unwrap(), Some(draft()));
        std::fs::write(dir.path().join("draft.json"), b"{not json").unwrap();
        assert_eq!(f.get().unwrap(), None);
        assert!(dir.path().join("draft.json.bad").exists());
        f.discard().unwrap();
        f.discard().unwrap();
    }
}
