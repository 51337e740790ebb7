//! The video-analytics webhook: signatures, replays, unknown cameras and bad snapshots are
//! refused with their own codes; a burst of 100 alerts from one camera makes one report whose
//! photo is the snapshot; after the merge window a new alert makes a new report.

use crate::support::*;
use base64::Engine;
use gridcase_server::biz::intake::video;
use gridcase_server::db::intake::Camera;

pub(crate) const SNAPSHOT: &[u8] =
    include_bytes!("../../../core/tests/fixtures/photos/with_gps.jpg");
const TRUNCATED: &[u8] = include_bytes!("../../../core/tests/fixtures/photos/truncated.jpg");

pub(crate) async fn setup(ts: &TestServer) -> String {
    let dep = ts.server.deployment().clone();
    tokio::task::spawn_blocking(move || {
        video::register_camera(
            &dep,
            &Camera {
                tenant: TENANT.into(),
                code: "CAM-001".into(),
                name: "张掖路口".into(),
                lon: 103.8343,
                lat: 36.0611,
                cell: Some(CELL_A.into()),
                address: "城关区张掖路与酒泉路交叉口".into(),
            },
        )
        .expect("camera");
        video::rotate_secret(&dep, TENANT).expect("secret")
    })
    .await
    .expect("join")
}

pub(crate) fn alert_body(camera: &str, alert: &str, jpeg: &[u8]) -> Vec<u8> {
    serde_json::to_vec(&serde_json::json!({
        "alert_id": alert,
        "camera": camera,
        "category": "matter:06010",
        "description": "检测到暴露垃圾",
        "confidence": 0.93,
        "snapshot_jpeg": base64::engine::general_purpose::STANDARD.encode(jpeg),
    }))
    .expect("json")
}

pub(crate) struct Call {
    ts_ms: i64,
    nonce: String,
    signature: String,
    body: Vec<u8>,
}

pub(crate) fn signed(secret: &str, body: Vec<u8>, n: usize) -> Call {
    let ts_ms = now_ms();
    let nonce = format!("nonce-{n:06}-{}", rand::random::<u32>());
    let signature = format!(
        "sha256={}",
        video::signature(secret, &ts_ms.to_string(), &nonce, &body)
    );
    Call {
        ts_ms,
        nonce,
        signature,
        body,
    }
}

pub(crate) async fn send(
    client: &reqwest::Client,
    base: &str,
    call: &Call,
) -> (u16, serde_json::Value) {
    let resp = client
        .post(format!("{base}/v1/intake/video/{TENANT}/alerts"))
        .header("x-gridcase-timestamp", call.ts_ms.to_string())
        .header("x-gridcase-nonce", &call.nonce)
        .header("x-gridcase-signature", &call.signature)
        .header("content-type", "application/json")
        .body(call.body.clone())
        .send()
        .await
        .expect("send");
    let status = resp.status().as_u16();
    (status, resp.json().await.expect("json"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_signature_replay_unknown_camera_and_bad_image_are_refused() {
    let ts = TestServer::start().await;
    let secret = setup(&ts).await;
    let client = reqwest::Client::new();
    let base = ts.url();

    // A signature made with another secret.
    let call = signed("not-the-secret", alert_body("CAM-001", "a1", SNAPSHOT), 1);
    let (status, body) = send(&client, &base, &call).await;
    assert_eq!(
        (status, body["code"].as_str()),
        (401, Some("bad_signature"))
    );
    // The right signature over a body changed afterwards.
    let mut call = signed(&secret, alert_body("CAM-001", "a1", SNAPSHOT), 2);
    call.body = alert_body("CAM-001", "a1-tampered", SNAPSHOT);
    let (status, body) = send(&client, &base, &call).await;
    assert_eq!(
        (status, body["code"].as_str()),
        (401, Some("bad_signature"))
    );
    // A timestamp outside the window, correctly signed.
    let mut call = signed(&secret, alert_body("CAM-001", "a1", SNAPSHOT), 3);
    call.ts_ms -= 3_600_000;
    call.signature = format!(
        "sha256={}",
        video::signature(&secret, &call.ts_ms.to_string(), &call.nonce, &call.body)
    );
    let (status, body) = send(&client, &base, &call).await;
    assert_eq!(
        (status, body["code"].as_str()),
        (401, Some("stale_request"))
    );

    // Accepted once; the same request again is a replay.
    let call = signed(&secret, alert_body("CAM-001", "a1", SNAPSHOT), 4);
    let (status, first) = send(&client, &base, &call).await;
    assert_eq!(status, 200, "{first}");
    assert_eq!(first["merged"], false);
    let (status, body) = send(&client, &base, &call).await;
    assert_eq!(
        (status, body["code"].as_str()),
        (409, Some("replayed_request"))
    );

    // An unregistered camera, and a truncated snapshot.
    let call = signed(&secret, alert_body("CAM-404", "a2", SNAPSHOT), 5);
    let (status, body) = send(&client, &base, &call).await;
    assert_eq!(
        (status, body["code"].as_str()),
        (422, Some("unknown_camera"))
    );
    let call = signed(&secret, alert_body("CAM-001", "a3", TRUNCATED), 6);
    let (status, body) = send(&client, &base, &call).await;
    assert_eq!((status, body["code"].as_str()), (422, Some("bad_image")));

    // Another tenant's URL with this tenant's secret: that tenant has no secret.
    let call = signed(&secret, alert_body("CAM-001", "a4", SNAPSHOT), 7);
    let resp = client
        .post(format!("{base}/v1/intake/video/{OTHER_TENANT}/alerts"))
        .header("x-gridcase-timestamp", call.ts_ms.to_string())
        .header("x-gridcase-nonce", &call.nonce)
        .header("x-gridcase-signature", &call.signature)
        .body(call.body.clone())
        .send()
        .await
        .expect("send");
    assert_eq!(resp.status().as_u16(), 403);

    // Only the one accepted alert made a case.
    let leader = ts.device("leader").await;
    let page = leader.get_json("/v1/cases").await.expect("queue");
    assert_eq!(page["total"], 1, "{page}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_burst_of_100_alerts_from_one_camera_makes_one_report() {
    let ts = TestServer::start().await;
    let secret = setup(&ts).await;
    let client = reqwest::Client::new();
    let base = ts.url();
    let calls: Vec<Call> = (0..100)
        .map(|n| {
            signed(
                &secret,
                alert_body("CAM-001", &format!("burst-{n}"), SNAPSHOT),
                n,
            )
        })
        .collect();
    // Ten at a time, concurrently.
    let mut replies = Vec::new();
    for chunk in calls.chunks(10) {
        let batch =
            futures_util::future::join_all(chunk.iter().map(|c| send(&client, &base, c))).await;
        replies.extend(batch);
    }
    assert!(replies.iter().all(|(s, _)| *s == 200), "{replies:?}");
    let case_ids: std::collections::BTreeSet<&str> = replies
        .iter()
        .filter_map(|(_, b)| b["case_id"].as_str())
        .collect();
    assert_eq!(case_ids.len(), 1, "one report");
    assert_eq!(
        replies.iter().filter(|(_, b)| b["merged"] == false).count(),
        1
    );
    let max_count = replies
        .iter()
        .filter_map(|(_, b)| b["count"].as_i64())
        .max();
    assert_eq!(max_count, Some(100));

    let case = *case_ids.iter().next().expect("case");
    let intake = ts.device("intake").await;
    let page = intake.get_json("/v1/cases").await.expect("queue");
    assert_eq!(page["total"], 1);
    let detail = intake
        .get_json(&format!("/v1/cases/{case}"))
        .await
        .expect("detail");
    assert_eq!(detail["row"]["status"], "reported");
    assert_eq!(detail["row"]["cell"], CELL_A);
    assert_eq!(detail["row"]["blobs_missing"], 0);
    assert_eq!(detail["state"]["report"]["source"], "video_analytics");
    assert_eq!(detail["state"]["reported_by"]["role"], "system");
    let photo = &detail["state"]["report"]["photos"][0];
    let sha = photo["sha256"].as_str().expect("photo hash");
    assert_eq!(sha, gridcase_core::model::Sha256::digest(SNAPSHOT).to_hex());
    assert_eq!(photo["size"], SNAPSHOT.len());
    // The snapshot is a complete blob the centre can download.
    let resp = intake
        .client
        .get(format!("{base}/v1/blobs/{sha}"))
        .bearer_auth(&intake.login.token)
        .send()
        .await
        .expect("send");
    assert_eq!(resp.status().as_u16(), 200);
    assert_eq!(resp.bytes().await.expect("bytes").as_ref(), SNAPSHOT);

    // After the merge window, the next alert opens a new report.
    ts.server.deployment().clock().advance(11 * 60 * 1000);
    let mut late = signed(&secret, alert_body("CAM-001", "late", SNAPSHOT), 200);
    late.ts_ms = ts.server.deployment().now().ms();
    late.signature = format!(
        "sha256={}",
        video::signature(&secret, &late.ts_ms.to_string(), &late.nonce, &late.body)
    );
    let (status, body) = send(&client, &base, &late).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["merged"], false);
    assert_ne!(body["case_id"].as_str(), Some(case));
}

/// Sends the head of a webhook call announcing a 12 MB body, then only 64 KiB of it, and reads
/// what the server answers (`None` if it answers nothing while the rest of the body is owed).
async fn answer_before_the_body(base: &str, headers: &str) -> Option<String> {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let addr = base.trim_start_matches("http://");
    let mut s = tokio::net::TcpStream::connect(addr).await.expect("connect");
    let head = format!(
        "POST /v1/intake/video/{TENANT}/alerts HTTP/1.1\r\nHost: {addr}\r\n\
         Content-Type: application/json\r\nContent-Length: 12000000\r\n{headers}\r\n"
    );
    s.write_all(head.as_bytes()).await.expect("head");
    s.write_all(&vec![b' '; 64 * 1024])
        .await
        .expect("part of the body");
    let mut buf = Vec::new();
    // Protection only: the old server waited for the remaining 11.9 MB.
    let read = tokio::time::timeout(std::time::Duration::from_secs(20), async {
        let mut chunk = [0u8; 4096];
        loop {
            match s.read(&mut chunk).await {
                Ok(0) | Err(_) => break,
                Ok(n) => {
                    buf.extend_from_slice(&chunk[..n]);
                    if buf.windows(4).any(|w| w == b"\r\n\r\n") && buf.ends_with(b"}") {
                        break;
                    }
                }
            }
        }
    })
    .await;
    (read.is_ok() && !buf.is_empty()).then(|| String::from_utf8_lossy(&buf).into_owned())
}

/// An unsigned or badly signed call is refused from its headers alone, before the server reads
/// its (large) body: the answer arrives while the client still owes most of the body.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_signature_headers_are_refused_before_the_body_is_read() {
    let ts = TestServer::start().await;
    let _secret = setup(&ts).await;
    let base = ts.url();
    let fresh = now_ms().to_string();
    let cases = [
        ("".to_owned(), "bad_signature"),
        (
            format!("X-Gridcase-Timestamp: {fresh}\r\nX-Gridcase-Nonce: short\r\nX-Gridcase-Signature: sha256=00\r\n"),
            "bad_signature",
        ),
        (
            format!("X-Gridcase-Timestamp: {fresh}\r\nX-Gridcase-Nonce: nonce-0123456789abcdef\r\nX-Gridcase-Signature: md5=zz\r\n"),
            "bad_signature",
        ),
        (
            "X-Gridcase-Timestamp: 1000\r\nX-Gridcase-Nonce: nonce-0123456789abcdef\r\nX-Gridcase-Signature: sha256=00\r\n".to_owned(),
            "stale_request",
        ),
    ];
    for (headers, code) in cases {
        let answer = answer_before_the_body(&base, &headers)
            .await
            .unwrap_or_else(|| panic!("no answer before the body for {headers:?}"));
        assert!(answer.starts_with("HTTP/1.1 4"), "{answer}");
        assert!(answer.contains(&format!("\"code\":\"{code}\"")), "{answer}");
    }
}
