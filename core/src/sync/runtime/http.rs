//! The HTTP side of the runtime: protocol v1 requests with reqwest, each mapped to the engine's
//! [`Failure`] vocabulary (`network`, `timeout`, `bad_response`, the server's `{code, message}`),
//! with request and byte counters.

use crate::model::{ClockSample, Sha256};
use crate::protocol::{
    ApiError, FeedPage, Hello, HelloReply, Login, LoginReply, PREFIX, SERVER_TIME_HEADER, SignPush,
    SurveyMarksAck, SurveyMarksPush, SurveyTaskWire, SyncRequest, SyncResponse, TrackBlockAck,
    TrackBlockPush, UPLOAD_LENGTH_HEADER, UPLOAD_OFFSET_HEADER,
};
use crate::sync::engine::{BlobOffset, Failure};
use reqwest::{Client, RequestBuilder, Response, StatusCode};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// Set (to `1`) on blob replies when the server holds the whole blob, verified.
pub const UPLOAD_COMPLETE_HEADER: &str = "upload-complete";

/// Samples kept between two reads by the runtime (older ones are dropped).
const MAX_PENDING_SAMPLES: usize = 16;

/// What a client has sent and received (bodies only; headers are not counted).
#[derive(Debug, Default)]
pub struct Counters {
    requests: AtomicU64,
    body_bytes_sent: AtomicU64,
    body_bytes_received: AtomicU64,
    blob_bytes_sent: AtomicU64,
}

/// A copy of [`Counters`].
#[derive(Clone, Copy, PartialEq, Eq, Debug, Default)]
pub struct CounterSnapshot {
    /// Requests made (including failed ones).
    pub requests: u64,
    /// Request body bytes handed to the connection.
    pub body_bytes_sent: u64,
    /// Response body bytes received.
    pub body_bytes_received: u64,
    /// Blob bytes in `PUT` bodies (a subset of `body_bytes_sent`).
    pub blob_bytes_sent: u64,
}

impl Counters {
    /// The current values.
    pub fn snapshot(&self) -> CounterSnapshot {
        CounterSnapshot {
            requests: self.requests.load(Ordering::Relaxed),
            body_bytes_sent: self.body_bytes_sent.load(Ordering::Relaxed),
            body_bytes_received: self.body_bytes_received.load(Ordering::Relaxed),
            blob_bytes_sent: self.blob_bytes_sent.load(Ordering::Relaxed),
        }
    }

    fn add(counter: &AtomicU64, n: usize) {
        counter.fetch_add(n as u64, Ordering::Relaxed);
    }
}

/// A protocol v1 HTTP client for one server.
#[derive(Clone, Debug)]
pub(crate) struct Http {
    client: Client,
    base: String,
    token: Option<String>,
    pub(crate) counters: Arc<Counters>,
    clock: super::LocalClock,
    samples: Arc<Mutex<Vec<ClockSample>>>,
}

fn transport(e: reqwest::Error) -> Failure {
    if e.is_timeout() {
        Failure::new("timeout", e.to_string())
    } else if e.is_decode() {
        Failure::new("bad_response", e.to_string())
    } else {
        // The source chain says what happened (reset, refused, cut).
        let mut message = e.to_string();
        let mut source = std::error::Error::source(&e);
        while let Some(s) = source {
            message.push_str(": ");
            message.push_str(&s.to_string());
            source = s.source();
        }
        Failure::network(message)
    }
}

fn header_u64(response: &Response, name: &str) -> Option<u64> {
    response
        .headers()
        .get(name)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse().ok())
}

impl Http {
    pub(crate) fn new(
        base: &str,
        connect_timeout: Duration,
        request_timeout: Duration,
        clock: super::LocalClock,
    ) -> Result<Http, Failure> {
        let client = Client::builder()
            .connect_timeout(connect_timeout)
            .timeout(request_timeout)
            .pool_idle_timeout(Duration::from_secs(30))
            .user_agent(concat!("gridcase-core/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| Failure::new("bad_request", e.to_string()))?;
        Ok(Http {
            client,
            base: base.trim_end_matches('/').to_owned(),
            token: None,
            counters: Arc::new(Counters::default()),
            clock,
            samples: Arc::new(Mutex::new(Vec::new())),
        })
    }

    /// Replaces the device clock the samples are read from.
    pub(crate) fn set_clock(&mut self, clock: super::LocalClock) {
        self.clock = clock;
    }

    /// The clock samples of the answers since the last call, oldest first.
    pub(crate) fn take_samples(&self) -> Vec<ClockSample> {
        std::mem::take(
            &mut *self
                .samples
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner),
        )
    }

    /// Sends `builder` and keeps a clock sample of the answer (its `x-gridcase-time`).
    async fn exchange(&self, builder: RequestBuilder) -> Result<Response, Failure> {
        let sent_ms = self.clock.now_ms();
        let response = self.authed(builder).send().await.map_err(transport)?;
        let received_ms = self.clock.now_ms();
        let server_ms = response
            .headers()
            .get(SERVER_TIME_HEADER)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.trim().parse::<i64>().ok());
        if let Some(server_ms) = server_ms {
            let mut samples = self
                .samples
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            if samples.len() >= MAX_PENDING_SAMPLES {
                samples.remove(0);
            }
            samples.push(ClockSample {
                sent_ms,
                received_ms,
                server_ms,
            });
        }
        Ok(response)
    }

    pub(crate) fn set_token(&mut self, token: String) {
        self.token = Some(token);
    }

    fn url(&self, path: &str) -> String {
        format!("{}{PREFIX}{path}", self.base)
    }

    fn authed(&self, builder: RequestBuilder) -> RequestBuilder {
        match &self.token {
            Some(token) => builder.bearer_auth(token),
            None => builder,
        }
    }

    /// Sends a request; a non-2xx answer becomes the server's `{code, message}` (or
    /// `http_<status>` without one).
    async fn send(&self, builder: RequestBuilder, body_len: usize) -> Result<Response, Failure> {
        Counters::add(&self.counters.requests, 1);
        Counters::add(&self.counters.body_bytes_sent, body_len);
        let response = self.exchange(builder).await?;
        if response.status().is_success() {
            return Ok(response);
        }
        let status = response.status();
        let bytes = response.bytes().await.map_err(transport)?;
        Counters::add(&self.counters.body_bytes_received, bytes.len());
        Err(match serde_json::from_slice::<ApiError>(&bytes) {
            Ok(e) => Failure::new(e.code, e.message),
            Err(_) => Failure::new(
                format!("http_{}", status.as_u16()),
                String::from_utf8_lossy(&bytes)
                    .chars()
                    .take(200)
                    .collect::<String>(),
            ),
        })
    }

    async fn body(&self, response: Response) -> Result<Vec<u8>, Failure> {
        let bytes = response.bytes().await.map_err(transport)?;
        Counters::add(&self.counters.body_bytes_received, bytes.len());
        Ok(bytes.to_vec())
    }

    async fn json<T: serde::de::DeserializeOwned>(&self, response: Response) -> Result<T, Failure> {
        let bytes = self.body(response).await?;
        serde_json::from_slice(&bytes).map_err(|e| Failure::new("bad_response", e.to_string()))
    }

    async fn post_json<B: serde::Serialize, T: serde::de::DeserializeOwned>(
        &self,
        path: &str,
        body: &B,
    ) -> Result<T, Failure> {
        let bytes =
            serde_json::to_vec(body).map_err(|e| Failure::new("bad_request", e.to_string()))?;
        let len = bytes.len();
        let builder = self
            .client
            .post(self.url(path))
            .header(reqwest::header::CONTENT_TYPE, "application/json")
            .body(bytes);
        let response = self.send(builder, len).await?;
        self.json(response).await
    }

    pub(crate) async fn hello(&self, hello: &Hello) -> Result<HelloReply, Failure> {
        self.post_json("/hello", hello).await
    }

    pub(crate) async fn login(&self, login: &Login) -> Result<LoginReply, Failure> {
        self.post_json("/login", login).await
    }

    /// `POST /v1/patrol/tracks`: one block of the day record.
    pub(crate) async fn push_track(&self, push: &TrackBlockPush) -> Result<TrackBlockAck, Failure> {
        self.post_json("/patrol/tracks", push).await
    }

    /// `POST /v1/patrol/signs`: one 签到/签退 (any 2xx is the acknowledgement).
    pub(crate) async fn push_sign(&self, push: &SignPush) -> Result<(), Failure> {
        let bytes =
            serde_json::to_vec(push).map_err(|e| Failure::new("bad_request", e.to_string()))?;
        let len = bytes.len();
        let builder = self
            .client
            .post(self.url("/patrol/signs"))
            .header(reqwest::header::CONTENT_TYPE, "application/json")
            .body(bytes);
        let response = self.send(builder, len).await?;
        self.body(response).await?;
        Ok(())
    }

    /// `POST /v1/surveys/{id}/marks`.
    pub(crate) async fn push_marks(
        &self,
        survey: &str,
        push: &SurveyMarksPush,
    ) -> Result<SurveyMarksAck, Failure> {
        self.post_json(&format!("/surveys/{survey}/marks"), push)
            .await
    }

    /// `GET /v1/surveys`: the tasks the caller may see.
    pub(crate) async fn surveys(&self) -> Result<Vec<SurveyTaskWire>, Failure> {
        let response = self.send(self.client.get(self.url("/surveys")), 0).await?;
        let list: crate::protocol::SurveyList = self.json(response).await?;
        Ok(list.surveys)
    }

    pub(crate) async fn feed(&self, cursor: u64, limit: u32) -> Result<FeedPage, Failure> {
        let builder = self
            .client
            .get(self.url("/feed"))
            .query(&[("cursor", cursor), ("limit", u64::from(limit))]);
        let response = self.send(builder, 0).await?;
        self.json(response).await
    }

    /// Long polling (`GET /v1/feed?wait=`): answers as soon as the caller's feed moves past
    /// `cursor`, or with an empty page after `wait`.
    pub(crate) async fn feed_wait(&self, cursor: u64, wait: Duration) -> Result<FeedPage, Failure> {
        let builder = self.client.get(self.url("/feed")).query(&[
            ("cursor", cursor),
            ("limit", 1),
            ("wait", wait.as_secs()),
        ]);
        let response = self.send(builder, 0).await?;
        self.json(response).await
    }

    pub(crate) async fn sync(&self, request: &SyncRequest) -> Result<SyncResponse, Failure> {
        let mut body = Vec::new();
        ciborium::into_writer(request, &mut body)
            .map_err(|e| Failure::new("bad_request", e.to_string()))?;
        let len = body.len();
        let builder = self
            .client
            .post(self.url("/sync"))
            .header(reqwest::header::CONTENT_TYPE, "application/cbor")
            .body(body);
        let response = self.send(builder, len).await?;
        let bytes = self.body(response).await?;
        SyncResponse::from_cbor(&bytes).map_err(|e| Failure::new("bad_response", e.to_string()))
    }

    /// `HEAD /v1/blobs/{sha}`: where the server is (a `404` is offset 0).
    pub(crate) async fn head_blob(&self, sha256: Sha256) -> Result<BlobOffset, Failure> {
        let builder = self.client.head(self.url(&format!("/blobs/{sha256}")));
        Counters::add(&self.counters.requests, 1);
        let response = self.exchange(builder).await?;
        match response.status() {
            StatusCode::NOT_FOUND => Ok(BlobOffset {
                offset: 0,
                complete: false,
            }),
            s if s.is_success() => Ok(Self::offset_of(&response)),
            s => {
                // A HEAD answer has no body: the status is all there is.
                let code = match s.as_u16() {
                    400 => "invalid_id",
                    401 => "unauthorized",
                    403 => "forbidden",
                    _ => "",
                };
                Err(if code.is_empty() {
                    Failure::new(format!("http_{}", s.as_u16()), "")
                } else {
                    Failure::new(code, format!("HTTP {}", s.as_u16()))
                })
            }
        }
    }

    fn offset_of(response: &Response) -> BlobOffset {
        let complete = response
            .headers()
            .get(UPLOAD_COMPLETE_HEADER)
            .is_some_and(|v| v.as_bytes() == b"1");
        BlobOffset {
            offset: header_u64(response, UPLOAD_OFFSET_HEADER).unwrap_or(0),
            complete,
        }
    }

    /// `PUT /v1/blobs/{sha}` of `bytes` at `offset`.
    pub(crate) async fn put_blob(
        &self,
        sha256: Sha256,
        offset: u64,
        total: u64,
        bytes: Vec<u8>,
    ) -> Result<BlobOffset, Failure> {
        let len = bytes.len();
        Counters::add(&self.counters.blob_bytes_sent, len);
        let builder = self
            .client
            .put(self.url(&format!("/blobs/{sha256}")))
            .header(UPLOAD_OFFSET_HEADER, offset)
            .header(UPLOAD_LENGTH_HEADER, total)
            .header(reqwest::header::CONTENT_TYPE, "application/octet-stream")
            .body(bytes);
        let response = self.send(builder, len).await?;
        let answer = Self::offset_of(&response);
        self.body(response).await?;
        Ok(answer)
    }
}
