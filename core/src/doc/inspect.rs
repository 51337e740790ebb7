//! Looking at incoming bytes and changes before trusting them: what the server's gate needs.
//!
//! - [`change_actors`] lists the hash and actor of every change in a set of chunks without
//!   applying anything;
//! - [`CaseDoc::from_changes`] builds a document from chunks strictly (the first push of a new
//!   case);
//! - [`CaseDoc::changed_paths`] lists every path a set of changes touched (from Automerge's own
//!   diff), so the gate can refuse writes to fields that are written once, including concurrent
//!   writes that lose the conflict and would not show in the values.
//!
//! Invariant: nothing here panics on any input, and nothing is applied to a document until the
//! whole input has decoded.

use super::CaseDoc;
use super::chunks;
use super::error::DocError;
use super::header::read_header;
use automerge::PatchAction;
use automerge::{ActorId, AutoCommit, ChangeHash, Prop};

/// One change found in a set of chunks.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ChunkChange {
    /// The change's hash.
    pub hash: ChangeHash,
    /// The Automerge actor that made it.
    pub actor: ActorId,
}

/// The hash and actor of every change in `bytes` (concatenated document and change chunks),
/// decoded strictly: any bad chunk is [`DocError::Corrupt`].
pub fn change_actors(bytes: &[u8]) -> Result<Vec<ChunkChange>, DocError> {
    let decoded = chunks::decode(bytes)?;
    let mut out = Vec::new();
    for mut doc in decoded.documents {
        for change in doc.get_changes(&[]) {
            out.push(ChunkChange {
                hash: change.hash(),
                actor: change.actor_id().clone(),
            });
        }
    }
    for change in &decoded.changes {
        out.push(ChunkChange {
            hash: change.hash(),
            actor: change.actor_id().clone(),
        });
    }
    Ok(out)
}

/// What happened at a path.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PathChange {
    /// A map key was created or overwritten.
    Put,
    /// A map key was deleted.
    Delete,
    /// A key now holds concurrent values.
    Conflict,
    /// Anything else (list, text, counter or mark operations).
    Other,
}

/// A path touched by a set of changes: the keys from the root down to the key that changed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ChangedPath {
    /// Keys from the root (`["events", "<event id>", "type"]`); list indexes as decimal text.
    pub keys: Vec<String>,
    /// What happened there.
    pub change: PathChange,
}

fn prop_text(prop: &Prop) -> String {
    match prop {
        Prop::Map(key) => key.clone(),
        Prop::Seq(index) => index.to_string(),
    }
}

impl CaseDoc {
    /// Builds a document from chunks (a `save()` and/or change chunks), strictly: the whole
    /// input decodes first, and the result must have a valid v1 header. Used for the first push
    /// of a case the server has never seen.
    pub fn from_changes(bytes: &[u8]) -> Result<CaseDoc, DocError> {
        let decoded = chunks::decode(bytes)?;
        let mut doc = AutoCommit::new();
        for mut other in decoded.documents {
            doc.merge(&mut other)?;
        }
        doc.apply_changes(decoded.changes)
            .map_err(DocError::corrupt)?;
        let header = read_header(&doc)?;
        Ok(CaseDoc { doc, header })
    }

    /// Whether the document holds the change with this hash.
    pub fn has_change(&mut self, hash: &ChangeHash) -> bool {
        self.doc.get_change_meta_by_hash(hash).is_some()
    }

    /// Every path that changed between `before` (heads this document contains) and its
    /// current heads, from Automerge's diff. A write that loses a conflict still shows as a
    /// [`PathChange::Conflict`] at its key.
    pub fn changed_paths(&mut self, before: &[ChangeHash]) -> Vec<ChangedPath> {
        let after = self.doc.get_heads();
        let patches = self.doc.diff(before, &after);
        patches
            .into_iter()
            .map(|patch| {
                let mut keys: Vec<String> = patch.path.iter().map(|(_, p)| prop_text(p)).collect();
                let change = match &patch.action {
                    PatchAction::PutMap { key, conflict, .. } => {
                        keys.push(key.clone());
                        if *conflict {
                            PathChange::Conflict
                        } else {
                            PathChange::Put
                        }
                    }
                    PatchAction::DeleteMap { key } => {
                        keys.push(key.clone());
                        PathChange::Delete
                    }
                    PatchAction::Conflict { prop } => {
                        keys.push(prop_text(prop));
                        PathChange::Conflict
                    }
                    PatchAction::Increment { prop, .. } => {
                        keys.push(prop_text(prop));
                        PathChange::Other
                    }
                    PatchAction::PutSeq { .. }
                    | PatchAction::Insert { .. }
                    | PatchAction::SpliceText { .. }
                    | PatchAction::DeleteSeq { .. }
                    | PatchAction::Mark { .. } => PathChange::Other,
                };
                ChangedPath { keys, change }
            })
            .collect()
    }
}
