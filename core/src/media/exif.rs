//! Reading what the case needs from a photo's EXIF block (kamadak-exif): GPS position, altitude
//! and accuracy, the time it was taken, the orientation, the camera's make and model.
//!
//! Invariants: reading never fails because of the EXIF block itself. A missing block, a damaged
//! one, or a field with an impossible value (latitude 91°, a zero denominator, month 13) leaves
//! that field empty; [`ExifInfo::status`] says how far reading got.

use super::decode;
use super::error::MediaError;
use super::format::sniff;
use crate::model::{Location, LocationSource, Timestamp};
use chrono::{NaiveDate, NaiveDateTime};
use exif::{Exif, Field, In, Tag, Value};

/// How much of the EXIF block could be read.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum ExifStatus {
    /// The photo has no EXIF block.
    Absent,
    /// The block was read in full.
    Read,
    /// The block is partly damaged; the fields that could be read are filled.
    Partial,
    /// A block is present but unreadable; every EXIF field is empty.
    Unreadable,
}

/// What the pipeline reads from a photo's header and EXIF block.
#[derive(Clone, PartialEq, Debug)]
pub struct ExifInfo {
    /// Where the photo was taken (GPSLatitude/GPSLongitude with their N/S, E/W refs), with
    /// `accuracy_m` from GPSHPositioningError when present. `None` when absent, invalid, flagged
    /// void (GPSStatus `V`), or exactly (0, 0), which cameras write when they have no fix.
    pub gps: Option<Location>,
    /// Metres above sea level (negative below, per GPSAltitudeRef), when present.
    pub altitude_m: Option<f64>,
    /// DateTimeOriginal (+ SubSecTimeOriginal), at the offset of OffsetTimeOriginal.
    pub taken_at: Option<Timestamp>,
    /// True when `taken_at` had no OffsetTimeOriginal and was read as Asia/Shanghai time
    /// (UTC+08:00): the cameras this product meets are set to China Standard Time.
    pub taken_at_offset_assumed: bool,
    /// EXIF Orientation, 1–8; 1 when absent or out of range.
    pub orientation: u16,
    /// The camera maker (Make), trimmed, when present.
    pub make: Option<String>,
    /// The camera model (Model), trimmed, when present.
    pub model: Option<String>,
    /// Width in pixels as stored, from the image header (before orientation).
    pub width: u32,
    /// Height in pixels as stored, from the image header (before orientation).
    pub height: u32,
    /// How much of the EXIF block could be read.
    pub status: ExifStatus,
}

/// Reads the EXIF fields and the stored dimensions of a photo, without decoding its pixels.
///
/// Fails only when the bytes are not a supported image or its header cannot be read
/// ([`MediaError::NotAnImage`], [`MediaError::UnsupportedFormat`], [`MediaError::Truncated`],
/// [`MediaError::Decode`]); never because of the EXIF block, and applies no pixel limit.
pub fn read_exif(bytes: &[u8]) -> Result<ExifInfo, MediaError> {
    let format = sniff(bytes)?;
    let (width, height) = decode::dimensions(bytes, format)?;
    Ok(exif_fields(bytes, width, height))
}

/// The EXIF fields of an image whose format and dimensions are already known.
pub(crate) fn exif_fields(bytes: &[u8], width: u32, height: u32) -> ExifInfo {
    let mut reader = exif::Reader::new();
    reader.continue_on_error(true);
    let read = if bytes.starts_with(&[0xFF, 0xD8]) {
        // kamadak-exif's own JPEG walk reads on through the scan data when there is no EXIF
        // block (0.8 ms for 12 MP); the block is always before the first scan.
        match jpeg_exif_block(bytes) {
            Some(block) => reader.read_raw(block.to_vec()),
            None => Err(exif::Error::NotFound("JPEG")),
        }
    } else {
        reader.read_from_container(&mut std::io::Cursor::new(bytes))
    };
    let (exif, status) = match read {
        Ok(exif) => (Some(exif), ExifStatus::Read),
        Err(exif::Error::NotFound(_)) => (None, ExifStatus::Absent),
        Err(e) => match e.distill_partial_result(|_| {}) {
            Ok(exif) => (Some(exif), ExifStatus::Partial),
            Err(_) => (None, ExifStatus::Unreadable),
        },
    };
    let mut info = ExifInfo {
        gps: None,
        altitude_m: None,
        taken_at: None,
        taken_at_offset_assumed: false,
        orientation: 1,
        make: None,
        model: None,
        width,
        height,
        status,
    };
    if let Some(exif) = exif {
        fill(&mut info, &exif);
    }
    info
}

/// The TIFF data of a JPEG's `APP1 "Exif\0\0"` segment, looked for among the segments before
/// the first scan (SOS); `None` when absent or when the segment structure is broken first.
fn jpeg_exif_block(jpeg: &[u8]) -> Option<&[u8]> {
    let mut at = 2;
    loop {
        while jpeg.get(at + 1) == Some(&0xFF) {
            at += 1; // fill bytes before a marker
        }
        if jpeg.get(at) != Some(&0xFF) {
            return None;
        }
        match *jpeg.get(at + 1)? {
            0x01 | 0xD0..=0xD7 => at += 2, // stand-alone markers
            0xD9 | 0xDA => return None,    // EOI, SOS: no EXIF before the image data
            marker => {
                let len = usize::from(u16::from_be_bytes([*jpeg.get(at + 2)?, *jpeg.get(at + 3)?]));
                let segment = jpeg.get(at + 4..(at + 2 + len).max(at + 4))?;
                if marker == 0xE1 && segment.starts_with(b"Exif\0\0") {
                    return segment.get(6..);
                }
                at += 2 + len;
            }
        }
    }
}

fn fill(info: &mut ExifInfo, exif: &Exif) {
    let field = |tag| exif.get_field(tag, In::PRIMARY);
    info.orientation = field(Tag::Orientation)
        .and_then(|f| f.value.get_uint(0))
        .and_then(|v| u16::try_from(v).ok())
        .filter(|v| (1..=8).contains(v))
        .unwrap_or(1);
    info.make = field(Tag::Make).and_then(ascii);
    info.model = field(Tag::Model).and_then(ascii);
    info.gps = gps(exif);
    info.altitude_m = field(Tag::GPSAltitude)
        .and_then(|f| rational(f, 0))
        .map(|alt| {
            let below = field(Tag::GPSAltitudeRef).and_then(|f| f.value.get_uint(0)) == Some(1);
            if below { -alt } else { alt }
        });
    if let Some((at, assumed)) = taken_at(exif) {
        info.taken_at = Some(at);
        info.taken_at_offset_assumed = assumed;
    }
}

fn gps(exif: &Exif) -> Option<Location> {
    let field = |tag| exif.get_field(tag, In::PRIMARY);
    if field(Tag::GPSStatus).and_then(ascii).as_deref() == Some("V") {
        return None;
    }
    let lat = degrees(field(Tag::GPSLatitude)?)? * sign(field(Tag::GPSLatitudeRef), "S")?;
    let lon = degrees(field(Tag::GPSLongitude)?)? * sign(field(Tag::GPSLongitudeRef), "W")?;
    if lat == 0.0 && lon == 0.0 {
        return None;
    }
    let accuracy = field(Tag::GPSHPositioningError).and_then(|f| rational(f, 0));
    Location::new(lon, lat, accuracy, LocationSource::Exif).ok()
}

/// Degrees from the three rationals degrees, minutes, seconds (seconds may be absent).
fn degrees(f: &Field) -> Option<f64> {
    let d = rational(f, 0)?;
    let m = rational(f, 1).unwrap_or(0.0);
    let s = rational(f, 2).unwrap_or(0.0);
    Some(d + m / 60.0 + s / 3600.0)
}

/// −1 when the ref field says `negative` (`S` or `W`), 1 for the other letter; a missing or
/// unknown ref gives `None`, since guessing a hemisphere would put the case on another
/// continent.
fn sign(f: Option<&Field>, negative: &str) -> Option<f64> {
    match ascii(f?)?.as_str() {
        r if r.eq_ignore_ascii_case(negative) => Some(-1.0),
        "N" | "n" | "E" | "e" => Some(1.0),
        _ => None,
    }
}

fn rational(f: &Field, index: usize) -> Option<f64> {
    let v = match &f.value {
        Value::Rational(v) => v.get(index).filter(|r| r.denom != 0)?.to_f64(),
        Value::SRational(v) => v.get(index).filter(|r| r.denom != 0)?.to_f64(),
        _ => return None,
    };
    v.is_finite().then_some(v)
}

fn ascii(f: &Field) -> Option<String> {
    let Value::Ascii(parts) = &f.value else {
        return None;
    };
    let text = String::from_utf8_lossy(parts.first()?);
    let text = text.trim_matches(|c: char| c.is_whitespace() || c == '\0');
    (!text.is_empty()).then(|| text.to_owned())
}

/// DateTimeOriginal as an instant, and whether its offset was assumed (no OffsetTimeOriginal).
fn taken_at(exif: &Exif) -> Option<(Timestamp, bool)> {
    let raw = |tag| match &exif.get_field(tag, In::PRIMARY)?.value {
        Value::Ascii(parts) => parts.first().cloned(),
        _ => None,
    };
    let mut dt = exif::DateTime::from_ascii(&raw(Tag::DateTimeOriginal)?).ok()?;
    if let Some(sub) = raw(Tag::SubSecTimeOriginal) {
        let _ = dt.parse_subsec(&sub); // a bad sub-second field leaves whole seconds
    }
    if let Some(offset) = raw(Tag::OffsetTimeOriginal) {
        let _ = dt.parse_offset(&offset); // a bad offset falls back to Asia/Shanghai below
    }
    let local: NaiveDateTime =
        NaiveDate::from_ymd_opt(i32::from(dt.year), dt.month.into(), dt.day.into())?
            .and_hms_nano_opt(
                dt.hour.into(),
                dt.minute.into(),
                dt.second.into(),
                dt.nanosecond.unwrap_or(0),
            )?;
    match dt.offset {
        Some(minutes) if minutes.abs() <= 14 * 60 => {
            let utc = local - chrono::Duration::minutes(i64::from(minutes));
            Some((Timestamp(utc.and_utc().timestamp_millis()), false))
        }
        _ => Some((Timestamp::from_shanghai(local), true)),
    }
}
