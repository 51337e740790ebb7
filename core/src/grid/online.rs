//! The tenant's optional online map layer (`map.toml`): a raster tile service such as 天地图
//! (WMTS/XYZ, with the tenant's key) that the app may draw beneath the offline basemap when it
//! is reachable. The offline basemap stays the default and never needs it.
//!
//! ```toml
//! [online]
//! url = "https://t0.tianditu.gov.cn/vec_w/wmts?SERVICE=WMTS&REQUEST=GetTile&VERSION=1.0.0&LAYER=vec&STYLE=default&TILEMATRIXSET=w&FORMAT=tiles&TILEMATRIX={z}&TILEROW={y}&TILECOL={x}&tk=KEY"
//! attribution = "天地图"
//! ```
//!
//! Invariants: a layer is only accepted with an `https://` URL holding `{z}`, `{x}` and `{y}`,
//! no whitespace, quotes, angle brackets or control characters, at most 2,000 characters; the
//! attribution is plain text of at most 100 characters. A file without `[online]` means none.

use crate::error::DataFileError;
use serde::Deserialize;

/// Longest URL template accepted.
pub const MAX_URL_CHARS: usize = 2_000;
/// Longest attribution accepted.
pub const MAX_ATTRIBUTION_CHARS: usize = 100;

/// An online raster layer drawn beneath the offline basemap.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OnlineLayer {
    /// The tile URL template with `{z}`, `{x}`, `{y}` (https only).
    pub url: String,
    /// Who provides the tiles, shown on the map (e.g. 天地图).
    pub attribution: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFile {
    online: Option<RawOnline>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawOnline {
    url: String,
    #[serde(default)]
    attribution: String,
}

impl OnlineLayer {
    /// Reads `map.toml`; `Ok(None)` when it configures no online layer.
    pub fn parse_toml(file: &str, text: &str) -> Result<Option<OnlineLayer>, DataFileError> {
        let raw: RawFile = toml::from_str(text).map_err(|e| {
            let line = e.span().map_or(0, |s| {
                text[..s.start.min(text.len())].lines().count().max(1)
            });
            DataFileError::new(file, line, "", format!("TOML 格式错误：{}", e.message()))
        })?;
        let Some(online) = raw.online else {
            return Ok(None);
        };
        let bad =
            |field: &str, why: &str| DataFileError::new(file, 0, format!("online.{field}"), why);
        let url = online.url.trim().to_owned();
        if url.chars().count() > MAX_URL_CHARS {
            return Err(bad("url", "地址过长"));
        }
        if !url.starts_with("https://") {
            return Err(bad("url", "在线图层只接受 https:// 地址"));
        }
        if url.chars().any(|c| {
            c.is_whitespace() || c.is_control() || matches!(c, '"' | '\'' | '<' | '>' | '\\' | '`')
        }) {
            return Err(bad("url", "地址含有不允许的字符"));
        }
        for placeholder in ["{z}", "{x}", "{y}"] {
            if !url.contains(placeholder) {
                return Err(bad("url", &format!("地址缺少 {placeholder} 占位符")));
            }
        }
        let attribution = online.attribution.trim().to_owned();
        if attribution.chars().count() > MAX_ATTRIBUTION_CHARS
            || attribution
                .chars()
                .any(|c| c.is_control() || matches!(c, '<' | '>'))
        {
            return Err(bad("attribution", "署名过长或含有不允许的字符"));
        }
        Ok(Some(OnlineLayer { url, attribution }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const GOOD: &str = "[online]\nurl = \"https://t0.tianditu.gov.cn/vec_w/wmts?TILEMATRIX={z}&TILEROW={y}&TILECOL={x}&tk=abc\"\nattribution = \"天地图\"\n";

    #[test]
    fn a_tianditu_layer_is_read() {
        let layer = OnlineLayer::parse_toml("map.toml", GOOD)
            .expect("ok")
            .expect("some");
        assert!(layer.url.contains("tk=abc"));
        assert_eq!(layer.attribution, "天地图");
        assert_eq!(OnlineLayer::parse_toml("map.toml", "").expect("ok"), None);
    }

    #[test]
    fn unsafe_or_incomplete_layers_are_refused_naming_the_field() {
        for (text, field) in [
            ("[online]\nurl = \"http://x/{z}/{x}/{y}\"\n", "online.url"),
            ("[online]\nurl = \"https://x/{z}/{x}\"\n", "online.url"),
            (
                "[online]\nurl = \"https://x/{z}/{x}/{y}\\\"><script>\"\n",
                "online.url",
            ),
            (
                "[online]\nurl = \"javascript:alert(1)//{z}{x}{y}\"\n",
                "online.url",
            ),
            (
                "[online]\nurl = \"https://x/{z}/{x}/{y}\"\nattribution = \"<img src=x>\"\n",
                "online.attribution",
            ),
        ] {
            let e = OnlineLayer::parse_toml("map.toml", text).expect_err(text);
            assert_eq!(e.field, field, "{text}");
            assert_eq!(e.file, "map.toml");
        }
        let e = OnlineLayer::parse_toml("map.toml", "[online]\nurl = 3\n").expect_err("type");
        assert!(e.line >= 1);
        assert!(
            OnlineLayer::parse_toml(
                "map.toml",
                "[online]\nurl=\"https://x/{z}/{x}/{y}\"\nkey=1\n"
            )
            .is_err()
        );
    }
}
