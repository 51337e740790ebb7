//! Shared pieces of the fuzz targets: the golden case documents, a checksum fixer that lets
//! mutated Automerge chunks get past the checksum check into the decoders, and the server-side
//! `Caller` a real device of a fixture case would be.
//!
//! Invariants: everything here is deterministic (the same input gives the same run), and a
//! helper never panics on fuzz input; only the targets' oracles do.

use automerge::ActorId;
use gridcase_core::doc::{CaseDoc, change_actors};
use gridcase_core::model::{Actor, Timestamp};
use gridcase_server::biz::Caller;
use sha2::{Digest, Sha256};

/// The golden v1 documents of core/tests/fixtures (new report, lifecycle, unknown event type).
pub const FIXTURES: [&[u8]; 3] = [
    include_bytes!("../../core/tests/fixtures/case_v1_new_report.automerge"),
    include_bytes!("../../core/tests/fixtures/case_v1_lifecycle.automerge"),
    include_bytes!("../../core/tests/fixtures/case_v1_unknown_event.automerge"),
];

/// The server's clock in the gate target: one day after the fixtures' report time
/// (2026-11-27T10:00:00+08:00), so their events are in the past.
pub const NOW: Timestamp = Timestamp(1_795_744_800_000 + 86_400_000);

/// A fixture, loaded. The fixtures are committed golden files: failing to load one is a broken
/// checkout, not a finding.
pub fn fixture(index: usize) -> CaseDoc {
    CaseDoc::load(FIXTURES[index % FIXTURES.len()]).expect("golden fixture loads")
}

const MAGIC: [u8; 4] = [0x85, 0x6f, 0x4a, 0x83];

fn uleb128(bytes: &[u8]) -> Option<(u64, usize)> {
    let mut value = 0u64;
    for (i, b) in bytes.iter().enumerate().take(10) {
        value |= u64::from(b & 0x7f).checked_shl(7 * i as u32)?;
        if b & 0x80 == 0 {
            return Some((value, i + 1));
        }
    }
    None
}

/// Rewrites the checksum of every uncompressed chunk (`magic(4) checksum(4) type(1)
/// uleb128(len) data(len)`) to the first 4 bytes of `sha256(type ‖ len ‖ data)`, as Automerge
/// computes it, so a mutated chunk reaches the column decoders instead of stopping at the
/// checksum. Stops at the first byte that is not a whole chunk and leaves the rest as it is.
pub fn fix_checksums(bytes: &mut [u8]) {
    let mut at = 0;
    while bytes.len() >= at + 9 && bytes[at..at + 4] == MAGIC {
        let Some((len, len_size)) = uleb128(&bytes[at + 9..]) else {
            return;
        };
        let Some(end) = usize::try_from(len)
            .ok()
            .and_then(|l| l.checked_add(at + 9 + len_size))
            .filter(|end| *end <= bytes.len())
        else {
            return;
        };
        // Compressed changes (type 2) carry the checksum of the uncompressed change: left alone.
        if bytes[at + 8] != 2 {
            let digest = Sha256::digest(&bytes[at + 8..end]);
            bytes[at + 4..at + 8].copy_from_slice(&digest[..4]);
        }
        at = end;
    }
}

/// The Automerge actor that wrote `doc`'s changes (the fixtures have one each).
pub fn doc_actor(doc: &mut CaseDoc) -> ActorId {
    let saved = doc.save();
    change_actors(&saved)
        .ok()
        .and_then(|c| c.into_iter().next())
        .map(|c| c.actor)
        .unwrap_or_else(|| ActorId::from([0u8; 16]))
}

/// The caller as the server's sign-in builds it (`biz::auth`): the tenant of the case, the
/// user, device, role and department of `actor`, the Automerge actor id issued to the device,
/// and the grid cells of an inspector (none needed for the gate).
pub fn caller(doc: &CaseDoc, actor: &Actor, actor_id: ActorId) -> Caller {
    Caller {
        tenant: doc.tenant(),
        user: actor.user,
        device: actor.device,
        role: actor.role,
        department: actor.org,
        actor_id,
        cells: Vec::new(),
    }
}

/// A little reader over the fuzz input for the structured parts of a target.
pub struct Input<'a> {
    data: &'a [u8],
}

impl<'a> Input<'a> {
    /// Reads from `data`.
    pub fn new(data: &'a [u8]) -> Self {
        Self { data }
    }

    /// The next byte, 0 once exhausted.
    pub fn byte(&mut self) -> u8 {
        match self.data.split_first() {
            Some((b, rest)) => {
                self.data = rest;
                *b
            }
            None => 0,
        }
    }

    /// The next 8 bytes as a little-endian number (zero-padded at the end).
    pub fn u64(&mut self) -> u64 {
        let mut out = [0u8; 8];
        for b in &mut out {
            *b = self.byte();
        }
        u64::from_le_bytes(out)
    }

    /// Up to `max` bytes, length-prefixed by one byte.
    pub fn bytes(&mut self, max: usize) -> &'a [u8] {
        let n = usize::from(self.byte()).min(max).min(self.data.len());
        let (head, rest) = self.data.split_at(n);
        self.data = rest;
        head
    }

    /// Whether the input is exhausted.
    pub fn is_empty(&self) -> bool {
        self.data.is_empty()
    }

    /// Everything that is left.
    pub fn rest(self) -> &'a [u8] {
        self.data
    }
}

/// A push a real device makes: `base` plus a comment by the actor of its first event, on the
/// device actor that wrote it, as `save_after(base's heads)`.
pub fn comment_push(base: &mut CaseDoc, text: &str) -> Vec<u8> {
    use gridcase_core::model::{EventId, Hlc};
    use gridcase_core::workflow::{Event, EventKind};
    let Some(first) = base.events().ok().and_then(|e| e.into_iter().next()) else {
        return Vec::new();
    };
    let actor_id = doc_actor(base);
    let heads = base.heads();
    let mut copy = base.fork();
    copy.set_actor(actor_id);
    let ms = NOW.0 - 60_000;
    let event = Event {
        id: EventId::from_parts(ms as u64, [7; 10]),
        hlc: gridcase_core::model::Hlc {
            ms,
            counter: 0,
            node: Hlc::node_of(&first.actor.device),
        },
        actor: first.actor,
        received_at: None,
        kind: EventKind::Comment {
            text: text.to_owned(),
        },
    };
    if copy.append(&event).is_err() {
        return Vec::new();
    }
    copy.save_after(&heads)
}

/// Writes the generated seeds of every target under `dir/<target>/` (the committed
/// fuzz/seeds): CBOR sync requests holding real change bytes, fixture documents and pushes in
/// each target's input format. The golden CBOR request and the photo fixtures (cut after their scan
/// header) are copied in.
pub fn write_seeds(dir: &std::path::Path) -> std::io::Result<()> {
    use gridcase_core::protocol::{DocPush, SyncRequest};
    let write = |target: &str, name: &str, bytes: &[u8]| -> std::io::Result<()> {
        std::fs::create_dir_all(dir.join(target))?;
        std::fs::write(dir.join(target).join(name), bytes)
    };
    let cbor = |req: &SyncRequest| {
        let mut out = Vec::new();
        ciborium::into_writer(req, &mut out).expect("encode");
        out
    };
    write("sync_request", "empty.cbor", &cbor(&SyncRequest::default()))?;
    for (k, _) in FIXTURES.iter().enumerate() {
        let mut doc = fixture(k);
        let heads: Vec<serde_bytes::ByteBuf> = doc
            .heads()
            .iter()
            .map(|h| serde_bytes::ByteBuf::from(h.0.to_vec()))
            .collect();
        let push = comment_push(&mut doc, "井盖已复位");
        let whole = doc.save();
        let req = SyncRequest {
            docs: vec![
                DocPush {
                    case_id: doc.case_id(),
                    known: heads.clone(),
                    have: heads.clone(),
                    changes: push.clone(),
                },
                DocPush {
                    case_id: doc.case_id(),
                    known: Vec::new(),
                    have: Vec::new(),
                    changes: Vec::new(),
                },
            ],
        };
        write("sync_request", &format!("push_{k}.cbor"), &cbor(&req))?;
        let bootstrap = SyncRequest {
            docs: vec![DocPush {
                case_id: doc.case_id(),
                known: Vec::new(),
                have: heads,
                changes: whole.clone(),
            }],
        };
        write(
            "sync_request",
            &format!("new_case_{k}.cbor"),
            &cbor(&bootstrap),
        )?;

        // case_doc: mode byte, then bytes (bit 0: onto fixture mode >> 2; bit 1: fix checksums).
        write(
            "case_doc",
            &format!("load_{k}"),
            &[&[0u8][..], &whole].concat(),
        )?;
        let onto = (k as u8) << 2 | 1;
        write(
            "case_doc",
            &format!("push_onto_{k}"),
            &[&[onto][..], &push].concat(),
        )?;
        write(
            "case_doc",
            &format!("push_fixed_{k}"),
            &[&[onto | 2][..], &push].concat(),
        )?;

        // gate: fixture, caller (event 0's actor), mode; then the pushed bytes or the edits.
        let k8 = k as u8;
        write(
            "gate",
            &format!("comment_{k}"),
            &[&[k8, 0][..], &push].concat(),
        )?;
        write(
            "gate",
            &format!("comment_fixed_{k}"),
            &[&[k8 | 8, 0][..], &push].concat(),
        )?;
        write(
            "gate",
            &format!("new_case_{k}"),
            &[&[k8 | 4, 0][..], &whole].concat(),
        )?;
        // Structured: an appended event (op 0: kind of event 3, a minute before NOW, random
        // id bytes, counter 1), then a raw put of "hi" over a photo entry (op 1).
        let event: &[u8] = &[
            0, 3, 0xA0, 0xD1, 0x4B, 0x0A, 0, 0, 0, 0, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 1,
        ];
        let raw: &[u8] = &[1, 6, 2, 4, 0, 2, b'h', b'i'];
        write(
            "gate",
            &format!("event_{k}"),
            &[&[k8 | 16, 0][..], event].concat(),
        )?;
        let edits = [event, raw].concat();
        write(
            "gate",
            &format!("edits_{k}"),
            &[&[k8 | 16, 1][..], &edits].concat(),
        )?;
        write(
            "gate",
            &format!("edits_stranger_{k}"),
            &[&[k8 | 16, 0xFF][..], &edits].concat(),
        )?;
    }
    let golden = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../core/tests/fixtures");
    write(
        "sync_request",
        "golden_sync_request.cbor",
        &std::fs::read(golden.join("protocol/sync_request.cbor"))?,
    )?;
    write_photo_seeds(dir)
}

/// A JPEG cut a little after its first scan header (SOS): everything the header readers look
/// at, without the bulk of the scan data.
pub fn jpeg_head(jpeg: &[u8]) -> &[u8] {
    let mut at = 2;
    while at + 4 <= jpeg.len() && jpeg[at] == 0xFF {
        let len = usize::from(u16::from_be_bytes([jpeg[at + 2], jpeg[at + 3]]));
        if jpeg[at + 1] == 0xDA {
            return &jpeg[..(at + 2 + len + 64).min(jpeg.len())];
        }
        at += 2 + len;
    }
    &jpeg[..at.min(jpeg.len())]
}

/// The photo fixtures' seeds: small files whole, JPEGs cut after their scan header.
pub fn write_photo_seeds(dir: &std::path::Path) -> std::io::Result<()> {
    let photos =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../core/tests/fixtures/photos");
    let out = dir.join("photo_header");
    std::fs::create_dir_all(&out)?;
    for entry in std::fs::read_dir(photos)? {
        let path = entry?.path();
        let name = path
            .file_name()
            .unwrap_or_default()
            .to_string_lossy()
            .into_owned();
        if name.ends_with(".md") {
            continue;
        }
        let bytes = std::fs::read(&path)?;
        let seed = if name.ends_with(".jpg") {
            jpeg_head(&bytes)
        } else {
            &bytes[..]
        };
        std::fs::write(out.join(name), seed)?;
    }
    Ok(())
}
