//! Accounts against real device runtimes (core's `SyncClient` with its own store, through the
//! fault proxy to the real server): 30 wrong passwords lock the account with the seconds to
//! wait, an expired token stops sync until the device signs in again, and a revoked device
//! cannot lift its revocation by signing in again. The server's clock is moved, not slept.

use gridcase_core::sync::runtime::SyncError;
use gridcase_tests::harness::{PASSWORD, TENANT, cell, client_config};
use gridcase_tests::{Device, Harness};

const MIN: i64 = 60_000;

/// The sync error code inside a failed sign-in, and its message.
fn code_of(err: &anyhow::Error) -> (String, String) {
    match err.downcast_ref::<SyncError>() {
        Some(SyncError::Server(f) | SyncError::Stopped(f)) => (f.code.clone(), f.message.clone()),
        Some(other) => (other.code().to_owned(), other.to_string()),
        None => ("?".into(), format!("{err:#}")),
    }
}

async fn sign_in(
    h: &Harness,
    name: &str,
    username: &str,
    password: &str,
) -> anyhow::Result<Device> {
    Device::login(
        &h.device_dir(name),
        name,
        client_config(&h.proxy.url(), 7),
        TENANT,
        username,
        password,
    )
    .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn thirty_wrong_passwords_lock_a_device_out_until_the_lock_ends() {
    let h = Harness::start(1).await.expect("harness");
    let mut codes = Vec::new();
    for i in 0..30 {
        let err = sign_in(&h, &format!("guess-{i}"), "insp01", "Wrong-pass-1")
            .await
            .expect_err("wrong password");
        codes.push(code_of(&err));
    }
    assert!(
        codes[..4].iter().all(|(c, _)| c == "bad_credentials"),
        "{codes:?}"
    );
    for (code, message) in &codes[4..] {
        assert_eq!(code, "too_many_attempts");
        assert!(message.contains("retry_after="), "{message}");
    }
    let err = sign_in(&h, "owner", "insp01", PASSWORD)
        .await
        .expect_err("the right password is refused while locked");
    assert_eq!(code_of(&err).0, "too_many_attempts");
    h.deployment().clock().advance(16 * MIN);
    let mut device = sign_in(&h, "owner", "insp01", PASSWORD)
        .await
        .expect("accepted after the lock");
    device.report(&cell(1), &[]).expect("report");
    device.client.sync_until_clean(5).await.expect("syncs");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn expired_and_revoked_devices_stop_and_only_the_admin_readmits() {
    let h = Harness::start(1).await.expect("harness");
    let mut device = h.device("tablet-01", "insp01").await.expect("login");
    device.report(&cell(1), &[]).expect("report");
    device.client.sync_until_clean(5).await.expect("syncs");

    // A field token unused for more than 72 hours has expired.
    h.deployment().clock().advance(73 * 60 * MIN);
    device.report(&cell(1), &[]).expect("report offline");
    let err = device
        .client
        .sync_until_clean(5)
        .await
        .expect_err("expired");
    assert_eq!(err.code(), "token_expired");
    drop(device);
    let mut device = h
        .device("tablet-01", "insp01")
        .await
        .expect("signs in again");
    device
        .client
        .sync_until_clean(5)
        .await
        .expect("the offline report goes up after signing in again");

    // Revoked: sync stops, and signing in again from the same install is refused.
    let dep = h.deployment().clone();
    let id = device.client.session().device_id.to_string();
    let i = id.clone();
    tokio::task::spawn_blocking(move || gridcase_server::biz::admin::revoke(&dep, &i))
        .await
        .expect("task")
        .expect("revoke");
    let err = device
        .client
        .sync_until_clean(5)
        .await
        .expect_err("revoked");
    assert_eq!(err.code(), "token_revoked");
    drop(device);
    let err = h
        .device("tablet-01", "insp01")
        .await
        .expect_err("a revoked device stays revoked");
    assert_eq!(code_of(&err).0, "device_revoked");

    let dep = h.deployment().clone();
    tokio::task::spawn_blocking(move || gridcase_server::biz::admin::readmit(&dep, &id))
        .await
        .expect("task")
        .expect("readmit");
    let mut device = h.device("tablet-01", "insp01").await.expect("re-admitted");
    device
        .client
        .sync_until_clean(5)
        .await
        .expect("syncs again");
}
