//! Mapbox Vector Tile 2.1 encoding: the messages of `vector_tile.proto` as prost structs (the
//! protobuf wire format is prost's), and the geometry command encoding (MoveTo / LineTo /
//! ClosePath with zig-zag deltas) written here, per the specification's section 4.3.
//!
//! Invariants: a [`LayerBuilder`] writes keys and values once each, in first-use order, so the
//! same features in the same order give the same bytes; geometry is in tile units (extent
//! [`EXTENT`]); polygon rings are written with the winding the specification asks (exterior
//! rings positive area in tile coordinates, y down; holes negative) and without their closing
//! point; rings with fewer than 3 distinct points and lines with fewer than 2 are dropped.

use std::collections::HashMap;

/// Tile extent (units per tile side).
pub const EXTENT: u32 = 4096;

/// `vector_tile.Tile`.
#[derive(Clone, PartialEq, prost::Message)]
pub struct Tile {
    /// Layers.
    #[prost(message, repeated, tag = "3")]
    pub layers: Vec<Layer>,
}

/// `vector_tile.Tile.Value` (only strings are written here).
#[derive(Clone, PartialEq, prost::Message)]
pub struct Value {
    /// A string value.
    #[prost(string, optional, tag = "1")]
    pub string_value: Option<String>,
    /// A float value.
    #[prost(float, optional, tag = "2")]
    pub float_value: Option<f32>,
    /// A double value.
    #[prost(double, optional, tag = "3")]
    pub double_value: Option<f64>,
    /// An int64 value.
    #[prost(int64, optional, tag = "4")]
    pub int_value: Option<i64>,
    /// A uint64 value.
    #[prost(uint64, optional, tag = "5")]
    pub uint_value: Option<u64>,
    /// A sint64 value.
    #[prost(sint64, optional, tag = "6")]
    pub sint_value: Option<i64>,
    /// A bool value.
    #[prost(bool, optional, tag = "7")]
    pub bool_value: Option<bool>,
}

/// `vector_tile.Tile.Feature`.
#[derive(Clone, PartialEq, prost::Message)]
pub struct Feature {
    /// Optional id.
    #[prost(uint64, optional, tag = "1")]
    pub id: Option<u64>,
    /// Pairs of key and value indexes.
    #[prost(uint32, repeated, tag = "2")]
    pub tags: Vec<u32>,
    /// `GeomType`: 1 point, 2 line string, 3 polygon.
    #[prost(int32, optional, tag = "3")]
    pub r#type: Option<i32>,
    /// Command-encoded geometry.
    #[prost(uint32, repeated, tag = "4")]
    pub geometry: Vec<u32>,
}

/// `vector_tile.Tile.Layer`.
#[derive(Clone, PartialEq, prost::Message)]
pub struct Layer {
    /// Specification version (2).
    #[prost(uint32, required, tag = "15")]
    pub version: u32,
    /// Layer name.
    #[prost(string, required, tag = "1")]
    pub name: String,
    /// Features.
    #[prost(message, repeated, tag = "2")]
    pub features: Vec<Feature>,
    /// Property keys.
    #[prost(string, repeated, tag = "3")]
    pub keys: Vec<String>,
    /// Property values.
    #[prost(message, repeated, tag = "4")]
    pub values: Vec<Value>,
    /// Extent.
    #[prost(uint32, optional, tag = "5")]
    pub extent: Option<u32>,
}

/// Geometry type numbers.
pub const POINT: i32 = 1;
/// See [`POINT`].
pub const LINESTRING: i32 = 2;
/// See [`POINT`].
pub const POLYGON: i32 = 3;

/// A tile-space geometry, integer tile units.
#[derive(Clone, Debug, PartialEq)]
pub enum TileGeometry {
    /// Points.
    Points(Vec<[i32; 2]>),
    /// Line parts.
    Lines(Vec<Vec<[i32; 2]>>),
    /// Polygons: rings, each exterior followed by its holes (orientation fixed on encoding by
    /// `exterior` flags).
    Polygons(Vec<(bool, Vec<[i32; 2]>)>),
}

fn command(id: u32, count: u32) -> u32 {
    (id & 7) | (count << 3)
}

fn zigzag(n: i32) -> u32 {
    ((n << 1) ^ (n >> 31)) as u32
}

/// Twice the signed area (surveyor's formula) of an open ring.
fn area2(ring: &[[i32; 2]]) -> i64 {
    let n = ring.len();
    (0..n)
        .map(|i| {
            let (a, b) = (ring[i], ring[(i + 1) % n]);
            i64::from(a[0]) * i64::from(b[1]) - i64::from(b[0]) * i64::from(a[1])
        })
        .sum()
}

/// Encodes a geometry; `None` when nothing drawable is left.
pub fn encode(geometry: &TileGeometry) -> Option<(i32, Vec<u32>)> {
    let mut out = Vec::new();
    let mut cursor = [0i32; 2];
    let mut push = |out: &mut Vec<u32>, p: [i32; 2]| {
        out.push(zigzag(p[0] - cursor[0]));
        out.push(zigzag(p[1] - cursor[1]));
        cursor = p;
    };
    let kind = match geometry {
        TileGeometry::Points(points) => {
            if points.is_empty() {
                return None;
            }
            out.push(command(1, points.len() as u32));
            for &p in points {
                push(&mut out, p);
            }
            POINT
        }
        TileGeometry::Lines(lines) => {
            for line in lines {
                let line = dedup(line, false);
                if line.len() < 2 {
                    continue;
                }
                out.push(command(1, 1));
                push(&mut out, line[0]);
                out.push(command(2, line.len() as u32 - 1));
                for &p in &line[1..] {
                    push(&mut out, p);
                }
            }
            LINESTRING
        }
        TileGeometry::Polygons(rings) => {
            let mut skip_holes = false;
            for (exterior, ring) in rings {
                if !exterior && skip_holes {
                    continue;
                }
                let mut ring = dedup(ring, true);
                let area = if ring.len() >= 3 { area2(&ring) } else { 0 };
                if area == 0 {
                    skip_holes = *exterior;
                    continue;
                }
                skip_holes = false;
                if (area > 0) != *exterior {
                    ring.reverse();
                }
                out.push(command(1, 1));
                push(&mut out, ring[0]);
                out.push(command(2, ring.len() as u32 - 1));
                for &p in &ring[1..] {
                    push(&mut out, p);
                }
                out.push(command(7, 1));
            }
            POLYGON
        }
    };
    (!out.is_empty()).then_some((kind, out))
}

/// Drops repeated consecutive points (and, for rings, the closing point).
fn dedup(points: &[[i32; 2]], ring: bool) -> Vec<[i32; 2]> {
    let mut out: Vec<[i32; 2]> = Vec::with_capacity(points.len());
    for &p in points {
        if out.last() != Some(&p) {
            out.push(p);
        }
    }
    if ring {
        while out.len() > 1 && out.first() == out.last() {
            out.pop();
        }
    }
    out
}

/// Collects one layer's features with shared key and value tables.
pub struct LayerBuilder {
    layer: Layer,
    keys: HashMap<&'static str, u32>,
    values: HashMap<String, u32>,
}

impl LayerBuilder {
    /// An empty layer named `name`.
    pub fn new(name: &str) -> Self {
        Self {
            layer: Layer {
                version: 2,
                name: name.to_owned(),
                features: Vec::new(),
                keys: Vec::new(),
                values: Vec::new(),
                extent: Some(EXTENT),
            },
            keys: HashMap::new(),
            values: HashMap::new(),
        }
    }

    /// Adds a feature; empty property values are left out.
    pub fn add(&mut self, geometry: &TileGeometry, properties: &[(&'static str, &str)]) {
        let Some((kind, geometry)) = encode(geometry) else {
            return;
        };
        let mut tags = Vec::with_capacity(properties.len() * 2);
        for &(key, value) in properties {
            if value.is_empty() {
                continue;
            }
            let k = *self.keys.entry(key).or_insert_with(|| {
                self.layer.keys.push(key.to_owned());
                self.layer.keys.len() as u32 - 1
            });
            let v = match self.values.get(value) {
                Some(&v) => v,
                None => {
                    self.layer.values.push(Value {
                        string_value: Some(value.to_owned()),
                        ..Value::default()
                    });
                    let v = self.layer.values.len() as u32 - 1;
                    self.values.insert(value.to_owned(), v);
                    v
                }
            };
            tags.extend([k, v]);
        }
        self.layer.features.push(Feature {
            id: None,
            tags,
            r#type: Some(kind),
            geometry,
        });
    }

    /// The layer, or `None` when no feature was added.
    pub fn finish(self) -> Option<Layer> {
        (!self.layer.features.is_empty()).then_some(self.layer)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn commands_follow_the_specification_example() {
        // Spec 4.3.5: a polygon ring (3,6) (8,12) (20,34) → 9 3 6 18 5 6 12 22 15.
        let (kind, g) = encode(&TileGeometry::Polygons(vec![(
            true,
            vec![[3, 6], [8, 12], [20, 34], [3, 6]],
        )]))
        .expect("ring");
        assert_eq!(kind, POLYGON);
        assert_eq!(g, vec![9, 6, 12, 18, 10, 12, 24, 44, 15]);
        let (_, g) = encode(&TileGeometry::Points(vec![[25, 17]])).expect("point");
        assert_eq!(g, vec![9, 50, 34]);
        assert!(encode(&TileGeometry::Lines(vec![vec![[1, 1], [1, 1]]])).is_none());
    }
}
