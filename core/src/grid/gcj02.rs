//! GCJ-02, the obfuscated datum that Chinese map SDKs (AMap/高德, Tencent, Apple Maps in China)
//! return, and its conversion to WGS84.
//!
//! gridcase stores and compares only WGS84 / CGCS2000. A GCJ-02 point is converted the moment it
//! enters (the app's map pin, a GeoJSON file that says `"coordinate_system": "gcj02"`) and is
//! never stored. The forward offset is the widely published approximation of the GCJ-02
//! algorithm (Krasovsky 1940 ellipsoid, a sum of sine terms in the offset from 105°E, 35°N); it
//! agrees with the official transform to about a metre. The inverse has no closed form: it is
//! found by fixed-point iteration on the forward offset, which converges to well below a
//! centimetre within a few steps because the offset changes slowly with position. Outside
//! mainland China's rough bounding box no offset is applied, as the SDKs do. Baidu's BD-09 is a
//! further transform of GCJ-02 and is not supported.

/// Semi-major axis of the Krasovsky 1940 ellipsoid used by the offset, in metres.
const A: f64 = 6_378_245.0;
/// First eccentricity squared of that ellipsoid.
const EE: f64 = 0.006_693_421_622_965_943;

/// Whether a WGS84 point is inside the rough box where GCJ-02 applies (mainland China and its
/// surroundings: 72.004–137.8347°E, 0.8293–55.8271°N). Outside it, GCJ-02 equals WGS84.
pub fn in_china(lon: f64, lat: f64) -> bool {
    (72.004..=137.8347).contains(&lon) && (0.8293..=55.8271).contains(&lat)
}

fn offset_lat(x: f64, y: f64) -> f64 {
    use std::f64::consts::PI;
    let mut r = -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * x.abs().sqrt();
    r += (20.0 * (6.0 * x * PI).sin() + 20.0 * (2.0 * x * PI).sin()) * 2.0 / 3.0;
    r += (20.0 * (y * PI).sin() + 40.0 * (y / 3.0 * PI).sin()) * 2.0 / 3.0;
    r += (160.0 * (y / 12.0 * PI).sin() + 320.0 * (y * PI / 30.0).sin()) * 2.0 / 3.0;
    r
}

fn offset_lon(x: f64, y: f64) -> f64 {
    use std::f64::consts::PI;
    let mut r = 300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * x.abs().sqrt();
    r += (20.0 * (6.0 * x * PI).sin() + 20.0 * (2.0 * x * PI).sin()) * 2.0 / 3.0;
    r += (20.0 * (x * PI).sin() + 40.0 * (x / 3.0 * PI).sin()) * 2.0 / 3.0;
    r += (150.0 * (x / 12.0 * PI).sin() + 300.0 * (x / 30.0 * PI).sin()) * 2.0 / 3.0;
    r
}

/// The GCJ-02 offset `(dlon, dlat)` in degrees at a WGS84 point (zero outside China).
fn delta(lon: f64, lat: f64) -> (f64, f64) {
    if !in_china(lon, lat) {
        return (0.0, 0.0);
    }
    let rad = lat.to_radians();
    let sin = rad.sin();
    let magic = 1.0 - EE * sin * sin;
    let sqrt_magic = magic.sqrt();
    let dlat = offset_lat(lon - 105.0, lat - 35.0) * 180.0
        / ((A * (1.0 - EE)) / (magic * sqrt_magic) * std::f64::consts::PI);
    let dlon = offset_lon(lon - 105.0, lat - 35.0) * 180.0
        / (A / sqrt_magic * rad.cos() * std::f64::consts::PI);
    (dlon, dlat)
}

/// Converts a WGS84 point to GCJ-02 (what a Chinese map SDK would show for it). Used by tests and
/// by code that must draw WGS84 data on a GCJ-02 base map.
pub fn wgs84_to_gcj02(lon: f64, lat: f64) -> (f64, f64) {
    let (dlon, dlat) = delta(lon, lat);
    (lon + dlon, lat + dlat)
}

/// Converts a GCJ-02 point (from a Chinese map SDK) to WGS84, iterating the forward offset until
/// the step is below 1e-9° (about 0.1 mm); at most 30 steps (a handful in practice). Outside
/// China the point is returned unchanged. Non-finite input is returned unchanged.
pub fn gcj02_to_wgs84(lon: f64, lat: f64) -> (f64, f64) {
    if !lon.is_finite() || !lat.is_finite() {
        return (lon, lat);
    }
    let (mut wlon, mut wlat) = (lon, lat);
    for _ in 0..30 {
        let (glon, glat) = wgs84_to_gcj02(wlon, wlat);
        let (elon, elat) = (glon - lon, glat - lat);
        wlon -= elon;
        wlat -= elat;
        if elon.abs() < 1e-9 && elat.abs() < 1e-9 {
            break;
        }
    }
    (wlon, wlat)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn offset_is_hundreds_of_metres_in_lanzhou_and_zero_abroad() {
        let (lon, lat) = wgs84_to_gcj02(103.83, 36.06);
        let metres = ((lon - 103.83) * 90_000.0).hypot((lat - 36.06) * 111_000.0);
        assert!((100.0..1000.0).contains(&metres), "{metres}");
        assert_eq!(wgs84_to_gcj02(2.35, 48.85), (2.35, 48.85));
        assert_eq!(gcj02_to_wgs84(2.35, 48.85), (2.35, 48.85));
    }

    #[test]
    fn inverse_round_trips() {
        for (lon, lat) in [
            (103.83, 36.06),
            (116.39, 39.91),
            (121.47, 31.23),
            (87.6, 43.8),
        ] {
            let (glon, glat) = wgs84_to_gcj02(lon, lat);
            let (wlon, wlat) = gcj02_to_wgs84(glon, glat);
            assert!(
                (wlon - lon).abs() < 1e-8 && (wlat - lat).abs() < 1e-8,
                "{lon},{lat}"
            );
        }
    }
}
