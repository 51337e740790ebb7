//! Recognising an image's format from its first bytes (its magic number), never from a file
//! name or a MIME type, which the camera and the web view may get wrong.

use super::error::MediaError;

/// An image format the pipeline decodes.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum ImageFormat {
    /// JPEG / JFIF / Exif: what every camera writes.
    Jpeg,
    /// PNG: screenshots and scans attached on the desktop; accepted, decoded in full.
    Png,
}

/// The format of `bytes`, or why it is refused: a known image format that is not processed
/// gives [`MediaError::UnsupportedFormat`] naming it, anything else [`MediaError::NotAnImage`].
pub fn sniff(bytes: &[u8]) -> Result<ImageFormat, MediaError> {
    if bytes.starts_with(&[0xFF, 0xD8]) {
        // SOI, then a marker (or fill bytes); a lone `FF D8` is a cut-off JPEG.
        return match bytes.get(2) {
            Some(0xFF) => Ok(ImageFormat::Jpeg),
            Some(_) => Err(MediaError::NotAnImage),
            None => Err(MediaError::Truncated),
        };
    }
    if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
        return Ok(ImageFormat::Png);
    }
    match unsupported_name(bytes) {
        Some(name) => Err(MediaError::unsupported(name)),
        None => Err(MediaError::NotAnImage),
    }
}

/// The name of a recognised image format that the pipeline does not process.
fn unsupported_name(bytes: &[u8]) -> Option<&'static str> {
    if let Some(brand) = iso_bmff_brand(bytes) {
        return Some(match brand {
            b"heic" | b"heix" | b"heim" | b"heis" | b"hevc" | b"hevx" => "HEIC",
            b"avif" | b"avis" => "AVIF",
            _ => "HEIF", // mif1, msf1 and other HEIF structural brands
        });
    }
    let starts = |magic: &[u8]| bytes.starts_with(magic);
    if bytes.len() >= 12 && starts(b"RIFF") && bytes.get(8..12) == Some(b"WEBP") {
        Some("WebP")
    } else if starts(b"GIF87a") || starts(b"GIF89a") {
        Some("GIF")
    } else if starts(b"II*\0") || starts(b"MM\0*") {
        Some("TIFF")
    } else if starts(b"BM") && bytes.len() >= 26 {
        Some("BMP")
    } else if starts(&[0xFF, 0x0A]) || starts(b"\0\0\0\x0CJXL \r\n\x87\n") {
        Some("JPEG XL")
    } else if starts(b"\0\0\0\x0CjP  \r\n\x87\n") {
        Some("JPEG 2000")
    } else {
        None
    }
}

/// The major brand of an ISO base media file (`ftyp` box first) when it is an image brand, or
/// the first image brand among the compatible ones. Video brands (`mp41`, `isom` …) are not
/// images and give `None`.
fn iso_bmff_brand(bytes: &[u8]) -> Option<&[u8; 4]> {
    if bytes.get(4..8) != Some(b"ftyp") {
        return None;
    }
    let size = u32::from_be_bytes(bytes.get(0..4)?.try_into().ok()?) as usize;
    let box_end = size.clamp(16, 256).min(bytes.len());
    let major = bytes.get(8..12)?;
    let compatible = bytes.get(16..box_end).unwrap_or_default();
    std::iter::once(major)
        .chain(compatible.chunks_exact(4))
        .filter_map(|b| <&[u8; 4]>::try_from(b).ok())
        .find(|b| IMAGE_BRANDS.contains(b))
}

const IMAGE_BRANDS: [&[u8; 4]; 10] = [
    b"heic", b"heix", b"heim", b"heis", b"hevc", b"hevx", b"mif1", b"msf1", b"avif", b"avis",
];

#[cfg(test)]
mod tests {
    use super::*;

    fn name(bytes: &[u8]) -> Option<String> {
        match sniff(bytes) {
            Err(MediaError::UnsupportedFormat { format }) => Some(format),
            _ => None,
        }
    }

    #[test]
    fn recognises_formats_by_magic() {
        assert_eq!(sniff(b"\xFF\xD8\xFF\xE0"), Ok(ImageFormat::Jpeg));
        assert_eq!(sniff(b"\x89PNG\r\n\x1a\n\0\0"), Ok(ImageFormat::Png));
        assert_eq!(sniff(b"\xFF\xD8"), Err(MediaError::Truncated));
        let heic = b"\0\0\0\x18ftypheic\0\0\0\0mif1heic";
        assert_eq!(name(heic).as_deref(), Some("HEIC"));
        assert_eq!(
            name(b"\0\0\0\x18ftypmif1\0\0\0\0mif1miaf").as_deref(),
            Some("HEIF")
        );
        assert_eq!(
            name(b"\0\0\0\x1cftypavif\0\0\0\0avifmif1miaf").as_deref(),
            Some("AVIF")
        );
        assert_eq!(name(b"RIFF\x10\0\0\0WEBPVP8 ").as_deref(), Some("WebP"));
        assert_eq!(name(b"GIF89a\x01\0\x01\0").as_deref(), Some("GIF"));
        assert_eq!(name(b"II*\0\x08\0\0\0").as_deref(), Some("TIFF"));
        assert_eq!(
            name(&[b"BM".as_slice(), &[0; 30]].concat()).as_deref(),
            Some("BMP")
        );
    }

    #[test]
    fn refuses_non_images() {
        for bytes in [
            &b""[..],
            b"hello",
            b"\0\0\0\x18ftypmp42\0\0\0\0mp42isom",
            b"\xFF\xD8\x00",
            b"BM",
        ] {
            assert_eq!(sniff(bytes), Err(MediaError::NotAnImage), "{bytes:?}");
        }
    }
}
