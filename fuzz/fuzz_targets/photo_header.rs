//! The photo pipeline's header readers over arbitrary bytes: the format sniffer
//! (`media::sniff`), and `media::read_exif`, which sniffs, reads the dimensions (the JPEG frame
//! header walk of core/src/media/decode.rs, or the PNG header) and the EXIF block. This is all
//! the pipeline reads before its pixel limit allows a decode.
//!
//! Oracles: no panic; `read_exif` succeeds only on what `sniff` accepts, with non-zero
//! dimensions, an orientation the pipeline can apply and a finite altitude.
#![no_main]

use gridcase_core::media::{read_exif, sniff};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let format = sniff(data);
    match read_exif(data) {
        Ok(info) => {
            assert!(format.is_ok(), "read_exif accepted what sniff refused");
            assert!(info.width > 0 && info.height > 0, "zero dimension accepted");
            assert!(
                (1..=8).contains(&info.orientation),
                "orientation {}",
                info.orientation
            );
            if let Some(alt) = info.altitude_m {
                assert!(alt.is_finite(), "altitude {alt}");
            }
        }
        Err(e) => {
            let _ = (e.code(), e.to_string());
        }
    }
});
