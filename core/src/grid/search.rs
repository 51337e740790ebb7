//! Offline place search (地名搜索): roads, named places, communities, streets, cell codes and
//! component ids, matched by Chinese text, by 拼音首字母 or full pinyin, or by code prefix, and
//! ranked by how well they match, then by distance to the map centre.
//!
//! [`PlaceSearch`] is built once from the tenant's grid, places and components (on the device,
//! when the reference data loads) and answers [`PlaceSearch::search`] by scanning its entries:
//! a district's ~20,000 entries take a few milliseconds (figures in docs/performance.md).
//!
//! Matching (lower rank is better; [`MatchRank`]):
//! - a query with Chinese characters matches names exactly, by prefix, or as a substring;
//! - a query of latin letters matches the names' pinyin: each character by its initial
//!   (`zyl` → 张掖路) or by its whole syllable (`zhangye` → 张掖路), the last one possibly cut short;
//!   every reading of a polyphonic character counts (长 matches `c` and `z`); from the first
//!   character ranks better than from inside the name;
//! - a query of digits matches cell codes and component ids by prefix (and as a substring from
//!   four digits on), so an operator may type the end of a code.
//!
//! Invariants: the search is pure and never fails; a query is trimmed, lowercased and cut to
//! [`MAX_QUERY_CHARS`]; an empty query gives no hits; each road name is one entry whatever the
//! number of its segments, and its point is the point of the road nearest the centre, so
//! choosing a road puts the pin on the road near where the user is looking.

use super::component::ComponentIndex;
use super::index::GridIndex;
use super::metric::{LocalFrame, point_point_m};
use super::place::{PlaceGeometry, PlaceKind, PlaceLayer};
use geo::{Closest, ClosestPoint, Coord, InteriorPoint, LineString, MapCoords, Point};
use pinyin::ToPinyinMulti;
use std::collections::BTreeMap;

/// Longer queries are cut to this many characters.
pub const MAX_QUERY_CHARS: usize = 50;
/// At most this many hits are returned, whatever the caller asks.
pub const MAX_HITS: usize = 100;

/// What a hit is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum HitKind {
    /// A road (道路).
    Road,
    /// A named place (地名).
    Place,
    /// A community (社区).
    Community,
    /// A street (街道).
    Street,
    /// A unit grid cell (单元网格), by its code.
    Cell,
    /// A component (部件), by its id or name.
    Component,
}

impl HitKind {
    /// The wire form: `road`, `place`, `community`, `street`, `cell`, `component`.
    pub fn as_str(self) -> &'static str {
        match self {
            HitKind::Road => "road",
            HitKind::Place => "place",
            HitKind::Community => "community",
            HitKind::Street => "street",
            HitKind::Cell => "cell",
            HitKind::Component => "component",
        }
    }
}

/// How a hit matched, best first.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum MatchRank {
    /// The whole name (or code).
    Exact,
    /// The name or code starts with the query.
    Prefix,
    /// The query's pinyin matches from the name's first character.
    PinyinPrefix,
    /// The name or code contains the query.
    Substring,
    /// The query's pinyin matches from inside the name.
    PinyinInside,
}

/// One answer of [`PlaceSearch::search`].
#[derive(Clone, Debug, PartialEq)]
pub struct SearchHit {
    /// What it is.
    pub kind: HitKind,
    /// Its name (a road or place name, a community or street name, a cell code, a component id
    /// or name).
    pub name: String,
    /// A second line: the street and community, or the component's type.
    pub detail: String,
    /// Where to put the pin (WGS84 lon, lat).
    pub lon: f64,
    /// Latitude of the pin.
    pub lat: f64,
    /// How it matched.
    pub rank: MatchRank,
    /// Metres from the search centre (0 without a centre).
    pub distance_m: f64,
}

#[derive(Clone, Debug)]
enum Anchor {
    Point(Point),
    Lines(Vec<LineString>),
}

#[derive(Clone, Debug)]
struct Entry {
    kind: HitKind,
    name: String,
    detail: String,
    /// Lowercased name, for substring matching.
    folded: String,
    /// Per character, its readings (pinyin syllables, or the character itself lowercased).
    readings: Vec<Vec<String>>,
    /// Codes and ids match by digits only.
    code_like: bool,
    anchor: Anchor,
}

/// The search index.
#[derive(Clone, Debug, Default)]
pub struct PlaceSearch {
    entries: Vec<Entry>,
}

/// The readings of each character of `name`: every pinyin of a Han character, or the
/// character itself (lowercased) for anything else; spaces are skipped.
fn readings_of(name: &str) -> Vec<Vec<String>> {
    name.chars()
        .filter(|c| !c.is_whitespace())
        .map(|c| match c.to_pinyin_multi() {
            Some(multi) => {
                let mut all: Vec<String> =
                    multi.into_iter().map(|p| p.plain().to_owned()).collect();
                all.dedup();
                all
            }
            None => vec![c.to_lowercase().to_string()],
        })
        .collect()
}

/// Whether `q` (latin letters) is spelled by the characters from `start` on, each giving
/// its initial (zh, ch, sh count as one), or its whole syllable, the last possibly a prefix
/// of a syllable.
fn pinyin_from(q: &[u8], readings: &[Vec<String>], start: usize) -> bool {
    // Depth-first with a memo of failed (query position, character) pairs; names are short.
    let mut failed = vec![false; (q.len() + 1) * (readings.len() + 1)];
    fn go(q: &[u8], i: usize, r: &[Vec<String>], j: usize, failed: &mut [bool]) -> bool {
        if i == q.len() {
            return true;
        }
        if j == r.len() {
            return false;
        }
        let key = i * (r.len() + 1) + j;
        if failed[key] {
            return false;
        }
        let rest = &q[i..];
        for reading in &r[j] {
            let b = reading.as_bytes();
            if b.is_empty() {
                continue;
            }
            if rest.starts_with(b) && go(q, i + b.len(), r, j + 1, failed) {
                return true;
            }
            if b.starts_with(rest) {
                return true; // the last syllable, typed in part
            }
            if b[0] == rest[0] && b.len() > 1 && go(q, i + 1, r, j + 1, failed) {
                return true;
            }
            // zh, ch, sh typed as the initial.
            if b.len() > 2
                && b[1] == b'h'
                && rest.starts_with(&b[..2])
                && go(q, i + 2, r, j + 1, failed)
            {
                return true;
            }
        }
        failed[key] = true;
        false
    }
    go(q, 0, readings, start, &mut failed)
}

fn fold(text: &str) -> String {
    text.chars()
        .filter(|c| !c.is_whitespace())
        .flat_map(char::to_lowercase)
        .collect()
}

impl Entry {
    fn new(kind: HitKind, name: String, detail: String, anchor: Anchor) -> Entry {
        let code_like = matches!(kind, HitKind::Cell) || name.bytes().all(|b| b.is_ascii_digit());
        Entry {
            folded: fold(&name),
            readings: if code_like {
                Vec::new()
            } else {
                readings_of(&name)
            },
            kind,
            name,
            detail,
            code_like,
            anchor,
        }
    }

    fn rank(&self, q: &str, form: QueryForm) -> Option<MatchRank> {
        match form {
            QueryForm::Digits if self.code_like => {
                if self.folded == q {
                    Some(MatchRank::Exact)
                } else if self.folded.starts_with(q) {
                    Some(MatchRank::Prefix)
                } else if q.len() >= 4 && self.folded.contains(q) {
                    Some(MatchRank::Substring)
                } else {
                    None
                }
            }
            QueryForm::Latin if !self.code_like => {
                if let Some(r) = self.text_rank(q) {
                    return Some(r);
                }
                let bytes = q.as_bytes();
                if pinyin_from(bytes, &self.readings, 0) {
                    return Some(MatchRank::PinyinPrefix);
                }
                (1..self.readings.len())
                    .any(|s| pinyin_from(bytes, &self.readings, s))
                    .then_some(MatchRank::PinyinInside)
            }
            QueryForm::Text if !self.code_like => self.text_rank(q),
            _ => None,
        }
    }

    fn text_rank(&self, q: &str) -> Option<MatchRank> {
        if self.folded == q {
            Some(MatchRank::Exact)
        } else if self.folded.starts_with(q) {
            Some(MatchRank::Prefix)
        } else if self.folded.contains(q) {
            Some(MatchRank::Substring)
        } else {
            None
        }
    }

    /// The pin for this entry seen from `centre`, and its distance in metres.
    fn pin(&self, centre: Option<(f64, f64)>) -> (Point, f64) {
        match (&self.anchor, centre) {
            (Anchor::Point(p), None) => (*p, 0.0),
            (Anchor::Point(p), Some((lon, lat))) => (*p, point_point_m(lon, lat, *p)),
            (Anchor::Lines(lines), None) => (midpoint(&lines[0]), 0.0),
            (Anchor::Lines(lines), Some((lon, lat))) => {
                let frame = LocalFrame::at(lon, lat);
                let mut best: Option<(Point, f64)> = None;
                for line in lines {
                    let local = line.map_coords(|c| {
                        let [x, y] = frame.project(c.x, c.y);
                        Coord { x, y }
                    });
                    let at = match local.closest_point(&Point::new(0.0, 0.0)) {
                        Closest::Intersection(p) | Closest::SinglePoint(p) => p,
                        Closest::Indeterminate => continue,
                    };
                    let d = at.x().hypot(at.y());
                    if best.is_none_or(|(_, b)| d < b) {
                        best = Some((frame.unproject(at.x(), at.y()), d));
                    }
                }
                best.unwrap_or_else(|| (midpoint(&lines[0]), 0.0))
            }
        }
    }
}

fn midpoint(line: &LineString) -> Point {
    let n = line.0.len();
    line.0
        .get(n / 2)
        .map_or(Point::new(0.0, 0.0), |c| Point::from(*c))
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum QueryForm {
    Digits,
    Latin,
    Text,
}

impl PlaceSearch {
    /// Builds the index. `component_detail` names a component's type for the second line (the
    /// catalog lives elsewhere); roads with one name become one entry.
    pub fn build(
        grid: &GridIndex,
        places: Option<&PlaceLayer>,
        components: &ComponentIndex,
        component_detail: impl Fn(&super::Component) -> String,
    ) -> PlaceSearch {
        let mut entries = Vec::new();
        // Roads by name, places one by one.
        let mut roads: BTreeMap<&str, Vec<LineString>> = BTreeMap::new();
        for place in places.map(PlaceLayer::places).unwrap_or_default() {
            match (&place.geometry, place.kind) {
                (PlaceGeometry::Line(l), _) => {
                    roads.entry(&place.name).or_default().push(l.clone())
                }
                (PlaceGeometry::Point(p), PlaceKind::Road) => {
                    roads
                        .entry(&place.name)
                        .or_default()
                        .push(LineString::from(vec![p.0]));
                }
                (PlaceGeometry::Point(p), PlaceKind::Place) => {
                    entries.push((HitKind::Place, place.name.clone(), Anchor::Point(*p)))
                }
            }
        }
        for (name, lines) in roads {
            entries.push((HitKind::Road, name.to_owned(), Anchor::Lines(lines)));
        }
        let mut built: Vec<Entry> = entries
            .into_iter()
            .map(|(kind, name, anchor)| {
                let detail = match &anchor {
                    Anchor::Point(p) => cell_detail(grid, p.x(), p.y()),
                    Anchor::Lines(lines) => {
                        let p = midpoint(&lines[0]);
                        cell_detail(grid, p.x(), p.y())
                    }
                };
                Entry::new(kind, name, detail, anchor)
            })
            .collect();

        // Cells, and communities and streets from their cells.
        type Group = (f64, f64, usize, String);
        let mut communities: BTreeMap<String, Group> = BTreeMap::new();
        let mut streets: BTreeMap<String, Group> = BTreeMap::new();
        let mut points = Vec::with_capacity(grid.len());
        for cell in grid.cells() {
            let Some(p) = cell.polygon.interior_point() else {
                continue;
            };
            points.push((cell, p));
            built.push(Entry::new(
                HitKind::Cell,
                cell.code.to_string(),
                format!("{} · {}", cell.street, cell.community),
                Anchor::Point(p),
            ));
            for (map, key, detail) in [
                (
                    &mut communities,
                    cell.code.community_code(),
                    cell.street.clone(),
                ),
                (&mut streets, cell.code.street_code(), String::new()),
            ] {
                let g = map.entry(key).or_insert((0.0, 0.0, 0, detail));
                g.0 += p.x();
                g.1 += p.y();
                g.2 += 1;
            }
        }
        // A community's (street's) pin is the interior point of its cell nearest its mean, so
        // the pin lies inside it even when it is not convex.
        let pin_of = |code: &str, g: &Group, is_community: bool| -> Option<(Point, String)> {
            let (mx, my) = (g.0 / g.2 as f64, g.1 / g.2 as f64);
            points
                .iter()
                .filter(|(c, _)| {
                    if is_community {
                        c.code.community_code() == code
                    } else {
                        c.code.street_code() == code
                    }
                })
                .min_by(|a, b| {
                    let da = (a.1.x() - mx).powi(2) + (a.1.y() - my).powi(2);
                    let db = (b.1.x() - mx).powi(2) + (b.1.y() - my).powi(2);
                    da.total_cmp(&db)
                })
                .map(|(c, p)| {
                    let name = if is_community {
                        &c.community
                    } else {
                        &c.street
                    };
                    (*p, name.clone())
                })
        };
        for (code, g) in &communities {
            if let Some((p, name)) = pin_of(code, g, true) {
                built.push(Entry::new(
                    HitKind::Community,
                    name,
                    g.3.clone(),
                    Anchor::Point(p),
                ));
            }
        }
        for (code, g) in &streets {
            if let Some((p, name)) = pin_of(code, g, false) {
                built.push(Entry::new(
                    HitKind::Street,
                    name,
                    String::new(),
                    Anchor::Point(p),
                ));
            }
        }

        // Components by id, and by name when they have one.
        for c in components.components() {
            let p = Point::new(c.lon, c.lat);
            let detail = component_detail(c);
            built.push(Entry::new(
                HitKind::Component,
                c.id.to_string(),
                detail.clone(),
                Anchor::Point(p),
            ));
            if let Some(name) = c.name.as_ref().filter(|n| !n.trim().is_empty()) {
                built.push(Entry::new(
                    HitKind::Component,
                    name.clone(),
                    format!("{detail} · {}", c.id),
                    Anchor::Point(p),
                ));
            }
        }
        PlaceSearch { entries: built }
    }

    /// The number of searchable entries.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether there is nothing to search.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// The best `limit` hits (at most [`MAX_HITS`]) for `query`, ranked by match, then by
    /// distance to `centre` (lon, lat) when given, then by name.
    pub fn search(&self, query: &str, centre: Option<(f64, f64)>, limit: usize) -> Vec<SearchHit> {
        let q: String = fold(query).chars().take(MAX_QUERY_CHARS).collect();
        if q.is_empty() || limit == 0 {
            return Vec::new();
        }
        let form = if q.bytes().all(|b| b.is_ascii_digit()) {
            QueryForm::Digits
        } else if q.bytes().all(|b| b.is_ascii_lowercase()) {
            QueryForm::Latin
        } else {
            QueryForm::Text
        };
        let centre = centre.filter(|(lon, lat)| lon.is_finite() && lat.is_finite());
        let mut hits: Vec<SearchHit> = self
            .entries
            .iter()
            .filter_map(|e| {
                let rank = e.rank(&q, form)?;
                let (pin, distance_m) = e.pin(centre);
                Some(SearchHit {
                    kind: e.kind,
                    name: e.name.clone(),
                    detail: e.detail.clone(),
                    lon: pin.x(),
                    lat: pin.y(),
                    rank,
                    distance_m,
                })
            })
            .collect();
        hits.sort_by(|a, b| {
            a.rank
                .cmp(&b.rank)
                .then(a.distance_m.total_cmp(&b.distance_m))
                .then_with(|| a.name.cmp(&b.name))
                .then(a.kind.cmp(&b.kind))
        });
        hits.truncate(limit.min(MAX_HITS));
        hits
    }
}

fn cell_detail(grid: &GridIndex, lon: f64, lat: f64) -> String {
    grid.cell_at(lon, lat)
        .or_else(|| {
            grid.nearest_within(lon, lat, grid.hint_distance())
                .map(|(c, _)| c)
        })
        .map(|c| format!("{} · {}", c.street, c.community))
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn r(name: &str) -> Vec<Vec<String>> {
        readings_of(name)
    }

    #[test]
    fn initials_and_syllables_match_from_the_start() {
        assert!(pinyin_from(b"zyl", &r("张掖路"), 0));
        assert!(pinyin_from(b"zhangyelu", &r("张掖路"), 0));
        assert!(pinyin_from(b"zhangy", &r("张掖路"), 0));
        assert!(
            pinyin_from(b"zhyl", &r("张掖路"), 0),
            "zh is the syllable's start"
        );
        assert!(!pinyin_from(b"zyx", &r("张掖路"), 0));
        assert!(
            !pinyin_from(b"zylx", &r("张掖路"), 0),
            "longer than the name"
        );
        assert!(pinyin_from(b"yl", &r("张掖路"), 1));
        assert!(!pinyin_from(b"yl", &r("张掖路"), 0));
    }

    #[test]
    fn polyphones_match_every_reading() {
        // 长 reads cháng and zhǎng.
        assert!(pinyin_from(b"cjl", &r("长江路"), 0));
        assert!(pinyin_from(b"zjl", &r("长江路"), 0));
    }

    #[test]
    fn digits_and_latin_in_names_match_themselves() {
        assert!(pinyin_from(b"1hl", &r("1号楼"), 0));
        assert!(pinyin_from(b"qagc", &r("秦安 广场"), 0));
    }

    #[test]
    fn an_empty_or_blank_query_finds_nothing() {
        let s = PlaceSearch::default();
        assert!(s.search("", None, 10).is_empty());
        assert!(s.search("   ", None, 10).is_empty());
    }
}
