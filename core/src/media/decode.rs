//! Decoding to 8-bit RGB, as small as the target allows.
//!
//! JPEGs go through libjpeg-turbo (the `mozjpeg` crate builds its libjpeg-turbo fork from source;
//! SIMD on x86 with nasm, NEON on ARM), whose IDCT scales by n/8 while decoding: a 12 MP photo
//! bound for a 1920 px upload copy is decoded at 2000×1500 (4/8), an 8 MP one at 5/8. The
//! smallest scale that still covers the target is taken, so nothing is ever upscaled by it;
//! grayscale is widened to RGB by libjpeg. Its entropy decoder is what makes the pipeline fast:
//! 50 ms for the 1/2-scale decode of the benchmark photo against 68–80 ms with jpeg-decoder.
//! CMYK/YCCK JPEGs (print workflows, never cameras) go through the `image` crate's zune-jpeg,
//! which converts them to RGB; so do PNGs (the `image` crate's PNG decoder).
//!
//! libjpeg reports a fatal error by unwinding out of its C code (the crate's error manager);
//! it is caught here and becomes [`MediaError::Decode`]. Warnings about damaged scan data are
//! not fatal: like the phone's own gallery, libjpeg decodes what it can. A file cut off before
//! its EOI marker is refused as [`MediaError::Truncated`] by [`is_complete`], which the
//! pipeline runs beside the decode (libjpeg would fill the missing part with grey).
//!
//! Invariants: every path checks the header's dimensions against the pixel limit before it
//! allocates or decodes anything; JPEG processes that libjpeg here cannot decode (lossless,
//! hierarchical, arithmetic-coded, 12-bit) are named as unsupported from the frame header,
//! before libjpeg sees them. This needs unwinding panics (no `panic = "abort"` profile).

use super::error::MediaError;
use super::format::ImageFormat;
use image::{ImageDecoder, RgbImage};
use std::io::{Cursor, ErrorKind};

/// What a JPEG's frame header (SOF0–SOF2) says.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) struct JpegFrame {
    /// Width in pixels as stored.
    pub width: u32,
    /// Height in pixels as stored.
    pub height: u32,
    /// Number of colour components: 1 (grey), 3 (YCbCr or RGB), 4 (CMYK or YCCK).
    pub components: u8,
}

/// The stored (pre-orientation) width and height of an image, from its header.
pub(crate) fn dimensions(bytes: &[u8], format: ImageFormat) -> Result<(u32, u32), MediaError> {
    let (w, h) = match format {
        ImageFormat::Jpeg => {
            let frame = jpeg_frame(bytes)?;
            (frame.width, frame.height)
        }
        ImageFormat::Png => png_decoder(bytes)?.dimensions(),
    };
    if w == 0 || h == 0 {
        return Err(MediaError::decode(format!("image of {w}×{h} pixels")));
    }
    Ok((w, h))
}

/// Refuses `width × height` above `limit`.
pub(crate) fn check_pixels(width: u32, height: u32, limit: u64) -> Result<(), MediaError> {
    if u64::from(width) * u64::from(height) > limit {
        return Err(MediaError::TooManyPixels {
            width,
            height,
            limit,
        });
    }
    Ok(())
}

/// Whether the image's bytes run on to its end: for a JPEG, whether its segments and
/// entropy-coded data reach an EOI marker. PNGs are checked by their decoder (chunk CRCs).
pub(crate) fn is_complete(bytes: &[u8], format: ImageFormat) -> bool {
    match format {
        ImageFormat::Jpeg => reaches_eoi(bytes),
        ImageFormat::Png => true,
    }
}

/// Decodes and resamples to `size` (stored orientation; never larger than the image). A grey or
/// three-component JPEG is decoded by libjpeg-turbo at the smallest DCT scale that covers
/// `size` and resampled in strips beside the decode when `parallel` ([`super::strips`]), and
/// with `encode: Some(quality)` also encoded as it goes (the encoding is then returned too);
/// CMYK/YCCK JPEGs and PNGs are decoded whole by the `image` crate, then resampled, and never
/// encoded here. The caller has checked the pixel limit and checks [`is_complete`] (the
/// decoders fill a cut-off image with grey instead of failing).
pub(crate) fn decode_resized(
    bytes: &[u8],
    format: ImageFormat,
    size: (u32, u32),
    parallel: bool,
    encode: Option<u8>,
) -> Result<super::strips::Resampled, MediaError> {
    let whole = match format {
        ImageFormat::Jpeg => {
            let frame = jpeg_frame(bytes)?;
            if frame.components != 4 {
                let eighths = dct_eighths(&frame, size);
                return super::strips::decode_resized(bytes, eighths, size, parallel, encode);
            }
            decode_jpeg_with_image(bytes)?
        }
        ImageFormat::Png => {
            let decoder = png_decoder(bytes)?;
            let image = image::DynamicImage::from_decoder(decoder).map_err(image_error)?;
            flatten_on_white(image)
        }
    };
    Ok((super::pixels::resize_to(whole, size.0, size.1)?, None))
}

/// The smallest `n` in 1..=8 for which libjpeg's output at scale n/8 (each side rounded up)
/// is at least `target` on both sides.
fn dct_eighths(frame: &JpegFrame, target: (u32, u32)) -> u8 {
    let covers = |side: u32, want: u32, n: u8| {
        (u64::from(side) * u64::from(n)).div_ceil(8) >= u64::from(want)
    };
    (1..=8u8)
        .find(|&n| covers(frame.width, target.0, n) && covers(frame.height, target.1, n))
        .unwrap_or(8)
}

/// Reads the frame header of a JPEG, walking its segments from SOI. Refuses, as unsupported,
/// the processes libjpeg here cannot decode, and more than 8 bits per sample.
pub(crate) fn jpeg_frame(jpeg: &[u8]) -> Result<JpegFrame, MediaError> {
    let mut at = 2;
    loop {
        let marker = match jpeg.get(at..at + 2) {
            Some(&[0xFF, 0xFF]) => {
                at += 1; // fill byte before a marker
                continue;
            }
            Some(&[0xFF, marker]) => marker,
            Some(_) => {
                return Err(MediaError::decode(format!(
                    "JPEG header damaged: no marker at byte {at}"
                )));
            }
            None => return Err(MediaError::Truncated),
        };
        match marker {
            0x01 | 0xD0..=0xD8 => {
                at += 2; // markers without a length
                continue;
            }
            0xD9 | 0xDA => return Err(MediaError::decode("JPEG without a frame header")),
            _ => {}
        }
        let len = match jpeg.get(at + 2..at + 4) {
            Some(&[hi, lo]) => usize::from(u16::from_be_bytes([hi, lo])),
            _ => return Err(MediaError::Truncated),
        };
        if len < 2 {
            return Err(MediaError::decode(
                "JPEG header damaged: segment length below 2",
            ));
        }
        let body = jpeg
            .get(at + 4..at + 2 + len)
            .ok_or(MediaError::Truncated)?;
        match marker {
            0xC0..=0xC2 => return frame_of(body),
            0xC3 => return Err(MediaError::unsupported("JPEG (lossless)")),
            0xC5..=0xC7 => return Err(MediaError::unsupported("JPEG (hierarchical)")),
            0xC9..=0xCB | 0xCD..=0xCF => {
                return Err(MediaError::unsupported("JPEG (arithmetic coding)"));
            }
            _ => at += 2 + len,
        }
    }
}

fn frame_of(body: &[u8]) -> Result<JpegFrame, MediaError> {
    let &[precision, h0, h1, w0, w1, components, ..] = body else {
        return Err(MediaError::decode("JPEG frame header too short"));
    };
    if precision != 8 {
        return Err(MediaError::unsupported(format!(
            "JPEG ({precision}-bit samples)"
        )));
    }
    let height = u32::from(u16::from_be_bytes([h0, h1]));
    if height == 0 {
        return Err(MediaError::unsupported("JPEG (height in a DNL marker)"));
    }
    Ok(JpegFrame {
        width: u32::from(u16::from_be_bytes([w0, w1])),
        height,
        components,
    })
}

/// Full-size decoding with the `image` crate (zune-jpeg), which converts CMYK/YCCK to RGB.
fn decode_jpeg_with_image(bytes: &[u8]) -> Result<RgbImage, MediaError> {
    let decoder = image::codecs::jpeg::JpegDecoder::new(Cursor::new(bytes)).map_err(image_error)?;
    let image = image::DynamicImage::from_decoder(decoder).map_err(image_error)?;
    Ok(image.into_rgb8())
}

/// Whether a JPEG's segments and entropy-coded data run on to an EOI marker. Bytes after the EOI
/// (an appended motion-photo video, a maker's trailer) do not matter.
fn reaches_eoi(jpeg: &[u8]) -> bool {
    let mut at = 2;
    while at + 1 < jpeg.len() {
        if jpeg[at] != 0xFF {
            // Entropy-coded data: jump to the next 0xFF.
            match jpeg[at..].iter().position(|&b| b == 0xFF) {
                Some(offset) => at += offset,
                None => return false,
            }
            continue;
        }
        match jpeg[at + 1] {
            0xFF => at += 1,                      // fill byte before a marker
            0x00 | 0x01 | 0xD0..=0xD7 => at += 2, // stuffed 0xFF, TEM, RST0–7
            0xD9 => return true,
            _ => match jpeg.get(at + 2..at + 4) {
                Some(&[hi, lo]) => at += 2 + usize::from(u16::from_be_bytes([hi, lo])),
                _ => return false,
            },
        }
    }
    false
}

fn png_decoder(bytes: &[u8]) -> Result<image::codecs::png::PngDecoder<Cursor<&[u8]>>, MediaError> {
    image::codecs::png::PngDecoder::new(Cursor::new(bytes)).map_err(image_error)
}

/// RGB with any transparency composited onto white, as a viewer would show it; plain
/// `into_rgb8` would keep the colour under transparent pixels, often black.
fn flatten_on_white(image: image::DynamicImage) -> RgbImage {
    if !image.color().has_alpha() {
        return image.into_rgb8();
    }
    let rgba = image.into_rgba8();
    let (w, h) = rgba.dimensions();
    let pixels = rgba
        .pixels()
        .flat_map(|p| {
            let [r, g, b, a] = p.0;
            let over =
                |c: u8| ((u16::from(c) * u16::from(a) + 255 * (255 - u16::from(a))) / 255) as u8;
            [over(r), over(g), over(b)]
        })
        .collect();
    RgbImage::from_raw(w, h, pixels).unwrap_or_else(|| RgbImage::new(w, h))
}

fn image_error(e: image::ImageError) -> MediaError {
    use image::ImageError as E;
    match e {
        E::IoError(io) if io.kind() == ErrorKind::UnexpectedEof => MediaError::Truncated,
        E::Unsupported(u) => MediaError::unsupported(u.to_string()),
        other => MediaError::decode(other),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn small_jpeg() -> Vec<u8> {
        let image = RgbImage::from_fn(40, 30, |x, y| image::Rgb([x as u8 * 6, y as u8 * 8, 90]));
        let mut out = Vec::new();
        image::codecs::jpeg::JpegEncoder::new(&mut out)
            .encode_image(&image)
            .expect("encode");
        out
    }

    #[test]
    fn eoi_is_found_whatever_follows_it_and_missed_when_cut() {
        let jpeg = small_jpeg();
        assert!(reaches_eoi(&jpeg));
        let trailer = [&jpeg[..], b"\0\0\0\x18ftypmp42 appended video \xFF\xD8"].concat();
        assert!(reaches_eoi(&trailer));
        for cut in [3, 20, jpeg.len() / 2, jpeg.len() - 1] {
            assert!(!reaches_eoi(&jpeg[..cut]), "cut at {cut}");
        }
    }

    /// `small_jpeg` with its SOF0 marker replaced by `marker` and its precision by `precision`.
    fn with_frame(marker: u8, precision: u8) -> Vec<u8> {
        let mut jpeg = small_jpeg();
        let at = jpeg
            .windows(2)
            .position(|w| w == [0xFF, 0xC0])
            .expect("SOF0");
        jpeg[at + 1] = marker;
        jpeg[at + 4] = precision;
        jpeg
    }

    fn unsupported(bytes: &[u8]) -> String {
        match jpeg_frame(bytes) {
            Err(MediaError::UnsupportedFormat { format }) => format,
            other => panic!("expected unsupported, got {other:?}"),
        }
    }

    #[test]
    fn the_frame_header_gives_size_and_components() {
        let frame = jpeg_frame(&small_jpeg()).expect("frame");
        assert_eq!(
            frame,
            JpegFrame {
                width: 40,
                height: 30,
                components: 3
            }
        );
        // Fill bytes before a marker are allowed.
        let jpeg = small_jpeg();
        let filled = [&jpeg[..2], &[0xFF, 0xFF][..], &jpeg[2..]].concat();
        assert_eq!(jpeg_frame(&filled).expect("frame"), frame);
        assert_eq!(
            jpeg_frame(&with_frame(0xC2, 8)).expect("progressive"),
            frame
        );
    }

    #[test]
    fn processes_libjpeg_cannot_decode_are_named() {
        assert_eq!(unsupported(&with_frame(0xC3, 8)), "JPEG (lossless)");
        assert_eq!(unsupported(&with_frame(0xC5, 8)), "JPEG (hierarchical)");
        assert_eq!(
            unsupported(&with_frame(0xC9, 8)),
            "JPEG (arithmetic coding)"
        );
        assert_eq!(
            unsupported(&with_frame(0xCA, 8)),
            "JPEG (arithmetic coding)"
        );
        assert_eq!(unsupported(&with_frame(0xC1, 12)), "JPEG (12-bit samples)");
    }

    #[test]
    fn a_header_cut_short_is_truncated_and_garbage_is_a_decode_error() {
        let jpeg = small_jpeg();
        let sof = jpeg
            .windows(2)
            .position(|w| w == [0xFF, 0xC0])
            .expect("SOF0");
        for cut in [2, 3, 5, sof + 3, sof + 6] {
            assert_eq!(
                jpeg_frame(&jpeg[..cut]),
                Err(MediaError::Truncated),
                "cut at {cut}"
            );
        }
        let garbage = [&jpeg[..2], b"not a marker"].concat();
        assert!(matches!(
            jpeg_frame(&garbage),
            Err(MediaError::Decode { .. })
        ));
        let no_frame = [&jpeg[..2], &[0xFF, 0xD9][..]].concat();
        assert!(matches!(
            jpeg_frame(&no_frame),
            Err(MediaError::Decode { .. })
        ));
    }

    #[test]
    fn the_smallest_dct_scale_that_covers_the_target_is_taken() {
        let frame = |width, height| JpegFrame {
            width,
            height,
            components: 3,
        };
        assert_eq!(dct_eighths(&frame(4000, 3000), (1920, 1440)), 4); // 2000×1500
        assert_eq!(dct_eighths(&frame(3264, 2448), (1920, 1440)), 5); // 2040×1530
        assert_eq!(dct_eighths(&frame(4032, 3024), (320, 240)), 1); // 504×378
        assert_eq!(dct_eighths(&frame(1920, 1440), (1920, 1440)), 8);
        assert_eq!(dct_eighths(&frame(640, 480), (640, 480)), 8);
        assert_eq!(dct_eighths(&frame(2001, 1), (1000, 1)), 4); // 1001×1: sides round up
    }
}
