//! Decoding to 8-bit RGB, as small as the target allows.
//!
//! A JPEG at least twice the target size goes through `jpeg-decoder`, whose IDCT can scale by
//! 1/2, 1/4 or 1/8 while decoding: a 12 MP photo bound for a 1920 px upload copy is decoded at
//! 2000×1500, which skips three quarters of the pixel work. The decoder picks the smallest
//! scale that still covers the target, so nothing is ever upscaled by it; grayscale is widened
//! to RGB. A JPEG that cannot be scaled (less than twice the target: an 8 MP photo for 1920 px)
//! goes through the `image` crate's zune-jpeg at full size, which is faster than jpeg-decoder
//! there; so do CMYK/YCCK JPEGs (print workflows, never cameras), which it converts to RGB.
//! PNGs go through the `image` crate too.
//!
//! Invariant: every path checks the header's dimensions against the pixel limit before it
//! allocates or decodes anything.

use super::error::MediaError;
use super::format::ImageFormat;
use image::{ImageDecoder, RgbImage};
use jpeg_decoder::{Decoder, PixelFormat};
use std::io::{Cursor, ErrorKind};

/// The stored (pre-orientation) width and height of an image, from its header.
pub(crate) fn dimensions(bytes: &[u8], format: ImageFormat) -> Result<(u32, u32), MediaError> {
    let (w, h) = match format {
        ImageFormat::Jpeg => {
            let mut decoder = Decoder::new(bytes);
            decoder.read_info().map_err(jpeg_error)?;
            let info = decoder
                .info()
                .ok_or_else(|| MediaError::decode("JPEG header without a frame"))?;
            (u32::from(info.width), u32::from(info.height))
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

/// Decodes to RGB at the smallest DCT scale whose size covers `target` (stored orientation),
/// or at full size where scaling is not available. The caller has checked the pixel limit.
pub(crate) fn decode_rgb(
    bytes: &[u8],
    format: ImageFormat,
    target: (u32, u32),
) -> Result<RgbImage, MediaError> {
    match format {
        ImageFormat::Jpeg => decode_jpeg(bytes, target),
        ImageFormat::Png => {
            let decoder = png_decoder(bytes)?;
            let image = image::DynamicImage::from_decoder(decoder).map_err(image_error)?;
            Ok(flatten_on_white(image))
        }
    }
}

fn decode_jpeg(bytes: &[u8], target: (u32, u32)) -> Result<RgbImage, MediaError> {
    let mut decoder = Decoder::new(bytes);
    decoder.read_info().map_err(jpeg_error)?;
    let info = decoder
        .info()
        .ok_or_else(|| MediaError::decode("JPEG header without a frame"))?;
    let format = Some(info.pixel_format);
    let clamp = |v: u32| u16::try_from(v.max(1)).unwrap_or(u16::MAX);
    let (w, h) = decoder
        .scale(clamp(target.0), clamp(target.1))
        .map_err(jpeg_error)?;
    let scaled = (w, h) != (info.width, info.height);
    if !scaled || !matches!(format, Some(PixelFormat::RGB24 | PixelFormat::L8)) {
        return decode_jpeg_with_image(bytes);
    }
    let pixels = decoder.decode().map_err(jpeg_error)?;
    let pixels = match format {
        Some(PixelFormat::L8) => pixels.iter().flat_map(|&l| [l, l, l]).collect(),
        _ => pixels,
    };
    RgbImage::from_raw(u32::from(w), u32::from(h), pixels)
        .ok_or_else(|| MediaError::decode("decoded JPEG has fewer pixels than its header says"))
}

/// Full-size decoding with the `image` crate (zune-jpeg): faster than jpeg-decoder at full size
/// (84–86 ms against 93–99 ms for 12 MP here), and it converts CMYK/YCCK to RGB.
fn decode_jpeg_with_image(bytes: &[u8]) -> Result<RgbImage, MediaError> {
    if !reaches_eoi(bytes) {
        return Err(MediaError::Truncated); // zune-jpeg would fill the missing part with grey
    }
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

/// Maps `jpeg-decoder`'s errors: running out of bytes is truncation, a JPEG feature the
/// decoder lacks (arithmetic coding, hierarchical mode) is an unsupported format.
fn jpeg_error(e: jpeg_decoder::Error) -> MediaError {
    match e {
        jpeg_decoder::Error::Io(io) if io.kind() == ErrorKind::UnexpectedEof => {
            MediaError::Truncated
        }
        jpeg_decoder::Error::Unsupported(feature) => {
            MediaError::unsupported(format!("JPEG ({feature:?})"))
        }
        other => MediaError::decode(other),
    }
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
}
