//! UUIDv7 identifier newtypes, all made by one macro so they behave alike.
//!
//! Ids are minted on devices while offline, so they must be unique without coordination and
//! roughly time-ordered: UUIDv7 gives both. Minting is pure: the caller passes the time and the
//! random bytes (the domain never reads the clock nor a random source).

use crate::error::ParseError;
use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;
use uuid::Uuid;

macro_rules! uuid7_id {
    ($(#[$meta:meta])* $name:ident, $what:literal) => {
        $(#[$meta])*
        #[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(try_from = "String", into = "String")]
        pub struct $name(Uuid);

        impl $name {
            /// Mints an id from a Unix time in milliseconds and 10 random bytes.
            pub fn from_parts(unix_ms: u64, random: [u8; 10]) -> Self {
                Self(uuid::Builder::from_unix_timestamp_millis(unix_ms, &random).into_uuid())
            }

            /// Wraps a UUID, refusing any version but 7.
            pub fn from_uuid(uuid: Uuid) -> Result<Self, ParseError> {
                if uuid.get_version_num() == 7 {
                    Ok(Self(uuid))
                } else {
                    Err(ParseError::new($what, uuid.to_string(), "not a UUIDv7"))
                }
            }

            /// Parses the hyphenated text form.
            pub fn parse(text: &str) -> Result<Self, ParseError> {
                let uuid = Uuid::try_parse(text)
                    .map_err(|e| ParseError::new($what, text, e.to_string()))?;
                Self::from_uuid(uuid)
            }

            /// The id's 16 bytes (big-endian UUID layout).
            pub fn as_bytes(&self) -> &[u8; 16] {
                self.0.as_bytes()
            }

            /// Rebuilds the id from its 16 bytes.
            pub fn from_bytes(bytes: [u8; 16]) -> Result<Self, ParseError> {
                Self::from_uuid(Uuid::from_bytes(bytes))
            }

            /// The underlying UUID.
            pub fn as_uuid(&self) -> Uuid {
                self.0
            }

            /// The Unix time in milliseconds encoded in the id.
            pub fn unix_ms(&self) -> u64 {
                let (secs, nanos) = self
                    .0
                    .get_timestamp()
                    .map(|t| t.to_unix())
                    .unwrap_or((0, 0));
                secs * 1000 + u64::from(nanos) / 1_000_000
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                fmt::Display::fmt(&self.0.hyphenated(), f)
            }
        }

        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, concat!(stringify!($name), "({})"), self.0.hyphenated())
            }
        }

        impl FromStr for $name {
            type Err = ParseError;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                Self::parse(s)
            }
        }

        impl TryFrom<String> for $name {
            type Error = ParseError;
            fn try_from(s: String) -> Result<Self, Self::Error> {
                Self::parse(&s)
            }
        }

        impl From<$name> for String {
            fn from(id: $name) -> String {
                id.to_string()
            }
        }
    };
}

uuid7_id!(
    /// A case (one Automerge document per case).
    CaseId,
    "case id"
);
uuid7_id!(
    /// One workflow event inside a case.
    EventId,
    "event id"
);
uuid7_id!(
    /// A person with an account.
    UserId,
    "user id"
);
uuid7_id!(
    /// An enrolled device (tablet or desktop install).
    DeviceId,
    "device id"
);
uuid7_id!(
    /// A responsible department (专业部门 / 处置单位).
    DepartmentId,
    "department id"
);
uuid7_id!(
    /// A special survey task (专项普查).
    SurveyId,
    "survey id"
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_text_and_bytes() {
        let id = CaseId::from_parts(1_780_000_000_000, [7; 10]);
        assert_eq!(CaseId::parse(&id.to_string()), Ok(id));
        assert_eq!(CaseId::from_bytes(*id.as_bytes()), Ok(id));
        assert_eq!(id.unix_ms(), 1_780_000_000_000);
    }

    #[test]
    fn refuses_other_versions_and_garbage() {
        let v4 = "9b2c1a3e-5f6d-4c8b-9a0e-1f2d3c4b5a69";
        assert_eq!(CaseId::parse(v4).map_err(|e| e.what), Err("case id"));
        assert!(EventId::parse("not-a-uuid").is_err());
        assert!(UserId::parse("").is_err());
        assert!(serde_json::from_str::<CaseId>("\"../etc/passwd\"").is_err());
    }

    #[test]
    fn serde_is_the_text_form() {
        let id = EventId::from_parts(1, [0; 10]);
        let json = serde_json::to_string(&id).expect("serialise");
        assert_eq!(json, format!("\"{id}\""));
        assert_eq!(serde_json::from_str::<EventId>(&json).expect("parse"), id);
    }
}
