//! Accounts and audit (等保 2.0 level 3): sign-in throttling and lockout, the password policy and
//! forced change, token expiry and renewal, revoked devices staying revoked, the hash-chained
//! audit log and its verification, and the command line reading secrets from stdin or a file.
//! The clock is the deployment's own, moved forward instead of sleeping.

use crate::support::*;
use gridcase_core::model::Role;
use gridcase_core::protocol::ChangePassword;
use gridcase_server::Deployment;
use gridcase_server::biz::{admin, audit, auth, import};
use std::net::IpAddr;

const MIN: i64 = 60_000;

/// A sign-in's status, code, message and `Retry-After`, from a client bound to `source`.
async fn try_login(
    client: &reqwest::Client,
    ts: &TestServer,
    username: &str,
    password: &str,
) -> (u16, String, String, Option<String>) {
    let resp = client
        .post(format!("{}/v1/login", ts.url()))
        .json(&serde_json::json!({
            "tenant": TENANT, "username": username, "password": password,
            "install_id": format!("install-{username}"), "device_name": "测试平板",
        }))
        .send()
        .await
        .expect("send");
    let status = resp.status().as_u16();
    let retry = resp
        .headers()
        .get("retry-after")
        .map(|v| v.to_str().expect("ascii").to_owned());
    let body: serde_json::Value = resp.json().await.expect("json");
    let code = body["code"].as_str().unwrap_or("ok").to_owned();
    let message = body["message"].as_str().unwrap_or_default().to_owned();
    (status, code, message, retry)
}

fn client_from(source: &str) -> reqwest::Client {
    reqwest::Client::builder()
        .local_address(source.parse::<IpAddr>().expect("ip"))
        .build()
        .expect("client")
}

async fn change_password(
    ts: &TestServer,
    username: &str,
    old: &str,
    new: &str,
) -> (u16, serde_json::Value) {
    let resp = reqwest::Client::new()
        .post(format!("{}/v1/session/password", ts.url()))
        .json(&ChangePassword {
            tenant: TENANT.into(),
            username: username.into(),
            old_password: old.into(),
            new_password: new.into(),
        })
        .send()
        .await
        .expect("send");
    let status = resp.status().as_u16();
    let body = resp.json().await.unwrap_or(serde_json::Value::Null);
    (status, body)
}

async fn on_dep<T: Send + 'static>(
    ts: &TestServer,
    f: impl FnOnce(&Deployment) -> T + Send + 'static,
) -> T {
    let dep = ts.server.deployment().clone();
    tokio::task::spawn_blocking(move || f(&dep))
        .await
        .expect("join")
}

fn events(dep: &Deployment) -> Vec<(String, bool)> {
    audit::list(dep, None, None)
        .expect("audit")
        .into_iter()
        .map(|r| (r.event, r.success))
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn thirty_wrong_passwords_lock_the_account_until_the_lock_ends() {
    let ts = TestServer::start().await;
    let client = reqwest::Client::new();
    let mut answers = Vec::new();
    for _ in 0..30 {
        answers.push(try_login(&client, &ts, "insp_a", "Wrong-pass-1").await);
    }
    for (status, code, _, _) in &answers[..4] {
        assert_eq!((*status, code.as_str()), (401, "bad_credentials"));
    }
    for (status, code, message, retry) in &answers[4..] {
        assert_eq!((*status, code.as_str()), (429, "too_many_attempts"));
        let secs: u64 = retry
            .as_deref()
            .expect("Retry-After")
            .parse()
            .expect("seconds");
        assert!((1..=15 * 60).contains(&secs), "{secs}");
        assert!(message.contains(&format!("{secs} 秒")), "{message}");
    }
    let (status, code, _, _) = try_login(&client, &ts, "insp_a", PASSWORD).await;
    assert_eq!(
        (status, code.as_str()),
        (429, "too_many_attempts"),
        "the right password is refused while locked"
    );

    // The lock is in the database: a second process on the same data directory sees it.
    let config = ts.same_data_config();
    let refused = tokio::task::spawn_blocking(move || {
        let other = Deployment::open(config).expect("open");
        let login = gridcase_core::protocol::Login {
            tenant: TENANT.into(),
            username: "insp_a".into(),
            password: PASSWORD.into(),
            install_id: "elsewhere".into(),
            device_name: "x".into(),
        };
        auth::login(&other, &login, &auth::Source::default())
            .expect_err("still locked")
            .code()
            .as_str()
    })
    .await
    .expect("join");
    assert_eq!(refused, "too_many_attempts");

    ts.server.deployment().clock().advance(16 * MIN);
    let (status, code, _, _) = try_login(&client, &ts, "insp_a", PASSWORD).await;
    assert_eq!(
        (status, code.as_str()),
        (200, "ok"),
        "accepted after the lock"
    );
    on_dep(&ts, |dep| {
        let all = events(dep);
        assert!(all.contains(&("lockout".into(), false)), "{all:?}");
        assert!(all.contains(&("login".into(), true)));
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn failures_from_one_address_across_accounts_lock_the_address() {
    let ts = TestServer::start().await;
    let attacker = client_from("127.0.0.1");
    let users = ["insp_a", "insp_b", "intake", "shift", "disp1"];
    let mut last = None;
    for round in 0..4 {
        for u in users {
            last = Some(try_login(&attacker, &ts, u, &format!("Guess-{round}-x")).await);
        }
    }
    let (status, code, _, retry) = last.expect("tried");
    assert_eq!(
        (status, code.as_str()),
        (429, "too_many_attempts"),
        "the 20th failure from the address locks it (no account reached 5)"
    );
    assert!(retry.is_some());
    let (status, code, _, _) = try_login(&attacker, &ts, "disp2", PASSWORD).await;
    assert_eq!(
        (status, code.as_str()),
        (429, "too_many_attempts"),
        "an untouched account is refused from the locked address"
    );
    let (status, _, _, _) = try_login(&client_from("127.0.0.2"), &ts, "disp2", PASSWORD).await;
    assert_eq!(status, 200, "another address is not locked");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn weak_and_reused_passwords_are_refused_with_the_rule() {
    let ts = TestServer::start().await;
    let refusals = on_dep(&ts, |dep| {
        let spec = |password: &str| admin::UserSpec {
            tenant: TENANT.into(),
            username: "weakling".into(),
            display_name: "弱口令".into(),
            role: Role::Inspector,
            department: None,
            cells: vec![CELL_A.into()],
            password: password.into(),
        };
        ["abc123", "abcdefgh1", "weakling", "gridcase-demo"]
            .iter()
            .map(|p| {
                let e = admin::create_user(dep, &spec(p)).expect_err("weak");
                (e.code().as_str(), e.to_api().message)
            })
            .collect::<Vec<_>>()
    })
    .await;
    assert!(
        refusals.iter().all(|(c, _)| *c == "weak_password"),
        "{refusals:?}"
    );
    assert!(refusals[0].1.contains("至少 8"), "{}", refusals[0].1);
    assert!(refusals[1].1.contains("三类"));
    assert!(
        refusals[3].1.contains("三类"),
        "the old demo password breaks the policy"
    );

    let (status, body) = change_password(&ts, "insp_a", PASSWORD, "short1A").await;
    assert_eq!(
        (status, body["code"].as_str()),
        (422, Some("weak_password"))
    );
    let (status, body) = change_password(&ts, "insp_a", PASSWORD, "insp_a").await;
    assert_eq!(status, 422, "{body}");
    let (status, body) = change_password(&ts, "insp_a", PASSWORD, PASSWORD).await;
    assert_eq!(status, 422);
    assert!(
        body["message"]
            .as_str()
            .unwrap_or_default()
            .contains("最近 5 次"),
        "{body}"
    );
    let (status, _) = change_password(&ts, "insp_a", PASSWORD, "Second-pass-1").await;
    assert_eq!(status, 204);
    let (status, _) = change_password(&ts, "insp_a", "Second-pass-1", "Third-pass-1").await;
    assert_eq!(status, 204);
    let (status, body) = change_password(&ts, "insp_a", "Third-pass-1", PASSWORD).await;
    assert_eq!(
        status, 422,
        "an earlier password is not taken again: {body}"
    );
    let (status, body) = change_password(&ts, "insp_a", "Wrong-pass-1", "Fourth-pass-1").await;
    assert_eq!(
        (status, body["code"].as_str()),
        (401, Some("bad_credentials"))
    );
    let client = reqwest::Client::new();
    let (status, _, _, _) = try_login(&client, &ts, "insp_a", "Third-pass-1").await;
    assert_eq!(status, 200);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reset_and_imported_accounts_must_change_the_password_first() {
    let ts = TestServer::start().await;
    let dev = ts.device("insp_a").await;
    dev.feed(0).await.expect("works before the reset");
    on_dep(&ts, |dep| {
        admin::set_password(dep, TENANT, "insp_a", "Reset-pass-2026").expect("reset")
    })
    .await;
    let err = dev.feed(0).await.expect_err("nothing works until changed");
    assert_eq!(
        (err.status, err.error.code.as_str()),
        (403, "password_change_required")
    );
    let client = reqwest::Client::new();
    let (status, code, message, _) = try_login(&client, &ts, "insp_a", "Reset-pass-2026").await;
    assert_eq!((status, code.as_str()), (403, "password_change_required"));
    assert!(message.contains("修改密码"), "{message}");
    let (status, _) = change_password(&ts, "insp_a", "Reset-pass-2026", "abc").await;
    assert_eq!(status, 422);
    let (status, _) = change_password(&ts, "insp_a", "Reset-pass-2026", "Mine-2026-a").await;
    assert_eq!(status, 204);
    let (status, _, _, _) = try_login(&client, &ts, "insp_a", "Mine-2026-a").await;
    assert_eq!(status, 200, "the user's own password works");

    // An import for production: new accounts must change the shared initial password.
    let src = tempfile::tempdir().expect("tempdir");
    let demo = gridcase_core::demo::DemoTenant::generate(gridcase_core::demo::DEFAULT_SEED);
    demo.write_to(src.path()).expect("demo files");
    let first = demo.users[0].username.clone();
    let path = src.path().to_owned();
    on_dep(&ts, move |dep| {
        let weak = import::import_dir_as(
            dep,
            "620102",
            &path,
            Some("gridcase-demo"),
            import::NewAccounts::MustChangePassword,
        )
        .expect_err("a weak initial password");
        assert_eq!(weak.code().as_str(), "weak_password");
        import::import_dir_as(
            dep,
            "620102",
            &path,
            Some("Initial-2026"),
            import::NewAccounts::MustChangePassword,
        )
        .expect("import")
    })
    .await;
    let (status, code, _, _) = try_login(&client, &ts, &first, "Initial-2026").await;
    assert_eq!((status, code.as_str()), (403, "password_change_required"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tokens_expire_when_idle_or_old_and_renew_on_use() {
    let ts = TestServer::start_with(|c| c.auth.token_lifetime_hours = 24).await;
    let clock = ts.server.deployment().clock().clone();
    let desk = ts.device("shift").await;
    let field = ts.device("insp_a").await;
    // Desktop: 30 minutes idle. Each use renews it.
    for _ in 0..3 {
        clock.advance(20 * MIN);
        desk.feed(0).await.expect("used within 30 minutes: renewed");
    }
    clock.advance(31 * MIN);
    let err = desk.feed(0).await.expect_err("idle for 31 minutes");
    assert_eq!(
        (err.status, err.error.code.as_str()),
        (401, "token_expired")
    );
    // Field tablet: 72 hours idle, but never older than the lifetime (24 h here).
    field
        .feed(0)
        .await
        .expect("a field token outlives the desktop timeout");
    clock.advance(22 * 60 * MIN);
    field.feed(0).await.expect("still young enough");
    clock.advance(3 * 60 * MIN);
    let err = field.feed(0).await.expect_err("older than the lifetime");
    assert_eq!(
        (err.status, err.error.code.as_str()),
        (401, "token_expired")
    );
    assert!(
        err.error.message.contains("24 小时"),
        "{}",
        err.error.message
    );
    // Signing in again gives a fresh token.
    let again = Device::login(&ts.url(), TENANT, "insp_a", &field.install_id)
        .await
        .expect("login");
    again.feed(0).await.expect("a new token");
    // Tokens stay hashed at rest.
    let id = again.login.device_id.to_string();
    let stored: Vec<u8> = ts
        .sql(|c| {
            Ok(c.query_row(
                "SELECT token_hash FROM devices WHERE id = ?1",
                [id.as_str()],
                |r| r.get(0),
            )?)
        })
        .expect("row");
    assert_eq!(stored, auth::token_hash(&again.login.token));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_revoked_device_stays_revoked_until_readmitted() {
    let ts = TestServer::start().await;
    let dev = ts.device("insp_a").await;
    let id = dev.login.device_id.to_string();
    let i = id.clone();
    on_dep(&ts, move |dep| admin::revoke(dep, &i).expect("revoke")).await;
    let client = reqwest::Client::new();
    let again = login_request(
        &client,
        &ts.url(),
        TENANT,
        "insp_a",
        PASSWORD,
        &dev.install_id,
    )
    .await
    .expect_err("signing in again does not lift the revocation");
    assert_eq!(
        (again.status, again.error.code.as_str()),
        (403, "device_revoked")
    );
    assert_eq!(
        dev.feed(0).await.expect_err("old token").error.code,
        "token_revoked"
    );

    let i = id.clone();
    assert!(on_dep(&ts, move |dep| admin::readmit(dep, &i).expect("readmit")).await);
    assert_eq!(
        dev.feed(0)
            .await
            .expect_err("the old token stays dead")
            .error
            .code,
        "unauthorized"
    );
    let back = Device::login(&ts.url(), TENANT, "insp_a", &dev.install_id)
        .await
        .expect("re-admitted");
    assert_eq!(back.login.device_id, dev.login.device_id, "the same device");
    back.feed(0).await.expect("works");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_audit_log_records_each_event_and_verify_finds_tampering() {
    let ts = TestServer::start().await;
    let client = reqwest::Client::new();
    for _ in 0..5 {
        try_login(&client, &ts, "insp_b", "Wrong-pass-1").await;
    }
    let dev = ts.device("insp_a").await;
    let id = dev.login.device_id.to_string();
    on_dep(&ts, move |dep| {
        admin::set_password(dep, TENANT, "disp1", "Reset-pass-2026").expect("reset");
        admin::set_disabled(dep, TENANT, "disp2", true).expect("disable");
        admin::set_disabled(dep, TENANT, "disp2", false).expect("enable");
        admin::set_cells(dep, TENANT, "insp_a", &[CELL_A.into(), CELL_B.into()]).expect("cells");
        admin::revoke(dep, &id).expect("revoke");
        admin::readmit(dep, &id).expect("readmit");
        audit::record_evaluation_publish(dep, TENANT, "cli", "2026-11").expect("publish");
    })
    .await;
    change_password(&ts, "disp1", "Reset-pass-2026", "Own-pass-2026").await;
    let (rows, verified) = on_dep(&ts, |dep| {
        (
            audit::list(dep, Some(TENANT), None).expect("list"),
            audit::verify(dep).expect("verify"),
        )
    })
    .await;
    let kinds: std::collections::HashSet<&str> = rows.iter().map(|r| r.event.as_str()).collect();
    for kind in [
        "user_create",
        "login",
        "lockout",
        "device_enrol",
        "password_reset",
        "password_change",
        "user_disable",
        "user_enable",
        "user_cells",
        "device_revoke",
        "device_readmit",
        "evaluation_publish",
    ] {
        assert!(kinds.contains(kind), "{kind} missing from {kinds:?}");
    }
    let failure = rows
        .iter()
        .find(|r| r.event == "login" && !r.success)
        .expect("a failed sign-in");
    assert_eq!(failure.source.as_deref(), Some("127.0.0.1"));
    assert!(
        rows.iter()
            .all(|r| !r.details.contains(PASSWORD) && !r.details.contains("Reset-pass")),
        "no password in the log"
    );
    assert_eq!(verified.first_broken, None);
    assert!(verified.checked >= rows.len() as u64);

    // The table refuses changes; with the trigger dropped, verify names the edited record.
    // Each statement in its own transaction: on PostgreSQL a refused statement ends its
    // transaction.
    let refused = ts.sql(|c| Ok(c.execute("UPDATE audit_log SET success = 1 WHERE seq = 12", ())?));
    assert!(refused.is_err(), "append-only");
    assert!(
        ts.sql(|c| Ok(c.execute("DELETE FROM audit_log WHERE seq = 12", ())?))
            .is_err()
    );
    let drop_trigger = if ts.on_postgres() {
        "DROP TRIGGER audit_log_no_update ON audit_log"
    } else {
        "DROP TRIGGER audit_log_no_update"
    };
    ts.sql(|c| {
        c.execute_batch(drop_trigger)?;
        c.execute(
            "UPDATE audit_log SET details = '{\"reason\":\"nothing happened\"}' WHERE seq = 12",
            (),
        )?;
        Ok(())
    })
    .expect("tamper");
    let out = ts.cli_command(["audit", "verify"]).output().expect("runs");
    assert!(!out.status.success(), "verify fails on a tampered log");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("record 12"), "{stderr}");
    let listed = ts.cli(["audit", "list", "--tenant", TENANT, "--since", "2020-01-01"]);
    assert!(listed.contains("\"event\": \"lockout\""), "{listed}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_command_line_reads_passwords_from_stdin_or_a_file_never_argv() {
    use std::io::Write;
    let ts = TestServer::start().await;
    let argv = ts
        .cli_command(["user", "passwd", "--tenant", TENANT, "--username", "insp_a"])
        .args(["--password", "Argv-pass-2026"])
        .output()
        .expect("runs");
    assert!(!argv.status.success(), "--password is gone");

    let mut child = ts
        .cli_command(["user", "create", "--tenant", TENANT, "--username", "fresh"])
        .args([
            "--name",
            "新用户",
            "--role",
            "dispatcher",
            "--password-stdin",
        ])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .expect("spawn");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all("Stdin-pass-2026\n".as_bytes())
        .expect("write");
    assert!(child.wait().expect("wait").success());
    let file = ts.dir.path().join("pw.txt");
    std::fs::write(&file, "File-pass-2026\n").expect("write");
    ts.cli(
        [
            "user",
            "passwd",
            "--tenant",
            TENANT,
            "--username",
            "insp_b",
            "--password-file",
        ]
        .iter()
        .map(std::ffi::OsStr::new)
        .chain([file.as_os_str()]),
    );
    let client = reqwest::Client::new();
    let (_, code, _, _) = try_login(&client, &ts, "fresh", "Stdin-pass-2026").await;
    assert_eq!(
        code, "password_change_required",
        "the stdin password is set, change forced"
    );
    let (_, code, _, _) = try_login(&client, &ts, "insp_b", "File-pass-2026").await;
    assert_eq!(code, "password_change_required", "the file password is set");
}
