//! A simulated tablet: its own store file in its own directory, the signed-in sync runtime, its
//! own wall clock (optionally wrong by a fixed skew, as a field tablet's may be), and helpers to
//! act offline as its user would. Events are stamped by the store (`DeviceStore::stamp`) from
//! the device's clock plus the offset learned from the server, as the app does.

use anyhow::{Context, Result};
use automerge::ActorId;
use gridcase_core::codes::{CategoryCode, CategoryKind, CategoryRef, CountyCode, GridCode};
use gridcase_core::doc::CaseDoc;
use gridcase_core::model::{
    Actor, CaseId, EventId, Hlc, Location, LocationSource, PhotoRef, PhotoRole, Sha256,
    SourceChannel, Urgency,
};
use gridcase_core::protocol::Login;
use gridcase_core::store::{BlobSource, DeviceStore};
use gridcase_core::sync::runtime::{ClientConfig, LocalClock, SharedStore, SyncClient};
use gridcase_core::workflow::{Event, EventKind, ReportPayload};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

/// One device of the harness.
pub struct Device {
    /// A name for messages ("inspector-07").
    pub name: String,
    /// Its directory (store file and photos).
    pub dir: PathBuf,
    /// Its store, shared with the runtime.
    pub store: SharedStore,
    /// The signed-in runtime.
    pub client: SyncClient,
    /// Who acts on this device.
    pub actor: Actor,
    tenant: CountyCode,
    node: u64,
    clock: LocalClock,
    rng: StdRng,
}

impl std::fmt::Debug for Device {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Device")
            .field("name", &self.name)
            .finish_non_exhaustive()
    }
}

/// A component category in the shipped catalog (井盖).
pub fn category() -> CategoryRef {
    CategoryRef {
        kind: CategoryKind::Component,
        code: CategoryCode::parse("01001").expect("valid code"),
    }
}

impl Device {
    /// Opens a store in `dir` and signs in `username` through `config.base_url`.
    pub async fn login(
        dir: &Path,
        name: &str,
        config: ClientConfig,
        tenant: &str,
        username: &str,
        password: &str,
    ) -> Result<Device> {
        std::fs::create_dir_all(dir.join("photos"))?;
        let store = DeviceStore::open(dir.join("device.sqlite")).context("open store")?;
        let store: SharedStore = Arc::new(Mutex::new(store));
        let login = Login {
            tenant: tenant.to_owned(),
            username: username.to_owned(),
            password: password.to_owned(),
            install_id: format!("install-{name}"),
            device_name: name.to_owned(),
        };
        let clock = config.local_clock;
        let client = SyncClient::login(config, store.clone(), &login)
            .await
            .with_context(|| format!("{name}: login as {username}"))?;
        let session = client.session().clone();
        let actor = Actor {
            user: session.user_id,
            device: session.device_id,
            role: session.role,
            org: session.department,
        };
        let seed = name
            .bytes()
            .fold(7u64, |h, b| h.wrapping_mul(31).wrapping_add(u64::from(b)));
        Ok(Device {
            name: name.to_owned(),
            dir: dir.to_owned(),
            store,
            client,
            actor,
            tenant: CountyCode::parse(tenant).context("tenant code")?,
            node: Hlc::node_of(&session.device_id),
            clock,
            rng: StdRng::seed_from_u64(seed),
        })
    }

    /// Runs `f` on the store (the runtime must not be syncing from another task meanwhile for
    /// long; the lock is short).
    pub fn with_store<T>(&self, f: impl FnOnce(&mut DeviceStore) -> T) -> T {
        let mut guard = self
            .store
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        f(&mut guard)
    }

    /// Sets this device's clock `skew_ms` off the true time (a user changed the tablet's time,
    /// or its battery ran down), for both its user and its runtime.
    pub fn set_skew(&mut self, skew_ms: i64) {
        self.clock = LocalClock { skew_ms };
        self.client.set_local_clock(self.clock);
    }

    /// This device's clock reading (Unix ms; off by its skew).
    pub fn local_now(&self) -> i64 {
        self.clock.now_ms()
    }

    /// A new event by this device's user, stamped now (from the device's clock and the
    /// learned offset).
    pub fn event(&mut self, kind: EventKind) -> Event {
        let ms = self.local_now();
        let node = self.node;
        let hlc = self
            .with_store(|s| s.stamp(node, ms))
            .expect("the store stamps an event");
        let id = EventId::from_parts(u64::try_from(ms).unwrap_or(0), self.rng.random());
        Event {
            id,
            hlc,
            actor: self.actor,
            received_at: None,
            kind,
        }
    }

    /// Reports a problem in `cell` with these photos (saved as files and put in the outbox),
    /// offline; returns the new case.
    pub fn report(&mut self, cell: &str, photos: &[Vec<u8>]) -> Result<CaseId> {
        self.report_forged(cell, photos, None, None)
    }

    /// [`Self::report`] with a chosen case id and/or Automerge actor, as a tampered app could
    /// (for the attack suite).
    pub fn report_forged(
        &mut self,
        cell: &str,
        photos: &[Vec<u8>],
        case_id: Option<CaseId>,
        actor: Option<ActorId>,
    ) -> Result<CaseId> {
        let location = Location::new(103.8343, 36.0611, Some(4.0), LocationSource::Gps)?;
        self.report_full(
            cell,
            photos,
            (SourceChannel::InspectorPatrol, location),
            case_id,
            actor,
        )
    }

    /// Reports a problem in `cell` at (lon, lat) that came in by `source` (a hotline call taken
    /// by the intake operator, a camera), without photos, offline; returns the new case.
    pub fn report_from(
        &mut self,
        cell: &str,
        source: SourceChannel,
        lon: f64,
        lat: f64,
    ) -> Result<CaseId> {
        let location = Location::new(lon, lat, Some(10.0), LocationSource::Manual)?;
        self.report_full(cell, &[], (source, location), None, None)
    }

    fn report_full(
        &mut self,
        cell: &str,
        photos: &[Vec<u8>],
        (source, location): (SourceChannel, Location),
        case_id: Option<CaseId>,
        actor: Option<ActorId>,
    ) -> Result<CaseId> {
        let mut refs = Vec::new();
        for bytes in photos {
            let sha256 = Sha256::digest(bytes);
            let path = self.dir.join("photos").join(format!("{sha256}.jpg"));
            std::fs::write(&path, bytes)?;
            refs.push((sha256, path, bytes.len() as u64));
        }
        let payload = ReportPayload {
            source,
            category: category(),
            location,
            cell: Some(GridCode::parse(cell)?),
            component: None,
            address: format!("城关区张掖路 {} 号", self.rng.random_range(1..300)),
            description: "井盖破损，存在安全隐患。".to_owned(),
            urgency: Urgency::Normal,
            photos: refs
                .iter()
                .map(|(sha256, _, size)| PhotoRef {
                    sha256: *sha256,
                    role: PhotoRole::Before,
                    taken_at: None,
                    location: None,
                    size: *size,
                })
                .collect(),
            reporter: None,
            external_id: None,
            external_deadline: None,
            verification_waived: None,
        };
        self.store_report(payload, refs, case_id, actor)
    }

    /// Reports a problem as `payload` says (any channel, place and text; no photos), offline;
    /// returns the new case. For a case taken in by the hotline at a chosen spot.
    pub fn report_payload(&mut self, payload: ReportPayload) -> Result<CaseId> {
        self.store_report(payload, Vec::new(), None, None)
    }

    fn store_report(
        &mut self,
        payload: ReportPayload,
        refs: Vec<(Sha256, PathBuf, u64)>,
        case_id: Option<CaseId>,
        actor: Option<ActorId>,
    ) -> Result<CaseId> {
        let event = self.event(EventKind::Report(payload));
        let case_id =
            case_id.unwrap_or_else(|| CaseId::from_parts(event.id.unix_ms(), self.rng.random()));
        let actor = match actor {
            Some(actor) => actor,
            None => self.actor_id()?,
        };
        let mut doc = CaseDoc::create(case_id, self.tenant, actor, &event)?;
        doc.set_author(self.actor.device);
        self.with_store(|s| -> Result<()> {
            s.create_case(&mut doc)?;
            for (sha256, path, size) in refs {
                s.enqueue_blob(sha256, BlobSource::Path(path), size)?;
            }
            Ok(())
        })?;
        Ok(case_id)
    }

    /// Appends a workflow event to a stored case, offline.
    pub fn append(&mut self, case_id: CaseId, kind: EventKind) -> Result<Event> {
        let event = self.event(kind);
        self.with_store(|s| s.append_event(case_id, &event))?;
        Ok(event)
    }

    /// The device's Automerge actor.
    pub fn actor_id(&self) -> Result<ActorId> {
        self.with_store(|s| s.actor_id())?
            .context("the device has no actor id")
    }

    /// A case's events on this device, sorted by id.
    pub fn events(&self, case_id: CaseId) -> Result<Vec<Event>> {
        let mut events = self.with_store(|s| s.load_case(case_id))?.events()?;
        events.sort_by_key(|e| e.id);
        Ok(events)
    }
}

/// The cases of a device's store the server has acknowledged, with the heads it acknowledged
/// (the SIGKILL suites: what must survive the server's death).
pub fn acknowledged(
    store: &SharedStore,
) -> std::collections::HashMap<gridcase_core::model::CaseId, Vec<automerge::ChangeHash>> {
    let store = store.lock().unwrap_or_else(|p| p.into_inner());
    store
        .sync_index()
        .expect("the store's sync index")
        .into_iter()
        .filter_map(|r| r.server_heads.map(|h| (r.case_id, h)))
        .collect()
}

/// Asserts that a desk device that pulled from a server holds every `acknowledged` case with
/// the acknowledged heads; returns how many cases the desk holds.
pub fn assert_acknowledged_kept(
    desk: &Device,
    acknowledged: &std::collections::HashMap<
        gridcase_core::model::CaseId,
        Vec<automerge::ChangeHash>,
    >,
) -> usize {
    let on_server: std::collections::HashMap<_, _> = desk
        .with_store(|s| s.sync_index())
        .expect("index")
        .into_iter()
        .map(|r| (r.case_id, r.local_heads))
        .collect();
    for (case, heads) in acknowledged {
        let got = on_server
            .get(case)
            .unwrap_or_else(|| panic!("acknowledged case {case} lost"));
        assert_eq!(got, heads, "case {case} as acknowledged");
    }
    on_server.len()
}

/// Asserts that a device holds nothing left to send: no dirty case, no photo to upload.
pub fn assert_nothing_pending(device: &Device) {
    assert!(
        device
            .with_store(|s| s.dirty_cases())
            .expect("dirty")
            .is_empty(),
        "{}: a case is left to send",
        device.name
    );
    assert!(
        device
            .with_store(|s| s.pending_blobs(10))
            .expect("blobs")
            .is_empty(),
        "{}: a photo is left to upload",
        device.name
    );
}
