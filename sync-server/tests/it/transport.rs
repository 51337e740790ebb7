//! Transport limits over real sockets (docs/security/transport.md): a client that sends half
//! its headers is cut after the header-read timeout, a body trickled slowly is cut with
//! `request_timeout`, connections held beyond the limit do not keep a normal request hanging
//! (it is answered `server_busy`, then served once the held ones are cut), and `/v1/health`
//! reports `degraded` below the free-space threshold. Timeouts in the tests are protection
//! only; they assert what was answered or closed, never how fast.

use crate::support::*;
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// Generous protection for a read the server must end.
const PROTECTION: Duration = Duration::from_secs(30);

fn addr(ts: &TestServer) -> String {
    ts.server.addr().to_string()
}

/// Reads until the server closes the connection; `None` if it is still open after
/// [`PROTECTION`].
async fn read_until_closed(s: &mut TcpStream) -> Option<Vec<u8>> {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 4096];
    tokio::time::timeout(PROTECTION, async {
        loop {
            match s.read(&mut chunk).await {
                Ok(0) | Err(_) => break,
                Ok(n) => buf.extend_from_slice(&chunk[..n]),
            }
        }
    })
    .await
    .ok()?;
    Some(buf)
}

/// Opens a connection and sends half a request head.
async fn half_headers(addr: &str) -> TcpStream {
    let mut s = TcpStream::connect(addr).await.expect("connect");
    s.write_all(b"GET /v1/health HTTP/1.1\r\nHost: gridcase\r\nX-Half: ")
        .await
        .expect("half the headers");
    s
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_client_sending_half_its_headers_is_cut_after_the_timeout() {
    let ts = TestServer::start_with(|c| c.transport.header_read_timeout_secs = 1).await;
    let mut s = half_headers(&addr(&ts)).await;
    let got = read_until_closed(&mut s)
        .await
        .expect("the server keeps a half-sent request open");
    assert!(
        !String::from_utf8_lossy(&got).contains(" 200 "),
        "a half request was answered"
    );
    // The server itself is fine.
    let ok = reqwest::get(format!("{}/v1/health", ts.url()))
        .await
        .expect("health");
    assert_eq!(ok.status(), 200);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_body_trickled_slowly_is_cut_with_request_timeout() {
    let ts = TestServer::start_with(|c| c.transport.body_read_timeout_secs = 1).await;
    let mut s = TcpStream::connect(addr(&ts)).await.expect("connect");
    s.write_all(
        b"POST /v1/login HTTP/1.1\r\nHost: gridcase\r\nContent-Type: application/json\r\n\
          Content-Length: 4000\r\n\r\n{",
    )
    .await
    .expect("head");
    let (mut rd, mut wr) = s.into_split();
    // One byte every 200 ms: 4,000 bytes would take more than 13 minutes.
    let trickle = tokio::spawn(async move {
        for _ in 0..4000 {
            tokio::time::sleep(Duration::from_millis(200)).await;
            if wr.write_all(b" ").await.is_err() {
                break;
            }
        }
    });
    let mut buf = Vec::new();
    let mut chunk = [0u8; 4096];
    tokio::time::timeout(PROTECTION, async {
        loop {
            match rd.read(&mut chunk).await {
                Ok(0) | Err(_) => break,
                Ok(n) => buf.extend_from_slice(&chunk[..n]),
            }
        }
    })
    .await
    .expect("the server waited for the trickled body");
    trickle.abort();
    let answer = String::from_utf8_lossy(&buf);
    assert!(answer.starts_with("HTTP/1.1 408"), "{answer}");
    assert!(answer.contains("\"code\":\"request_timeout\""), "{answer}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn held_connections_beyond_the_limit_get_server_busy_then_are_cut() {
    let ts = TestServer::start_with(|c| {
        c.transport.max_connections = 4;
        c.transport.header_read_timeout_secs = 2;
    })
    .await;
    let a = addr(&ts);
    let mut held = Vec::new();
    for _ in 0..4 {
        held.push(half_headers(&a).await);
    }
    // Let the server accept them before the normal request comes.
    let probe = reqwest::Client::new();
    let mut busy = None;
    for _ in 0..50 {
        let r = probe
            .get(format!("{}/v1/health", ts.url()))
            .timeout(PROTECTION)
            .send()
            .await
            .expect("a normal request is answered while the limit is held");
        if r.status() == 503 {
            busy = Some(r.json::<serde_json::Value>().await.expect("json"));
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let busy = busy.expect("the limit was never reached: held connections are not counted");
    assert_eq!(busy["code"], "server_busy", "{busy}");
    // Far beyond the limit the server neither accepts without bound nor stops.
    let mut flood = Vec::new();
    for _ in 0..40 {
        if let Ok(s) = TcpStream::connect(&a).await {
            flood.push(s);
        }
    }
    // The held connections are cut by the header-read timeout; then normal requests are served.
    for s in held.iter_mut().chain(flood.iter_mut()) {
        assert!(
            read_until_closed(s).await.is_some(),
            "a held connection stayed open"
        );
    }
    let r = reqwest::Client::new()
        .get(format!("{}/v1/health", ts.url()))
        .timeout(PROTECTION)
        .send()
        .await
        .expect("health");
    assert_eq!(r.status(), 200);
    assert_eq!(r.text().await.expect("text"), "ok");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn health_is_degraded_below_the_free_space_threshold() {
    let ts = TestServer::start_with(|c| c.storage.min_free_bytes = 1).await;
    let body = reqwest::get(format!("{}/v1/health", ts.url()))
        .await
        .expect("health")
        .text()
        .await
        .expect("text");
    assert_eq!(body, "ok");
    let ts = TestServer::start_with(|c| c.storage.min_free_bytes = u64::MAX).await;
    let r = reqwest::get(format!("{}/v1/health", ts.url()))
        .await
        .expect("health");
    assert_eq!(r.status(), 200);
    let body = r.text().await.expect("text");
    assert!(body.starts_with("degraded: "), "{body}");
    assert!(body.contains("低于下限"), "{body}");
}
