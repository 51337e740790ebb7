//! Golden fixtures of every protocol v1 message (`core/tests/fixtures/protocol/`): they must
//! keep decoding to the same values, and encoding those values must give the same bytes (a
//! tripwire for accidental wire changes). Regenerate only for a deliberate protocol change:
//! `cargo test -p gridcase-core --test it -- --ignored write_protocol_fixtures`.

use crate::doc_support::*;
use gridcase_core::model::{DeviceId, Role};
use gridcase_core::protocol::{
    ApiError, DocOutcome, DocPush, DocResult, ErrorCode, FeedEntry, FeedPage, FeedRow, Hello,
    HelloReply, Limits, Login, LoginReply, SyncRequest, SyncResponse,
};
use serde::Serialize;
use serde::de::DeserializeOwned;
use std::path::PathBuf;

fn path(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/protocol")
        .join(name)
}

fn heads(n: u8) -> Vec<serde_bytes::ByteBuf> {
    vec![serde_bytes::ByteBuf::from(vec![n; 32])]
}

fn hello() -> Hello {
    Hello {
        protocols: vec![1],
        app_version: "0.1.0".into(),
        capabilities: vec![
            "cbor-sync".into(),
            "feed-cursor".into(),
            "blob-resume".into(),
        ],
    }
}

fn hello_reply() -> HelloReply {
    HelloReply {
        protocol: 1,
        capabilities: vec![
            "cbor-sync".into(),
            "feed-cursor".into(),
            "blob-resume".into(),
            "bootstrap".into(),
        ],
        min_app_version: "0.1.0".into(),
        limits: Limits::default(),
        server_time: T0,
    }
}

fn login() -> Login {
    Login {
        tenant: "620102".into(),
        username: "insp_a".into(),
        password: "巡查2026-demo".into(),
        install_id: "0f6c2d3e-install".into(),
        device_name: "巡查平板 07".into(),
    }
}

fn login_reply() -> LoginReply {
    let who = actor(Role::Department, 1);
    LoginReply {
        token: "q8Zr2Y3w0c5V_-example-token-43-characters-x".into(),
        device_id: DeviceId::from_parts(T0 as u64, [5; 10]),
        actor_id: "0123456789abcdef0123456789abcdef".into(),
        user_id: who.user,
        display_name: "张三".into(),
        role: Role::Department,
        department: who.org,
        tenant: "620102".into(),
        cells: vec![],
    }
}

fn feed_page() -> FeedPage {
    FeedPage {
        entries: vec![FeedEntry {
            case_id: case_id(1),
            seq: 42,
            heads: vec![hex::encode([7u8; 32])],
            row: FeedRow {
                status: "in_progress".into(),
                category: Some("component:01001".into()),
                cell: Some("620102001001001".into()),
                department: Some(department().to_string()),
                case_number: Some("620102-20261127-00042".into()),
                light: "yellow".into(),
                deadline: Some(T0 + 3_600_000),
                conflicts: 1,
                updated_at: T0 + 60_000,
            },
        }],
        cursor: 42,
        more: false,
    }
}

fn report_bytes() -> Vec<u8> {
    std::fs::read(
        PathBuf::from(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures/case_v1_new_report.automerge"),
    )
    .expect("case fixture")
}

fn sync_request() -> SyncRequest {
    SyncRequest {
        docs: vec![
            DocPush {
                case_id: case_id(1),
                known: vec![],
                have: heads(1),
                changes: report_bytes(),
            },
            DocPush {
                case_id: case_id(2),
                known: heads(2),
                have: heads(2),
                changes: vec![],
            },
        ],
    }
}

fn sync_response() -> SyncResponse {
    SyncResponse {
        docs: vec![
            DocResult {
                case_id: case_id(1),
                outcome: DocOutcome::Accepted,
                heads: heads(3),
                changes: vec![],
                seq: 43,
            },
            DocResult {
                case_id: case_id(2),
                outcome: DocOutcome::Rejected {
                    code: "role_not_allowed".into(),
                    message: "您的岗位不能执行此类操作：信息监督员 不能追加 file".into(),
                },
                heads: heads(2),
                changes: report_bytes(),
                seq: 40,
            },
        ],
    }
}

fn api_error() -> ApiError {
    ErrorCode::OutOfScope.with("")
}

fn json<T: Serialize>(value: &T) -> Vec<u8> {
    let mut s = serde_json::to_string_pretty(value).expect("json");
    s.push('\n');
    s.into_bytes()
}

fn cbor<T: Serialize>(value: &T) -> Vec<u8> {
    let mut out = Vec::new();
    ciborium::into_writer(value, &mut out).expect("cbor");
    out
}

/// Every fixture: file name and its encoding of the expected value.
fn fixtures() -> Vec<(&'static str, Vec<u8>)> {
    vec![
        ("hello.json", json(&hello())),
        ("hello_reply.json", json(&hello_reply())),
        ("login.json", json(&login())),
        ("login_reply.json", json(&login_reply())),
        ("feed_page.json", json(&feed_page())),
        ("error.json", json(&api_error())),
        ("sync_request.cbor", cbor(&sync_request())),
        ("sync_response.cbor", cbor(&sync_response())),
    ]
}

#[test]
#[ignore = "writes the protocol fixtures; run by hand for a deliberate protocol change only"]
fn write_protocol_fixtures() {
    std::fs::create_dir_all(path("")).expect("dir");
    for (name, bytes) in fixtures() {
        std::fs::write(path(name), bytes).expect("write");
    }
}

fn decode_json<T: DeserializeOwned>(name: &str) -> T {
    let bytes = std::fs::read(path(name)).expect("fixture present");
    serde_json::from_slice(&bytes).unwrap_or_else(|e| panic!("{name} no longer decodes: {e}"))
}

fn decode_cbor<T: DeserializeOwned>(name: &str) -> T {
    let bytes = std::fs::read(path(name)).expect("fixture present");
    ciborium::from_reader(bytes.as_slice())
        .unwrap_or_else(|e| panic!("{name} no longer decodes: {e}"))
}

#[test]
fn v1_fixtures_still_decode_to_the_same_messages() {
    assert_eq!(decode_json::<Hello>("hello.json"), hello());
    assert_eq!(decode_json::<HelloReply>("hello_reply.json"), hello_reply());
    assert_eq!(decode_json::<Login>("login.json"), login());
    assert_eq!(decode_json::<LoginReply>("login_reply.json"), login_reply());
    assert_eq!(decode_json::<FeedPage>("feed_page.json"), feed_page());
    assert_eq!(decode_json::<ApiError>("error.json"), api_error());
    assert_eq!(
        decode_cbor::<SyncRequest>("sync_request.cbor"),
        sync_request()
    );
    assert_eq!(
        decode_cbor::<SyncResponse>("sync_response.cbor"),
        sync_response()
    );
    let rejected: SyncResponse = decode_cbor("sync_response.cbor");
    assert!(matches!(
        &rejected.docs[1].outcome,
        DocOutcome::Rejected { code, .. } if ErrorCode::parse(code) == Some(ErrorCode::RoleNotAllowed)
    ));
}

#[test]
fn v1_fixtures_are_what_this_build_writes() {
    for (name, bytes) in fixtures() {
        let stored = std::fs::read(path(name)).expect("fixture present");
        assert!(
            stored == bytes,
            "{name}: this build writes different bytes; a wire change needs a decision"
        );
    }
}

#[test]
fn sync_decoders_refuse_hostile_cbor_without_panicking() {
    let golden = std::fs::read(path("sync_request.cbor")).expect("fixture present");
    assert_eq!(
        SyncRequest::from_cbor(&golden).expect("decodes"),
        sync_request()
    );
    // 100,000 nested one-element arrays under the `d` key: the recursion limit refuses them
    // (no stack overflow, which would abort the server).
    let mut deep = vec![0xA1, 0x61, b'd'];
    deep.extend(std::iter::repeat_n(0x81, 100_000));
    deep.push(0x00);
    assert!(SyncRequest::from_cbor(&deep).is_err());
    assert!(SyncResponse::from_cbor(&deep).is_err());
    // A byte string declaring 2^62 bytes but holding 3: refused as truncated, nothing
    // allocated from the declared length.
    let mut huge = vec![0xA1, 0x61, b'd', 0x81, 0xA4, 0x61, b'x'];
    huge.push(0x5B);
    huge.extend((1u64 << 62).to_be_bytes());
    huge.extend([1, 2, 3]);
    assert!(SyncRequest::from_cbor(&huge).is_err());
    // Truncated and empty input.
    assert!(SyncRequest::from_cbor(&golden[..golden.len() / 2]).is_err());
    assert!(SyncRequest::from_cbor(&[]).is_err());
}
