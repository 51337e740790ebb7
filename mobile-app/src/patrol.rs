//! The inspector's patrol on this device (issue 16, docs/patrol.md "On the device"): the
//! recorder (core's `patrol::Recorder`) over the user's store, the position source that feeds it
//! while on duty, and the figures the 签到/签退 panel shows.
//!
//! Position sources:
//! - `GRIDCASE_PATROL_SIM` set (desktop, demos, tests): a scripted walk from core's `patrol::sim`
//!   (an 8-hour 800 m × 600 m loop with GPS noise, stops and a tunnel) that starts at the sign-in;
//!   its value is the start `lon,lat`, or anything else to start at `GRIDCASE_POSITION` or the
//!   centre of the inspector's first cell;
//! - on tablets (`cfg(mobile)`), the platform's location service through
//!   tauri-plugin-geolocation, asked at the sampler's interval (5 s walking, 30 s standing);
//! - otherwise `GRIDCASE_POSITION` for 签到/签退 only (no track), or none: 签到 then says the
//!   position is unavailable.
//!
//! Invariants: only an inspector (监督员) signs in or records; one source task per working set
//! at a time, and it ends at 签退 or when the session stops; every store write goes through the
//! recorder, so nothing is recorded off duty.

use crate::dto::Position;
use crate::error::{AppError, AppResult};
use crate::state::Active;
use gridcase_core::model::Role;
use gridcase_core::patrol::sim::{Script, patrol_loop};
use gridcase_core::patrol::{Fix, Recorder, SamplerConfig, SimSource};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

/// The environment variable that selects the simulated position source.
pub const SIM_ENV: &str = "GRIDCASE_PATROL_SIM";

/// Where positions come from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SourceKind {
    /// A scripted walk (`GRIDCASE_PATROL_SIM`).
    Sim,
    /// The tablet's location service.
    Gps,
    /// A configured fixed position: 签到/签退 only.
    Fixed,
    /// Nothing.
    None,
}

impl SourceKind {
    /// As the UI names it.
    pub fn as_str(self) -> &'static str {
        match self {
            SourceKind::Sim => "sim",
            SourceKind::Gps => "gps",
            SourceKind::Fixed => "fixed",
            SourceKind::None => "none",
        }
    }
}

/// The working set's patrol state.
pub struct Patrol {
    recorder: Mutex<Option<Recorder>>,
    sim_start: Option<Option<(f64, f64)>>,
    sim: Mutex<Option<SimSource>>,
    source_running: AtomicBool,
}

impl std::fmt::Debug for Patrol {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Patrol").finish_non_exhaustive()
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// Seconds since the epoch now (the device clock).
pub fn now_s() -> i64 {
    gridcase_core::sync::runtime::now().0.div_euclid(1000)
}

/// Unix ms now, corrected by the offset learned from the server (docs/security/clock.md), so a
/// tablet whose clock is wrong still records true times for its sign events and points.
pub fn true_now_ms(active: &Active) -> i64 {
    let local = gridcase_core::sync::runtime::now().0;
    active
        .with_store(|s| s.corrected_now(local))
        .unwrap_or(local)
}

impl Patrol {
    /// The state from the environment (see the module docs).
    pub fn from_env() -> Patrol {
        let sim_start = std::env::var(SIM_ENV)
            .ok()
            .map(|v| crate::state::parse_position(&v).map(|p| (p.lon, p.lat)));
        Patrol {
            recorder: Mutex::new(None),
            sim_start,
            sim: Mutex::new(None),
            source_running: AtomicBool::new(false),
        }
    }

    /// The recorder slot (tests reopen it to play an app restart).
    pub fn recorder_slot(&self) -> std::sync::MutexGuard<'_, Option<Recorder>> {
        lock(&self.recorder)
    }

    /// The kind of source this device uses.
    pub fn source_kind(&self, configured: Option<&Position>) -> SourceKind {
        if self.sim_start.is_some() {
            SourceKind::Sim
        } else if cfg!(mobile) {
            SourceKind::Gps
        } else if configured.is_some() {
            SourceKind::Fixed
        } else {
            SourceKind::None
        }
    }
}

/// Runs `f` with the user's recorder (opened from the store the first time) and store.
pub fn with_recorder<T>(
    active: &Active,
    f: impl FnOnce(&mut Recorder, &mut gridcase_core::store::DeviceStore) -> AppResult<T>,
) -> AppResult<T> {
    let mut guard = lock(&active.patrol.recorder);
    active.with_store(|s| {
        if guard.is_none() {
            *guard = Some(Recorder::shanghai(s, SamplerConfig::default())?);
        }
        let rec = guard
            .as_mut()
            .ok_or_else(|| AppError::internal("recorder"))?;
        f(rec, s)
    })
}

/// Only an inspector patrols.
pub fn require_inspector(active: &Active) -> AppResult<()> {
    if active.saved.session.role == Role::Inspector {
        Ok(())
    } else {
        Err(AppError::new("forbidden", "只有信息监督员需要签到巡查"))
    }
}

/// Where the simulated walk starts: the configured start, `GRIDCASE_POSITION`, or the centre
/// of the inspector's first cell.
fn sim_start(active: &Active, configured: Option<&Position>) -> Option<(f64, f64)> {
    if let Some(Some(p)) = active.patrol.sim_start {
        return Some(p);
    }
    if let Some(p) = configured {
        return Some((p.lon, p.lat));
    }
    let reference = active.reference()?;
    let first = active.saved.session.cells.first()?;
    let cell = reference
        .grid
        .cells()
        .iter()
        .find(|c| c.code.to_string() == *first)?;
    let ring: Vec<_> = cell.polygon.exterior().coords().copied().collect();
    let n = ring.len().saturating_sub(1).max(1) as f64;
    let (x, y) = ring
        .iter()
        .take(ring.len().saturating_sub(1).max(1))
        .fold((0.0, 0.0), |(x, y), c| (x + c.x, y + c.y));
    Some((x / n, y / n))
}

/// The simulated walk that starts at `t0` (the sign-in), made once per shift.
fn sim_source(active: &Active, configured: Option<&Position>, t0: i64) -> Option<SimSource> {
    let start = sim_start(active, configured)?;
    let script: Script = patrol_loop(start, t0, 8.0, u64::try_from(t0).unwrap_or(7));
    Some(script.source())
}

/// A fix from the source now, for 签到/签退 (blocking; call on the blocking pool).
pub fn position_now<R: tauri::Runtime>(
    app: &tauri::AppHandle<R>,
    active: &Active,
    configured: Option<&Position>,
    shift_start: i64,
) -> AppResult<Fix> {
    let t = true_now_ms(active).div_euclid(1000);
    if active.patrol.sim_start.is_some() {
        let mut sim = lock(&active.patrol.sim);
        if sim.is_none() {
            *sim = sim_source(active, configured, shift_start);
        }
        let src = sim.as_mut().ok_or_else(|| {
            AppError::new(
                "position_unavailable",
                "模拟定位没有起点：请设置起点或先下载辖区数据",
            )
        })?;
        // In the tunnel the source gives nothing: the last second it did.
        for back in 0..3600 {
            if let Some(f) = src.fix_at(t - back) {
                return Ok(Fix { t, ..f });
            }
        }
        return Err(AppError::new("position_unavailable", "暂时无法获取定位"));
    }
    #[cfg(mobile)]
    {
        let _ = configured;
        return gps_fix(app, t);
    }
    #[cfg(not(mobile))]
    {
        let _ = app;
        configured
            .map(|p| Fix {
                t,
                lon: p.lon,
                lat: p.lat,
                accuracy_m: p.accuracy_m.unwrap_or(10.0) as f32,
            })
            .ok_or_else(|| AppError::new("position_unavailable", "无法获取定位，暂不能签到签退"))
    }
}

#[cfg(mobile)]
fn gps_fix<R: tauri::Runtime>(app: &tauri::AppHandle<R>, t: i64) -> AppResult<Fix> {
    use tauri_plugin_geolocation::{GeolocationExt, PositionOptions};
    let options = PositionOptions {
        enable_high_accuracy: true,
        timeout: 15_000,
        maximum_age: 0,
    };
    let p = app
        .geolocation()
        .get_current_position(Some(options))
        .map_err(|e| AppError::new("position_unavailable", format!("无法获取定位：{e}")))?;
    Ok(Fix {
        t,
        lon: p.coords.longitude,
        lat: p.coords.latitude,
        accuracy_m: p.coords.accuracy as f32,
    })
}

/// Starts the source task when on duty and the source gives a track (sim or GPS); does
/// nothing when one runs already.
pub fn start_source<R: tauri::Runtime>(
    app: &tauri::AppHandle<R>,
    active: &Arc<Active>,
    configured: Option<Position>,
) {
    let kind = active.patrol.source_kind(configured.as_ref());
    if !matches!(kind, SourceKind::Sim | SourceKind::Gps) {
        return;
    }
    if active.patrol.source_running.swap(true, Ordering::SeqCst) {
        return;
    }
    let (app, active) = (app.clone(), active.clone());
    tauri::async_runtime::spawn(async move {
        let mut stop = active.stop.subscribe();
        loop {
            let a = active.clone();
            let (app2, conf) = (app.clone(), configured.clone());
            let step = tauri::async_runtime::spawn_blocking(move || -> AppResult<Option<i64>> {
                let (on_duty, since) = with_recorder(&a, |rec, s| {
                    let since = s
                        .patrol_last_sign()?
                        .map_or(now_s(), |x| x.at.div_euclid(1000));
                    Ok((rec.on_duty(), since))
                })?;
                if !on_duty {
                    return Ok(None);
                }
                let fix = position_now(&app2, &a, conf.as_ref(), since)?;
                with_recorder(&a, |rec, s| {
                    rec.offer(s, fix)?;
                    Ok(Some(rec.next_interval_s()))
                })
            })
            .await;
            let wait = match step {
                Ok(Ok(Some(secs))) => secs,
                Ok(Ok(None)) => break,
                Ok(Err(e)) => {
                    tracing::debug!(code = %e.code, "no position this time");
                    10
                }
                Err(_) => break,
            };
            tokio::select! {
                () = tokio::time::sleep(std::time::Duration::from_secs(wait.clamp(1, 60) as u64)) => {}
                _ = stop.changed() => break,
            }
            if *stop.borrow() {
                break;
            }
        }
        active.patrol.source_running.store(false, Ordering::SeqCst);
    });
}

/// Forgets the simulated walk (at 签退: the next shift starts a new one).
pub fn end_shift(active: &Active) {
    *lock(&active.patrol.sim) = None;
}
