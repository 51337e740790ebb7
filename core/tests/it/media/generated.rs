//! `core::media` on images generated here: upright sizes for all eight orientations, the
//! long-edge caps, grayscale/CMYK/PNG inputs, thread-count independence, and bytes that must
//! never make it panic.

use super::{fixture, process};
use gridcase_core::media::{PhotoPipeline, read_exif};
use image::{Rgb, RgbImage};
use proptest::prelude::*;

/// A JPEG of `w × h` with detail, through the `image` crate's encoder (no EXIF).
pub(super) fn generated(w: u32, h: u32) -> Vec<u8> {
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
pub(super) fn with_orientation(jpeg: &[u8], orientation: u8) -> Vec<u8> {
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
pub(super) fn small_with_gps_exif() -> Vec<u8> {
    let photo = fixture("with_gps.jpg");
    let start = photo
        .windows(4)
        .position(|w| w[0] == 0xFF && w[1] == 0xE1)
        .expect("APP1");
    let len = usize::from(u16::from_be_bytes([photo[start + 2], photo[start + 3]]));
    let small = generated(96, 72);
    [&small[..2], &photo[start..start + 2 + len], &small[2..]].concat()
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

#[test]
fn bytes_after_the_eoi_change_only_the_original() {
    // Motion photos and some makers append data (a video, a trailer) after the JPEG's EOI.
    let jpeg = generated(300, 200);
    let with_trailer = [&jpeg[..], b"\0\0\0\x18ftypmp42 appended video"].concat();
    let (plain, trailed) = (
        process(&jpeg).expect("plain"),
        process(&with_trailer).expect("trailer"),
    );
    assert_eq!(
        (plain.upload, plain.thumbnail),
        (trailed.upload, trailed.thumbnail)
    );
    assert_ne!(plain.original, trailed.original);
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
