//! The server's CBOR sync request decoder, the one `POST /v1/sync` runs on the body
//! (`SyncRequest::from_cbor`, called by sync-server/src/api/sync.rs), and the device's decoder
//! of the answer (`SyncResponse::from_cbor`) over the same bytes.
//!
//! Oracles: no panic, no abort, no allocation past the RSS limit; a request that decodes
//! re-encodes and decodes back to the same value.
#![no_main]

use gridcase_core::protocol::{SyncRequest, SyncResponse};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(req) = SyncRequest::from_cbor(data) {
        let mut out = Vec::new();
        ciborium::into_writer(&req, &mut out).expect("a decoded request encodes");
        let again = SyncRequest::from_cbor(&out).expect("re-decodes");
        assert_eq!(again, req, "a request survives a CBOR round trip");
    }
    let _ = SyncResponse::from_cbor(data);
});
