//! JPEG encoding of the derivatives (jpeg-encoder, scalar code, no `unsafe` in it), optionally
//! spread over threads in horizontal bands.
//!
//! Every derivative is baseline JPEG, 4:2:0 chroma (box-averaged), the standard Huffman tables,
//! a JFIF header and no EXIF, XMP or ICC segment, with a restart marker after every row of
//! MCUs (16 pixel rows; about 2.5 bytes a row). The restart markers make the scan splittable:
//! after a restart the entropy coder starts afresh, so bands of 8 MCU rows (128 pixel rows; the
//! marker numbers RST0–RST7 cycle every 8) can be encoded apart and joined with `RST7` between
//! them. The joined file is byte-for-byte the file a single encoder writes (a unit test holds
//! it to that), so the output never depends on the number of threads.

use super::error::MediaError;
use image::RgbImage;
use jpeg_encoder::{ChromaSubsamplingMethod, ColorType, Encoder, SamplingFactor};

/// Pixel rows in one MCU at 4:2:0.
const MCU_ROWS: u32 = 16;
/// Pixel rows in one band unit: 8 MCU rows, one full RST0–RST7 cycle. Bands of whole units
/// (the last may be shorter) can be encoded apart and joined by [`join_bands`].
pub(crate) const BAND_UNIT: u32 = 8 * MCU_ROWS;

/// Encodes `image` at `quality` (clamped to 1–100) on up to `threads` threads.
pub(crate) fn encode_jpeg(
    image: &RgbImage,
    quality: u8,
    threads: usize,
) -> Result<Vec<u8>, MediaError> {
    let h = image.height();
    let units = h.div_ceil(BAND_UNIT) as usize;
    let bands = threads.clamp(1, units.max(1));
    if bands == 1 {
        return encode_rows(image, 0, h, quality);
    }
    let rows_per_band = units.div_ceil(bands) as u32 * BAND_UNIT;
    let parts: Vec<Result<Vec<u8>, MediaError>> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..h)
            .step_by(rows_per_band as usize)
            .map(|y0| {
                let y1 = (y0 + rows_per_band).min(h);
                scope.spawn(move || encode_rows(image, y0, y1, quality))
            })
            .collect();
        handles
            .into_iter()
            .map(|handle| {
                handle
                    .join()
                    .unwrap_or_else(|_| Err(encode_error("a band panicked")))
            })
            .collect()
    });
    let parts = parts.into_iter().collect::<Result<Vec<_>, _>>()?;
    join_bands(&parts, h)
}

/// Pixel rows `y0..y1` of `image` as a JPEG of their own.
fn encode_rows(image: &RgbImage, y0: u32, y1: u32, quality: u8) -> Result<Vec<u8>, MediaError> {
    let row_bytes = image.width() as usize * 3;
    let pixels = image
        .as_raw()
        .get(y0 as usize * row_bytes..y1 as usize * row_bytes)
        .ok_or_else(|| encode_error("band outside the image"))?;
    encode_band(pixels, image.width(), quality)
}

/// Whole RGB rows of `width` pixels as a JPEG of their own, with the restart interval that
/// lets bands of [`BAND_UNIT`] rows be joined by [`join_bands`].
pub(crate) fn encode_band(pixels: &[u8], w: u32, quality: u8) -> Result<Vec<u8>, MediaError> {
    let side = |v: usize| {
        u16::try_from(v).map_err(|_| encode_error(format!("{v} pixels exceeds JPEG's 65535")))
    };
    let row_bytes = w as usize * 3;
    if row_bytes == 0 || !pixels.len().is_multiple_of(row_bytes) {
        return Err(encode_error("a band of partial rows"));
    }
    let (width, height) = (side(w as usize)?, side(pixels.len() / row_bytes)?);
    let mut out = Vec::with_capacity(pixels.len() / 8);
    let mut encoder = Encoder::new(&mut out, quality.clamp(1, 100));
    encoder.set_sampling_factor(SamplingFactor::F_2_2);
    encoder.set_chroma_subsampling_method(ChromaSubsamplingMethod::Average);
    encoder.set_restart_interval(width.div_ceil(MCU_ROWS as u16));
    encoder
        .encode(pixels, width, height, ColorType::Rgb)
        .map_err(encode_error)?;
    Ok(out)
}

/// Joins band JPEGs into one: the first band's headers with the full height, every band's scan
/// data separated by `RST7`, one EOI. Every band but the last must have [`BAND_UNIT`] rows.
pub(crate) fn join_bands(parts: &[Vec<u8>], height: u32) -> Result<Vec<u8>, MediaError> {
    let mut out = Vec::with_capacity(parts.iter().map(Vec::len).sum());
    for (i, part) in parts.iter().enumerate() {
        let layout = scan_layout(part).ok_or_else(|| encode_error("unexpected band layout"))?;
        if i == 0 {
            out.extend_from_slice(&part[..layout.scan_end]);
            let h = u16::try_from(height).map_err(encode_error)?;
            out[layout.sof_height..layout.sof_height + 2].copy_from_slice(&h.to_be_bytes());
        } else {
            out.extend_from_slice(&[0xFF, 0xD7]);
            out.extend_from_slice(&part[layout.scan_start..layout.scan_end]);
        }
    }
    out.extend_from_slice(&[0xFF, 0xD9]);
    Ok(out)
}

/// Where the pieces of a single-scan baseline JPEG written by the encoder are.
struct ScanLayout {
    /// Offset of the two height bytes in the SOF0 segment.
    sof_height: usize,
    /// Offset of the first byte of entropy-coded data (after the SOS segment).
    scan_start: usize,
    /// Offset of the final EOI marker.
    scan_end: usize,
}

fn scan_layout(jpeg: &[u8]) -> Option<ScanLayout> {
    let scan_end = jpeg.len().checked_sub(2)?;
    if !jpeg.starts_with(&[0xFF, 0xD8]) || !jpeg.ends_with(&[0xFF, 0xD9]) {
        return None;
    }
    let (mut at, mut sof_height) = (2, None);
    loop {
        if jpeg.get(at) != Some(&0xFF) {
            return None;
        }
        let marker = *jpeg.get(at + 1)?;
        let len = usize::from(read_u16(jpeg, at + 2)?);
        match marker {
            0xC0 => sof_height = Some(at + 5),
            0xDA => {
                return Some(ScanLayout {
                    sof_height: sof_height?,
                    scan_start: at + 2 + len,
                    scan_end,
                });
            }
            _ => {}
        }
        at += 2 + len;
    }
}

fn read_u16(bytes: &[u8], at: usize) -> Option<u16> {
    Some(u16::from_be_bytes(bytes.get(at..at + 2)?.try_into().ok()?))
}

fn encode_error(reason: impl std::fmt::Display) -> MediaError {
    MediaError::Encode {
        reason: reason.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn picture(w: u32, h: u32) -> RgbImage {
        RgbImage::from_fn(w, h, |x, y| {
            image::Rgb([(x * 7 + y) as u8, (y * 3) as u8, ((x ^ y) * 5) as u8])
        })
    }

    #[test]
    fn banded_encoding_is_byte_identical_to_one_encoder() {
        // Heights around the band unit, a height that is not a multiple of 16, odd widths.
        for (w, h) in [
            (1, 1),
            (17, 127),
            (33, 128),
            (64, 129),
            (100, 257),
            (97, 700),
        ] {
            let image = picture(w, h);
            let single = encode_jpeg(&image, 80, 1).expect("encode");
            for threads in [2, 3, 4, 16] {
                let banded = encode_jpeg(&image, 80, threads).expect("encode");
                assert_eq!(banded, single, "{w}×{h} on {threads} threads");
            }
            let decoded = image::load_from_memory(&single)
                .expect("decodes")
                .into_rgb8();
            assert_eq!(decoded.dimensions(), (w, h));
        }
    }

    #[test]
    fn writes_no_metadata_segments() {
        let jpeg = encode_jpeg(&picture(300, 300), 80, 2).expect("encode");
        let mut at = 2;
        while jpeg[at] == 0xFF && jpeg[at + 1] != 0xDA {
            let marker = jpeg[at + 1];
            assert!(
                !(0xE1..=0xEF).contains(&marker),
                "APP{} written",
                marker - 0xE0
            );
            at += 2 + usize::from(read_u16(&jpeg, at + 2).expect("length"));
        }
        assert_eq!(jpeg[at + 1], 0xDA, "reached the scan");
    }
}
