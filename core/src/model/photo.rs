//! Photo references: content-addressed by SHA-256, uploaded apart from the case document.

use super::location::Location;
use super::time::Timestamp;
use crate::error::ParseError;
use serde::{Deserialize, Serialize};
use std::fmt;

/// A SHA-256 digest, written as 64 lowercase hex digits.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Sha256(pub [u8; 32]);

impl Sha256 {
    /// The digest of `bytes`.
    pub fn digest(bytes: &[u8]) -> Self {
        use sha2::Digest;
        Self(sha2::Sha256::digest(bytes).into())
    }

    /// Parses 64 hex digits (either case); refuses anything else, including path characters.
    pub fn parse(text: &str) -> Result<Self, ParseError> {
        if text.len() != 64 || !text.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(ParseError::new(
                "sha256",
                text,
                "must be 64 hexadecimal digits",
            ));
        }
        let mut out = [0u8; 32];
        hex::decode_to_slice(text, &mut out)
            .map_err(|e| ParseError::new("sha256", text, e.to_string()))?;
        Ok(Self(out))
    }

    /// The lowercase hex form.
    pub fn to_hex(&self) -> String {
        hex::encode(self.0)
    }
}

impl fmt::Display for Sha256 {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_hex())
    }
}

impl fmt::Debug for Sha256 {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Sha256({})", self.to_hex())
    }
}

impl TryFrom<String> for Sha256 {
    type Error = ParseError;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        Self::parse(&s)
    }
}

impl From<Sha256> for String {
    fn from(h: Sha256) -> String {
        h.to_hex()
    }
}

/// What a photo shows in the workflow.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Debug)]
#[serde(rename_all = "snake_case")]
pub enum PhotoRole {
    /// The problem as reported (处置前).
    Before,
    /// Taken while verifying a public report (核实).
    Verify,
    /// The result after handling (处置后), from the department or a self-handling inspector.
    After,
    /// Taken while checking the fix in the field (核查).
    Check,
}

/// A reference from a case document to a photo blob.
#[derive(Clone, PartialEq, Serialize, Deserialize, Debug)]
pub struct PhotoRef {
    /// SHA-256 of the uploaded bytes.
    pub sha256: Sha256,
    /// What the photo shows.
    pub role: PhotoRole,
    /// When it was taken (EXIF DateTimeOriginal, or the capture time).
    pub taken_at: Option<Timestamp>,
    /// Where it was taken, when known.
    pub location: Option<Location>,
    /// Size in bytes of the uploaded blob.
    pub size: u64,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sha256_parse_and_refuse() {
        let h = Sha256::digest(b"abc");
        assert_eq!(
            h.to_hex(),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
        assert_eq!(Sha256::parse(&h.to_hex()), Ok(h));
        assert_eq!(Sha256::parse(&h.to_hex().to_uppercase()), Ok(h));
        assert!(Sha256::parse("../../etc/passwd").is_err());
        assert!(Sha256::parse(&"g".repeat(64)).is_err());
        assert!(Sha256::parse(&"a".repeat(63)).is_err());
    }
}
