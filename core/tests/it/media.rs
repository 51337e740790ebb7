//! `core::media` on real JPEG fixtures with real EXIF (core/tests/fixtures/photos/, made with
//! ImageMagick, exiftool and cjpeg; see the README there) and on images generated here.

use chrono::NaiveDate;
use gridcase_core::media::{
    ExifStatus, MediaError, PhotoPipeline, ProcessedPhoto, photo_ref, read_exif,
};
use gridcase_core::model::{LocationSource, PhotoRole, Sha256, Timestamp};
use image::{Rgb, RgbImage};
use proptest::prelude::*;

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

/// A JPEG of `w × h` with detail, through the `image` crate's encoder (no EXIF).
fn generated(w: u32, h: u32) -> Vec<u8> {
    let img = RgbImage::from_fn(w, h, |x, y| {
        Rgb([(x / 7) as u8, (y / 5) as u8, ((x ^ y) & 0xFF) as u8])
    });
    let mut out = Vec::new();
    image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, 85)
        .encode_image(&img)
        .expect("encode");
    out
}

/// `jpeg` with an EXIF APP1 segment holding only Orientation = `orientation`, after SOI.
fn with_orientation(jpeg: &[u8], orientation: u8) -> Vec<u8> {
    let tiff: &[u8] = &[
        b'I',
        b'I',
        42,
        0,
        8,
        0,
        0,
        0,
        1,
        0, // little-endian TIFF header, IFD0 with one entry
        0x12,
        0x01,
        3,
        0,
        1,
        0,
        0,
        0,
        orientation,
        0,
        0,
        0, // Orientation, SHORT, 1 value
        0,
        0,
        0,
        0, // no next IFD
    ];
    let len = (2 + 6 + tiff.len()) as u16;
    [
        &jpeg[..2],
        &[0xFF, 0xE1],
        &len.to_be_bytes(),
        b"Exif\0\0",
        tiff,
        &jpeg[2..],
    ]
    .concat()
}

/// A 96×72 JPEG carrying the EXIF segment of the GPS fixture: real EXIF, few pixels, so the
/// property test can afford many cases in the unoptimised test profile.
fn small_with_gps_exif() -> Vec<u8> {
    let photo = fixture("with_gps.jpg");
    let start = photo
        .windows(4)
        .position(|w| w[0] == 0xFF && w[1] == 0xE1)
        .expect("APP1");
    let len = usize::from(u16::from_be_bytes([photo[start + 2], photo[start + 3]]));
    let small = generated(96, 72);
    [&small[..2], &photo[start..start + 2 + len], &small[2..]].concat()
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
fn every_orientation_gives_upright_dimensions() {
    let base = generated(64, 48);
    for orientation in 1..=8u8 {
        let photo = process(&with_orientation(&base, orientation)).expect("process");
        let expected = if orientation >= 5 { (48, 64) } else { (64, 48) };
        assert_eq!(
            (photo.upload.width, photo.upload.height),
            expected,
            "{orientation}"
        );
        assert_eq!(photo.exif.orientation, u16::from(orientation));
    }
}

#[test]
fn output_sizes_cap_the_long_edge_and_never_upscale() {
    let small = process(&fixture("with_gps.jpg")).expect("process");
    assert_eq!(
        (small.upload.width, small.upload.height),
        (640, 480),
        "kept, not upscaled"
    );
    assert_eq!((small.thumbnail.width, small.thumbnail.height), (320, 240));

    // 3900×400 takes the 1/2 DCT-scaled decode (1950×200), the others a full decode. Sizes
    // are kept small because the test profile runs the codecs' generic code unoptimised.
    for ((w, h), upload, thumb) in [
        ((3900, 400), (1920, 197), (320, 33)),
        ((2100, 700), (1920, 640), (320, 107)),
        ((700, 2100), (640, 1920), (107, 320)),
        ((200, 100), (200, 100), (200, 100)),
    ] {
        let photo = process(&generated(w, h)).expect("process");
        assert_eq!((photo.upload.width, photo.upload.height), upload, "{w}×{h}");
        assert_eq!(
            (photo.thumbnail.width, photo.thumbnail.height),
            thumb,
            "{w}×{h}"
        );
        let decoded = image::load_from_memory(&photo.upload.bytes).expect("decode");
        assert_eq!((decoded.width(), decoded.height()), upload);
    }

    let custom = PhotoPipeline {
        upload_long_edge: 1280,
        thumb_long_edge: 160,
        quality: 60,
        ..PhotoPipeline::default()
    };
    let photo = custom.process(&generated(2100, 700)).expect("process");
    assert_eq!((photo.upload.width, photo.upload.height), (1280, 427));
    assert_eq!((photo.thumbnail.width, photo.thumbnail.height), (160, 53));
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
fn hashes_are_stable_across_runs_and_thread_counts() {
    let bytes = fixture("rotated.jpg");
    let first = process(&bytes).expect("process");
    assert_eq!(process(&bytes).expect("process"), first);
    for threads in [1, 2, 3] {
        let pipeline = PhotoPipeline {
            threads,
            ..PhotoPipeline::default()
        };
        assert_eq!(
            pipeline.process(&bytes).expect("process"),
            first,
            "{threads}"
        );
    }
    let big = generated(2100, 700);
    let one = PhotoPipeline {
        threads: 1,
        ..PhotoPipeline::default()
    };
    let four = PhotoPipeline {
        threads: 4,
        ..PhotoPipeline::default()
    };
    assert_eq!(
        one.process(&big).expect("1"),
        four.process(&big).expect("4")
    );
    // The original's hash is the fixture's, as `sha256sum` gives it.
    assert_eq!(
        first.original.sha256.to_hex(),
        "ec51820f08a8e766f4e267b96a52cb701b1cdc0384ed32f538b8385fcccf5526"
    );
    assert_eq!(first.original.size, bytes.len() as u64);
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

#[test]
fn grayscale_cmyk_and_png_inputs() {
    let gray = image::GrayImage::from_fn(300, 200, |x, y| image::Luma([((x + y) % 256) as u8]));
    let mut jpeg = Vec::new();
    image::codecs::jpeg::JpegEncoder::new(&mut jpeg)
        .encode_image(&gray)
        .expect("encode");
    let photo = process(&jpeg).expect("grayscale");
    assert_eq!((photo.upload.width, photo.upload.height), (300, 200));

    let cmyk: Vec<u8> = (0..300 * 200)
        .flat_map(|i| [(i % 256) as u8, 40, 80, 10])
        .collect();
    let mut jpeg = Vec::new();
    jpeg_encoder::Encoder::new(&mut jpeg, 85)
        .encode(&cmyk, 300, 200, jpeg_encoder::ColorType::Cmyk)
        .expect("encode");
    let photo = process(&jpeg).expect("cmyk");
    assert_eq!((photo.thumbnail.width, photo.thumbnail.height), (300, 200));

    let rgba = image::RgbaImage::from_pixel(400, 300, image::Rgba([0, 0, 0, 0]));
    let mut png = Vec::new();
    rgba.write_to(&mut std::io::Cursor::new(&mut png), image::ImageFormat::Png)
        .expect("png");
    let photo = process(&png).expect("png");
    assert_eq!((photo.upload.width, photo.thumbnail.width), (400, 320));
    let upload = image::load_from_memory(&photo.upload.bytes)
        .expect("decode")
        .into_rgb8();
    assert!(
        upload.get_pixel(10, 10).0.iter().all(|&c| c > 245),
        "transparent is white"
    );
    let cut = &png[..png.len() - 20];
    assert_eq!(process(cut).map_err(|e| e.code()), Err("media_truncated"));
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..2048)) {
        let _ = process(&bytes);
        let _ = read_exif(&bytes);
    }

    #[test]
    fn damaged_photos_never_panic(
        edits in proptest::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 1..8),
        cut in proptest::option::of(any::<prop::sample::Index>()),
    ) {
        let mut bytes = small_with_gps_exif();
        for (at, value) in edits {
            let i = at.index(bytes.len());
            bytes[i] = value;
        }
        if let Some(cut) = cut {
            bytes.truncate(cut.index(bytes.len()) + 1);
        }
        let _ = process(&bytes);
        let _ = read_exif(&bytes);
    }
}
