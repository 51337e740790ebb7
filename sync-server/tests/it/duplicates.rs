//! Duplicate detection for the intake operator and the merge that keeps both reporters.

use crate::support::*;
use gridcase_core::model::CaseId;
use gridcase_core::workflow::{EventKind, MergedReporter, fold};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_nearby_report_is_offered_as_a_duplicate_and_the_merge_keeps_both_reporters() {
    let ts = TestServer::start().await;
    let mut a = ts.device("insp_a").await;
    let mut b = ts.device("insp_b").await;
    let first = a.report(CELL_A);
    a.push(first).await.expect("push");
    // Same place and category, a moment later, from another inspector.
    let second = b.report(CELL_B);
    b.push(second).await.expect("push");

    let mut intake = ts.device("intake").await;
    let dups = intake
        .get_json(&format!("/v1/cases/{second}/duplicates"))
        .await
        .expect("duplicates");
    assert_eq!(dups["case_id"], second.to_string());
    assert_eq!(dups["policy"]["max_distance_m"], 50.0);
    let cands = dups["candidates"].as_array().expect("candidates");
    assert_eq!(cands.len(), 1, "{dups}");
    assert_eq!(cands[0]["case_id"], first.to_string());
    assert_eq!(cands[0]["distance_m"], 0.0);
    assert_eq!(cands[0]["category"], "exact");
    assert!(
        cands[0]["time_apart_ms"].as_i64().is_some_and(|t| t >= 0),
        "the candidate is older"
    );
    assert!(cands[0]["score"].as_f64().is_some_and(|s| s > 0.9));
    assert_eq!(cands[0]["row"]["status"], "reported");
    // Thresholds are query parameters and are validated.
    let none = intake
        .get_json(&format!(
            "/v1/cases/{second}/duplicates?category=same_class&window_hours=0.0001"
        ))
        .await
        .expect("duplicates");
    assert_eq!(
        none["candidates"].as_array().map(Vec::len),
        Some(1),
        "{none}"
    );
    let bad = intake
        .get_json(&format!("/v1/cases/{second}/duplicates?radius_m=-5"))
        .await
        .expect_err("refused");
    assert_eq!((bad.status, bad.error.code.as_str()), (400, "bad_request"));

    // The intake operator merges the second into the first: merge_into on the duplicate and
    // merge_from on the case that absorbs it, in one sync request.
    intake.pull(first).await.expect("pull");
    intake.pull(second).await.expect("pull");
    let dup_state = fold(&intake.docs[&second].events().expect("events"));
    intake.append(second, EventKind::MergeInto { target: first });
    intake.append(
        first,
        EventKind::MergeFrom {
            source: second,
            reporter: MergedReporter {
                actor: dup_state.reported_by.expect("reporter"),
                source: dup_state.report.as_ref().expect("report").source,
                reporter: None,
                external_id: None,
                reported_at: dup_state.reported_at.expect("reported"),
            },
        },
    );
    let pushes = vec![intake.push_of(second), intake.push_of(first)];
    let resp = intake.sync(pushes).await.expect("sync");
    assert!(
        resp.docs.iter().all(|d| outcome(d) == "accepted"),
        "{:?}",
        resp.docs
    );

    let detail = intake
        .get_json(&format!("/v1/cases/{first}"))
        .await
        .expect("detail");
    assert_eq!(detail["row"]["status"], "reported");
    assert_eq!(
        detail["state"]["reported_by"]["user"],
        a.login.user_id.to_string()
    );
    let merged = detail["state"]["merged_from"]
        .as_array()
        .expect("merged_from");
    assert_eq!(merged.len(), 1);
    assert_eq!(merged[0]["case"], second.to_string());
    assert_eq!(
        merged[0]["reporter"]["actor"]["user"],
        b.login.user_id.to_string()
    );
    let detail = intake
        .get_json(&format!("/v1/cases/{second}"))
        .await
        .expect("detail");
    assert_eq!(detail["row"]["status"], "merged");
    assert_eq!(detail["state"]["merged_into"], first.to_string());
    // A merged case is no longer offered.
    let dups = intake
        .get_json(&format!("/v1/cases/{first}/duplicates"))
        .await
        .expect("duplicates");
    assert_eq!(dups["candidates"].as_array().map(Vec::len), Some(0));
    // Both inspectors keep seeing the case that absorbed their reports (b through the merge).
    b.pull(first).await.expect("pull");
    let state = fold(&b.docs[&first].events().expect("events"));
    assert_eq!(state.reporters().len(), 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn duplicates_are_for_the_centre_and_the_own_tenant_only() {
    let ts = TestServer::start().await;
    let mut a = ts.device("insp_a").await;
    let case = a.report(CELL_A);
    a.push(case).await.expect("push");
    let e = a
        .get_json(&format!("/v1/cases/{case}/duplicates"))
        .await
        .expect_err("inspectors may not");
    assert_eq!((e.status, e.error.code.as_str()), (403, "forbidden"));
    let mut x = ts.device("insp_x").await;
    let foreign = x.report(CELL_OTHER);
    x.push(foreign).await.expect("push");
    let intake = ts.device("intake").await;
    let e = intake
        .get_json(&format!("/v1/cases/{foreign}/duplicates"))
        .await
        .expect_err("other tenant");
    assert_eq!((e.status, e.error.code.as_str()), (404, "not_found"));
    let unknown = CaseId::from_parts(1, [9; 10]);
    let e = intake
        .get_json(&format!("/v1/cases/{unknown}/duplicates"))
        .await
        .expect_err("unknown");
    assert_eq!(e.status, 404);
}
