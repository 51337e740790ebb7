//! A TCP fault proxy for the end-to-end suites: listens on `127.0.0.1:0`, forwards to the
//! server, and on the way delays data, cuts connections after a random number of bytes (a clean
//! close or a reset), refuses connections while "down", and counts the bytes each way.
//!
//! Faults are drawn from a seeded generator, so a failing run can be replayed with its seed
//! (the order in which concurrent connections draw still depends on scheduling).

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use std::io;
use std::net::SocketAddr;
use std::ops::RangeInclusive;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;

/// What the proxy does to connections.
#[derive(Clone, Debug, Default)]
pub struct FaultConfig {
    /// Added before each piece of data is forwarded, each way.
    pub delay: Duration,
    /// When set, each connection is cut after a number of bytes (both ways together) drawn
    /// uniformly from this range.
    pub cut_after: Option<RangeInclusive<u64>>,
    /// Share of cuts that are resets (RST) rather than clean closes (FIN), 0.0–1.0.
    pub reset_share: f64,
    /// Refuse new connections (accept and reset them at once), as a server that is down.
    pub refuse: bool,
}

/// Counters of a proxy.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Default)]
pub struct ProxyStats {
    /// Connections accepted.
    pub connections: u64,
    /// Connections cut by a fault (clean or reset).
    pub cuts: u64,
    /// Of those, resets.
    pub resets: u64,
    /// Connections refused while down.
    pub refused: u64,
    /// Bytes forwarded from clients to the server.
    pub bytes_up: u64,
    /// Bytes forwarded from the server to clients.
    pub bytes_down: u64,
}

#[derive(Default)]
struct Counters {
    connections: AtomicU64,
    cuts: AtomicU64,
    resets: AtomicU64,
    refused: AtomicU64,
    bytes_up: AtomicU64,
    bytes_down: AtomicU64,
}

struct Shared {
    config: Mutex<FaultConfig>,
    upstream: Mutex<SocketAddr>,
    rng: Mutex<StdRng>,
    counters: Counters,
    kill: watch::Sender<u64>,
}

/// A running proxy; dropping it stops accepting (live connections end with their peers).
pub struct FaultProxy {
    addr: SocketAddr,
    shared: Arc<Shared>,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for FaultProxy {
    fn drop(&mut self) {
        self.task.abort();
        self.shared.kill.send_modify(|g| *g += 1);
    }
}

/// Why a pump stopped early.
struct Cut;

impl FaultProxy {
    /// Starts a proxy to `upstream` with `config`; `seed` drives every random choice.
    pub async fn start(
        upstream: SocketAddr,
        config: FaultConfig,
        seed: u64,
    ) -> io::Result<FaultProxy> {
        let listener = TcpListener::bind("127.0.0.1:0").await?;
        let addr = listener.local_addr()?;
        let (kill, _) = watch::channel(0);
        let shared = Arc::new(Shared {
            config: Mutex::new(config),
            upstream: Mutex::new(upstream),
            rng: Mutex::new(StdRng::seed_from_u64(seed)),
            counters: Counters::default(),
            kill,
        });
        let accept = shared.clone();
        let task = tokio::spawn(async move {
            while let Ok((client, _)) = listener.accept().await {
                tokio::spawn(handle(accept.clone(), client));
            }
        });
        Ok(FaultProxy { addr, shared, task })
    }

    /// The proxy's address.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `http://<addr>`.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Replaces the fault configuration (for new data and connections).
    pub fn set_config(&self, config: FaultConfig) {
        *lock(&self.shared.config) = config;
    }

    /// Points new connections at another server address (a restarted server).
    pub fn set_upstream(&self, upstream: SocketAddr) {
        *lock(&self.shared.upstream) = upstream;
    }

    /// Cuts every live connection now (reset).
    pub fn cut_all(&self) {
        self.shared.kill.send_modify(|g| *g += 1);
    }

    /// The counters so far.
    pub fn stats(&self) -> ProxyStats {
        let c = &self.shared.counters;
        let get = |a: &AtomicU64| a.load(Ordering::Relaxed);
        ProxyStats {
            connections: get(&c.connections),
            cuts: get(&c.cuts),
            resets: get(&c.resets),
            refused: get(&c.refused),
            bytes_up: get(&c.bytes_up),
            bytes_down: get(&c.bytes_down),
        }
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

async fn handle(shared: Arc<Shared>, client: TcpStream) {
    let c = &shared.counters;
    c.connections.fetch_add(1, Ordering::Relaxed);
    let config = lock(&shared.config).clone();
    if config.refuse {
        c.refused.fetch_add(1, Ordering::Relaxed);
        let _ = client.set_zero_linger();
        return;
    }
    let (budget, reset) = {
        let mut rng = lock(&shared.rng);
        let budget = config.cut_after.clone().map(|r| rng.random_range(r));
        (budget, rng.random_bool(config.reset_share.clamp(0.0, 1.0)))
    };
    let upstream = *lock(&shared.upstream);
    let Ok(server) = TcpStream::connect(upstream).await else {
        let _ = client.set_zero_linger();
        return;
    };
    let _ = (client.set_nodelay(true), server.set_nodelay(true));
    let budget = Arc::new(AtomicU64::new(budget.unwrap_or(u64::MAX)));
    let mut kill = shared.kill.subscribe();
    let (mut cr, mut cw) = client.into_split();
    let (mut sr, mut sw) = server.into_split();
    let (cut, killed) = {
        let up = pump(&mut cr, &mut sw, &budget, &c.bytes_up, config.delay);
        let down = pump(&mut sr, &mut cw, &budget, &c.bytes_down, config.delay);
        tokio::select! {
            r = async { tokio::try_join!(up, down) } => (r.is_err(), false),
            _ = kill.changed() => (true, true),
        }
    };
    if cut {
        c.cuts.fetch_add(1, Ordering::Relaxed);
        if reset || killed {
            c.resets.fetch_add(1, Ordering::Relaxed);
            if let (Ok(client), Ok(server)) = (cr.reunite(cw), sr.reunite(sw)) {
                let _ = (client.set_zero_linger(), server.set_zero_linger());
            }
        }
    }
}

/// Forwards one direction until EOF (then half-closes the other side) or until the shared byte
/// budget runs out (the part within budget is forwarded, then `Cut`).
async fn pump(
    from: &mut tokio::net::tcp::OwnedReadHalf,
    to: &mut tokio::net::tcp::OwnedWriteHalf,
    budget: &AtomicU64,
    counter: &AtomicU64,
    delay: Duration,
) -> Result<(), Cut> {
    let mut buf = vec![0u8; 16 * 1024];
    loop {
        let n = match from.read(&mut buf).await {
            Ok(0) | Err(_) => {
                let _ = to.shutdown().await;
                return Ok(());
            }
            Ok(n) => n,
        };
        if !delay.is_zero() {
            tokio::time::sleep(delay).await;
        }
        let n64 = n as u64;
        let before = budget
            .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |b| {
                Some(b.saturating_sub(n64))
            })
            .unwrap_or(0);
        let allowed = usize::try_from(before.min(n64)).unwrap_or(n);
        if to.write_all(&buf[..allowed]).await.is_err() {
            // The other side is gone: not a fault of ours; the other direction ends by itself.
            return Ok(());
        }
        counter.fetch_add(allowed as u64, Ordering::Relaxed);
        if allowed < n {
            return Err(Cut);
        }
    }
}
