//! The feed: a cursor, a tiny idle page, and scope (cells, departments, tenants).

use crate::support::*;
use gridcase_core::workflow::EventKind;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_cursor_pages_and_an_idle_device_costs_a_tiny_page() {
    let ts = TestServer::start().await;
    let mut inspector = ts.device("insp_a").await;
    let cases: Vec<_> = (0..3).map(|_| inspector.report(CELL_A)).collect();
    let pushes = cases.iter().map(|c| inspector.push_of(*c)).collect();
    inspector.sync(pushes).await.expect("push");
    let leader = ts.device("leader").await;
    let (page, _) = leader.feed(0).await.expect("feed");
    assert_eq!(page.entries.len(), 3);
    assert!(!page.more);
    let seqs: Vec<u64> = page.entries.iter().map(|e| e.seq).collect();
    assert!(
        seqs.windows(2).all(|w| w[0] < w[1]),
        "in seq order: {seqs:?}"
    );
    assert_eq!(page.cursor, *seqs.last().expect("entries"));
    assert_eq!(page.entries[0].heads.len(), 1);
    assert_eq!(page.entries[0].heads[0].len(), 64, "hex heads");

    let (idle, bytes) = leader.feed(page.cursor).await.expect("idle feed");
    assert!(idle.entries.is_empty());
    assert_eq!(idle.cursor, page.cursor);
    assert!(bytes < 64, "an idle page is tiny: {bytes} bytes");

    // Paging with a limit.
    let resp = reqwest::Client::new()
        .get(format!("{}/v1/feed?cursor=0&limit=2", ts.url()))
        .bearer_auth(&leader.login.token)
        .send()
        .await
        .expect("send");
    let first: gridcase_core::protocol::FeedPage = resp.json().await.expect("json");
    assert_eq!(first.entries.len(), 2);
    assert!(first.more);
    let (rest, _) = leader.feed(first.cursor).await.expect("next page");
    assert_eq!(rest.entries.len(), 1);
    assert!(!rest.more);

    // A change moves the case to the end of the feed.
    let mut intake = ts.device("intake").await;
    intake.pull(cases[0]).await.expect("pull");
    intake.append(cases[0], EventKind::Accept);
    intake.push(cases[0]).await.expect("push");
    let (after, _) = leader.feed(page.cursor).await.expect("feed");
    assert_eq!(after.entries.len(), 1);
    assert_eq!(after.entries[0].case_id, cases[0]);
    assert_eq!(after.entries[0].row.status, "awaiting_filing");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn scope_filters_the_feed_and_the_documents() {
    let ts = TestServer::start().await;
    let mut a = ts.device("insp_a").await;
    let mut b = ts.device("insp_b").await;
    let mut x = ts.device("insp_x").await;
    let in_a = a.report(CELL_A);
    let in_b = b.report(CELL_B);
    let in_x = x.report(CELL_OTHER);
    assert_eq!(outcome(&a.push(in_a).await.expect("a").docs[0]), "accepted");
    assert_eq!(outcome(&b.push(in_b).await.expect("b").docs[0]), "accepted");
    assert_eq!(outcome(&x.push(in_x).await.expect("x").docs[0]), "accepted");

    assert_eq!(
        a.feed_ids().await,
        vec![in_a],
        "an inspector sees its cells only"
    );
    assert_eq!(b.feed_ids().await, vec![in_b]);
    assert_eq!(
        x.feed_ids().await,
        vec![in_x],
        "another tenant's cases never show"
    );
    let leader = ts.device("leader").await;
    let mut all = leader.feed_ids().await;
    all.sort();
    let mut expected = vec![in_a, in_b];
    expected.sort();
    assert_eq!(
        all, expected,
        "centre roles see the whole tenant, and only it"
    );

    // Pulling a case outside the scope is out_of_scope and carries no data.
    let r = a.pull(in_b).await.expect("sync");
    assert_eq!(outcome(&r.docs[0]), "out_of_scope");
    assert!(r.docs[0].changes.is_empty() && r.docs[0].heads.is_empty());
    let r = a.pull(in_x).await.expect("sync");
    assert_eq!(
        outcome(&r.docs[0]),
        "out_of_scope",
        "another tenant's case id"
    );
    let unknown = new_case_id();
    let r = a.pull(unknown).await.expect("sync");
    assert_eq!(
        outcome(&r.docs[0]),
        "out_of_scope",
        "indistinguishable from an unknown id"
    );

    // A department sees only the cases dispatched to it.
    let water = ts.device("dept_water").await;
    let city = ts.device("dept_city").await;
    assert!(water.feed_ids().await.is_empty());
    let case = crate::sync::filed_case(&ts).await;
    let mut disp = ts.device("disp1").await;
    disp.pull(case).await.expect("pull");
    disp.append(
        case,
        EventKind::Dispatch {
            department: ts.departments["water"],
            limit: None,
            basis: None,
        },
    );
    disp.push(case).await.expect("dispatch");
    assert_eq!(water.feed_ids().await, vec![case]);
    assert!(city.feed_ids().await.is_empty());
    let mut water = water;
    let r = water.pull(case).await.expect("pull");
    assert_eq!(outcome(&r.docs[0]), "accepted");
    assert!(water.docs.contains_key(&case));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_assigned_department_handles_and_others_stay_out() {
    let ts = TestServer::start().await;
    let case = crate::sync::filed_case(&ts).await;
    let mut disp = ts.device("disp1").await;
    disp.pull(case).await.expect("pull");
    disp.append(
        case,
        EventKind::Dispatch {
            department: ts.departments["water"],
            limit: None,
            basis: None,
        },
    );
    disp.push(case).await.expect("dispatch");

    let mut water = ts.device("dept_water").await;
    water.pull(case).await.expect("pull");
    water.append(
        case,
        EventKind::Feedback {
            result: "已修复".into(),
            photos: vec![],
        },
    );
    let r = water.push(case).await.expect("feedback");
    assert_eq!(outcome(&r.docs[0]), "accepted");
    let detail = water
        .get_json(&format!("/v1/cases/{case}"))
        .await
        .expect("detail");
    assert_eq!(detail["row"]["status"], "feedback_received");
    assert_eq!(detail["row"]["conflicts"], 0);

    // Another department and an inspector of another cell can neither read nor write it.
    let mut city = ts.device("dept_city").await;
    let r = city.pull(case).await.expect("sync");
    assert_eq!(outcome(&r.docs[0]), "out_of_scope");
    let mut b = ts.device("insp_b").await;
    b.docs
        .insert(case, water.docs.get_mut(&case).expect("doc").fork());
    b.append(
        case,
        EventKind::Comment {
            text: "路过".into(),
        },
    );
    let r = b.push(case).await.expect("sync");
    assert_eq!(outcome(&r.docs[0]), "out_of_scope");
    let err = city
        .get_json(&format!("/v1/cases/{case}"))
        .await
        .expect_err("not visible");
    assert_eq!(err.error.code, "not_found");
}

/// `GET /v1/feed?wait=N` (issue 15 item 2, alerts): with nothing new the request is held and
/// answered as soon as a change in the caller's scope commits; a change outside its scope (another
/// inspector's cell, another tenant) does not answer it; with nothing at all it answers the empty
/// page when the wait is over. Prints the commit → answer latency (docs/performance.md).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_long_poll_answers_when_a_change_in_scope_commits() {
    let ts = TestServer::start().await;
    let mut a = ts.device("insp_a").await;
    let mut b = ts.device("insp_b").await;
    let mut x = ts.device("insp_x").await;
    let (start, _) = a.feed(0).await.expect("feed");
    let poll = long_poll(&ts.url(), &a, start.cursor, 20);
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    // Outside the inspector's scope: another cell, another tenant.
    let other_cell = b.report(CELL_B);
    b.push(other_cell).await.expect("push b");
    let other_tenant = x.report(CELL_OTHER);
    x.push(other_tenant).await.expect("push x");
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    assert!(
        !poll.is_finished(),
        "changes outside the scope do not answer"
    );
    // In scope.
    let mine = a.report(CELL_A);
    let pushed = std::time::Instant::now();
    a.push(mine).await.expect("push a");
    let (page, answered) = tokio::time::timeout(std::time::Duration::from_secs(15), poll)
        .await
        .expect("answered before the wait ran out")
        .expect("join");
    assert_eq!(page.entries.len(), 1, "{page:?}");
    assert_eq!(page.entries[0].case_id, mine);
    eprintln!(
        "long poll: push sent → poll answered in {} ms (includes the push's own round trip)",
        answered.duration_since(pushed).as_millis()
    );

    // Nothing new: the empty page after the wait (1 s here), the cursor unchanged.
    let started = std::time::Instant::now();
    let resp = reqwest::Client::new()
        .get(format!(
            "{}/v1/feed?cursor={}&wait=1",
            ts.url(),
            page.cursor
        ))
        .bearer_auth(&a.login.token)
        .send()
        .await
        .expect("send");
    let idle: gridcase_core::protocol::FeedPage = resp.json().await.expect("json");
    assert!(idle.entries.is_empty());
    assert_eq!(idle.cursor, page.cursor);
    assert!(
        started.elapsed() >= std::time::Duration::from_millis(900),
        "it waited"
    );
}
