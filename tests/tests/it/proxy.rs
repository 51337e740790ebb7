//! The fault proxy itself, against an echo server.

use gridcase_tests::{FaultConfig, FaultProxy};
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

async fn echo_server() -> std::net::SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("addr");
    tokio::spawn(async move {
        while let Ok((mut s, _)) = listener.accept().await {
            tokio::spawn(async move {
                let mut buf = vec![0u8; 4096];
                while let Ok(n) = s.read(&mut buf).await {
                    if n == 0 || s.write_all(&buf[..n]).await.is_err() {
                        break;
                    }
                }
            });
        }
    });
    addr
}

async fn round_trip(addr: std::net::SocketAddr, bytes: usize) -> std::io::Result<usize> {
    let mut s = TcpStream::connect(addr).await?;
    let data = vec![7u8; bytes];
    let (mut r, mut w) = s.split();
    let write = async {
        w.write_all(&data).await?;
        w.shutdown().await
    };
    let mut got = Vec::new();
    let read = r.read_to_end(&mut got);
    let (wr, rd) = tokio::join!(write, read);
    wr?;
    rd?;
    Ok(got.len())
}

#[tokio::test]
async fn forwards_and_counts_bytes_each_way() {
    let proxy = FaultProxy::start(echo_server().await, FaultConfig::default(), 1)
        .await
        .expect("proxy");
    assert_eq!(
        round_trip(proxy.addr(), 100_000).await.expect("echo"),
        100_000
    );
    let stats = proxy.stats();
    assert_eq!(
        (stats.bytes_up, stats.bytes_down, stats.cuts),
        (100_000, 100_000, 0)
    );
}

#[tokio::test]
async fn cuts_after_a_random_budget_and_resets_some() {
    let config = FaultConfig {
        cut_after: Some(1_000..=5_000),
        reset_share: 0.5,
        ..FaultConfig::default()
    };
    let proxy = FaultProxy::start(echo_server().await, config, 2)
        .await
        .expect("proxy");
    for _ in 0..20 {
        let got = round_trip(proxy.addr(), 100_000).await.unwrap_or(0);
        assert!(got <= 5_000, "cut within the budget: {got}");
    }
    let stats = proxy.stats();
    assert_eq!(stats.cuts, 20);
    assert!(stats.resets > 0 && stats.resets < 20, "{stats:?}");
    assert!(stats.bytes_up + stats.bytes_down <= 20 * 5_000);
}

#[tokio::test]
async fn refuses_while_down_and_delays_data() {
    let upstream = echo_server().await;
    let proxy = FaultProxy::start(
        upstream,
        FaultConfig {
            refuse: true,
            ..FaultConfig::default()
        },
        3,
    )
    .await
    .expect("proxy");
    assert!(round_trip(proxy.addr(), 10).await.unwrap_or(0) == 0);
    assert_eq!(proxy.stats().refused, 1);
    proxy.set_config(FaultConfig {
        delay: Duration::from_millis(50),
        ..FaultConfig::default()
    });
    let start = std::time::Instant::now();
    assert_eq!(round_trip(proxy.addr(), 10).await.expect("echo"), 10);
    assert!(
        start.elapsed() >= Duration::from_millis(100),
        "delayed each way"
    );
}
