//! The blob store (issue 14): photos and basemap packages in the local data directory and in a
//! real S3-compatible server (s3s-fs, started by `scripts/s3.sh`; its address comes from
//! `GRIDCASE_TEST_S3_*`). Each scenario runs on both backends. Without the S3 server the S3
//! variants fail, unless `GRIDCASE_TEST_S3=off` is set explicitly.
//!
//! Proven here: uploads resume across a server restart and across two server instances sharing
//! one database and one store (partial state is not in a process); a wrong hash is refused and
//! the upload discarded; another tenant's device never sees a blob; downloads stream with
//! `ETag`, `Range` 206 and 416; an unreachable store is `object_store_unavailable` (503, a
//! retry), and its secret key appears in no reply.

use crate::support::*;
use gridcase_core::model::{CaseId, PhotoRef, PhotoRole, Sha256, Timestamp};
use gridcase_core::workflow::EventKind;
use gridcase_server::{Config, ObjectStoreBackend, ObjectStoreConfig, RunningServer};
use rand::Rng;
use std::path::Path;

/// Which store a scenario runs on.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Store {
    Local,
    S3,
}

/// The S3 settings of the test server (a fresh key prefix per test, the secret in a file),
/// `None` only when `GRIDCASE_TEST_S3=off` says to skip.
pub(crate) fn s3_settings(secret_dir: &Path) -> Option<ObjectStoreConfig> {
    let var = |k: &str| std::env::var(k).ok().filter(|v| !v.trim().is_empty());
    let Some(endpoint) = var("GRIDCASE_TEST_S3_ENDPOINT") else {
        if var("GRIDCASE_TEST_S3").as_deref() == Some("off") {
            eprintln!("S3 variant skipped: GRIDCASE_TEST_S3=off");
            return None;
        }
        panic!(
            "GRIDCASE_TEST_S3_ENDPOINT is not set: start the test S3 server with \
             `eval \"$(scripts/s3.sh start)\"` (or set GRIDCASE_TEST_S3=off to skip the S3 \
             variants explicitly)"
        );
    };
    let need = |k: &str| var(k).unwrap_or_else(|| panic!("{k} is not set (scripts/s3.sh start)"));
    let secret = secret_dir.join("s3-secret");
    std::fs::write(&secret, need("GRIDCASE_TEST_S3_SECRET_ACCESS_KEY")).expect("secret file");
    Some(ObjectStoreConfig {
        backend: ObjectStoreBackend::S3,
        endpoint: Some(endpoint),
        bucket: Some(need("GRIDCASE_TEST_S3_BUCKET")),
        region: var("GRIDCASE_TEST_S3_REGION"),
        prefix: Some(format!("t{:08x}", rand::rng().random::<u32>())),
        access_key_id: Some(need("GRIDCASE_TEST_S3_ACCESS_KEY_ID")),
        secret_access_key_file: Some(secret),
        request_timeout_secs: None,
    })
}

/// A test server on `store` (with the directory holding the S3 secret), `None` when skipped.
async fn start(store: Store) -> Option<(TestServer, tempfile::TempDir)> {
    let secrets = tempfile::tempdir().expect("tempdir");
    let settings = match store {
        Store::Local => ObjectStoreConfig::default(),
        Store::S3 => s3_settings(secrets.path())?,
    };
    let ts = TestServer::start_with(|c| c.object_store = settings).await;
    Some((ts, secrets))
}

/// Another instance of the same deployment: the same database and store, its own process
/// state (no upload state is shared through memory).
async fn second_instance(ts: &TestServer) -> RunningServer {
    let mut config: Config = ts.server.deployment().config().clone();
    config.listen = "127.0.0.1:0".parse().expect("addr");
    gridcase_server::spawn(config)
        .await
        .expect("second instance")
}

/// A real JPEG of `w`×`h` noise (incompressible: about 2 bytes a pixel at quality 95).
fn jpeg(w: u16, h: u16, seed: u64) -> Vec<u8> {
    let mut state = seed | 1;
    let pixels: Vec<u8> = (0..usize::from(w) * usize::from(h) * 3)
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            (state >> 24) as u8
        })
        .collect();
    let mut out = Vec::new();
    jpeg_encoder::Encoder::new(&mut out, 95)
        .encode(&pixels, w, h, jpeg_encoder::ColorType::Rgb)
        .expect("encode");
    assert_eq!(&out[..3], &[0xFF, 0xD8, 0xFF]);
    out
}

async fn put(
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

async fn head(d: &Device, sha: &str) -> reqwest::Response {
    d.client
        .head(format!("{}/v1/blobs/{sha}", d.base))
        .bearer_auth(&d.login.token)
        .send()
        .await
        .expect("send")
}

async fn get(d: &Device, sha: &str, range: Option<&str>) -> reqwest::Response {
    let mut req = d
        .client
        .get(format!("{}/v1/blobs/{sha}", d.base))
        .bearer_auth(&d.login.token);
    if let Some(r) = range {
        req = req.header("Range", r);
    }
    req.send().await.expect("send")
}

fn header(r: &reqwest::Response, name: &str) -> Option<String> {
    r.headers()
        .get(name)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned)
}

async fn code(r: reqwest::Response) -> String {
    let body: gridcase_core::protocol::ApiError = r.json().await.expect("json");
    body.code
}

/// A case of `a` in cell A whose photo entry names `sha` (a blob exists for a device only once
/// a case in its scope references it).
async fn case_with_photo(a: &mut Device, sha: &str, size: usize) -> CaseId {
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

/// Files under the data directory's blob and upload folders.
fn local_files(ts: &TestServer) -> usize {
    fn count(p: &Path) -> usize {
        std::fs::read_dir(p).map_or(0, |entries| {
            entries
                .flatten()
                .map(|e| {
                    let p = e.path();
                    if p.is_dir() { count(&p) } else { 1 }
                })
                .sum()
        })
    }
    let data = ts.dir.path().join("data");
    count(&data.join("blobs")) + count(&data.join("uploads"))
}

/// Keys left under `uploads/` in the deployment's store.
async fn staged(ts: &TestServer) -> Vec<String> {
    ts.server
        .deployment()
        .blob_store()
        .list("uploads")
        .await
        .expect("list")
}

async fn chunks_through_two_instances(store: Store) {
    let Some((ts, _secrets)) = start(store).await else {
        return;
    };
    let other = second_instance(&ts).await;
    let mut a = ts.device("insp_a").await;
    // Over 5 MiB: more than one staged segment, more than one part of the composed object.
    let photo = jpeg(2400, 1800, 7);
    assert!(photo.len() > 5 * 1024 * 1024, "{}", photo.len());
    let sha = Sha256::digest(&photo).to_hex();
    let len = photo.len();
    case_with_photo(&mut a, &sha, len).await;

    // Chunk 1 through instance A.
    let cut1 = len / 3;
    let r = put(&a, &sha, 0, len, &photo[..cut1]).await;
    assert_eq!(r.status().as_u16(), 200);
    assert_eq!(header(&r, "upload-offset"), Some(cut1.to_string()));

    // Instance B knows where the upload stands, refuses a wrong offset, takes chunk 2.
    let first = a.base.clone();
    a.base = other.url();
    let h = head(&a, &sha).await;
    assert_eq!(h.status().as_u16(), 200);
    assert_eq!(header(&h, "upload-offset"), Some(cut1.to_string()));
    let r = put(&a, &sha, 0, len, &photo[..10]).await;
    assert_eq!(r.status().as_u16(), 409);
    assert_eq!(header(&r, "upload-offset"), Some(cut1.to_string()));
    let cut2 = 2 * len / 3;
    let r = put(&a, &sha, cut1, len, &photo[cut1..cut2]).await;
    assert_eq!(r.status().as_u16(), 200);
    assert_eq!(header(&r, "upload-offset"), Some(cut2.to_string()));

    // Back on A: A's own view follows B's write, and the last chunk completes the blob.
    a.base = first;
    let h = head(&a, &sha).await;
    assert_eq!(header(&h, "upload-offset"), Some(cut2.to_string()));
    let r = put(&a, &sha, cut2, len, &photo[cut2..]).await;
    assert_eq!(r.status().as_u16(), 200);
    assert_eq!(header(&r, "upload-complete").as_deref(), Some("1"));
    assert!(staged(&ts).await.is_empty(), "staged segments are deleted");

    // Both instances serve the verified bytes.
    for base in [ts.url(), other.url()] {
        a.base = base;
        let got = get(&a, &sha, None).await;
        assert_eq!(got.status().as_u16(), 200);
        assert_eq!(header(&got, "etag"), Some(format!("\"{sha}\"")));
        assert_eq!(got.bytes().await.expect("bytes").as_ref(), photo.as_slice());
    }
    let in_data_dir = local_files(&ts);
    match store {
        Store::Local => assert_eq!(in_data_dir, 1, "the blob is a file of the data directory"),
        Store::S3 => assert_eq!(in_data_dir, 0, "with S3 nothing is kept on the instance"),
    }
    other.shutdown().await.expect("shutdown");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn chunks_of_one_upload_through_two_instances_local() {
    chunks_through_two_instances(Store::Local).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn chunks_of_one_upload_through_two_instances_s3() {
    chunks_through_two_instances(Store::S3).await;
}

async fn resume_across_restart_and_serve(store: Store) {
    let Some((ts, _secrets)) = start(store).await else {
        return;
    };
    let mut a = ts.device("insp_a").await;
    let photo = jpeg(640, 480, 11);
    let sha = Sha256::digest(&photo).to_hex();
    let len = photo.len();
    case_with_photo(&mut a, &sha, len).await;
    let cut = len / 2;
    assert_eq!(
        put(&a, &sha, 0, len, &photo[..cut]).await.status().as_u16(),
        200
    );

    // The instance goes away; a new one over the same database and store resumes the upload.
    let config = ts.server.deployment().config().clone();
    let TestServer {
        server,
        dir,
        departments,
        database_url,
    } = ts;
    server.shutdown().await.expect("shutdown");
    let mut config = config;
    config.listen = "127.0.0.1:0".parse().expect("addr");
    let server = gridcase_server::spawn(config).await.expect("restart");
    let ts = TestServer {
        server,
        dir,
        departments,
        database_url,
    };
    a.base = ts.url();
    let h = head(&a, &sha).await;
    assert_eq!(header(&h, "upload-offset"), Some(cut.to_string()));
    assert_eq!(header(&h, "upload-complete"), None);
    let r = put(&a, &sha, cut, len, &photo[cut..]).await;
    assert_eq!(r.status().as_u16(), 200);
    assert_eq!(header(&r, "upload-complete").as_deref(), Some("1"));

    // Streamed downloads: whole with Content-Length and ETag, ranges 206, past the end 416.
    let got = get(&a, &sha, None).await;
    assert_eq!(header(&got, "content-length"), Some(len.to_string()));
    assert_eq!(header(&got, "etag"), Some(format!("\"{sha}\"")));
    assert_eq!(got.bytes().await.expect("bytes").as_ref(), photo.as_slice());
    let part = get(&a, &sha, Some("bytes=1000-1999")).await;
    assert_eq!(part.status().as_u16(), 206);
    assert_eq!(
        header(&part, "content-range"),
        Some(format!("bytes 1000-1999/{len}"))
    );
    assert_eq!(header(&part, "content-length").as_deref(), Some("1000"));
    assert_eq!(
        part.bytes().await.expect("bytes").as_ref(),
        &photo[1000..2000]
    );
    let tail = get(&a, &sha, Some(&format!("bytes={}-", len - 10))).await;
    assert_eq!(tail.status().as_u16(), 206);
    assert_eq!(
        tail.bytes().await.expect("bytes").as_ref(),
        &photo[len - 10..]
    );
    let past = get(&a, &sha, Some(&format!("bytes={len}-"))).await;
    assert_eq!(past.status().as_u16(), 416);
    assert_eq!(
        header(&past, "content-range"),
        Some(format!("bytes */{len}"))
    );

    // Another tenant's device (and a device out of the case's scope) sees nothing.
    for who in ["insp_x", "insp_b"] {
        let x = ts.device(who).await;
        assert_eq!(get(&x, &sha, None).await.status().as_u16(), 404, "{who}");
        assert_eq!(head(&x, &sha).await.status().as_u16(), 404, "{who}");
        assert_eq!(
            put(&x, &sha, 0, len, &photo).await.status().as_u16(),
            404,
            "{who}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn uploads_resume_across_a_restart_and_downloads_stream_ranges_local() {
    resume_across_restart_and_serve(Store::Local).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn uploads_resume_across_a_restart_and_downloads_stream_ranges_s3() {
    resume_across_restart_and_serve(Store::S3).await;
}

async fn wrong_hash_is_discarded(store: Store) {
    let Some((ts, _secrets)) = start(store).await else {
        return;
    };
    let mut a = ts.device("insp_a").await;
    let photo = jpeg(320, 240, 3);
    let claimed = Sha256::digest(&jpeg(320, 240, 4)).to_hex();
    case_with_photo(&mut a, &claimed, photo.len()).await;
    let r = put(&a, &claimed, 0, photo.len(), &photo[..1000]).await;
    assert_eq!(r.status().as_u16(), 200);
    assert!(!staged(&ts).await.is_empty(), "the first chunk is staged");
    let r = put(&a, &claimed, 1000, photo.len(), &photo[1000..]).await;
    assert_eq!(r.status().as_u16(), 422);
    assert_eq!(code(r).await, "hash_mismatch");
    assert_eq!(head(&a, &claimed).await.status().as_u16(), 404);
    assert!(staged(&ts).await.is_empty(), "the upload is discarded");
    assert_eq!(get(&a, &claimed, None).await.status().as_u16(), 404);
    let key = format!("blobs/{TENANT}/{}/{}", &claimed[..2], &claimed[2..]);
    let size = ts.server.deployment().blob_store().size(&key).await;
    assert_eq!(size.expect("head"), None, "nothing unverified is visible");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_wrong_hash_discards_the_upload_local() {
    wrong_hash_is_discarded(Store::Local).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_wrong_hash_discards_the_upload_s3() {
    wrong_hash_is_discarded(Store::S3).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unreachable_object_store_is_a_retryable_error_and_leaks_no_secret() {
    let secrets = tempfile::tempdir().expect("tempdir");
    let closed = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = closed.local_addr().expect("addr").port();
    drop(closed);
    let secret = "s3-secret-that-must-never-show-0123456789";
    std::fs::write(secrets.path().join("secret"), secret).expect("write");
    let ts = TestServer::start_with(|c| {
        c.object_store = ObjectStoreConfig {
            backend: ObjectStoreBackend::S3,
            endpoint: Some(format!("http://127.0.0.1:{port}")),
            bucket: Some("photos".into()),
            access_key_id: Some("GCTESTKEY".into()),
            secret_access_key_file: Some(secrets.path().join("secret")),
            request_timeout_secs: Some(2),
            ..ObjectStoreConfig::default()
        };
    })
    .await;
    assert!(
        !format!("{:?}", ts.server.deployment()).contains(secret),
        "the deployment's Debug shows no secret"
    );
    let mut a = ts.device("insp_a").await;
    let photo = jpeg(320, 240, 5);
    let sha = Sha256::digest(&photo).to_hex();
    case_with_photo(&mut a, &sha, photo.len()).await;
    let r = put(&a, &sha, 0, photo.len(), &photo).await;
    assert_eq!(r.status().as_u16(), 503);
    let body: gridcase_core::protocol::ApiError = r.json().await.expect("json");
    assert_eq!(body.code, "object_store_unavailable");
    assert!(body.message.contains("对象存储"), "{}", body.message);
    assert!(!body.message.contains(secret) && !body.message.contains("127.0.0.1"));
    // Nothing was accepted: the device keeps its photo and sends it again from offset 0.
    let h = head(&a, &sha).await;
    assert_eq!(header(&h, "upload-offset").as_deref(), Some("0"));
    assert_eq!(header(&h, "upload-complete"), None);
    // The device's sync engine treats the code as "retry later".
    assert_eq!(
        gridcase_core::protocol::ErrorCode::ObjectStoreUnavailable.http_status(),
        503
    );
}

async fn basemap_package_in_the_store(store: Store) {
    use gridcase_core::demo::{DEFAULT_SEED, DemoTenant};
    let Some((ts, _secrets)) = start(store).await else {
        return;
    };
    let demo = DemoTenant::generate(DEFAULT_SEED);
    let files = tempfile::tempdir().expect("dir");
    for (name, text) in demo.files() {
        if ["cells.geojson", "roads.geojson"].contains(&name) {
            std::fs::write(files.path().join(name), text).expect("write");
        }
    }
    let dep = ts.server.deployment().clone();
    let path = files.path().to_owned();
    let report = tokio::task::spawn_blocking(move || {
        gridcase_server::biz::import::import_dir(&dep, TENANT, &path, None)
    })
    .await
    .expect("join")
    .expect("import");
    let version = report.basemap_version.expect("package");
    let key = format!("basemaps/{TENANT}/{version}.mbtiles");
    let size = ts
        .server
        .deployment()
        .blob_store()
        .size(&key)
        .await
        .expect("head")
        .expect("the package is in the store");
    let on_disk = ts
        .dir
        .path()
        .join("data/basemaps")
        .join(TENANT)
        .join(format!("{version}.mbtiles"));
    assert_eq!(on_disk.is_file(), store == Store::Local);

    let insp = ts.device("insp_a").await;
    let url = format!("{}/v1/basemap/{version}", insp.base);
    let fetch = |range: Option<String>| {
        let mut req = insp.client.get(&url).bearer_auth(&insp.login.token);
        if let Some(r) = range {
            req = req.header("range", r);
        }
        req.send()
    };
    let whole = fetch(None).await.expect("send");
    assert_eq!(whole.status().as_u16(), 200);
    assert_eq!(header(&whole, "etag"), Some(format!("\"{version}\"")));
    let bytes = whole.bytes().await.expect("body");
    assert_eq!(bytes.len() as u64, size);
    {
        use sha2::Digest;
        assert_eq!(hex::encode(sha2::Sha256::digest(&bytes)), version);
    }
    let part = fetch(Some("bytes=100-".into())).await.expect("send");
    assert_eq!(part.status().as_u16(), 206);
    assert_eq!(part.bytes().await.expect("body"), bytes.slice(100..));
    let past = fetch(Some(format!("bytes={size}-"))).await.expect("send");
    assert_eq!(past.status().as_u16(), 416);
    // Another tenant's device does not get it.
    let x = ts.device("insp_x").await;
    let denied = x
        .client
        .get(format!("{}/v1/basemap/{version}", x.base))
        .bearer_auth(&x.login.token)
        .send()
        .await
        .expect("send");
    assert_eq!(denied.status().as_u16(), 404);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_basemap_package_is_stored_and_served_in_ranges_local() {
    basemap_package_in_the_store(Store::Local).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_basemap_package_is_stored_and_served_in_ranges_s3() {
    basemap_package_in_the_store(Store::S3).await;
}

async fn racing_chunks_on_two_instances(store: Store) {
    let Some((ts, _secrets)) = start(store).await else {
        return;
    };
    let other = second_instance(&ts).await;
    let mut a = ts.device("insp_a").await;
    let photo = jpeg(800, 600, 21);
    let sha = Sha256::digest(&photo).to_hex();
    let len = photo.len();
    case_with_photo(&mut a, &sha, len).await;
    let cut = len / 2;
    // The same chunk sent at once through both instances (a client retrying on the other
    // instance while the first request is still running): it is recorded once.
    let on_b = |d: &Device| {
        d.client
            .put(format!("{}/v1/blobs/{sha}", other.url()))
            .bearer_auth(&d.login.token)
            .header("upload-offset", "0")
            .header("upload-length", len.to_string())
            .body(photo[..cut].to_vec())
            .send()
    };
    let (ra, rb) = tokio::join!(put(&a, &sha, 0, len, &photo[..cut]), on_b(&a));
    let rb = rb.expect("send");
    let statuses = [ra.status().as_u16(), rb.status().as_u16()];
    assert!(statuses.contains(&200), "{statuses:?}");
    assert!(
        statuses.iter().all(|s| *s == 200 || *s == 409),
        "{statuses:?}"
    );
    let h = head(&a, &sha).await;
    assert_eq!(
        header(&h, "upload-offset"),
        Some(cut.to_string()),
        "not twice"
    );
    let r = put(&a, &sha, cut, len, &photo[cut..]).await;
    assert_eq!(r.status().as_u16(), 200);
    assert_eq!(header(&r, "upload-complete").as_deref(), Some("1"));
    a.base = other.url();
    let got = get(&a, &sha, None).await;
    assert_eq!(got.bytes().await.expect("bytes").as_ref(), photo.as_slice());
    assert!(
        staged(&ts).await.is_empty(),
        "the loser's segment is deleted"
    );
    other.shutdown().await.expect("shutdown");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_same_chunk_through_two_instances_at_once_is_recorded_once_local() {
    racing_chunks_on_two_instances(Store::Local).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_same_chunk_through_two_instances_at_once_is_recorded_once_s3() {
    racing_chunks_on_two_instances(Store::S3).await;
}
