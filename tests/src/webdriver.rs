//! A small W3C WebDriver client over reqwest, enough to drive the real app through
//! tauri-driver + WebKitWebDriver: sessions, finding elements by `data-testid`, click, typing,
//! file inputs, attributes and text, window size, screenshots, and waiting for a condition.
//! Every wait is bounded (60 s) and fails with what it was waiting for.

use anyhow::{Context, Result, bail};
use base64::Engine;
use serde_json::{Value, json};
use std::time::{Duration, Instant};

/// The W3C element key.
const ELEMENT: &str = "element-6066-11e4-a52e-4f735466cecf";

/// How long a wait lasts before it fails.
pub const WAIT: Duration = Duration::from_secs(60);

/// A WebDriver session.
pub struct Session {
    http: reqwest::Client,
    base: String,
    id: String,
}

impl std::fmt::Debug for Session {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Session").field("id", &self.id).finish()
    }
}

/// An element of the page.
#[derive(Clone, Debug)]
pub struct Element(String);

fn value_of(v: Value) -> Result<Value> {
    if let Some(err) = v["value"].get("error") {
        bail!(
            "webdriver: {} — {}",
            err,
            v["value"]["message"].as_str().unwrap_or("")
        );
    }
    Ok(v["value"].clone())
}

/// `[data-testid="…"]`.
pub fn tid(id: &str) -> String {
    format!("[data-testid=\"{id}\"]")
}

impl Session {
    /// Starts a session on the driver at `base` (e.g. `http://127.0.0.1:4444`).
    pub async fn start(base: &str, capabilities: Value) -> Result<Session> {
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(120))
            .build()?;
        let v: Value = http
            .post(format!("{base}/session"))
            .json(&json!({"capabilities": {"alwaysMatch": capabilities}}))
            .send()
            .await
            .context("webdriver: new session")?
            .json()
            .await?;
        let v = value_of(v).context("webdriver: new session")?;
        let id = v["sessionId"]
            .as_str()
            .context("webdriver: no session id")?
            .to_owned();
        Ok(Session {
            http,
            base: base.to_owned(),
            id,
        })
    }

    async fn call(
        &self,
        method: reqwest::Method,
        path: &str,
        body: Option<Value>,
    ) -> Result<Value> {
        let url = format!("{}/session/{}{path}", self.base, self.id);
        let mut req = self.http.request(method, &url);
        if let Some(b) = body {
            req = req.json(&b);
        }
        let v: Value = req
            .send()
            .await
            .with_context(|| format!("webdriver {path}"))?
            .json()
            .await?;
        value_of(v).with_context(|| format!("webdriver {path}"))
    }

    async fn post(&self, path: &str, body: Value) -> Result<Value> {
        self.call(reqwest::Method::POST, path, Some(body)).await
    }

    async fn get(&self, path: &str) -> Result<Value> {
        self.call(reqwest::Method::GET, path, None).await
    }

    /// Ends the session (the driver closes the app).
    pub async fn end(self) -> Result<()> {
        self.call(reqwest::Method::DELETE, "", None).await?;
        Ok(())
    }

    /// Elements matching a CSS selector now.
    pub async fn find_all(&self, css: &str) -> Result<Vec<Element>> {
        let v = self
            .post("/elements", json!({"using": "css selector", "value": css}))
            .await?;
        Ok(v.as_array()
            .map(|a| {
                a.iter()
                    .filter_map(|e| e[ELEMENT].as_str().map(|s| Element(s.to_owned())))
                    .collect()
            })
            .unwrap_or_default())
    }

    /// Waits for an element matching `css` and returns the first.
    pub async fn wait_for(&self, css: &str) -> Result<Element> {
        let started = Instant::now();
        loop {
            if let Some(e) = self.find_all(css).await?.into_iter().next() {
                return Ok(e);
            }
            if started.elapsed() > WAIT {
                bail!("timed out waiting for {css}");
            }
            tokio::time::sleep(Duration::from_millis(150)).await;
        }
    }

    /// Waits for the element with this test id.
    pub async fn by_id(&self, testid: &str) -> Result<Element> {
        self.wait_for(&tid(testid)).await
    }

    /// Waits until `check` returns `Some`.
    pub async fn until<T, F, Fut>(&self, what: &str, mut check: F) -> Result<T>
    where
        F: FnMut() -> Fut,
        Fut: std::future::Future<Output = Result<Option<T>>>,
    {
        let started = Instant::now();
        loop {
            if let Some(v) = check().await? {
                return Ok(v);
            }
            if started.elapsed() > WAIT {
                bail!("timed out waiting for {what}");
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    }

    /// Clicks the element with this test id.
    pub async fn click(&self, testid: &str) -> Result<()> {
        let e = self.by_id(testid).await?;
        self.click_el(&e).await
    }

    /// Clicks an element through the DOM (`element.click()`): for a table row, which
    /// WebKitWebDriver refuses as "not interactable" although it is shown.
    pub async fn dom_click(&self, e: &Element) -> Result<()> {
        self.script("arguments[0].click();", json!([{ (ELEMENT): e.0 }]))
            .await?;
        Ok(())
    }

    /// Scrolls an element to the middle of its scroll container.
    pub async fn scroll_to(&self, e: &Element) -> Result<()> {
        self.script(
            "arguments[0].scrollIntoView({block: 'center'});",
            json!([{ (ELEMENT): e.0 }]),
        )
        .await?;
        Ok(())
    }

    /// Scrolls the element with this test id to the middle of its scroll container, then clicks
    /// it (WebKitWebDriver answers "element not interactable" for an element below the fold of
    /// a scrolling side bar instead of scrolling to it).
    pub async fn click_scrolled(&self, testid: &str) -> Result<()> {
        let e = self.by_id(testid).await?;
        self.script(
            "arguments[0].scrollIntoView({block: 'center'});",
            json!([{ (ELEMENT): e.0 }]),
        )
        .await?;
        self.click_el(&e).await
    }

    /// Clicks an element.
    pub async fn click_el(&self, e: &Element) -> Result<()> {
        self.post(&format!("/element/{}/click", e.0), json!({}))
            .await?;
        Ok(())
    }

    /// Clears the element with this test id and types `text`.
    pub async fn type_into(&self, testid: &str, text: &str) -> Result<()> {
        let e = self.by_id(testid).await?;
        // WebKitWebDriver does not scroll inside a scrolling dialog before `clear` (a field
        // below a dialog's fold is "not interactable"): bring it into view first.
        self.script(
            "arguments[0].scrollIntoView({block: 'center'});",
            json!([{ (ELEMENT): e.0 }]),
        )
        .await?;
        self.post(&format!("/element/{}/clear", e.0), json!({}))
            .await?;
        self.send_keys(&e, text).await
    }

    /// Types into an element (for a file input: the absolute path).
    pub async fn send_keys(&self, e: &Element, text: &str) -> Result<()> {
        self.post(&format!("/element/{}/value", e.0), json!({"text": text}))
            .await?;
        Ok(())
    }

    /// An attribute of an element.
    pub async fn attr(&self, e: &Element, name: &str) -> Result<Option<String>> {
        let v = self
            .get(&format!("/element/{}/attribute/{name}", e.0))
            .await?;
        Ok(v.as_str().map(str::to_owned))
    }

    /// The visible text of an element.
    pub async fn text(&self, e: &Element) -> Result<String> {
        Ok(self
            .get(&format!("/element/{}/text", e.0))
            .await?
            .as_str()
            .unwrap_or("")
            .to_owned())
    }

    /// Selects an `<option>` by value in the `<select>` with this test id.
    pub async fn select(&self, testid: &str, value: &str) -> Result<()> {
        let css = format!("{} option[value=\"{value}\"]", tid(testid));
        let option = self.wait_for(&css).await?;
        self.click_el(&option).await
    }

    /// Runs a script in the page.
    pub async fn script(&self, script: &str, args: Value) -> Result<Value> {
        self.post("/execute/sync", json!({"script": script, "args": args}))
            .await
    }

    /// Sets the window's size.
    pub async fn resize(&self, width: u32, height: u32) -> Result<()> {
        self.post(
            "/window/rect",
            json!({"x": 0, "y": 0, "width": width, "height": height}),
        )
        .await?;
        Ok(())
    }

    /// A PNG of the window's content.
    pub async fn screenshot(&self) -> Result<Vec<u8>> {
        let v = self.get("/screenshot").await?;
        let b64 = v.as_str().context("screenshot data")?;
        Ok(base64::engine::general_purpose::STANDARD.decode(b64)?)
    }
}
