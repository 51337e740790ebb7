//! `core::media` on real JPEG fixtures with real EXIF (core/tests/fixtures/photos/, made with
//! ImageMagick, exiftool and cjpeg; see the README there). Images generated in the test itself
//! (sizes, other inputs, thread counts, damaged bytes) are in `media/generated.rs`.

mod generated;

use generated::small_with_gps_exif;

use chrono::NaiveDate;
use gridcase_core::media::{
    ExifStatus, MediaError, PhotoPipeline, ProcessedPhoto, photo_ref, read_exif,
};
use gridcase_core::model::{LocationSource, PhotoRole, Sha256, Timestamp};
use image::Rgb;

fn fixture(name: &str) -> Vec<u8> {
    let path = format!(
        "{}/tests/fixtures/photos/{name}",
        env!("CARGO_MANIFEST_DIR")
    );
    std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

fn process(bytes: &[u8]) -> Result<ProcessedPhoto, MediaError> {
    PhotoPipeline::default().process(bytes)
}

fn shanghai(y: i32, mo: u32, d: u32, h: u32, mi: u32, s: u32) -> Timestamp {
    let local = NaiveDate::from_ymd_opt(y, mo, d).and_then(|d| d.and_hms_opt(h, mi, s));
    Timestamp::from_shanghai(local.expect("valid date"))
}

fn is_red(p: &Rgb<u8>) -> bool {
    p.0[0] > 200 && p.0[1] < 60 && p.0[2] < 60
}

#[test]
fn gps_time_camera_read_from_the_gps_fixture() {
    let info = read_exif(&fixture("with_gps.jpg")).expect("read");
    let gps = info.gps.expect("gps");
    assert!((gps.lat - 36.0611).abs() < 1e-6, "lat {}", gps.lat);
    assert!((gps.lon - 103.8343).abs() < 1e-6, "lon {}", gps.lon);
    assert_eq!(gps.accuracy_m, Some(5.0));
    assert_eq!(gps.source, LocationSource::Exif);
    assert_eq!(info.altitude_m, Some(1520.0));
    assert_eq!(info.taken_at, Some(shanghai(2026, 9, 28, 9, 15, 30)));
    assert!(!info.taken_at_offset_assumed);
    assert_eq!(info.orientation, 1);
    assert_eq!(info.make.as_deref(), Some("HUAWEI"));
    assert_eq!(info.model.as_deref(), Some("MatePad 11"));
    assert_eq!(
        (info.width, info.height, info.status),
        (640, 480, ExifStatus::Read)
    );
}

#[test]
fn rotated_fixture_reads_orientation_and_gps_without_accuracy() {
    let info = read_exif(&fixture("rotated.jpg")).expect("read");
    assert_eq!(info.orientation, 6);
    assert_eq!(
        (info.width, info.height),
        (640, 480),
        "stored size, before orientation"
    );
    let gps = info.gps.expect("gps");
    assert!((gps.lat - 36.0573).abs() < 1e-6 && (gps.lon - 103.8236).abs() < 1e-6);
    assert_eq!((gps.accuracy_m, info.altitude_m), (None, None));
    assert_eq!(info.taken_at, Some(shanghai(2026, 9, 28, 14, 2, 7)));
    assert_eq!(info.make.as_deref(), Some("Xiaomi"));
}

#[test]
fn time_without_offset_is_read_as_shanghai_and_flagged() {
    let info = read_exif(&fixture("no_gps.jpg")).expect("read");
    assert_eq!((info.gps, info.altitude_m), (None, None));
    assert_eq!(info.taken_at, Some(shanghai(2026, 9, 29, 17, 45, 0)));
    assert!(info.taken_at_offset_assumed);
    assert_eq!(info.orientation, 1);
}

#[test]
fn orientation_is_applied_to_the_derivatives() {
    let photo = process(&fixture("rotated.jpg")).expect("process");
    assert_eq!(
        (photo.upload.width, photo.upload.height),
        (480, 640),
        "portrait"
    );
    assert_eq!((photo.thumbnail.width, photo.thumbnail.height), (240, 320));
    // The red block at the stored top-left is at the top-right once turned 90° clockwise.
    let upload = image::load_from_memory(&photo.upload.bytes)
        .expect("decode")
        .into_rgb8();
    assert_eq!(upload.dimensions(), (480, 640));
    assert!(is_red(upload.get_pixel(480 - 40, 40)), "top-right is red");
    assert!(!is_red(upload.get_pixel(40, 40)), "top-left is not");

    let straight = process(&fixture("with_gps.jpg")).expect("process");
    let upload = image::load_from_memory(&straight.upload.bytes)
        .expect("decode")
        .into_rgb8();
    assert!(
        is_red(upload.get_pixel(40, 40)),
        "unrotated: red stays top-left"
    );
}

#[test]
fn derivatives_carry_no_exif() {
    let photo = process(&fixture("with_gps.jpg")).expect("process");
    for derivative in [&photo.upload, &photo.thumbnail] {
        let info = read_exif(&derivative.bytes).expect("a JPEG");
        assert_eq!(info.status, ExifStatus::Absent);
        assert_eq!((info.gps, info.make, info.orientation), (None, None, 1));
        assert!(!derivative.bytes.windows(6).any(|w| w == b"Exif\0\0"));
        assert_eq!(derivative.sha256, Sha256::digest(&derivative.bytes));
    }
}

#[test]
fn photo_ref_names_the_upload_copy() {
    let photo = process(&fixture("with_gps.jpg")).expect("process");
    let r = photo_ref(&photo, PhotoRole::Before);
    assert_eq!(r.sha256, photo.upload.sha256);
    assert_eq!(r.size, photo.upload.bytes.len() as u64);
    assert_eq!(
        (r.role, r.taken_at),
        (PhotoRole::Before, photo.exif.taken_at)
    );
    assert_eq!(r.location, photo.exif.gps);
    assert_ne!(r.sha256, photo.original.sha256);
}

#[test]
fn bad_files_are_refused_with_their_codes() {
    let cases = [
        ("truncated.jpg", "media_truncated"),
        ("oversized.jpg", "media_too_many_pixels"),
        ("not_supported.heic", "media_unsupported_format"),
        ("not_an_image.txt", "media_not_an_image"),
    ];
    for (name, code) in cases {
        let err = process(&fixture(name)).expect_err(name);
        assert_eq!(err.code(), code, "{name}: {err}");
    }
    assert_eq!(
        process(&fixture("oversized.jpg")),
        Err(MediaError::TooManyPixels {
            width: 10_000,
            height: 10_000,
            limit: 50_000_000
        })
    );
    assert_eq!(
        process(&fixture("not_supported.heic")),
        Err(MediaError::UnsupportedFormat {
            format: "HEIC".into()
        })
    );
    assert_eq!(process(b""), Err(MediaError::NotAnImage));
    assert!(
        read_exif(&small_with_gps_exif())
            .expect("read")
            .gps
            .is_some()
    );
    // The truncated file's header and EXIF are intact: metadata reads, pixels do not.
    let info = read_exif(&fixture("truncated.jpg")).expect("header is intact");
    assert!(info.gps.is_some());
    // The pixel limit is the pipeline's to set.
    let lenient = PhotoPipeline {
        max_pixels: 100_000,
        ..PhotoPipeline::default()
    };
    assert_eq!(
        lenient
            .process(&fixture("with_gps.jpg"))
            .map_err(|e| e.code()),
        Err("media_too_many_pixels")
    );
}
