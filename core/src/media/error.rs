//! The errors of [`crate::media`]: why a photo was refused.
//!
//! Each variant has a stable [`MediaError::code`] that the app passes on as `{code, message}`.
//! A missing or garbled EXIF block is never an error: it gives an empty
//! [`ExifInfo`](super::ExifInfo) and the photo goes through.

use thiserror::Error;

/// A photo that the pipeline refuses.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum MediaError {
    /// The bytes are not an image of any kind this module recognises (empty, text, random).
    #[error("not an image")]
    NotAnImage,
    /// An image, but of a format the pipeline does not process (HEIC, WebP …).
    #[error("image format {format} is not supported; take the photo as JPEG")]
    UnsupportedFormat {
        /// The format's common name (`HEIC`, `HEIF`, `AVIF`, `WebP`, `GIF`, `TIFF`, `BMP`,
        /// or `JPEG (lossless)` and the like for JPEG variants the decoder lacks).
        format: String,
    },
    /// The file ends before the image does (an interrupted copy or transfer).
    #[error("the image file is truncated")]
    Truncated,
    /// The header declares more pixels than allowed: refused before any pixel is decoded.
    #[error("image of {width}×{height} pixels exceeds the limit of {limit} pixels")]
    TooManyPixels {
        /// Declared width in pixels.
        width: u32,
        /// Declared height in pixels.
        height: u32,
        /// The pipeline's [`max_pixels`](super::PhotoPipeline::max_pixels).
        limit: u64,
    },
    /// The image is damaged or malformed in a way other than truncation.
    #[error("the image could not be decoded: {reason}")]
    Decode {
        /// What the decoder reported.
        reason: String,
    },
    /// Encoding a derivative failed (not expected for valid pixels; a bug, not bad input).
    #[error("the image could not be encoded: {reason}")]
    Encode {
        /// What the encoder reported.
        reason: String,
    },
}

impl MediaError {
    /// Stable error code.
    pub fn code(&self) -> &'static str {
        match self {
            MediaError::NotAnImage => "media_not_an_image",
            MediaError::UnsupportedFormat { .. } => "media_unsupported_format",
            MediaError::Truncated => "media_truncated",
            MediaError::TooManyPixels { .. } => "media_too_many_pixels",
            MediaError::Decode { .. } => "media_decode",
            MediaError::Encode { .. } => "media_encode",
        }
    }

    pub(crate) fn decode(reason: impl std::fmt::Display) -> Self {
        MediaError::Decode {
            reason: reason.to_string(),
        }
    }

    pub(crate) fn unsupported(format: impl Into<String>) -> Self {
        MediaError::UnsupportedFormat {
            format: format.into(),
        }
    }
}
