//! The photo pipeline (cargo feature `media`): from a camera's JPEG bytes to the metadata the
//! case needs, an upload copy and a thumbnail, each content-addressed by SHA-256.
//!
//! Steps of [`PhotoPipeline::process`]:
//! 1. recognise the format by its magic bytes (JPEG; PNG accepted too), naming refused formats;
//! 2. read the header's dimensions and refuse more than [`PhotoPipeline::max_pixels`] before
//!    any pixel is decoded (decompression bombs);
//! 3. read EXIF ([`read_exif`]): GPS, altitude, accuracy, time, orientation, make, model;
//! 4. decode at the smallest JPEG DCT scale (1, 1/2, 1/4, 1/8) that covers the upload size;
//! 5. resample to the upload size (Catmull-Rom, fast_image_resize) and turn it upright per the
//!    EXIF orientation; the thumbnail is resampled from the upright upload copy;
//! 6. encode both as baseline JPEG with no EXIF (jpeg-encoder; the upload copy in bands on
//!    several threads): the case document records what is needed, and stripping EXIF keeps
//!    the inspector's device details out of shared copies;
//! 7. hash the original (beside the decode, on another thread) and each derivative.
//!
//! Invariants:
//! - nothing here panics on input bytes; every refusal is a [`MediaError`] with a stable code;
//! - derivatives are never upscaled: a long edge is `min(configured, original's)`;
//! - the same bytes and settings give byte-identical derivatives, hence stable hashes;
//! - a missing or garbled EXIF block never refuses a photo (see [`ExifStatus`]).

mod decode;
mod encode;
mod error;
mod exif;
mod format;
mod orient;
mod pixels;
mod strips;

pub use error::MediaError;
pub use exif::{ExifInfo, ExifStatus, read_exif};
pub use format::{ImageFormat, sniff};
pub use pixels::{fit_long_edge, oriented_size};

use crate::model::{PhotoRef, PhotoRole, Sha256};

/// Settings of the photo pipeline. `Default` gives the product's settings.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct PhotoPipeline {
    /// Long edge of the upload copy in pixels (default 1920); smaller originals keep their size.
    pub upload_long_edge: u32,
    /// Long edge of the thumbnail in pixels (default 320); never larger than the upload copy.
    pub thumb_long_edge: u32,
    /// JPEG quality of both derivatives, 1–100 (default 80; values outside are clamped).
    pub quality: u8,
    /// Largest accepted `width × height` of the original (default 50 million pixels: a 48 MP
    /// phone sensor passes; a decompression bomb does not).
    pub max_pixels: u64,
    /// Threads for one photo: 0 (default) uses the device's cores, at most 4; 1 keeps all the
    /// work on the calling thread. The output bytes are the same whatever the number.
    pub threads: usize,
}

impl Default for PhotoPipeline {
    fn default() -> Self {
        Self {
            upload_long_edge: 1920,
            thumb_long_edge: 320,
            quality: 80,
            max_pixels: 50_000_000,
            threads: 0,
        }
    }
}

/// Size and hash of a blob kept as it is (the original photo).
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct BlobInfo {
    /// SHA-256 of the bytes.
    pub sha256: Sha256,
    /// Length in bytes.
    pub size: u64,
}

/// A JPEG made from the original: the upload copy or the thumbnail.
#[derive(Clone, PartialEq, Eq)]
pub struct Derivative {
    /// The encoded JPEG (no EXIF, XMP or ICC segment).
    pub bytes: Vec<u8>,
    /// Width in pixels, upright.
    pub width: u32,
    /// Height in pixels, upright.
    pub height: u32,
    /// SHA-256 of `bytes`.
    pub sha256: Sha256,
}

impl std::fmt::Debug for Derivative {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Derivative")
            .field("bytes", &self.bytes.len())
            .field("width", &self.width)
            .field("height", &self.height)
            .field("sha256", &self.sha256)
            .finish()
    }
}

impl Derivative {
    fn new(bytes: Vec<u8>, width: u32, height: u32) -> Self {
        let sha256 = Sha256::digest(&bytes);
        Self {
            bytes,
            width,
            height,
            sha256,
        }
    }
}

/// Everything the pipeline made from one photo.
#[derive(Clone, PartialEq, Debug)]
pub struct ProcessedPhoto {
    /// The original as received (kept on the device, not uploaded).
    pub original: BlobInfo,
    /// The upload copy: upright, long edge at most [`PhotoPipeline::upload_long_edge`].
    pub upload: Derivative,
    /// The thumbnail: upright, long edge at most [`PhotoPipeline::thumb_long_edge`].
    pub thumbnail: Derivative,
    /// What was read from the original's header and EXIF block.
    pub exif: ExifInfo,
}

impl PhotoPipeline {
    /// Runs the pipeline on a photo's bytes (see the module docs for the steps).
    ///
    /// Refuses with [`MediaError::NotAnImage`], [`MediaError::UnsupportedFormat`],
    /// [`MediaError::TooManyPixels`] (checked on the header, before decoding),
    /// [`MediaError::Truncated`] or [`MediaError::Decode`].
    pub fn process(&self, bytes: &[u8]) -> Result<ProcessedPhoto, MediaError> {
        let format = sniff(bytes)?;
        let (width, height) = decode::dimensions(bytes, format)?;
        decode::check_pixels(width, height, self.max_pixels)?;
        let exif = exif::exif_fields(bytes, width, height);
        let threads = self.thread_count();

        // The original's hash and the completeness check beside the decode. An upright photo
        // on several threads is encoded as it is resampled; otherwise the thumbnail is made
        // beside the upload's encode.
        let parallel = threads > 1;
        let stream_encode = parallel && !(2..=8).contains(&exif.orientation);
        let (original, decoded) = beside(
            parallel,
            || {
                if !decode::is_complete(bytes, format) {
                    return Err(MediaError::Truncated);
                }
                Ok(BlobInfo {
                    sha256: Sha256::digest(bytes),
                    size: bytes.len() as u64,
                })
            },
            || {
                let (uw, uh) = fit_long_edge(width, height, self.upload_long_edge.max(1));
                let encode = stream_encode.then_some(self.quality);
                let (upload, encoded) =
                    decode::decode_resized(bytes, format, (uw, uh), parallel, encode)?;
                Ok((orient::orient(upload, exif.orientation, threads), encoded))
            },
        );
        let original = original?; // a cut-off file is `Truncated`, whatever the decode said
        let (upload, encoded) = decoded?;
        let (uw, uh) = upload.dimensions();
        let thumb_edge = self.thumb_long_edge.clamp(1, self.upload_long_edge.max(1));
        let (tw, th) = fit_long_edge(uw, uh, thumb_edge);
        let make_thumbnail = || {
            let thumb = pixels::thumbnail(&upload, tw, th)?;
            Ok(Derivative::new(
                encode::encode_jpeg(&thumb, self.quality, 1)?,
                tw,
                th,
            ))
        };
        let (thumbnail, upload_bytes) = match encoded {
            Some(upload_bytes) => (make_thumbnail(), Ok(upload_bytes)),
            None => beside(parallel, make_thumbnail, || {
                encode::encode_jpeg(&upload, self.quality, threads)
            }),
        };
        Ok(ProcessedPhoto {
            original,
            upload: Derivative::new(upload_bytes?, uw, uh),
            thumbnail: thumbnail?,
            exif,
        })
    }

    /// The number of threads to use: [`Self::threads`], or the device's cores (at most 4).
    fn thread_count(&self) -> usize {
        match self.threads {
            0 => std::thread::available_parallelism().map_or(1, |n| n.get().min(4)),
            n => n,
        }
    }
}

/// Runs `side` on a scoped thread while `main` runs on this one when `parallel`, else one after
/// the other. A panic on the side thread (a bug, never bad input) becomes an error.
fn beside<S: Send, M>(
    parallel: bool,
    side: impl FnOnce() -> Result<S, MediaError> + Send,
    main: impl FnOnce() -> M,
) -> (Result<S, MediaError>, M) {
    if !parallel {
        let side = side();
        return (side, main());
    }
    std::thread::scope(|scope| {
        let handle = scope.spawn(side);
        let main = main();
        let side = handle.join().unwrap_or_else(|_| {
            Err(MediaError::Encode {
                reason: "a pipeline thread panicked".into(),
            })
        });
        (side, main)
    })
}

/// The case document's reference to a processed photo.
///
/// It names the **upload copy** (its SHA-256 and size), not the original: the upload copy is
/// the blob that is uploaded, stored by the server under its hash and verified against it, and
/// shown to everyone else. The original stays on the device. Time and place come from EXIF.
pub fn photo_ref(photo: &ProcessedPhoto, role: PhotoRole) -> PhotoRef {
    PhotoRef {
        sha256: photo.upload.sha256,
        role,
        taken_at: photo.exif.taken_at,
        location: photo.exif.gps,
        size: photo.upload.bytes.len() as u64,
    }
}
