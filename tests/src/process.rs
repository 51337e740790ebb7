//! The server binary as a child process, for the suites that kill it with SIGKILL mid-batch
//! (one instance on SQLite; two instances on PostgreSQL and S3).
//!
//! The binary is found, in order: `$GRIDCASE_SERVER_BIN`; `gridcase-server` next to the test
//! executable's `deps/` directory (the same target directory and profile, where
//! `cargo test --workspace` builds it); otherwise it is built with
//! `cargo build -p gridcase-server --bin gridcase-server` into that directory.

use anyhow::{Context, Result, bail};
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex, mpsc};
use std::time::Duration;

/// A running `gridcase-server serve`.
pub struct ServerProcess {
    child: Child,
    url: String,
    log: Arc<Mutex<Vec<String>>>,
}

impl Drop for ServerProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The server binary (see the module doc).
pub fn server_binary() -> Result<PathBuf> {
    if let Some(path) = std::env::var_os("GRIDCASE_SERVER_BIN") {
        return Ok(PathBuf::from(path));
    }
    let exe = std::env::current_exe()?;
    // …/target/<profile>/deps/it-<hash> → …/target/<profile>/gridcase-server
    let profile_dir = exe
        .parent()
        .and_then(Path::parent)
        .context("test executable has no target directory")?;
    let bin = profile_dir.join(format!("gridcase-server{}", std::env::consts::EXE_SUFFIX));
    if bin.exists() {
        return Ok(bin);
    }
    let target_dir = profile_dir.parent().context("no target directory")?;
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let mut cmd = Command::new(cargo);
    cmd.args(["build", "-p", "gridcase-server", "--bin", "gridcase-server"])
        .env("CARGO_TARGET_DIR", target_dir)
        .current_dir(env!("CARGO_MANIFEST_DIR"));
    if profile_dir.file_name().is_some_and(|n| n == "release") {
        cmd.arg("--release");
    }
    let status = cmd
        .status()
        .context("run cargo build for the server binary")?;
    if !status.success() || !bin.exists() {
        bail!("could not build {}", bin.display());
    }
    Ok(bin)
}

impl ServerProcess {
    /// Starts `gridcase-server serve` on `data_dir`, listening on a free loopback port, with
    /// the scheduler's jobs far apart; waits until it listens.
    pub fn start(data_dir: &Path) -> Result<ServerProcess> {
        Self::start_binary(&server_binary()?, data_dir)
    }

    /// [`ServerProcess::start`] with a given server binary.
    pub fn start_binary(binary: &Path, data_dir: &Path) -> Result<ServerProcess> {
        Self::spawn(binary, data_dir, &[])
    }

    /// [`ServerProcess::start`] with more `GRIDCASE_*` settings (a database URL, an object
    /// store, a jobs interval: later entries override the defaults), logging at info; its log
    /// lines are kept ([`ServerProcess::log`]).
    pub fn start_with(data_dir: &Path, env: &[(&str, String)]) -> Result<ServerProcess> {
        Self::spawn(&server_binary()?, data_dir, env)
    }

    /// [`ServerProcess::start_with`] with a given server binary.
    pub fn start_binary_with(
        binary: &Path,
        data_dir: &Path,
        env: &[(&str, String)],
    ) -> Result<ServerProcess> {
        Self::spawn(binary, data_dir, env)
    }

    fn spawn(binary: &Path, data_dir: &Path, env: &[(&str, String)]) -> Result<ServerProcess> {
        let mut cmd = Command::new(binary);
        cmd.arg("serve")
            .env("GRIDCASE_DATA_DIR", data_dir)
            .env("GRIDCASE_LISTEN", "127.0.0.1:0")
            .env("GRIDCASE_JOBS_INTERVAL_SECS", "3600")
            .env("GRIDCASE_BACKUP_EVERY_HOURS", "0")
            .env("GRIDCASE_LOG", "info")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        for (k, v) in env {
            cmd.env(k, v);
        }
        let mut child = cmd.spawn().context("spawn gridcase-server")?;
        let stdout = child.stdout.take().context("no stdout")?;
        let stderr = child.stderr.take().context("no stderr")?;
        let log = Arc::new(Mutex::new(Vec::new()));
        let lines = log.clone();
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                lines.lock().unwrap_or_else(|p| p.into_inner()).push(line);
            }
        });
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if let Some(url) = line.trim().strip_prefix("listening on ") {
                    let _ = tx.send(url.to_owned());
                }
            }
        });
        let url = rx
            .recv_timeout(Duration::from_secs(60))
            .context("gridcase-server did not say where it listens")?;
        Ok(ServerProcess { child, url, log })
    }

    /// The log lines it wrote so far (standard error).
    pub fn log(&self) -> Vec<String> {
        self.log.lock().unwrap_or_else(|p| p.into_inner()).clone()
    }

    /// `http://127.0.0.1:<port>`.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// Its process id (the load tool reads its CPU time from `/proc/<pid>/stat`).
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Its address.
    pub fn addr(&self) -> Result<std::net::SocketAddr> {
        Ok(self.url.trim_start_matches("http://").parse()?)
    }

    /// Kills it with SIGKILL (no chance to flush or shut down) and reaps it.
    pub fn kill(mut self) -> Result<()> {
        self.child.kill()?;
        self.child.wait()?;
        Ok(())
    }
}
