//! Login, token handling and revocation.

use crate::support::*;
use gridcase_server::biz::admin;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn login_checks_the_password_and_is_idempotent_per_install() {
    let ts = TestServer::start().await;
    let client = reqwest::Client::new();
    let bad = login_request(&client, &ts.url(), TENANT, "insp_a", "wrong-password", "i1")
        .await
        .expect_err("wrong password refused");
    assert_eq!(
        (bad.status, bad.error.code.as_str()),
        (401, "bad_credentials")
    );
    let unknown = login_request(&client, &ts.url(), TENANT, "nobody", PASSWORD, "i1")
        .await
        .expect_err("unknown user refused");
    assert_eq!(
        unknown.error.code, "bad_credentials",
        "same answer as a wrong password"
    );
    let other_tenant = login_request(&client, &ts.url(), OTHER_TENANT, "insp_a", PASSWORD, "i1")
        .await
        .expect_err("user of another tenant");
    assert_eq!(other_tenant.error.code, "bad_credentials");

    let first = Device::login(&ts.url(), TENANT, "insp_a", "install-1")
        .await
        .expect("login");
    assert_eq!(first.login.cells, vec![CELL_A.to_owned()]);
    assert_eq!(first.login.actor_id.len(), 32);
    let again = Device::login(&ts.url(), TENANT, "insp_a", "install-1")
        .await
        .expect("login");
    assert_eq!(
        again.login.device_id, first.login.device_id,
        "same install, same device"
    );
    assert_eq!(again.login.actor_id, first.login.actor_id, "same actor");
    assert_ne!(again.login.token, first.login.token, "a new token");
    let old = first
        .feed(0)
        .await
        .expect_err("the replaced token no longer works");
    assert_eq!(old.error.code, "unauthorized");
    again.feed(0).await.expect("the new token works");

    let elsewhere = Device::login(&ts.url(), TENANT, "insp_a", "install-2")
        .await
        .expect("login");
    assert_ne!(elsewhere.login.device_id, first.login.device_id);
    assert_ne!(
        elsewhere.login.actor_id, first.login.actor_id,
        "one actor per device"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn revoked_tokens_and_disabled_users_get_token_revoked() {
    let ts = TestServer::start().await;
    let dev = ts.device("insp_a").await;
    dev.feed(0).await.expect("works before");
    let dep = ts.server.deployment().clone();
    let id = dev.login.device_id.to_string();
    tokio::task::spawn_blocking(move || admin::revoke(&dep, &id).expect("revoke"))
        .await
        .expect("join");
    let err = dev.feed(0).await.expect_err("revoked");
    assert_eq!(
        (err.status, err.error.code.as_str()),
        (401, "token_revoked")
    );
    let err = dev
        .sync_raw(&Default::default())
        .await
        .expect_err("revoked for sync too");
    assert_eq!(err.error.code, "token_revoked");

    let other = ts.device("insp_b").await;
    let dep = ts.server.deployment().clone();
    tokio::task::spawn_blocking(move || {
        admin::set_disabled(&dep, TENANT, "insp_b", true).expect("disable")
    })
    .await
    .expect("join");
    assert_eq!(
        other.feed(0).await.expect_err("disabled").error.code,
        "token_revoked"
    );
    let client = reqwest::Client::new();
    let relogin = login_request(
        &client,
        &ts.url(),
        TENANT,
        "insp_b",
        PASSWORD,
        &other.install_id,
    )
    .await
    .expect_err("a disabled user cannot log in");
    assert_eq!(relogin.error.code, "bad_credentials");

    let none = reqwest::Client::new()
        .get(format!("{}/v1/feed", ts.url()))
        .send()
        .await
        .expect("send");
    assert_eq!(none.status().as_u16(), 401);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hello_negotiates_the_version() {
    let ts = TestServer::start().await;
    let client = reqwest::Client::new();
    let ok: gridcase_core::protocol::HelloReply = client
        .post(format!("{}/v1/hello", ts.url()))
        .json(&gridcase_core::protocol::Hello {
            protocols: vec![1, 2],
            app_version: "0.1.0".into(),
            capabilities: vec!["cbor-sync".into()],
        })
        .send()
        .await
        .expect("send")
        .json()
        .await
        .expect("json");
    assert_eq!(ok.protocol, 1);
    assert_eq!(ok.limits, gridcase_core::protocol::Limits::default());
    let old = client
        .post(format!("{}/v1/hello", ts.url()))
        .json(&gridcase_core::protocol::Hello {
            protocols: vec![0],
            app_version: "0.0.1".into(),
            capabilities: vec![],
        })
        .send()
        .await
        .expect("send");
    assert_eq!(old.status().as_u16(), 426);
    let body: gridcase_core::protocol::ApiError = old.json().await.expect("json");
    assert_eq!(body.code, "unsupported_protocol");
}
