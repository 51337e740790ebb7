//! The demo's component inventory: 6–14 components per cell (about 30,000 in all) of the common
//! types, placed strictly inside their cell, with ids `620102` + type + a 6-digit sequence
//! counted per type, and owner and maintainer departments by type.

use super::layout::{Layout, round7};
use super::names::COMPONENT_TYPES;
use super::rng::SplitMix64;
use crate::codes::{CategoryCode, ComponentId, CountyCode};
use crate::error::ParseError;
use crate::grid::{Component, ComponentState};
use geo::Coord;
use std::collections::HashMap;

/// Per-mille weights of the states (完好 / 破损 / 丢失 / 废弃 / 移除).
const STATE_WEIGHTS: [u32; 5] = [960, 25, 5, 5, 5];

/// A point of a convex quad (NW, SW, SE, NE) at fractions `u` east and `v` south (bilinear).
fn inside(q: &[Coord; 4], u: f64, v: f64) -> Coord {
    let [nw, sw, se, ne] = q;
    let north = (nw.x + (ne.x - nw.x) * u, nw.y + (ne.y - nw.y) * u);
    let south = (sw.x + (se.x - sw.x) * u, sw.y + (se.y - sw.y) * u);
    Coord {
        x: round7(north.0 + (south.0 - north.0) * v),
        y: round7(north.1 + (south.1 - north.1) * v),
    }
}

/// Places the components of every cell of `layout`.
pub(crate) fn components(
    rng: &mut SplitMix64,
    county: CountyCode,
    layout: &Layout,
) -> Result<Vec<Component>, ParseError> {
    let weights: Vec<u32> = COMPONENT_TYPES.iter().map(|t| t.1).collect();
    let mut sequence: HashMap<&str, u32> = HashMap::new();
    let mut out = Vec::with_capacity(layout.cells.len() * 10);
    for (cell, quad) in layout.cells.iter().zip(&layout.quads) {
        let east = cell.departments.iter().any(|d| d == "hwdp");
        for _ in 0..rng.int(6, 14) {
            let (code, _, dept) = COMPONENT_TYPES[rng.weighted(&weights)];
            let seq = sequence.entry(code).or_insert(0);
            *seq += 1;
            let id = ComponentId::parse(&format!("{county}{code}{:06}", *seq))?;
            let at = inside(quad, rng.range(0.08, 0.92), rng.range(0.08, 0.92));
            let state = ComponentState::ALL[rng.weighted(&STATE_WEIGHTS)];
            let maintainer = if east && dept == "hw" { "hwdp" } else { dept };
            let name = (code == "03001")
                .then(|| format!("{}公厕{}号", cell.community.trim_end_matches("社区"), *seq));
            out.push(Component {
                id,
                type_code: CategoryCode::parse(code)?,
                name,
                owner: dept.to_owned(),
                maintainer: maintainer.to_owned(),
                state,
                lon: at.x,
                lat: at.y,
                cell: Some(cell.code),
            });
        }
    }
    Ok(out)
}
