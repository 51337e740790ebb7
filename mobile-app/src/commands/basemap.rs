//! `basemap_info`: the device's current basemap package for the maps (docs/basemap.md).

use crate::basemap::{BasemapInfo, OnlineLayerDto};
use crate::error::AppResult;
use crate::state::AppState;
use tauri::State;

/// `null` until a complete, verified package is current (or nobody is signed in); else its
/// version, size, zooms, bounds and the tile URL template for this platform, with the
/// tenant's online layer (`map.toml`) when it has one.
#[tauri::command]
pub async fn basemap_info(state: State<'_, AppState>) -> AppResult<Option<BasemapInfo>> {
    let Some(active) = state.active_opt() else {
        return Ok(None);
    };
    let online = active.reference().and_then(|r| r.online.clone());
    super::blocking(move || {
        Ok(active.basemap.info().map(|mut info| {
            info.online_layer = online.map(|o| OnlineLayerDto {
                url: o.url,
                attribution: o.attribution,
            });
            info
        }))
    })
    .await
}
