//! Photo bytes for the suites: deterministic pseudo-random bodies behind a JPEG start-of-image
//! marker, a few tens to hundreds of KB. The server only checks their SHA-256, so their content
//! does not matter; being incompressible, they cost on the wire what they weigh.

/// `len` bytes for photo `seed` (the same seed gives the same bytes).
pub fn photo(seed: u64, len: usize) -> Vec<u8> {
    let mut state = seed ^ 0x5851_f42d_4c95_7f2d;
    let mut out = Vec::with_capacity(len + 8);
    out.extend_from_slice(&[0xff, 0xd8, 0xff, 0xe0]);
    while out.len() < len {
        state = state
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        out.extend_from_slice(&(state >> 11).to_le_bytes());
    }
    out.truncate(len);
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn photos_are_deterministic_and_distinct() {
        assert_eq!(super::photo(1, 1000), super::photo(1, 1000));
        assert_ne!(super::photo(1, 1000), super::photo(2, 1000));
        assert_eq!(super::photo(3, 12345).len(), 12345);
    }
}
