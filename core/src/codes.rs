//! The national codes: unit grid cells (单元网格), component instances (部件标识码) and
//! category codes (部件/事项 类别代码), parsed, validated and printed canonically.
//!
//! Formats (DESIGN.md §3, reference/domain-notes.md):
//! - grid cell: 15 digits = county 6 + street 3 + community 3 + sequence 3 (GB/T 47678.3);
//!   legacy CJ/T 213 form: 14 digits with a 2-digit sequence;
//! - component instance: 17 digits = county 6 + type 5 + sequence 6 (GB/T 47678.5);
//!   legacy 16 digits = county 6 + type 4 (大类 2 + 小类 2) + sequence 6;
//! - category: 5 digits (大类 2 + 小类 3) in GB/T 47678.5-2026; 4 digits (2 + 2) in the legacy
//!   CJ/T 214 / GB/T 30428.2 tables; tenant extension codes use 大类 21–99 in the 5-digit form.
//!
//! Invariant: `parse(x.to_string()) == x` for every value (property-tested).

use crate::error::ParseError;
use serde::{Deserialize, Serialize};
use std::fmt;

fn digits(text: &str, what: &'static str, len: &[usize]) -> Result<(), ParseError> {
    if !text.bytes().all(|b| b.is_ascii_digit()) {
        return Err(ParseError::new(what, text, "only digits 0-9 are allowed"));
    }
    if !len.contains(&text.len()) {
        let lens: Vec<String> = len.iter().map(|l| l.to_string()).collect();
        return Err(ParseError::new(
            what,
            text,
            format!("must have {} digits, has {}", lens.join(" or "), text.len()),
        ));
    }
    Ok(())
}

fn num(text: &str) -> u32 {
    text.bytes()
        .fold(0u32, |acc, b| acc * 10 + u32::from(b - b'0'))
}

/// A county-level administrative division code (6 digits, e.g. 620102 for 兰州市城关区).
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct CountyCode(u32);

impl CountyCode {
    /// Parses 6 digits; the province part (first two) must be 11–82.
    pub fn parse(text: &str) -> Result<Self, ParseError> {
        digits(text, "county code", &[6])?;
        let province = num(&text[..2]);
        if !(11..=82).contains(&province) {
            return Err(ParseError::new(
                "county code",
                text,
                "province part must be 11–82",
            ));
        }
        Ok(Self(num(text)))
    }

    /// The numeric value.
    pub fn value(self) -> u32 {
        self.0
    }
}

impl fmt::Display for CountyCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:06}", self.0)
    }
}
impl fmt::Debug for CountyCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "CountyCode({self})")
    }
}
impl TryFrom<String> for CountyCode {
    type Error = ParseError;
    fn try_from(s: String) -> Result<Self, ParseError> {
        Self::parse(&s)
    }
}
impl From<CountyCode> for String {
    fn from(c: CountyCode) -> String {
        c.to_string()
    }
}

/// A unit grid cell id (单元网格编码).
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct GridCode {
    county: CountyCode,
    street: u16,
    community: u16,
    sequence: u16,
    legacy: bool,
}

impl GridCode {
    /// A current-form (15-digit) code. Street, community 1–999; sequence 1–999.
    pub fn new(
        county: CountyCode,
        street: u16,
        community: u16,
        sequence: u16,
    ) -> Result<Self, ParseError> {
        let g = Self {
            county,
            street,
            community,
            sequence,
            legacy: false,
        };
        g.check()?;
        Ok(g)
    }

    fn check(&self) -> Result<(), ParseError> {
        let max_seq = if self.legacy { 99 } else { 999 };
        let ok = (1..=999).contains(&self.street)
            && (1..=999).contains(&self.community)
            && (1..=max_seq).contains(&self.sequence);
        if ok {
            Ok(())
        } else {
            Err(ParseError::new(
                "grid cell code",
                format!(
                    "{}/{}/{}/{}",
                    self.county, self.street, self.community, self.sequence
                ),
                "street, community and sequence must not be 0 nor too large",
            ))
        }
    }

    /// Parses the 15-digit form or the legacy 14-digit form.
    pub fn parse(text: &str) -> Result<Self, ParseError> {
        digits(text, "grid cell code", &[14, 15])?;
        let legacy = text.len() == 14;
        let county = CountyCode::parse(&text[..6])
            .map_err(|e| ParseError::new("grid cell code", text, e.reason))?;
        let g = Self {
            county,
            street: num(&text[6..9]) as u16,
            community: num(&text[9..12]) as u16,
            sequence: num(&text[12..]) as u16,
            legacy,
        };
        g.check()
            .map_err(|e| ParseError::new("grid cell code", text, e.reason))?;
        Ok(g)
    }

    /// The county part.
    pub fn county(&self) -> CountyCode {
        self.county
    }
    /// The street (街道) number.
    pub fn street(&self) -> u16 {
        self.street
    }
    /// The community (社区) number.
    pub fn community(&self) -> u16 {
        self.community
    }
    /// The cell's sequence number within its community.
    pub fn sequence(&self) -> u16 {
        self.sequence
    }
    /// Whether this is the legacy 14-digit form.
    pub fn is_legacy(&self) -> bool {
        self.legacy
    }
    /// The 12-digit community prefix (county + street + community).
    pub fn community_code(&self) -> String {
        format!("{}{:03}{:03}", self.county, self.street, self.community)
    }
    /// The 9-digit street prefix (county + street).
    pub fn street_code(&self) -> String {
        format!("{}{:03}", self.county, self.street)
    }
}

impl fmt::Display for GridCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.legacy {
            write!(
                f,
                "{}{:03}{:03}{:02}",
                self.county, self.street, self.community, self.sequence
            )
        } else {
            write!(
                f,
                "{}{:03}{:03}{:03}",
                self.county, self.street, self.community, self.sequence
            )
        }
    }
}
impl fmt::Debug for GridCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "GridCode({self})")
    }
}
impl TryFrom<String> for GridCode {
    type Error = ParseError;
    fn try_from(s: String) -> Result<Self, ParseError> {
        Self::parse(&s)
    }
}
impl From<GridCode> for String {
    fn from(c: GridCode) -> String {
        c.to_string()
    }
}

/// Which table a category code belongs to.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, Debug)]
#[serde(rename_all = "snake_case")]
pub enum CodeStandard {
    /// GB/T 47678.5-2026 (5 digits, 大类 01–20).
    Current,
    /// CJ/T 214-2007 / GB/T 30428.2-2013 (4 digits).
    Legacy,
    /// A tenant's own extension (5 digits, 大类 21–99).
    Extension,
}

/// A category (type) code: 5-digit current or extension, or 4-digit legacy.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct CategoryCode(String);

impl CategoryCode {
    /// Parses a 5- or 4-digit category code; 大类 and 小类 must not be 0.
    pub fn parse(text: &str) -> Result<Self, ParseError> {
        digits(text, "category code", &[4, 5])?;
        if num(&text[..2]) == 0 || num(&text[2..]) == 0 {
            return Err(ParseError::new(
                "category code",
                text,
                "大类 and 小类 must not be 0",
            ));
        }
        Ok(Self(text.to_owned()))
    }

    /// The table this code belongs to.
    pub fn standard(&self) -> CodeStandard {
        if self.0.len() == 4 {
            CodeStandard::Legacy
        } else if num(&self.0[..2]) >= 21 {
            CodeStandard::Extension
        } else {
            CodeStandard::Current
        }
    }

    /// The 2-digit 大类.
    pub fn class(&self) -> &str {
        &self.0[..2]
    }

    /// The text form.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for CategoryCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}
impl fmt::Debug for CategoryCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "CategoryCode({})", self.0)
    }
}
impl TryFrom<String> for CategoryCode {
    type Error = ParseError;
    fn try_from(s: String) -> Result<Self, ParseError> {
        Self::parse(&s)
    }
}
impl From<CategoryCode> for String {
    fn from(c: CategoryCode) -> String {
        c.0
    }
}

/// 管理部件 (a street object) or 管理事项 / 事件 (a problem that is not an object).
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, Debug)]
#[serde(rename_all = "snake_case")]
pub enum CategoryKind {
    /// 部件.
    Component,
    /// 事项 (事件 in the legacy tables).
    Matter,
}

/// A category: component and matter codes share one code space, so both parts are needed.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, Debug)]
pub struct CategoryRef {
    /// Component or matter.
    pub kind: CategoryKind,
    /// The code.
    pub code: CategoryCode,
}

/// A component instance id (部件标识码).
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct ComponentId {
    county: CountyCode,
    type_code: u32,
    sequence: u32,
    legacy: bool,
}

impl ComponentId {
    /// Parses the 17-digit form or the legacy 16-digit form.
    pub fn parse(text: &str) -> Result<Self, ParseError> {
        digits(text, "component id", &[16, 17])?;
        let legacy = text.len() == 16;
        let county = CountyCode::parse(&text[..6])
            .map_err(|e| ParseError::new("component id", text, e.reason))?;
        let type_end = if legacy { 10 } else { 11 };
        let type_text = &text[6..type_end];
        CategoryCode::parse(type_text).map_err(|e| {
            ParseError::new("component id", text, format!("type code: {}", e.reason))
        })?;
        let sequence = num(&text[type_end..]);
        if sequence == 0 {
            return Err(ParseError::new(
                "component id",
                text,
                "sequence must not be 0",
            ));
        }
        Ok(Self {
            county,
            type_code: num(type_text),
            sequence,
            legacy,
        })
    }

    /// The county part.
    pub fn county(&self) -> CountyCode {
        self.county
    }
    /// The component type code (5 digits, or 4 in the legacy form).
    pub fn type_code(&self) -> CategoryCode {
        let text = if self.legacy {
            format!("{:04}", self.type_code)
        } else {
            format!("{:05}", self.type_code)
        };
        CategoryCode(text)
    }
    /// The 6-digit sequence.
    pub fn sequence(&self) -> u32 {
        self.sequence
    }
    /// Whether this is the legacy 16-digit form.
    pub fn is_legacy(&self) -> bool {
        self.legacy
    }
}

impl fmt::Display for ComponentId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}{}{:06}", self.county, self.type_code(), self.sequence)
    }
}
impl fmt::Debug for ComponentId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "ComponentId({self})")
    }
}
impl TryFrom<String> for ComponentId {
    type Error = ParseError;
    fn try_from(s: String) -> Result<Self, ParseError> {
        Self::parse(&s)
    }
}
impl From<ComponentId> for String {
    fn from(c: ComponentId) -> String {
        c.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn grid_codes() {
        let g = GridCode::parse("620102001002003").expect("valid");
        assert_eq!((g.street(), g.community(), g.sequence()), (1, 2, 3));
        assert_eq!(g.community_code(), "620102001002");
        assert!(!g.is_legacy());
        let l = GridCode::parse("62010200100203").expect("legacy");
        assert!(l.is_legacy());
        assert_eq!(l.to_string(), "62010200100203");
        for bad in [
            "62010200100200a",
            "6201020010020030",
            "620102000002003",
            "000000001002003",
            "620102001002000",
            "",
        ] {
            assert!(GridCode::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn component_ids() {
        let c = ComponentId::parse("62010201001000123").expect("valid");
        assert_eq!(c.type_code().as_str(), "01001");
        assert_eq!(c.sequence(), 123);
        let l = ComponentId::parse("6201020101000123").expect("legacy");
        assert_eq!(l.type_code().as_str(), "0101");
        assert!(ComponentId::parse("62010200000000123").is_err());
        assert!(ComponentId::parse("6201020100100012x").is_err());
    }

    #[test]
    fn category_codes() {
        assert_eq!(
            CategoryCode::parse("01001").map(|c| c.standard()),
            Ok(CodeStandard::Current)
        );
        assert_eq!(
            CategoryCode::parse("0101").map(|c| c.standard()),
            Ok(CodeStandard::Legacy)
        );
        assert_eq!(
            CategoryCode::parse("21001").map(|c| c.standard()),
            Ok(CodeStandard::Extension)
        );
        assert!(CategoryCode::parse("00001").is_err());
        assert!(CategoryCode::parse("01000").is_err());
        assert!(CategoryCode::parse("1001").is_ok());
        assert!(CategoryCode::parse("123456").is_err());
    }

    fn county() -> impl Strategy<Value = CountyCode> {
        (11u32..=82, 0u32..10_000).prop_map(|(p, r)| CountyCode(p * 10_000 + r))
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(1000))]
        #[test]
        fn grid_round_trip(c in county(), s in 1u16..=999, m in 1u16..=999, q in 1u16..=999, legacy in any::<bool>()) {
            let q = if legacy { q % 99 + 1 } else { q };
            let g = GridCode { county: c, street: s, community: m, sequence: q, legacy };
            let text = g.to_string();
            prop_assert_eq!(text.len(), if legacy { 14 } else { 15 });
            prop_assert_eq!(GridCode::parse(&text), Ok(g));
        }

        #[test]
        fn component_round_trip(c in county(), class in 1u32..=99, sub in 1u32..=999, seq in 1u32..=999_999, legacy in any::<bool>()) {
            let type_code = if legacy { class * 100 + sub % 99 + 1 } else { class * 1000 + sub };
            let id = ComponentId { county: c, type_code, sequence: seq, legacy };
            let text = id.to_string();
            prop_assert_eq!(text.len(), if legacy { 16 } else { 17 });
            prop_assert_eq!(ComponentId::parse(&text), Ok(id));
        }

        #[test]
        fn parsers_never_panic(s in "\\PC{0,20}") {
            let _ = GridCode::parse(&s);
            let _ = ComponentId::parse(&s);
            let _ = CategoryCode::parse(&s);
            let _ = CountyCode::parse(&s);
        }
    }
}
