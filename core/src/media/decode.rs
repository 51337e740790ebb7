//! Decoding to 8-bit RGB, as small as the target allows.
//!
//! JPEG goes through `jpeg-decoder`, whose IDCT can scale by 1/2, 1/4 or 1/8 while decoding: a
//! 12 MP photo bound for a 1920 px upload copy is decoded at 2000×1500, which skips three
//! quarters of the pixel work. The decoder picks the smallest scale that still covers the
//! target, so nothing is ever upscaled by it. Grayscale is widened to RGB; CMYK/YCCK JPEGs
//! (print workflows, never cameras) and PNGs go through the `image` crate at full size.
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
    let format = decoder.info().map(|i| i.pixel_format);
    if !matches!(format, Some(PixelFormat::RGB24 | PixelFormat::L8)) {
        return decode_jpeg_with_image(bytes);
    }
    let clamp = |v: u32| u16::try_from(v.max(1)).unwrap_or(u16::MAX);
    let (w, h) = decoder
        .scale(clamp(target.0), clamp(target.1))
        .map_err(jpeg_error)?;
    let pixels = decoder.decode().map_err(jpeg_error)?;
    let pixels = match format {
        Some(PixelFormat::L8) => pixels.iter().flat_map(|&l| [l, l, l]).collect(),
        _ => pixels,
    };
    RgbImage::from_raw(u32::from(w), u32::from(h), pixels)
        .ok_or_else(|| MediaError::decode("decoded JPEG has fewer pixels than its header says"))
}

/// CMYK, YCCK and 16-bit JPEGs: the `image` crate's decoder converts them to RGB.
fn decode_jpeg_with_image(bytes: &[u8]) -> Result<RgbImage, MediaError> {
    let decoder = image::codecs::jpeg::JpegDecoder::new(Cursor::new(bytes)).map_err(image_error)?;
    let image = image::DynamicImage::from_decoder(decoder).map_err(image_error)?;
    Ok(image.into_rgb8())
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
