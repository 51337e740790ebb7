//! The TypeScript types of the commands' wire types, generated from [`crate::dto`] so the UI and
//! the app cannot drift: `ui/src/backend/generated.ts` is this module's output, checked in, and
//! the test below fails when a Rust type changed without the file being regenerated
//! (`GRIDCASE_BLESS=1 cargo test -p gridcase-app --lib ts_bindings` rewrites it). The UI's type
//! check (`tsc --noEmit`, run by `npm run build`) then holds the UI to the new types.
//!
//! Invariants: every type of `crate::dto` is listed once (a type the UI receives but this list
//! forgets would silently fall back to a hand-written copy); 64-bit integers are `number` (times
//! are Unix milliseconds, far inside 2^53); vocabularies the Rust side still carries as strings
//! name their union from `ui/src/backend/vocabulary.ts`.

use crate::dto::*;
use ts_rs::{Config, TS};

/// Every wire type, in the order the file declares them.
macro_rules! declarations {
    ($cfg:expr; $($t:ty),* $(,)?) => {
        vec![$(<$t as TS>::decl($cfg)),*]
    };
}

/// The whole generated file.
fn generated() -> String {
    let cfg = Config::new().with_large_int("number");
    let decls = declarations![&cfg;
        SessionDto, SignInHint, AppInfo, CaseQuery, CaseRow, FacetValue, Facets, BatchInput,
        BatchItem, QueueCount, CaseList, PhotoInfo, TimelineEntry, StageClock, ActionSpec,
        Suggestion, DuplicateCandidate, CallerDto, ReportDto, Assignee, CaseDetail, LimitDto,
        ConditionDto, ActionInput, ExifDto, StagedPhoto, Position, NearbyComponent, NearestCell,
        Placement, PlaceHit, CategoryDto, DraftCaller, Draft, Submitted, ErrorDto, QuarantineDto,
        UploadDto, SyncStatus, MapCase, MapLayers, DepartmentDto, PatrolStatusDto,
        SurveyComponentDto, SurveyCellDto, SurveyDto, SurveyMarkInput, DraftSurvey, SupervisionDto,
        AlertDto, SubTaskDto,
    ];
    let mut out = String::from(
        "// Generated from mobile-app/src/dto.rs by mobile-app/src/ts_bindings.rs: do not edit.\n\
         // Regenerate: GRIDCASE_BLESS=1 cargo test -p gridcase-app --lib ts_bindings\n\
         /* eslint-disable */\n\
         import type {\n  ActionField, ActionKind, AlertKind, DraftKind, Light, Mode, PlaceKind, QueueId, Role,\n  \
         SupervisionKind, SurveyState, SyncState, Urgency,\n} from './vocabulary';\n",
    );
    for decl in decls {
        out.push('\n');
        out.push_str("export ");
        out.push_str(decl.trim_end());
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::generated;
    use std::path::PathBuf;

    #[test]
    fn the_ui_types_are_generated_from_the_current_rust_types() {
        let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../ui/src/backend/generated.ts");
        let want = generated();
        if std::env::var_os("GRIDCASE_BLESS").is_some() {
            std::fs::write(&path, &want).expect("write generated.ts");
            return;
        }
        let have = std::fs::read_to_string(&path).unwrap_or_default();
        assert!(
            have == want,
            "{} is not what mobile-app/src/dto.rs generates: a wire type changed without \
             regenerating it. Run `GRIDCASE_BLESS=1 cargo test -p gridcase-app --lib ts_bindings`, \
             then `npm run typecheck` in ui/.",
            path.display()
        );
    }
}
