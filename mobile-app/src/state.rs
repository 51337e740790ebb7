//! The app's state: where its files are, who is signed in, and that user's open store,
//! reference data, case index, photo store, draft and sync status.
//!
//! Layout under the app's data directory (`GRIDCASE_APP_DIR` overrides the platform's):
//! `install_id` (random, made once), `session.json` (the signed-in device session, 0600; the
//! bearer token must be kept to sync offline-first — on tablets the platform keystore is the
//! place for it, see docs/mobile.md), and `users/<tenant>-<username>/` with `device.sqlite`,
//! `reference.json`, `draft.json` and `photos/`. Each user has their own store, so signing in
//! as someone else on the same device never mixes scopes.
//!
//! Invariant: at most one [`Active`] at a time; every command that needs it gets it through
//! [`AppState::active`], which fails with `not_signed_in` otherwise.

use crate::draft::DraftFile;
use crate::dto::{Position, SessionDto, SignInHint, SyncStatus};
use crate::error::{AppError, AppResult};
use crate::index::{CaseIndex, Viewer};
use crate::photos::{PhotoStore, write_atomic};
use crate::reference::Reference;
use gridcase_core::model::{Actor, CaseId, EventId, Hlc, Role};
use gridcase_core::protocol::ReferenceBundle;
use gridcase_core::store::DeviceStore;
use gridcase_core::sync::runtime::{Session, SharedStore, now};
use gridcase_core::workflow::{Event, EventKind};
use rand::Rng;
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, RwLock};

/// The signed-in device as kept in `session.json`.
#[derive(Clone, Serialize, Deserialize, PartialEq)]
pub struct SavedSession {
    /// Server base URL.
    pub server_url: String,
    /// Login name.
    pub username: String,
    /// Display name.
    pub display_name: String,
    /// The runtime's session (token, device, actor, user, role, department, tenant, cells),
    /// flattened into the same JSON object.
    #[serde(flatten)]
    pub session: Session,
}

impl std::fmt::Debug for SavedSession {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SavedSession")
            .field("server_url", &self.server_url)
            .field("username", &self.username)
            .field("token", &"<redacted>")
            .finish_non_exhaustive()
    }
}

impl SavedSession {
    /// Who acts on this device.
    pub fn actor(&self) -> Actor {
        let s = &self.session;
        Actor {
            user: s.user_id,
            device: s.device_id,
            role: s.role,
            org: s.department,
        }
    }

    /// Field mode for inspectors and departments, supervisor mode for the centre.
    pub fn mode(&self) -> &'static str {
        match self.session.role {
            Role::Inspector | Role::Department => "field",
            _ => "supervisor",
        }
    }
}

/// The signed-in user's working set.
pub struct Active {
    /// The session.
    pub saved: SavedSession,
    /// The user's directory.
    pub dir: PathBuf,
    /// The device store, shared with the sync runtime.
    pub store: SharedStore,
    /// Reference data (None until downloaded once).
    pub reference: RwLock<Option<Arc<Reference>>>,
    /// The case index.
    pub index: Mutex<CaseIndex>,
    /// Photos.
    pub photos: PhotoStore,
    /// The draft.
    pub draft: DraftFile,
    /// Hotline callers waiting to be sent (crate::contacts).
    pub contacts: crate::contacts::ContactOutbox,
    /// Sync status as the UI sees it.
    pub status: Mutex<SyncStatus>,
    /// The offline basemap package and its tile reader.
    pub basemap: Arc<crate::basemap::Basemap>,
    /// Wakes the sync loop.
    pub kick: tokio::sync::Notify,
    /// Set by 立即同步: the loop checks for new reference data after its next round (it also
    /// checks every [`crate::syncer::REFERENCE_EVERY`]).
    pub reference_due: std::sync::atomic::AtomicBool,
    /// Stops the sync loop.
    pub stop: tokio::sync::watch::Sender<bool>,
    /// The inspector's patrol: recorder and position source (crate::patrol).
    pub patrol: crate::patrol::Patrol,
    /// What was announced to this user and which cases are new (crate::alerts).
    pub alerts: Mutex<crate::alerts::AlertBook>,
}

impl std::fmt::Debug for Active {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Active")
            .field("saved", &self.saved)
            .field("dir", &self.dir)
            .finish_non_exhaustive()
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

impl Active {
    /// Opens the user's store and files (no network).
    pub fn open(root: &Path, saved: SavedSession) -> AppResult<Active> {
        let dir = user_dir(root, &saved.session.tenant, &saved.username)?;
        std::fs::create_dir_all(&dir)?;
        let store = DeviceStore::open(dir.join("device.sqlite"))?;
        let reference = match std::fs::read(dir.join("reference.json")) {
            Ok(bytes) => {
                let bundle: ReferenceBundle = serde_json::from_slice(&bytes)?;
                Some(Arc::new(Reference::from_bundle(bundle)?))
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
            Err(e) => return Err(e.into()),
        };
        let (stop, _) = tokio::sync::watch::channel(false);
        Ok(Active {
            photos: PhotoStore::open(dir.join("photos"))?,
            draft: DraftFile::new(&dir),
            contacts: crate::contacts::ContactOutbox::new(&dir),
            saved,
            store: Arc::new(Mutex::new(store)),
            reference: RwLock::new(reference),
            index: Mutex::new(CaseIndex::default()),
            status: Mutex::new(SyncStatus::default()),
            basemap: Arc::new(crate::basemap::Basemap::new(&dir)),
            kick: tokio::sync::Notify::new(),
            reference_due: std::sync::atomic::AtomicBool::new(false),
            stop,
            patrol: crate::patrol::Patrol::from_env(),
            alerts: Mutex::new(crate::alerts::AlertBook::default()),
            dir,
        })
    }

    /// Replaces the reference data with a newly downloaded bundle (kept on disk first).
    pub fn set_reference(&self, bundle: ReferenceBundle) -> AppResult<()> {
        let bytes = serde_json::to_vec(&bundle)?;
        let parsed = Reference::from_bundle(bundle)?;
        write_atomic(&self.dir.join("reference.json"), &bytes)?;
        *self
            .reference
            .write()
            .unwrap_or_else(std::sync::PoisonError::into_inner) = Some(Arc::new(parsed));
        Ok(())
    }

    /// The reference data, if downloaded.
    pub fn reference(&self) -> Option<Arc<Reference>> {
        self.reference
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clone()
    }

    /// Runs `f` on the store.
    pub fn with_store<T>(&self, f: impl FnOnce(&mut DeviceStore) -> T) -> T {
        f(&mut lock(&self.store))
    }

    /// Runs `f` on the index.
    pub fn with_index<T>(&self, f: impl FnOnce(&mut CaseIndex) -> T) -> T {
        f(&mut lock(&self.index))
    }

    /// The sync status.
    pub fn status(&self) -> SyncStatus {
        lock(&self.status).clone()
    }

    /// Changes the sync status.
    pub fn update_status(&self, f: impl FnOnce(&mut SyncStatus)) -> SyncStatus {
        let mut s = lock(&self.status);
        f(&mut s);
        s.clone()
    }

    /// Who is looking.
    pub fn viewer(&self) -> Viewer {
        Viewer {
            user: self.saved.session.user_id,
            role: self.saved.session.role,
            department: self.saved.session.department,
        }
    }

    /// A new event by the signed-in user, stamped now: the store mints the HLC from this
    /// device's clock plus the offset learned from the server (docs/security/clock.md), so a
    /// tablet whose clock is wrong still records the true act time.
    /// The payload must pass core's limits (`workflow::limits`, the same the server's gate
    /// applies), so the app never writes an event the server would refuse for its content.
    pub fn event(&self, kind: EventKind) -> AppResult<Event> {
        gridcase_core::workflow::validate_kind(&kind)
            .map_err(|e| crate::error::AppError::invalid_field(e.field, e.to_string()))?;
        let ms = now().0;
        let node = Hlc::node_of(&self.saved.session.device_id);
        let hlc = self.with_store(|s| s.stamp(node, ms))?;
        let id = EventId::from_parts(u64::try_from(ms).unwrap_or(0), rand::rng().random());
        Ok(Event {
            id,
            hlc,
            actor: self.saved.actor(),
            received_at: None,
            kind,
        })
    }

    /// A new case id.
    pub fn new_case_id(&self) -> CaseId {
        CaseId::from_parts(u64::try_from(now().0).unwrap_or(0), rand::rng().random())
    }

    /// Brings the index up to date with the store; returns the cases folded again or dropped
    /// (after a sync round: the cases it changed).
    pub fn refresh_index(&self) -> AppResult<Vec<CaseId>> {
        let reference = self.reference();
        let store = lock(&self.store);
        let n = lock(&self.index).refresh(&store, reference.as_deref(), now())?;
        Ok(n)
    }

    /// Recomputes the lights of every running clock at the current time.
    pub fn relight(&self) {
        let reference = self.reference();
        lock(&self.index).relight(reference.as_deref(), now());
    }

    /// Looks for what is new for this user after a sync round and remembers the cases it is
    /// on. The session's first look examines every case and only sets the baseline; later
    /// looks examine only the cases the index folded again since the last look — the round's
    /// changes found by [`Active::refresh_index`], and local writes: what is addressed to the
    /// user depends on the case's events alone (crate::alerts::look).
    pub fn detect_alerts(&self) -> Vec<crate::dto::AlertDto> {
        let viewer = self.viewer();
        let found_at = now();
        let mut index = lock(&self.index);
        let mut book = lock(&self.alerts);
        crate::alerts::look(&mut book, &mut index, &viewer, found_at).fresh
    }

    /// The case was opened: nothing on it is new any more.
    pub fn alerts_seen(&self, id: CaseId) {
        lock(&self.alerts).seen(id);
    }

    /// Cases with something new not yet opened.
    pub fn unseen_cases(&self) -> std::collections::BTreeSet<CaseId> {
        lock(&self.alerts).unseen().clone()
    }

    /// Re-folds one case in the index.
    pub fn refresh_case(&self, id: CaseId) -> AppResult<()> {
        let reference = self.reference();
        let store = lock(&self.store);
        lock(&self.index).update_one(&store, id, reference.as_deref(), now())?;
        Ok(())
    }

    /// The session as the UI sees it.
    pub fn session_dto(&self) -> SessionDto {
        let reference = self.reference();
        let saved = &self.saved;
        let s = &saved.session;
        SessionDto {
            user_id: s.user_id.to_string(),
            username: saved.username.clone(),
            display_name: saved.display_name.clone(),
            role: s.role.as_str().to_owned(),
            role_label: s.role.label_zh().to_owned(),
            department: s.department.map(|d| d.to_string()),
            department_name: s
                .department
                .and_then(|d| reference.as_ref()?.department_name(&d).map(str::to_owned)),
            tenant: s.tenant.clone(),
            tenant_name: reference.as_ref().map(|r| r.bundle.tenant_name.clone()),
            cells: s.cells.clone(),
            device_id: s.device_id.to_string(),
            mode: saved.mode().to_owned(),
        }
    }
}

/// `users/<tenant>-<username>` with both parts checked (no path tricks from a user name).
pub fn user_dir(root: &Path, tenant: &str, username: &str) -> AppResult<PathBuf> {
    let ok = |s: &str| {
        !s.is_empty()
            && s.len() <= 64
            && s.chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-' || c == '.')
            && !s.starts_with('.')
    };
    if !ok(tenant) || !ok(username) {
        return Err(AppError::invalid("用户名只能包含字母、数字、“_”、“-”和“.”"));
    }
    Ok(root.join("users").join(format!("{tenant}-{username}")))
}

/// The app's state.
pub struct AppState {
    /// The data directory.
    pub root: PathBuf,
    /// This installation's id.
    pub install_id: String,
    /// Pre-filled sign-in.
    pub hint: Option<SignInHint>,
    /// A configured position (desktop tests and kiosks): `GRIDCASE_POSITION=lon,lat[,accuracy]`.
    pub configured_position: Option<Position>,
    active: Mutex<Option<Arc<Active>>>,
    /// True once the saved session (if any) was resumed at start; commands that report the
    /// session wait for it, so the UI never shows sign-in for a user who is signed in.
    ready: tokio::sync::watch::Sender<bool>,
}

impl std::fmt::Debug for AppState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AppState")
            .field("root", &self.root)
            .finish_non_exhaustive()
    }
}

/// Parses `lon,lat[,accuracy]`.
pub fn parse_position(text: &str) -> Option<Position> {
    let mut parts = text.split(',').map(|p| p.trim().parse::<f64>());
    let lon = parts.next()?.ok()?;
    let lat = parts.next()?.ok()?;
    let accuracy_m = match parts.next() {
        Some(a) => Some(a.ok()?),
        None => None,
    };
    gridcase_core::model::Location::new(
        lon,
        lat,
        accuracy_m,
        gridcase_core::model::LocationSource::Gps,
    )
    .ok()?;
    Some(Position {
        lon,
        lat,
        accuracy_m,
        source: "configured".into(),
    })
}

impl AppState {
    /// The state for a data directory: reads (or makes) the install id.
    pub fn new(root: PathBuf) -> AppResult<AppState> {
        std::fs::create_dir_all(&root)?;
        let id_path = root.join("install_id");
        let install_id = match std::fs::read_to_string(&id_path) {
            Ok(s) if !s.trim().is_empty() => s.trim().to_owned(),
            _ => {
                let bytes: [u8; 16] = rand::rng().random();
                let id = hex::encode(bytes);
                write_atomic(&id_path, id.as_bytes())?;
                id
            }
        };
        let hint = match (
            std::env::var("GRIDCASE_SERVER"),
            std::env::var("GRIDCASE_TENANT"),
        ) {
            (Ok(server_url), tenant) => Some(SignInHint {
                server_url,
                tenant: tenant.unwrap_or_else(|_| "620102".into()),
                username: std::env::var("GRIDCASE_USER").unwrap_or_default(),
            }),
            _ => None,
        };
        let configured_position = std::env::var("GRIDCASE_POSITION")
            .ok()
            .and_then(|p| parse_position(&p));
        Ok(AppState {
            root,
            install_id,
            hint,
            configured_position,
            active: Mutex::new(None),
            ready: tokio::sync::watch::Sender::new(false),
        })
    }

    /// Marks start-up (resuming the saved session) as finished.
    pub fn set_ready(&self) {
        self.ready.send_replace(true);
    }

    /// Waits until start-up is finished.
    pub async fn wait_ready(&self) {
        let mut rx = self.ready.subscribe();
        let _ = rx.wait_for(|r| *r).await;
    }

    /// The signed-in user's working set.
    pub fn active(&self) -> AppResult<Arc<Active>> {
        lock(&self.active)
            .clone()
            .ok_or_else(AppError::not_signed_in)
    }

    /// The signed-in user's working set, if any.
    pub fn active_opt(&self) -> Option<Arc<Active>> {
        lock(&self.active).clone()
    }

    /// Makes `active` current (stopping the previous one's sync).
    pub fn set_active(&self, active: Option<Arc<Active>>) {
        let old = std::mem::replace(&mut *lock(&self.active), active);
        if let Some(old) = old {
            let _ = old.stop.send(true);
        }
    }

    fn session_path(&self) -> PathBuf {
        self.root.join("session.json")
    }

    /// The saved session, if any.
    pub fn saved_session(&self) -> AppResult<Option<SavedSession>> {
        match std::fs::read(self.session_path()) {
            Ok(b) => Ok(serde_json::from_slice(&b).ok()),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(e.into()),
        }
    }

    /// Keeps the session (owner-only permissions where the platform has them).
    pub fn save_session(&self, saved: &SavedSession) -> AppResult<()> {
        let path = self.session_path();
        write_atomic(&path, &serde_json::to_vec(saved)?)?;
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600))?;
        }
        Ok(())
    }

    /// Forgets the session (the user's store and drafts stay on the device).
    pub fn forget_session(&self) -> AppResult<()> {
        match std::fs::remove_file(self.session_path()) {
            Ok(()) => Ok(()),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
            Err(e) => Err(e.into()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn user_dirs_refuse_path_tricks() {
        let root = Path::new("/data");
        assert!(user_dir(root, "620102", "inspector01").is_ok());
        for bad in ["../x", "a/b", "", ".hidden", "名字", "a b"] {
            assert!(user_dir(root, "620102", bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn configured_positions_are_validated() {
        let p = parse_position("103.83, 36.06, 5").unwrap();
        assert_eq!((p.lon, p.lat, p.accuracy_m), (103.83, 36.06, Some(5.0)));
        assert_eq!(parse_position("103.83,36.06").unwrap().accuracy_m, None);
        assert!(parse_position("200,36").is_none());
        assert!(parse_position("x,y").is_none());
        assert!(parse_position("103").is_none());
    }

    #[test]
    fn session_json_keeps_one_flat_object() {
        let saved = SavedSession {
            server_url: "http://127.0.0.1:8470".into(),
            username: "insp001".into(),
            display_name: "张刚".into(),
            session: Session {
                token: "t".into(),
                device_id: gridcase_core::model::DeviceId::from_parts(1, [1; 10]),
                actor_id: "00".repeat(16),
                user_id: gridcase_core::model::UserId::from_parts(1, [2; 10]),
                role: Role::Inspector,
                department: None,
                tenant: "620102".into(),
                cells: vec!["620102001001001".into()],
            },
        };
        let v = serde_json::to_value(&saved).unwrap();
        assert_eq!(
            v["token"], "t",
            "the runtime's fields sit beside server_url: {v}"
        );
        assert_eq!(v["username"], "insp001");
        assert!(v.get("session").is_none());
        let back: SavedSession = serde_json::from_value(v).unwrap();
        assert!(back == saved);
        assert_eq!(saved.mode(), "field");
        assert_eq!(saved.actor().role, Role::Inspector);
    }

    #[test]
    fn the_install_id_is_made_once() {
        let dir = tempfile::tempdir().unwrap();
        let a = AppState::new(dir.path().to_owned()).unwrap().install_id;
        let b = AppState::new(dir.path().to_owned()).unwrap().install_id;
        assert_eq!(a, b);
        assert_eq!(a.len(), 32);
    }
}
