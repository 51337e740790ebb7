//! Benchmarks of the photo pipeline on a 12-megapixel (4000×3000) JPEG made at startup from a
//! deterministic synthetic scene with detail (no big file in the repository). In one run:
//! - `decode_only/image`: full decode with the plain `image` crate, the reference;
//! - `decode_only/libjpeg_full` and `decode_only/libjpeg_half`: libjpeg-turbo (the decoder the
//!   pipeline uses) at full size and at the 1/2 DCT scale it uses for a 1920 px upload copy;
//! - `pipeline/process` (orientation 1), `pipeline/process_rotated` (orientation 6) and
//!   `pipeline/process_one_thread` (`threads: 1`: all the work on the calling thread);
//! - `plain_image_path`: full decode + `image::imageops::resize` Lanczos3 to 1920 px + a 320 px
//!   thumbnail + JPEG encoding of both, the way one would write it with `image` alone;
//! - `steps/*`: parts apart: encoding a 1920×1440 upload copy with the `image` crate and with
//!   jpeg-encoder on one thread, resampling 2000×1500 → 1920×1440 with Lanczos3 and
//!   Catmull-Rom, reading EXIF, hashing the original.
//!
//! Figures and the ratios to `decode_only/image` go to docs/media.md ("Measured").
#![allow(missing_docs)] // `criterion_group!` generates an undocumented pub fn.

use criterion::{Criterion, criterion_group, criterion_main};
use fast_image_resize as fir;
use gridcase_core::media::{PhotoPipeline, read_exif};
use gridcase_core::model::Sha256;
use image::imageops::FilterType;
use image::{ImageFormat, RgbImage};
use std::hint::black_box;

const WIDTH: u32 = 4000;
const HEIGHT: u32 = 3000;

/// A street-like scene: sky gradient, facade blocks with windows, and fine deterministic noise
/// (xorshift) standing in for sensor grain and texture, so the entropy-coded data is about as
/// dense as a phone photo's (a few MB at quality 90).
fn scene() -> RgbImage {
    let mut state = 0x9E37_79B9_7F4A_7C15_u64;
    let mut noise = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        (state & 0x1F) as i32 - 16
    };
    RgbImage::from_fn(WIDTH, HEIGHT, |x, y| {
        let (fx, fy) = (x as f32 / WIDTH as f32, y as f32 / HEIGHT as f32);
        let base = if fy < 0.35 {
            [110.0 + 90.0 * fy, 150.0 + 60.0 * fy, 210.0 - 20.0 * fy]
        } else if (x / 500 + y / 400) % 2 == 0 {
            let window = x % 100 < 60 && y % 120 < 70;
            if window {
                [60.0, 70.0, 90.0]
            } else {
                [180.0, 160.0, 140.0]
            }
        } else {
            let stripes = ((fx * 180.0).sin() * (fy * 90.0).cos() * 40.0).abs();
            [120.0 + stripes, 110.0 + stripes, 100.0]
        };
        let grain = noise();
        image::Rgb(base.map(|c| (c as i32 + grain).clamp(0, 255) as u8))
    })
}

/// libjpeg-turbo (the `mozjpeg` crate) decoding to RGB at scale `eighths`/8.
fn libjpeg_decode(jpeg: &[u8], eighths: u8) -> Vec<u8> {
    let mut decompress = mozjpeg::Decompress::new_mem(jpeg).expect("header");
    decompress.scale(eighths);
    let mut started = decompress.rgb().expect("start");
    let pixels: Vec<u8> = started.read_scanlines().expect("decode");
    started.finish().expect("finish");
    pixels
}

fn encode(image: &RgbImage, quality: u8) -> Vec<u8> {
    let mut out = Vec::new();
    image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, quality)
        .encode_image(image)
        .expect("encode the benchmark input");
    out
}

/// `jpeg` with an EXIF APP1 segment holding only Orientation = `orientation`, after SOI.
fn with_orientation(jpeg: &[u8], orientation: u8) -> Vec<u8> {
    let tiff: &[u8] = &[
        b'M',
        b'M',
        0,
        42,
        0,
        0,
        0,
        8, // big-endian TIFF header, IFD0 at offset 8
        0,
        1, // one entry
        0x01,
        0x12,
        0,
        3,
        0,
        0,
        0,
        1,
        0,
        orientation,
        0,
        0, // Orientation, SHORT, 1 value
        0,
        0,
        0,
        0, // no next IFD
    ];
    let len = (2 + 6 + tiff.len()) as u16;
    let mut out = jpeg[..2].to_vec();
    out.extend_from_slice(&[0xFF, 0xE1]);
    out.extend_from_slice(&len.to_be_bytes());
    out.extend_from_slice(b"Exif\0\0");
    out.extend_from_slice(tiff);
    out.extend_from_slice(&jpeg[2..]);
    out
}

/// The plain `image` crate path, for comparison with the pipeline.
fn plain_image_path(bytes: &[u8]) -> (Vec<u8>, Vec<u8>) {
    let decoded = image::load_from_memory_with_format(bytes, ImageFormat::Jpeg)
        .expect("decode")
        .into_rgb8();
    let upload = image::imageops::resize(&decoded, 1920, 1440, FilterType::Lanczos3);
    let thumb = image::imageops::resize(&upload, 320, 240, FilterType::Lanczos3);
    (encode(&upload, 80), encode(&thumb, 80))
}

fn media_benches(c: &mut Criterion) {
    let scene = scene();
    let bytes = encode(&scene, 90);
    let rotated = with_orientation(&bytes, 6);
    eprintln!(
        "benchmark input: {WIDTH}×{HEIGHT} JPEG, {} bytes",
        bytes.len()
    );
    let pipeline = PhotoPipeline::default();
    let one_thread = PhotoPipeline {
        threads: 1,
        ..PhotoPipeline::default()
    };

    let mut group = c.benchmark_group("media_12mp");
    group.sample_size(20);
    group.bench_function("decode_only/image", |b| {
        b.iter(|| {
            black_box(image::load_from_memory_with_format(
                black_box(&bytes),
                ImageFormat::Jpeg,
            ))
        })
    });
    group.bench_function("decode_only/libjpeg_full", |b| {
        b.iter(|| black_box(libjpeg_decode(black_box(&bytes), 8)))
    });
    group.bench_function("decode_only/libjpeg_half", |b| {
        b.iter(|| black_box(libjpeg_decode(black_box(&bytes), 4)))
    });
    group.bench_function("pipeline/process", |b| {
        b.iter(|| black_box(pipeline.process(black_box(&bytes)).expect("process")))
    });
    group.bench_function("pipeline/process_rotated", |b| {
        b.iter(|| black_box(pipeline.process(black_box(&rotated)).expect("process")))
    });
    group.bench_function("pipeline/process_one_thread", |b| {
        b.iter(|| black_box(one_thread.process(black_box(&bytes)).expect("process")))
    });
    group.bench_function("plain_image_path", |b| {
        b.iter(|| black_box(plain_image_path(black_box(&bytes))))
    });
    let upload = image::imageops::thumbnail(&scene, 1920, 1440);
    group.bench_function("steps/encode_upload/image_crate", |b| {
        b.iter(|| black_box(encode(black_box(&upload), 80)))
    });
    group.bench_function("steps/encode_upload/jpeg_encoder_one_thread", |b| {
        b.iter(|| {
            let mut out = Vec::new();
            jpeg_encoder::Encoder::new(&mut out, 80)
                .encode(upload.as_raw(), 1920, 1440, jpeg_encoder::ColorType::Rgb)
                .expect("encode");
            black_box(out)
        })
    });
    let half = image::imageops::thumbnail(&scene, 2000, 1500);
    for (name, filter) in [
        ("lanczos3", fir::FilterType::Lanczos3),
        ("catmull_rom", fir::FilterType::CatmullRom),
    ] {
        group.bench_function(format!("steps/resize_2000_to_1920/{name}"), |b| {
            b.iter(|| {
                let src =
                    fir::images::ImageRef::new(2000, 1500, half.as_raw(), fir::PixelType::U8x3)
                        .expect("source");
                let mut dst = fir::images::Image::new(1920, 1440, fir::PixelType::U8x3);
                let options =
                    fir::ResizeOptions::new().resize_alg(fir::ResizeAlg::Convolution(filter));
                fir::Resizer::new()
                    .resize(&src, &mut dst, &options)
                    .expect("resize");
                black_box(dst)
            })
        });
    }
    group.bench_function("steps/read_exif_no_exif", |b| {
        b.iter(|| black_box(read_exif(black_box(&bytes))))
    });
    group.bench_function("steps/read_exif_with_exif", |b| {
        b.iter(|| black_box(read_exif(black_box(&rotated))))
    });
    group.bench_function("steps/sha256_original", |b| {
        b.iter(|| black_box(Sha256::digest(black_box(&bytes))))
    });
    group.finish();
}

criterion_group!(benches, media_benches);
criterion_main!(benches);
