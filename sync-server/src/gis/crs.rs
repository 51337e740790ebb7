//! Coordinate systems of county deliveries: recognising them (an EPSG code, an ESRI or OGC WKT
//! text from a `.prj` or a GeoPackage `gpkg_spatial_ref_sys` row, or a name in `gis.toml`) and
//! turning positions into WGS84 lon/lat degrees.
//!
//! Accepted: WGS84 (EPSG:4326); CGCS2000 geographic (EPSG:4490), used as WGS84 with no datum
//! shift (the two agree within centimetres, see docs/data-formats.md); CGCS2000 Gauss-Krüger
//! 3° zones with the zone prefix in the easting (EPSG:4513–4533) and without (4534–4554), 6°
//! zones with (4491–4501) and without (4502–4512); GCJ-02 (only when named in `gis.toml`),
//! converted with core's `gcj02_to_wgs84`. Everything else is refused with a zh-CN message,
//! Beijing 1954 / Xian 1980 by name (they need seven parameters the county must supply).
//!
//! Invariants: the projection maths is proj4rs's (a `+proj=tmerc` string built from the zone's
//! central meridian and false easting, which are data); every position returned is finite and
//! within lon −180..=180, lat −90..=90; a Gauss-Krüger easting must carry exactly the zone
//! prefix its system says (or none), so a file in the wrong zone or declared with the wrong
//! system is refused rather than placed hundreds of kilometres away.

use gridcase_core::grid::gcj02_to_wgs84;
use proj4rs::proj::Proj;

/// A recognised coordinate system.
#[derive(Clone, Debug, PartialEq)]
pub enum Crs {
    /// WGS84 longitude, latitude (EPSG:4326).
    Wgs84,
    /// CGCS2000 longitude, latitude (EPSG:4490), used as WGS84.
    Cgcs2000,
    /// A CGCS2000 Gauss-Krüger zone (transverse Mercator, scale 1, false northing 0).
    GaussKruger(GkZone),
    /// GCJ-02 longitude, latitude (Chinese web maps), converted on input.
    Gcj02,
}

/// A Gauss-Krüger zone of CGCS2000.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct GkZone {
    /// The EPSG code (4491–4554).
    pub epsg: u32,
    /// 3 or 6 (degrees of zone width).
    pub width: u32,
    /// The central meridian in degrees east.
    pub lon0: f64,
    /// The zone number prefixed to the easting (e.g. 35 in 35 500 000 m), when there is one.
    pub prefix: Option<u32>,
}

impl GkZone {
    /// The false easting in metres (500 km, plus the zone number × 1000 km with a prefix).
    pub fn false_easting(&self) -> f64 {
        500_000.0 + f64::from(self.prefix.unwrap_or(0)) * 1_000_000.0
    }

    fn from_epsg(epsg: u32) -> Option<GkZone> {
        let zone = |width, lon0: u32, prefix| GkZone {
            epsg,
            width,
            lon0: f64::from(lon0),
            prefix,
        };
        Some(match epsg {
            4513..=4533 => {
                let n = 25 + (epsg - 4513);
                zone(3, 3 * n, Some(n))
            }
            4534..=4554 => zone(3, 75 + 3 * (epsg - 4534), None),
            4491..=4501 => {
                let n = 13 + (epsg - 4491);
                zone(6, 6 * n - 3, Some(n))
            }
            4502..=4512 => zone(6, 75 + 6 * (epsg - 4502), None),
            _ => return None,
        })
    }

    /// The zone with this central meridian and false easting, if CGCS2000 has one; a central
    /// meridian on both grids (e.g. 105°E: 3° zone 35, 6° zone 18) is told apart by the prefix,
    /// or by `six_degree` when there is none.
    fn from_parameters(lon0: f64, false_easting: f64, six_degree: bool) -> Option<GkZone> {
        if lon0.fract() != 0.0 || !(75.0..=135.0).contains(&lon0) {
            return None;
        }
        let cm = lon0 as u32;
        let prefix = (false_easting - 500_000.0) / 1_000_000.0;
        if prefix.fract() != 0.0 || prefix < 0.0 {
            return None;
        }
        let prefix = prefix as u32;
        let three = cm.is_multiple_of(3).then(|| 4534 + (cm - 75) / 3);
        let six = (cm + 3).is_multiple_of(6).then(|| 4502 + (cm - 75) / 6);
        let epsg = match prefix {
            0 if six_degree => six?,
            0 => three.or(six)?,
            n if cm.is_multiple_of(3) && n == cm / 3 => 4513 + (n - 25),
            n if (cm + 3).is_multiple_of(6) && n == (cm + 3) / 6 => 4491 + (n - 13),
            _ => return None,
        };
        GkZone::from_epsg(epsg)
    }
}

impl Crs {
    /// The system of an EPSG code, or the zh-CN refusal.
    pub fn from_epsg(epsg: u32) -> Result<Crs, String> {
        match epsg {
            4326 => Ok(Crs::Wgs84),
            4490 => Ok(Crs::Cgcs2000),
            _ => GkZone::from_epsg(epsg)
                .map(Crs::GaussKruger)
                .ok_or_else(|| refusal(&format!("EPSG:{epsg}{}", legacy_name(epsg)))),
        }
    }

    /// A name from `gis.toml`: `EPSG:4523`, `gcj02`, `wgs84`, `cgcs2000`.
    pub fn from_name(name: &str) -> Result<Crs, String> {
        let n = name.trim().to_ascii_lowercase();
        match n.as_str() {
            "gcj02" | "gcj-02" => return Ok(Crs::Gcj02),
            "wgs84" => return Ok(Crs::Wgs84),
            "cgcs2000" => return Ok(Crs::Cgcs2000),
            _ => {}
        }
        let code = n.strip_prefix("epsg:").unwrap_or(&n);
        match code.parse::<u32>() {
            Ok(epsg) => Crs::from_epsg(epsg),
            Err(_) => Err(format!(
                "不支持的坐标系 {name:?}：可写 \"EPSG:4490\"、\"EPSG:4523\" 等 CGCS2000 代码，或 \"wgs84\"、\"gcj02\""
            )),
        }
    }

    /// The system a WKT text (ESRI `.prj` or OGC WKT 1) describes.
    pub fn from_wkt(wkt: &str) -> Result<Crs, String> {
        let wkt = wkt.trim_start_matches('\u{feff}').trim();
        if wkt.is_empty() {
            return Err("坐标系定义为空".into());
        }
        let lower = wkt.to_ascii_lowercase();
        let flat: String = lower
            .chars()
            .filter(|c| c.is_ascii_alphanumeric())
            .collect();
        let short: String = wkt.chars().take(120).collect();
        if flat.contains("beijing1954") || flat.contains("beijing54") {
            return Err(refusal(&format!("北京 1954（{short}…）")));
        }
        if flat.contains("xian1980") || flat.contains("xian80") {
            return Err(refusal(&format!("西安 1980（{short}…）")));
        }
        if let Some(epsg) = top_authority(wkt) {
            return Crs::from_epsg(epsg);
        }
        let cgcs = flat.contains("cgcs2000")
            || flat.contains("china2000")
            || flat.contains("chinageodeticcoordinatesystem2000");
        let wgs = flat.contains("wgs1984") || flat.contains("wgs84");
        let projected = lower.starts_with("projcs") || lower.starts_with("projcrs");
        if !projected {
            return match (cgcs, wgs) {
                (true, _) => Ok(Crs::Cgcs2000),
                (false, true) => Ok(Crs::Wgs84),
                _ => Err(refusal(&format!("{short}…"))),
            };
        }
        if !cgcs {
            return Err(refusal(&format!("{short}…")));
        }
        let method = lower.contains("transverse_mercator")
            || lower.contains("gauss_kruger")
            || lower.contains("transverse mercator")
            || lower.contains("gauss-kruger");
        let p = |name: &str| parameter(&lower, name);
        let lon0 = p("central_meridian").or_else(|| p("longitude_of_center"));
        let fe = p("false_easting");
        let fine = |name: &str, want: f64| p(name).is_none_or(|v| (v - want).abs() < 1e-9);
        let metre = lower.contains("unit[\"metre\"")
            || lower.contains("unit[\"meter\"")
            || lower.contains("unit[\"m\"");
        match (method, lon0, fe) {
            (true, Some(lon0), Some(fe))
                if metre
                    && fine("scale_factor", 1.0)
                    && fine("latitude_of_origin", 0.0)
                    && fine("false_northing", 0.0) =>
            {
                // ESRI names: "CGCS2000_3_Degree_GK_CM_105E" (3°), "CGCS2000_GK_CM_105E" (6°).
                let six =
                    flat.contains("6degree") || (!flat.contains("3degree") && flat.contains("gk"));
                GkZone::from_parameters(lon0, fe, six)
                    .map(Crs::GaussKruger)
                    .ok_or_else(|| {
                        refusal(&format!(
                            "CGCS2000 横轴墨卡托 中央经线 {lon0}° 东偏 {fe} m 不是 3°/6° 高斯-克吕格分带"
                        ))
                    })
            }
            _ => Err(refusal(&format!("{short}…"))),
        }
    }

    /// How the import log names the system.
    pub fn label(&self) -> String {
        match self {
            Crs::Wgs84 => "EPSG:4326 WGS84".into(),
            Crs::Cgcs2000 => "EPSG:4490 CGCS2000 经纬度".into(),
            Crs::Gcj02 => "GCJ-02（已转换为 WGS84）".into(),
            Crs::GaussKruger(z) => format!(
                "EPSG:{} CGCS2000 {}° 高斯-克吕格 中央经线 {}°E{}",
                z.epsg,
                z.width,
                z.lon0,
                match z.prefix {
                    Some(n) => format!("（带号 {n}）"),
                    None => "（无带号）".into(),
                }
            ),
        }
    }

    /// The converter of this system's positions to WGS84.
    pub fn to_wgs84(&self) -> Result<ToWgs84, String> {
        let projection = match self {
            Crs::GaussKruger(z) => {
                let def = format!(
                    "+proj=tmerc +lat_0=0 +lon_0={} +k=1 +x_0={} +y_0=0 +ellps=GRS80 +units=m +no_defs",
                    z.lon0,
                    z.false_easting()
                );
                let src = Proj::from_proj_string(&def).map_err(|e| format!("{def}: {e}"))?;
                let dst = Proj::from_proj_string("+proj=longlat +ellps=GRS80 +no_defs")
                    .map_err(|e| e.to_string())?;
                Some((src, dst, *z))
            }
            _ => None,
        };
        Ok(ToWgs84 {
            crs: self.clone(),
            projection,
        })
    }
}

/// Converts positions of one system to WGS84 lon/lat degrees.
pub struct ToWgs84 {
    crs: Crs,
    projection: Option<(Proj, Proj, GkZone)>,
}

impl ToWgs84 {
    /// `[x, y]` of the source system to `[lon, lat]`, or why the position is impossible.
    pub fn convert(&self, x: f64, y: f64) -> Result<[f64; 2], String> {
        if !x.is_finite() || !y.is_finite() {
            return Err(format!("坐标不是有限数 [{x}, {y}]"));
        }
        let geographic = |lon: f64, lat: f64| {
            if (-180.0..=180.0).contains(&lon) && (-90.0..=90.0).contains(&lat) {
                Ok(())
            } else {
                Err(format!(
                    "坐标 [{x}, {y}] 不是经纬度（经度 −180..180，纬度 −90..90）：坐标系是否写错？"
                ))
            }
        };
        match (&self.crs, &self.projection) {
            (Crs::Wgs84 | Crs::Cgcs2000, _) => geographic(x, y).map(|()| [x, y]),
            (Crs::Gcj02, _) => {
                geographic(x, y)?;
                let (lon, lat) = gcj02_to_wgs84(x, y);
                Ok([lon, lat])
            }
            (Crs::GaussKruger(_), Some((src, dst, zone))) => {
                let band = x.div_euclid(1_000_000.0);
                match zone.prefix {
                    Some(n) if band != f64::from(n) => {
                        return Err(format!(
                            "东坐标 {x} 没有带号前缀 {n}（应为 {n}xxxxxx.xx 米）：坐标系与数据不符"
                        ));
                    }
                    None if band != 0.0 => {
                        return Err(format!(
                            "东坐标 {x} 带有带号前缀，但坐标系 EPSG:{} 无带号：坐标系与数据不符",
                            zone.epsg
                        ));
                    }
                    _ => {}
                }
                let mut p = (x, y, 0.0);
                proj4rs::transform::transform(src, dst, &mut p)
                    .map_err(|e| format!("坐标 [{x}, {y}] 无法投影：{e}"))?;
                let (lon, lat) = (p.0.to_degrees(), p.1.to_degrees());
                let half = f64::from(zone.width) / 2.0 + 1.0;
                if !lon.is_finite()
                    || !lat.is_finite()
                    || (lon - zone.lon0).abs() > half
                    || !(-90.0..=90.0).contains(&lat)
                {
                    return Err(format!(
                        "坐标 [{x}, {y}] 投影后为 [{lon}, {lat}]，不在中央经线 {}° 的分带内",
                        zone.lon0
                    ));
                }
                Ok([lon, lat])
            }
            (Crs::GaussKruger(_), None) => Err("投影未初始化".into()),
        }
    }
}

fn refusal(what: &str) -> String {
    format!(
        "不支持的坐标系 {what}：请转换为 CGCS2000（EPSG:4490 或 3°/6° 高斯-克吕格 EPSG:4491–4554）或提供七参数 / unsupported coordinate system"
    )
}

/// A name for EPSG codes of the old datums, for the refusal.
fn legacy_name(epsg: u32) -> &'static str {
    match epsg {
        4214 | 2401..=2442 | 21413..=21423 | 21453..=21463 => "（北京 1954）",
        4610 | 2327..=2400 => "（西安 1980）",
        _ => "",
    }
}

/// The EPSG code of the outermost `AUTHORITY["EPSG", n]` (the last one in WKT 1, where the
/// top object's authority closes it), or `ID["EPSG", n]` of WKT 2.
fn top_authority(wkt: &str) -> Option<u32> {
    let lower = wkt.to_ascii_lowercase();
    let start = lower.rfind("authority[").or_else(|| lower.rfind("id["))?;
    // Only the top object's: nothing but closing brackets may follow it.
    let rest = &lower[start..];
    let close = rest.find(']')?;
    if !rest[close..].chars().all(|c| c == ']' || c.is_whitespace()) {
        return None;
    }
    let inner = &rest[rest.find('[')? + 1..close];
    let mut parts = inner.split(',').map(|s| s.trim().trim_matches('"'));
    if parts.next()? != "epsg" {
        return None;
    }
    parts.next()?.parse().ok()
}

/// The value of `PARAMETER["name", v]` (case-insensitive text).
fn parameter(lower: &str, name: &str) -> Option<f64> {
    let key = format!("parameter[\"{name}\"");
    let at = lower.find(&key)? + key.len();
    let rest = lower[at..].trim_start().strip_prefix(',')?;
    let end = rest.find(']')?;
    rest[..end].trim().parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn epsg_ranges() {
        let gk = |e| match Crs::from_epsg(e) {
            Ok(Crs::GaussKruger(z)) => (z.width, z.lon0, z.prefix),
            other => panic!("{e}: {other:?}"),
        };
        assert_eq!(gk(4513), (3, 75.0, Some(25)));
        assert_eq!(gk(4523), (3, 105.0, Some(35)));
        assert_eq!(gk(4533), (3, 135.0, Some(45)));
        assert_eq!(gk(4534), (3, 75.0, None));
        assert_eq!(gk(4544), (3, 105.0, None));
        assert_eq!(gk(4554), (3, 135.0, None));
        assert_eq!(gk(4491), (6, 75.0, Some(13)));
        assert_eq!(gk(4496), (6, 105.0, Some(18)));
        assert_eq!(gk(4501), (6, 135.0, Some(23)));
        assert_eq!(gk(4502), (6, 75.0, None));
        assert_eq!(gk(4507), (6, 105.0, None));
        assert_eq!(gk(4512), (6, 135.0, None));
        assert_eq!(Crs::from_epsg(4490), Ok(Crs::Cgcs2000));
        let e = Crs::from_epsg(2383).expect_err("xian 1980");
        assert!(
            e.contains("不支持的坐标系") && e.contains("西安 1980"),
            "{e}"
        );
        assert!(Crs::from_epsg(3857).is_err());
    }

    #[test]
    fn names_in_the_mapping() {
        assert_eq!(Crs::from_name("gcj02"), Ok(Crs::Gcj02));
        assert_eq!(Crs::from_name("EPSG:4490"), Ok(Crs::Cgcs2000));
        assert!(matches!(Crs::from_name("epsg:4523"), Ok(Crs::GaussKruger(z)) if z.epsg == 4523));
        assert!(Crs::from_name("bd09").is_err());
        assert!(Crs::from_name("EPSG:2383").is_err());
    }

    #[test]
    fn gauss_kruger_round_trip_near_lanzhou() {
        // 城关区 (103.83°E, 36.06°N) in zone 35: a known easting/northing pair is converted and
        // lands within a millimetre of proj's answer for the same definition.
        let crs = Crs::from_epsg(4523).expect("4523");
        let t = crs.to_wgs84().expect("proj");
        let [lon, lat] = t.convert(35_394_741.55, 3_992_142.67).expect("inside");
        assert!(
            (lon - 103.83).abs() < 0.05 && (lat - 36.06).abs() < 0.05,
            "{lon} {lat}"
        );
        let e = t.convert(394_741.55, 3_992_142.67).expect_err("no prefix");
        assert!(e.contains("带号前缀 35"), "{e}");
        let e = Crs::from_epsg(4544)
            .expect("4544")
            .to_wgs84()
            .expect("proj")
            .convert(35_394_741.55, 3_992_142.67)
            .expect_err("prefix on a no-prefix system");
        assert!(e.contains("无带号"), "{e}");
        let geo = Crs::Cgcs2000.to_wgs84().expect("geo");
        assert!(geo.convert(394_741.0, 3_992_142.0).is_err());
        assert!(geo.convert(f64::NAN, 36.0).is_err());
    }

    /// The `.prj` texts GDAL 3.6 wrote for the fixtures (tests/fixtures/gis).
    #[test]
    fn prj_files_written_by_gdal() {
        let epsg = |wkt: &str| match Crs::from_wkt(wkt) {
            Ok(Crs::GaussKruger(z)) => z.epsg,
            Ok(Crs::Cgcs2000) => 4490,
            Ok(Crs::Wgs84) => 4326,
            other => panic!("{wkt}: {other:?}"),
        };
        let fixture = |dir: &str| {
            std::fs::read_to_string(
                std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
                    .join("tests/fixtures/gis")
                    .join(dir)
                    .join("grid.prj"),
            )
            .expect("prj")
        };
        assert_eq!(epsg(&fixture("shp_4523")), 4523);
        assert_eq!(epsg(&fixture("shp_4544")), 4544);
        assert_eq!(epsg(&fixture("shp_4496")), 4496);
        assert_eq!(epsg(&fixture("shp_4490_gbk")), 4490);
        let xian = Crs::from_wkt(&fixture("bad_xian80")).expect_err("Xian 1980");
        assert!(
            xian.contains("西安 1980") && xian.contains("七参数"),
            "{xian}"
        );
        let local = Crs::from_wkt(&fixture("bad_madeup_wkt")).expect_err("made up");
        assert!(local.contains("不支持的坐标系"), "{local}");
        // 6° without a prefix, as GDAL names EPSG:4507.
        let cm = fixture("shp_4496")
            .replace("CGCS2000_GK_Zone_18", "CGCS2000_GK_CM_105E")
            .replace("18500000.0", "500000.0");
        assert_eq!(epsg(&cm), 4507);
    }

    #[test]
    fn wkt_parameters_and_names() {
        // ESRI form without an authority: the zone comes from the parameters.
        let esri = "PROJCS[\"CGCS2000_3_Degree_GK_Zone_35\",GEOGCS[\"GCS_China_Geodetic_Coordinate_System_2000\",DATUM[\"D_China_2000\",SPHEROID[\"CGCS2000\",6378137.0,298.257222101]],PRIMEM[\"Greenwich\",0.0],UNIT[\"Degree\",0.0174532925199433]],PROJECTION[\"Gauss_Kruger\"],PARAMETER[\"False_Easting\",35500000.0],PARAMETER[\"False_Northing\",0.0],PARAMETER[\"Central_Meridian\",105.0],PARAMETER[\"Scale_Factor\",1.0],PARAMETER[\"Latitude_Of_Origin\",0.0],UNIT[\"Meter\",1.0]]";
        assert!(matches!(Crs::from_wkt(esri), Ok(Crs::GaussKruger(z)) if z.epsg == 4523));
        let cm = esri
            .replace("Zone_35", "CM_105E")
            .replace("35500000.0", "500000.0");
        assert!(matches!(Crs::from_wkt(&cm), Ok(Crs::GaussKruger(z)) if z.epsg == 4544));
        let six = cm.replace("3_Degree_", "");
        assert!(matches!(Crs::from_wkt(&six), Ok(Crs::GaussKruger(z)) if z.epsg == 4507));
        let six_zone = esri
            .replace("3_Degree_GK_Zone_35", "6_Degree_GK_Zone_18")
            .replace("35500000.0", "18500000.0");
        assert!(matches!(Crs::from_wkt(&six_zone), Ok(Crs::GaussKruger(z)) if z.epsg == 4496));
        let odd = esri.replace("105.0", "104.5");
        assert!(Crs::from_wkt(&odd).is_err());
        let geo = "GEOGCS[\"China Geodetic Coordinate System 2000\",DATUM[\"China_2000\",SPHEROID[\"CGCS2000\",6378137,298.257222101]],PRIMEM[\"Greenwich\",0],UNIT[\"degree\",0.0174532925199433]]";
        assert_eq!(Crs::from_wkt(geo), Ok(Crs::Cgcs2000));
        let xian = "PROJCS[\"Xian_1980_3_Degree_GK_Zone_35\",GEOGCS[\"GCS_Xian_1980\",DATUM[\"D_Xian_1980\",SPHEROID[\"Xian_1980\",6378140.0,298.257]]]]";
        let e = Crs::from_wkt(xian).expect_err("xian");
        assert!(e.contains("西安 1980"), "{e}");
        let with_authority = "GEOGCS[\"WGS 84\",DATUM[\"WGS_1984\",SPHEROID[\"WGS 84\",6378137,298.257223563,AUTHORITY[\"EPSG\",\"7030\"]],AUTHORITY[\"EPSG\",\"6326\"]],PRIMEM[\"Greenwich\",0],UNIT[\"degree\",0.0174532925199433],AUTHORITY[\"EPSG\",\"4326\"]]";
        assert_eq!(Crs::from_wkt(with_authority), Ok(Crs::Wgs84));
        assert!(Crs::from_wkt("LOCAL_CS[\"made up\"]").is_err());
        assert!(Crs::from_wkt("").is_err());
    }
}
