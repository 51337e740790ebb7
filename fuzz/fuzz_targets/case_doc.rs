//! Case documents from arbitrary bytes: `CaseDoc::load` then every reader (`read_events`,
//! `photos`, `immutable_fields`), and `load_incremental` of the bytes onto a real fixture
//! document (what a device does with a sync answer and the server with a pushed document).
//!
//! Input: byte 0 picks the mode (bit 0: load alone / onto fixture `(b0 >> 2) % 3`; bit 1:
//! rewrite the chunk checksums so mutated chunks reach the decoders); the rest is the bytes.
//!
//! Oracles: no uncaught panic, no stack overflow, no abort; a document that took the bytes still
//! saves to bytes that load again with the same events (what the stores persist must stay
//! loadable).
//!
//! Panics that the document layer catches are not crashes here: Automerge 0.12 panics (an
//! `unwrap` in `op_set2/change/batch.rs`) applying some changes that are well-formed and in
//! canonical encoding (found by this target, 2026-12-06; the input is the seed
//! `regression-apply-panic`). `CaseDoc::load_incremental` runs the apply under
//! `catch_unwind` and answers `Corrupt`; its caller drops the document. libFuzzer's default
//! hook aborts on every panic, caught or not, so `init` replaces it with one that only prints:
//! an uncaught panic still unwinds out of the target and libfuzzer-sys aborts on it.
#![no_main]

use gridcase_core::doc::CaseDoc;
use gridcase_fuzz::{fix_checksums, fixture};
use libfuzzer_sys::fuzz_target;

fn read_all(doc: &CaseDoc) {
    if let Ok(read) = doc.read_events() {
        let _ = read.events.len() + read.problems.len();
    }
    let _ = doc.events();
    let _ = doc.photos();
    let _ = doc.immutable_fields();
}

fn reloads(doc: &mut CaseDoc) {
    let saved = doc.save();
    let again = CaseDoc::load(&saved).expect("a document that loaded saves to bytes that load");
    assert_eq!(again.case_id(), doc.case_id());
    assert_eq!(
        again.events().ok(),
        doc.events().ok(),
        "events survive save and load"
    );
}

fuzz_target!(
    init: {
        std::panic::set_hook(Box::new(|info| eprintln!("panic (caught or not): {info}")));
    },
    |data: &[u8]| {
    let Some((&mode, rest)) = data.split_first() else {
        return;
    };
    let mut bytes = rest.to_vec();
    if mode & 2 != 0 {
        fix_checksums(&mut bytes);
    }
    if mode & 1 == 0 {
        if let Ok(mut doc) = CaseDoc::load(&bytes) {
            read_all(&doc);
            reloads(&mut doc);
        }
    } else {
        let mut doc = fixture(usize::from(mode >> 2));
        if doc.load_incremental(&bytes).is_ok() {
            read_all(&doc);
            reloads(&mut doc);
        }
    }
});
