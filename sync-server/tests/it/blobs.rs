//! Resumable, verified blob uploads.

use crate::support::*;
use gridcase_core::model::{CaseId, PhotoRef, PhotoRole, Sha256, Timestamp};
use gridcase_core::workflow::EventKind;

pub(crate) fn photo_bytes(n: usize) -> Vec<u8> {
    (0..n).map(|i| (i * 31 % 251) as u8).collect()
}

pub(crate) async fn put(
    d: &Device,
    sha: &str,
    offset: usize,
    length: usize,
    body: &[u8],
) -> reqwest::Response {
    d.client
        .put(format!("{}/v1/blobs/{sha}", d.base))
        .bearer_auth(&d.login.token)
        .header("upload-offset", offset.to_string())
        .header("upload-length", length.to_string())
        .body(body.to_vec())
        .send()
        .await
        .expect("send")
}

pub(crate) async fn head(d: &Device, sha: &str) -> reqwest::Response {
    d.client
        .head(format!("{}/v1/blobs/{sha}", d.base))
        .bearer_auth(&d.login.token)
        .send()
        .await
        .expect("send")
}

pub(crate) fn header(r: &reqwest::Response, name: &str) -> Option<String> {
    r.headers()
        .get(name)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned)
}

/// A case of `a` in its cell whose second event adds the photo `sha` of `size` bytes, both
/// pushed (a blob exists for a device only once a case in its scope references it).
pub(crate) async fn case_with_photo(a: &mut Device, sha: &str, size: usize) -> CaseId {
    let case = a.report(CELL_A);
    a.push(case).await.expect("push");
    a.append(
        case,
        EventKind::AddPhoto {
            photo: PhotoRef {
                sha256: Sha256::parse(sha).expect("sha"),
                role: PhotoRole::Before,
                taken_at: Some(Timestamp(now_ms())),
                location: None,
                size: size as u64,
            },
        },
    );
    a.push(case).await.expect("push photo ref");
    case
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn uploads_resume_from_the_server_offset_and_are_verified() {
    let ts = TestServer::start().await;
    let mut a = ts.device("insp_a").await;
    let bytes = photo_bytes(200_000);
    let sha = Sha256::digest(&bytes).to_hex();

    // The case referencing it syncs first; its row says the photo is missing.
    let case = case_with_photo(&mut a, &sha, bytes.len()).await;
    let detail = a
        .get_json(&format!("/v1/cases/{case}"))
        .await
        .expect("detail");
    assert_eq!(detail["row"]["blobs_missing"], 1);

    assert_eq!(
        head(&a, &sha).await.status().as_u16(),
        404,
        "nothing received yet"
    );
    let r = put(&a, &sha, 0, bytes.len(), &bytes[..80_000]).await;
    assert_eq!(r.status().as_u16(), 200);
    assert_eq!(header(&r, "upload-offset").as_deref(), Some("80000"));
    let h = head(&a, &sha).await;
    assert_eq!(header(&h, "upload-offset").as_deref(), Some("80000"));
    assert_eq!(header(&h, "upload-complete"), None);

    // A resume from the wrong offset is refused with the server's offset.
    let r = put(&a, &sha, 100_000, bytes.len(), &bytes[100_000..]).await;
    assert_eq!(r.status().as_u16(), 409);
    assert_eq!(header(&r, "upload-offset").as_deref(), Some("80000"));
    let body: gridcase_core::protocol::ApiError = r.json().await.expect("json");
    assert_eq!(body.code, "offset_mismatch");

    let r = put(&a, &sha, 80_000, bytes.len(), &bytes[80_000..]).await;
    assert_eq!(r.status().as_u16(), 200);
    assert_eq!(header(&r, "upload-complete").as_deref(), Some("1"));
    let h = head(&a, &sha).await;
    assert_eq!(header(&h, "upload-offset").as_deref(), Some("200000"));
    assert_eq!(header(&h, "upload-complete").as_deref(), Some("1"));
    // Replaying a PUT of a complete blob is fine.
    assert_eq!(
        put(&a, &sha, 0, bytes.len(), &bytes)
            .await
            .status()
            .as_u16(),
        200
    );

    let detail = a
        .get_json(&format!("/v1/cases/{case}"))
        .await
        .expect("detail");
    assert_eq!(detail["row"]["blobs_missing"], 0);
    let got = a
        .client
        .get(format!("{}/v1/blobs/{sha}", a.base))
        .bearer_auth(&a.login.token)
        .send()
        .await
        .expect("send");
    assert_eq!(got.status().as_u16(), 200);
    assert_eq!(
        got.headers()["etag"].to_str().expect("etag"),
        format!("\"{sha}\"")
    );
    assert_eq!(
        got.headers()["content-length"].to_str().expect("length"),
        bytes.len().to_string()
    );
    assert_eq!(got.bytes().await.expect("bytes").as_ref(), bytes.as_slice());
    // The download streams and resumes: a range gives 206 with exactly those bytes, a range
    // past the end 416.
    let ranged = |range: String| {
        a.client
            .get(format!("{}/v1/blobs/{sha}", a.base))
            .bearer_auth(&a.login.token)
            .header("Range", range)
            .send()
    };
    let part = ranged("bytes=1000-".to_owned()).await.expect("send");
    assert_eq!(part.status().as_u16(), 206);
    assert_eq!(
        part.headers()["content-range"].to_str().expect("range"),
        format!("bytes 1000-{}/{}", bytes.len() - 1, bytes.len())
    );
    assert_eq!(part.bytes().await.expect("bytes").as_ref(), &bytes[1000..]);
    let past = ranged(format!("bytes={}-", bytes.len()))
        .await
        .expect("send");
    assert_eq!(past.status().as_u16(), 416);

    // Someone outside the case's scope cannot download it.
    let b = ts.device("insp_b").await;
    let denied = b
        .client
        .get(format!("{}/v1/blobs/{sha}", b.base))
        .bearer_auth(&b.login.token)
        .send()
        .await
        .expect("send");
    assert_eq!(denied.status().as_u16(), 404);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_wrong_hash_is_refused_and_bad_ids_never_reach_the_disk() {
    let ts = TestServer::start().await;
    let mut a = ts.device("insp_a").await;
    let bytes = photo_bytes(1000);
    let wrong = Sha256::digest(b"something else").to_hex();
    // A blob no case in the caller's scope references does not exist for it (issue 11).
    let r = put(&a, &wrong, 0, bytes.len(), &bytes).await;
    assert_eq!(
        r.status().as_u16(),
        404,
        "an unreferenced blob is out of scope"
    );
    case_with_photo(&mut a, &wrong, bytes.len()).await;
    let r = put(&a, &wrong, 0, bytes.len(), &bytes).await;
    assert_eq!(r.status().as_u16(), 422);
    let body: gridcase_core::protocol::ApiError = r.json().await.expect("json");
    assert_eq!(body.code, "hash_mismatch");
    assert_eq!(
        head(&a, &wrong).await.status().as_u16(),
        404,
        "the partial upload is discarded"
    );

    for bad in ["..%2F..%2Fetc%2Fpasswd", "abc", &"g".repeat(64)] {
        let r = put(&a, bad, 0, 3, b"abc").await;
        assert_eq!(r.status().as_u16(), 400, "{bad}");
        let body: gridcase_core::protocol::ApiError = r.json().await.expect("json");
        assert_eq!(body.code, "invalid_id");
    }
    let too_big = put(&a, &wrong, 0, 64 * 1024 * 1024, b"abc").await;
    assert_eq!(too_big.status().as_u16(), 413);
}
