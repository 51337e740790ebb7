//! A JPEG decoded and resampled in strips, the two overlapped: libjpeg-turbo decodes the next
//! rows on one thread while another resamples the output rows that the rows already decoded
//! complete. libjpeg's decode is single-threaded and the longest step, so on a device with two
//! or more cores the resampling costs almost no wall time (docs/media.md).
//!
//! When asked (an upright photo on two or more threads), the resampling thread also encodes the
//! output in units of [`BAND_UNIT`] rows as soon as they are resampled; the units are joined
//! with restart markers into the very bytes one encoder writes ([`super::encode`]), so most of
//! the encode leaves the critical path too.
//!
//! The output is cut into bands of [`BAND_ROWS`] rows. Each band is resampled by
//! fast_image_resize from a crop of the source rows its filter support covers, so rows are only
//! clamped at the image's true top and bottom edges, as in one whole-image resample.
//!
//! Invariants:
//! - the bands are fixed by the image sizes alone, never by the number of threads: the pixels
//!   are the same whether the bands are resampled beside the decode or after it;
//! - every source row is used only after libjpeg has written it; a decode that ends early is an
//!   error, never a partly filled image;
//! - libjpeg's fatal errors (an unwinding panic out of its C code) become [`MediaError::Decode`].

use super::encode::{BAND_UNIT, encode_band, join_bands};
use super::error::MediaError;
use fast_image_resize::images::{Image, ImageRef};
use fast_image_resize::{FilterType, PixelType, ResizeAlg, ResizeOptions, Resizer};
use image::RgbImage;
use std::io::ErrorKind;
use std::sync::mpsc;

/// Source rows handed from the decoder to the resampler at a time.
const STRIP_ROWS: usize = 32;
/// Output rows resampled at a time.
const BAND_ROWS: u32 = 64;
/// Half-width of the Catmull-Rom kernel in source pixels at scale 1 (fast_image_resize's support).
const SUPPORT: f64 = 2.0;
/// Strips in flight between the two threads.
const IN_FLIGHT: usize = 4;

/// The resampled image and, when it was asked for, its JPEG encoding.
pub(crate) type Resampled = (RgbImage, Option<Vec<u8>>);

/// Decodes a grey or three-component JPEG at scale `eighths`/8 (libjpeg-turbo, as RGB) and
/// resamples it to `size` (Catmull-Rom, widening with the reduction), on two threads when
/// `parallel`; with `encode: Some(quality)` also encodes the result as it goes. `size` must not
/// exceed the decoded size.
pub(crate) fn decode_resized(
    jpeg: &[u8],
    eighths: u8,
    size: (u32, u32),
    parallel: bool,
    encode: Option<u8>,
) -> Result<Resampled, MediaError> {
    if !parallel {
        let mut bands: Option<Bands> = None;
        decode_strips(jpeg, eighths, |source, rows| {
            let bands = match &mut bands {
                Some(bands) => bands,
                None => bands.insert(Bands::new(source, size, encode)?),
            };
            bands.push(rows)
        })?;
        return bands
            .ok_or_else(|| MediaError::decode("JPEG without scanlines"))?
            .finish();
    }
    let (full_tx, full_rx) = mpsc::sync_channel::<Strip>(IN_FLIGHT);
    let (free_tx, free_rx) = mpsc::channel::<Vec<u8>>();
    std::thread::scope(|scope| {
        let resampler = scope.spawn(move || -> Result<Option<Resampled>, MediaError> {
            let mut bands: Option<Bands> = None;
            for strip in full_rx {
                let bands = match &mut bands {
                    Some(bands) => bands,
                    None => bands.insert(Bands::new(strip.source, size, encode)?),
                };
                bands.push(&strip.rows)?;
                let _ = free_tx.send(strip.rows); // the decoder may already be done
            }
            bands.map(Bands::finish).transpose()
        });
        let mut resampler_stopped = false;
        let decoded = decode_strips(jpeg, eighths, |source, rows| {
            let mut buffer = free_rx.try_recv().unwrap_or_default();
            buffer.clear();
            buffer.extend_from_slice(rows);
            let sent = full_tx.send(Strip {
                source,
                rows: buffer,
            });
            resampler_stopped = sent.is_err();
            sent.map_err(|_| MediaError::decode("resampling stopped"))
        });
        drop(full_tx);
        let resampled = resampler
            .join()
            .unwrap_or_else(|_| Err(MediaError::decode("the resampling thread panicked")));
        // Whichever side failed first has the error that explains it: the resampler only stops
        // early when it failed; otherwise a decode error is the cause of anything that follows.
        match (decoded, resampled) {
            (Err(_), Err(e)) if resampler_stopped => Err(e),
            (Err(e), _) => Err(e),
            (Ok(()), resampled) => {
                resampled?.ok_or_else(|| MediaError::decode("JPEG without scanlines"))
            }
        }
    })
}

/// Rows of decoded pixels on their way to the resampler.
struct Strip {
    /// The decoded image's size.
    source: (u32, u32),
    /// Whole RGB rows, in order.
    rows: Vec<u8>,
}

/// Runs libjpeg-turbo over `jpeg` at scale `eighths`/8 and hands each strip of decoded RGB rows
/// to `sink` with the decoded size, in order, until the last row.
fn decode_strips(
    jpeg: &[u8],
    eighths: u8,
    mut sink: impl FnMut((u32, u32), &[u8]) -> Result<(), MediaError>,
) -> Result<(), MediaError> {
    let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(
        || -> Result<(), MediaError> {
            let mut decompress = mozjpeg::Decompress::new_mem(jpeg).map_err(io_error)?;
            decompress.scale(eighths);
            let mut started = decompress.rgb().map_err(io_error)?;
            let (w, h) = (started.width(), started.height());
            let side = |v: usize| u32::try_from(v).map_err(MediaError::decode);
            let source = (side(w)?, side(h)?);
            let row_bytes = w * 3;
            let mut strip = vec![0u8; row_bytes * STRIP_ROWS.min(h)];
            let mut done = 0;
            while done < h {
                let rows = STRIP_ROWS.min(h - done);
                let filled = started
                    .read_scanlines_into::<u8>(&mut strip[..rows * row_bytes])
                    .map_err(io_error)?;
                sink(source, filled)?;
                done += rows;
            }
            started.finish().map_err(io_error)
        },
    ));
    outcome.unwrap_or_else(|payload| Err(MediaError::decode(libjpeg_message(payload.as_ref()))))
}

/// The output image, resampled band by band from the source rows received so far.
struct Bands {
    source: (u32, u32),
    size: (u32, u32),
    /// Source rows `window_top..received`, contiguous RGB.
    window: Vec<u8>,
    window_top: u32,
    received: u32,
    /// The next band to resample.
    next_band: u32,
    output: Vec<u8>,
    resizer: Resizer,
    /// Encoding as it goes: the quality, and the units of [`BAND_UNIT`] rows encoded so far.
    encoding: Option<(u8, Vec<Vec<u8>>)>,
}

impl Bands {
    fn new(source: (u32, u32), size: (u32, u32), encode: Option<u8>) -> Result<Self, MediaError> {
        if size.0 == 0 || size.1 == 0 || size.0 > source.0 || size.1 > source.1 {
            return Err(MediaError::decode(format!(
                "cannot resample {}×{} to {}×{}",
                source.0, source.1, size.0, size.1
            )));
        }
        Ok(Self {
            source,
            size,
            window: Vec::new(),
            window_top: 0,
            received: 0,
            next_band: 0,
            output: vec![0; size.0 as usize * size.1 as usize * 3],
            resizer: Resizer::new(),
            encoding: encode.map(|quality| (quality, Vec::new())),
        })
    }

    fn row_bytes(&self) -> usize {
        self.source.0 as usize * 3
    }

    /// Source rows per output row.
    fn scale(&self) -> f64 {
        f64::from(self.source.1) / f64::from(self.size.1)
    }

    /// Output rows of band `band`.
    fn band_rows(&self, band: u32) -> (u32, u32) {
        let top = band * BAND_ROWS;
        (top, (top + BAND_ROWS).min(self.size.1))
    }

    /// Source rows band `band` reads: its crop widened by the kernel's reach and a row of slack.
    fn band_source(&self, band: u32) -> (u32, u32) {
        let (top, bottom) = self.band_rows(band);
        let scale = self.scale();
        let reach = SUPPORT * scale.max(1.0) + 1.0;
        let first = (f64::from(top) * scale - reach).floor().max(0.0) as u32;
        let last = ((f64::from(bottom) * scale + reach).ceil() as u32).min(self.source.1);
        (first, last)
    }

    fn bands(&self) -> u32 {
        self.size.1.div_ceil(BAND_ROWS)
    }

    /// Takes the next decoded rows and resamples every band they complete.
    fn push(&mut self, rows: &[u8]) -> Result<(), MediaError> {
        let row_bytes = self.row_bytes();
        if !rows.len().is_multiple_of(row_bytes) {
            return Err(MediaError::decode("a strip of partial rows"));
        }
        self.window.extend_from_slice(rows);
        self.received += (rows.len() / row_bytes) as u32;
        if self.received > self.source.1 {
            return Err(MediaError::decode("more rows than the image has"));
        }
        while self.next_band < self.bands() && self.band_source(self.next_band).1 <= self.received {
            self.resample(self.next_band)?;
            self.next_band += 1;
            self.encode_ready()?;
            // Drop the rows no later band reads.
            if self.next_band < self.bands() {
                let keep_from = self.band_source(self.next_band).0;
                if keep_from > self.window_top {
                    let drop = (keep_from - self.window_top) as usize * row_bytes;
                    self.window.drain(..drop);
                    self.window_top = keep_from;
                }
            }
        }
        Ok(())
    }

    fn resample(&mut self, band: u32) -> Result<(), MediaError> {
        let (top, bottom) = self.band_rows(band);
        let (first, last) = self.band_source(band);
        let row_bytes = self.row_bytes();
        let from = (first - self.window_top) as usize * row_bytes;
        let to = (last - self.window_top) as usize * row_bytes;
        let source = self
            .window
            .get(from..to)
            .ok_or_else(|| MediaError::decode("band outside the decoded rows"))?;
        let scale = self.scale();
        let out_row = self.size.0 as usize * 3;
        let out = &mut self.output[top as usize * out_row..bottom as usize * out_row];
        if self.source == self.size {
            out.copy_from_slice(&source[(top - first) as usize * row_bytes..][..out.len()]);
            return Ok(());
        }
        let src = ImageRef::new(self.source.0, last - first, source, PixelType::U8x3)
            .map_err(resize_error)?;
        let mut dst = Image::from_slice_u8(self.size.0, bottom - top, out, PixelType::U8x3)
            .map_err(resize_error)?;
        // The crop in the window's rows; its bottom is kept inside them against float error.
        let crop_top = f64::from(top) * scale - f64::from(first);
        let crop_bottom =
            (f64::from(bottom) * scale - f64::from(first)).min(f64::from(last - first));
        let options = ResizeOptions::new()
            .resize_alg(ResizeAlg::Convolution(FilterType::CatmullRom))
            .crop(
                0.0,
                crop_top,
                f64::from(self.source.0),
                crop_bottom - crop_top,
            );
        self.resizer
            .resize(&src, &mut dst, &options)
            .map_err(resize_error)
    }

    /// Encodes every whole unit of resampled rows not encoded yet, and the last, shorter one
    /// once the last band is resampled.
    fn encode_ready(&mut self) -> Result<(), MediaError> {
        let done = self.band_rows(self.next_band.saturating_sub(1)).1;
        let out_row = self.size.0 as usize * 3;
        let Some((quality, units)) = &mut self.encoding else {
            return Ok(());
        };
        loop {
            let top = units.len() as u32 * BAND_UNIT;
            let bottom = (top + BAND_UNIT).min(self.size.1);
            if top >= self.size.1 || bottom > done {
                return Ok(());
            }
            let rows = &self.output[top as usize * out_row..bottom as usize * out_row];
            units.push(encode_band(rows, self.size.0, *quality)?);
        }
    }

    /// The output image (and its encoding, if asked for), once every source row has been
    /// received.
    fn finish(self) -> Result<Resampled, MediaError> {
        if self.received != self.source.1 || self.next_band != self.bands() {
            return Err(MediaError::Truncated);
        }
        let encoded = match &self.encoding {
            Some((_, units)) => Some(join_bands(units, self.size.1)?),
            None => None,
        };
        let image = RgbImage::from_raw(self.size.0, self.size.1, self.output)
            .ok_or_else(|| MediaError::decode("resampled buffer has the wrong size"))?;
        Ok((image, encoded))
    }
}

fn io_error(e: std::io::Error) -> MediaError {
    if e.kind() == ErrorKind::UnexpectedEof {
        MediaError::Truncated
    } else {
        MediaError::decode(e)
    }
}

/// The text of libjpeg's fatal error (the unwinding payload is its formatted message).
pub(crate) fn libjpeg_message(payload: &(dyn std::any::Any + Send)) -> String {
    payload
        .downcast_ref::<String>()
        .cloned()
        .or_else(|| payload.downcast_ref::<&str>().map(|s| (*s).to_owned()))
        .unwrap_or_else(|| "libjpeg failed".to_owned())
}

fn resize_error(e: impl std::fmt::Display) -> MediaError {
    MediaError::decode(format!("resize: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn jpeg(w: u32, h: u32) -> Vec<u8> {
        let image = RgbImage::from_fn(w, h, |x, y| {
            image::Rgb([(x * 7 + y) as u8, (y * 3) as u8, ((x ^ y) * 5) as u8])
        });
        let mut out = Vec::new();
        image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, 90)
            .encode_image(&image)
            .expect("encode");
        out
    }

    #[test]
    fn strips_beside_the_decode_equal_strips_after_it() {
        for (w, h, eighths, size) in [
            (400, 300, 4, (192, 144)),
            (300, 400, 4, (144, 192)),
            (333, 777, 8, (137, 320)),
            (64, 48, 8, (64, 48)),
            (640, 480, 2, (160, 120)),
        ] {
            let bytes = jpeg(w, h);
            let (after, none) = decode_resized(&bytes, eighths, size, false, None).expect("after");
            assert_eq!(none, None, "nothing encoded unless asked");
            let (beside, encoded) =
                decode_resized(&bytes, eighths, size, true, Some(80)).expect("beside");
            assert_eq!(after.dimensions(), size);
            assert!(after == beside, "{w}×{h} at {eighths}/8 → {size:?}");
            // Encoded unit by unit as it went: the bytes one encoder writes for the image.
            let whole = super::super::encode::encode_jpeg(&after, 80, 1).expect("encode");
            assert!(encoded == Some(whole), "{w}×{h}: streamed encoding differs");
        }
    }

    #[test]
    fn bands_match_one_whole_image_resample_within_rounding() {
        // The same kernel over the same rows: at most an off-by-one from the coefficients' floats.
        let bytes = jpeg(800, 600);
        let mut rows = Vec::new();
        decode_strips(&bytes, 8, |_, strip| {
            rows.extend_from_slice(strip);
            Ok(())
        })
        .expect("decode");
        let whole = RgbImage::from_raw(800, 600, rows).expect("whole image");
        let whole = super::super::pixels::resized(&whole, 500, 375).expect("resize");
        let (banded, _) = decode_resized(&bytes, 8, (500, 375), false, None).expect("banded");
        let worst = banded
            .as_raw()
            .iter()
            .zip(whole.as_raw())
            .map(|(a, b)| a.abs_diff(*b))
            .max();
        assert!(worst <= Some(1), "largest difference {worst:?}");
    }

    #[test]
    fn a_damaged_header_is_an_error_on_either_path() {
        let bytes = jpeg(200, 150);
        for parallel in [false, true] {
            let garbage = [&bytes[..300], &[0xFF, 0xC0, 0, 3][..]].concat();
            assert!(decode_resized(&garbage, 8, (100, 75), parallel, Some(80)).is_err());
        }
    }

    #[test]
    fn a_resampler_failure_is_reported_as_itself() {
        let bytes = jpeg(64, 48);
        for parallel in [false, true] {
            match decode_resized(&bytes, 8, (100, 100), parallel, None) {
                Err(MediaError::Decode { reason }) => {
                    assert!(
                        reason.starts_with("cannot resample"),
                        "{parallel}: {reason}"
                    )
                }
                other => panic!("{parallel}: {other:?}"),
            }
        }
    }
}
