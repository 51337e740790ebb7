//! The binary under SIGKILL: an answered sync survives the process being killed.

use crate::support::*;
use std::io::{BufRead, BufReader};
use std::process::{Child, Stdio};

/// Kills the server when dropped, so a failing test leaves no process behind.
struct Killed(Child);

impl Drop for Killed {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn start(data: &DataRef) -> (Killed, String) {
    let mut child = data
        .command(["serve"])
        .env("GRIDCASE_LISTEN", "127.0.0.1:0")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("server starts");
    let stdout = child.stdout.take().expect("stdout");
    let mut line = String::new();
    BufReader::new(stdout)
        .read_line(&mut line)
        .expect("first line");
    let url = line
        .trim()
        .strip_prefix("listening on ")
        .unwrap_or_else(|| panic!("unexpected first line {line:?}"))
        .to_owned();
    (Killed(child), url)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_answered_sync_survives_sigkill() {
    // Set up accounts in process, then hand the data directory to the binary.
    let ts = TestServer::start().await;
    let data = ts.data_ref();
    ts.server.shutdown().await.expect("shutdown");

    let (mut child, url) = start(&data);
    let mut a = Device::login(&url, TENANT, "insp_a", "kill-test")
        .await
        .expect("login");
    let cases: Vec<_> = (0..5).map(|_| a.report(CELL_A)).collect();
    let pushes = cases.iter().map(|c| a.push_of(*c)).collect();
    let r = a.sync(pushes).await.expect("sync");
    assert!(r.docs.iter().all(|d| outcome(d) == "accepted"));
    child.0.kill().expect("SIGKILL");
    child.0.wait().expect("reaped");

    let (child, url) = start(&data);
    let again = Device::login(&url, TENANT, "insp_a", "kill-test")
        .await
        .expect("login");
    let mut ids = again.feed_ids().await;
    ids.sort();
    let mut expected = cases.clone();
    expected.sort();
    assert_eq!(ids, expected, "every answered case is still there");
    assert_eq!(again.login.actor_id, a.login.actor_id);
    drop(child);
    drop(ts.dir);
}
