//! The demo tenant as files: [`DemoTenant::files`] builds every file's text (pure);
//! [`DemoTenant::write_to`] writes them into a directory (the only I/O of the demo module).
//! GeoJSON is written one feature per line, coordinates with at most 7 decimals (about 1 cm).

use super::DemoTenant;
use crate::codes::CategoryKind;
use crate::grid::{BasemapFeature, PlaceGeometry, PlaceKind};
use geo::{Coord, Geometry, Polygon};
use std::fmt::Write as _;
use std::path::Path;

const CALENDAR: &str = include_str!("../../data/calendar/2026.example.toml");
const STAGE_LIMITS: &str = include_str!("../../data/limits/stage_limits.example.toml");
const STANDARDS: &str = include_str!("../../data/standards/standards.sample.csv");

/// The files a tenant directory holds, in the order [`DemoTenant::files`] returns them.
pub const FILE_NAMES: [&str; 20] = [
    "README.md",
    "tenant.toml",
    "streets.csv",
    "communities.csv",
    "cells.geojson",
    "components.geojson",
    "places.geojson",
    "departments.csv",
    "department_units.csv",
    "responsibility.csv",
    "users.csv",
    "calendar.toml",
    "stage_limits.toml",
    "area_grades.csv",
    "standards.csv",
    "roads.geojson",
    "buildings.geojson",
    "water.geojson",
    "green.geojson",
    "boundaries.geojson",
];

/// A number with at most 7 decimals and no trailing zeros.
fn num(x: f64) -> String {
    let s = format!("{x:.7}");
    let s = s.trim_end_matches('0').trim_end_matches('.');
    if s == "-0" {
        "0".to_owned()
    } else {
        s.to_owned()
    }
}

fn json(s: &str) -> String {
    serde_json::Value::String(s.to_owned()).to_string()
}

fn position(c: Coord) -> String {
    format!("[{},{}]", num(c.x), num(c.y))
}

fn ring(coords: impl Iterator<Item = Coord>) -> String {
    let parts: Vec<String> = coords.map(position).collect();
    format!("[{}]", parts.join(","))
}

fn polygon(p: &Polygon) -> String {
    let rings: Vec<String> = std::iter::once(p.exterior())
        .chain(p.interiors())
        .map(|r| ring(r.coords().copied()))
        .collect();
    format!(
        "{{\"type\":\"Polygon\",\"coordinates\":[{}]}}",
        rings.join(",")
    )
}

fn polygon_rings(p: &Polygon) -> String {
    let rings: Vec<String> = std::iter::once(p.exterior())
        .chain(p.interiors())
        .map(|r| ring(r.coords().copied()))
        .collect();
    format!("[{}]", rings.join(","))
}

/// GeoJSON for the geometries the basemap layers use (others are written as `null`).
fn geometry(g: &Geometry) -> String {
    match g {
        Geometry::Polygon(p) => polygon(p),
        Geometry::MultiPolygon(mp) => {
            let parts: Vec<String> = mp.iter().map(polygon_rings).collect();
            format!(
                "{{\"type\":\"MultiPolygon\",\"coordinates\":[{}]}}",
                parts.join(",")
            )
        }
        Geometry::LineString(l) => format!(
            "{{\"type\":\"LineString\",\"coordinates\":{}}}",
            ring(l.coords().copied())
        ),
        Geometry::MultiLineString(ml) => {
            let parts: Vec<String> = ml.iter().map(|l| ring(l.coords().copied())).collect();
            format!(
                "{{\"type\":\"MultiLineString\",\"coordinates\":[{}]}}",
                parts.join(",")
            )
        }
        _ => "null".to_owned(),
    }
}

fn collection(header: &str, features: Vec<String>) -> String {
    format!(
        "{{\"type\":\"FeatureCollection\",\"coordinate_system\":\"wgs84\",\"name\":{},\"features\":[\n{}\n]}}\n",
        json(header),
        features.join(",\n")
    )
}

fn csv_file(comment: &str, header: &str, rows: impl Iterator<Item = Vec<String>>) -> String {
    let mut out = format!("# {comment}\n{header}\n");
    for row in rows {
        let fields: Vec<String> = row
            .into_iter()
            .map(|f| {
                if f.contains([',', '"', '\n', '#']) {
                    format!("\"{}\"", f.replace('"', "\"\""))
                } else {
                    f
                }
            })
            .collect();
        out.push_str(&fields.join(","));
        out.push('\n');
    }
    out
}

impl DemoTenant {
    fn note(&self) -> String {
        let seed = self
            .info
            .seed
            .map_or(String::new(), |s| format!(" (seed {s})"));
        format!(
            "SYNTHETIC DEMO DATA{seed} for {} {} — gridcase demo generator; format: docs/data-formats.md",
            self.info.code, self.info.name
        )
    }

    fn cells_geojson(&self) -> String {
        let features = self.cells.iter().map(|c| {
            let departments: Vec<String> = c.departments.iter().map(|d| json(d)).collect();
            format!(
                "{{\"type\":\"Feature\",\"properties\":{{\"code\":\"{}\",\"street\":{},\"community\":{},\"departments\":[{}]}},\"geometry\":{}}}",
                c.code, json(&c.street), json(&c.community), departments.join(","), polygon(&c.polygon)
            )
        });
        collection(&self.note(), features.collect())
    }

    fn components_geojson(&self) -> String {
        let features = self.components.iter().map(|c| {
            let mut props = format!("\"id\":\"{}\",\"type\":\"{}\"", c.id, c.type_code);
            if let Some(name) = &c.name {
                let _ = write!(props, ",\"name\":{}", json(name));
            }
            let _ = write!(props, ",\"owner\":{},\"maintainer\":{},\"state\":\"{}\"", json(&c.owner), json(&c.maintainer), c.state);
            if let Some(cell) = c.cell {
                let _ = write!(props, ",\"cell\":\"{cell}\"");
            }
            let at = position(Coord { x: c.lon, y: c.lat });
            format!("{{\"type\":\"Feature\",\"properties\":{{{props}}},\"geometry\":{{\"type\":\"Point\",\"coordinates\":{at}}}}}")
        });
        collection(&self.note(), features.collect())
    }

    fn places_geojson(&self) -> String {
        let features = self.places.iter().map(|p| {
            let kind = match p.kind {
                PlaceKind::Road => "road",
                PlaceKind::Place => "place",
            };
            let geometry = match &p.geometry {
                PlaceGeometry::Point(pt) => format!("{{\"type\":\"Point\",\"coordinates\":{}}}", position(pt.0)),
                PlaceGeometry::Line(l) => format!("{{\"type\":\"LineString\",\"coordinates\":{}}}", ring(l.coords().copied())),
            };
            format!("{{\"type\":\"Feature\",\"properties\":{{\"name\":{},\"kind\":\"{kind}\"}},\"geometry\":{geometry}}}", json(&p.name))
        });
        collection(&self.note(), features.collect())
    }

    /// One basemap layer file; empty optional properties are left out.
    fn layer_geojson(&self, features: &[BasemapFeature]) -> String {
        let features = features.iter().map(|f| {
            let props: Vec<String> = f
                .properties
                .iter()
                .filter(|(_, v)| !v.is_empty())
                .map(|(k, v)| format!("\"{k}\":{}", json(v)))
                .collect();
            format!(
                "{{\"type\":\"Feature\",\"properties\":{{{}}},\"geometry\":{}}}",
                props.join(","),
                geometry(&f.geometry)
            )
        });
        collection(&self.note(), features.collect())
    }

    fn tenant_toml(&self) -> String {
        let i = &self.info;
        let seed = i.seed.map_or(String::new(), |s| format!("seed = {s}\n"));
        format!(
            "# {}\nversion = 1\ncode = \"{}\"\nname = \"{}\"\nshort_name = \"{}\"\n# Map centre, [lon, lat] in WGS84 / CGCS2000.\ncentre = [{}, {}]\nsynthetic = {}\n{seed}",
            self.note(),
            i.code,
            i.name,
            i.short_name,
            num(i.centre[0]),
            num(i.centre[1]),
            i.synthetic
        )
    }

    fn readme(&self) -> String {
        format!(
            "# {name} ({code}) — synthetic demo tenant / 演示租户（虚构数据）\n\n\
             这是 gridcase 演示数据生成器产生的**虚构数据**（种子 {seed}）：行政区划代码 {code} 与街道名称是真实的，\
             其余（网格、社区、部件、部门编码、用户）均为虚构，几何位置只是落在城关区真实位置附近。\n\n\
             This is **synthetic demo data** made by `cargo run -p gridcase-core --example gen_demo -- <dir> {seed}`. \
             Only the county code {code} and the street names are real; streets' boundaries and codes, communities, \
             cells, components, department codes and users are made up. Coordinates are WGS84.\n\n\
             Files (formats: docs/data-formats.md in the gridcase repository): {files}.\n\n\
             `users.csv` holds no passwords: the server's import sets a demo password for every account and stores \
             only its hash. Counts: {streets} streets, {communities} communities, {cells} cells, {components} components, \
             {places} roads and places, {departments} departments (of which {units} child units in \
             `department_units.csv`), {users} users.\n",
            name = self.info.name,
            code = self.info.code,
            seed = self.info.seed.unwrap_or_default(),
            files = FILE_NAMES.join(", "),
            streets = self.streets.len(),
            communities = self.communities.len(),
            cells = self.cells.len(),
            components = self.components.len(),
            places = self.places.len(),
            departments = self.departments.len(),
            units = self.department_units.len(),
            users = self.users.len(),
        )
    }

    /// `area_grades.csv` (synthetic): the four default grades; the outer four streets are
    /// 城乡结合部 as a whole; elsewhere each street's first community is 主干道, then its
    /// communities alternate 次干道 and 背街小巷.
    fn area_grades_csv(&self) -> String {
        use crate::catalog::standards::DEFAULT_GRADES;
        let mut rows: Vec<Vec<String>> = DEFAULT_GRADES
            .iter()
            .map(|g| vec![(*g).to_owned(), String::new()])
            .collect();
        let outer = self.streets.len().saturating_sub(4);
        for (i, street) in self.streets.iter().enumerate() {
            if i >= outer {
                rows.push(vec![DEFAULT_GRADES[3].to_owned(), street.code.clone()]);
                continue;
            }
            let communities = self.communities.iter().filter(|c| c.street == street.code);
            for (j, c) in communities.enumerate() {
                let grade = match j {
                    0 => DEFAULT_GRADES[0],
                    j if j % 2 == 1 => DEFAULT_GRADES[1],
                    _ => DEFAULT_GRADES[2],
                };
                rows.push(vec![grade.to_owned(), c.code.clone()]);
            }
        }
        csv_file(
            &format!(
                "{}. Area grades (区域等级) by street and community: synthetic",
                self.note()
            ),
            "grade,cell",
            rows.into_iter(),
        )
    }

    /// Every file's name and text, in the order of [`FILE_NAMES`]. Pure and deterministic.
    pub fn files(&self) -> Vec<(&'static str, String)> {
        let note = self.note();
        let kind = |k: CategoryKind| match k {
            CategoryKind::Component => "component",
            CategoryKind::Matter => "matter",
        };
        let texts = [
            self.readme(),
            self.tenant_toml(),
            csv_file(
                &note,
                "code,name",
                self.streets
                    .iter()
                    .map(|s| vec![s.code.clone(), s.name.clone()]),
            ),
            csv_file(
                &note,
                "code,street,name",
                self.communities
                    .iter()
                    .map(|c| vec![c.code.clone(), c.street.clone(), c.name.clone()]),
            ),
            self.cells_geojson(),
            self.components_geojson(),
            self.places_geojson(),
            csv_file(
                &note,
                "code,id,name",
                self.departments
                    .iter()
                    .map(|d| vec![d.code.clone(), d.id.to_string(), d.name.clone()]),
            ),
            csv_file(
                &format!(
                    "{note}. Child units (三级 units / 作业班组) under their 二级 department, by department code"
                ),
                "unit,parent",
                self.department_units
                    .iter()
                    .map(|u| vec![u.unit.clone(), u.parent.clone()]),
            ),
            csv_file(
                &note,
                "kind,category,area,department",
                self.responsibility.rows.iter().map(|r| {
                    vec![
                        kind(r.kind).to_owned(),
                        r.category.clone(),
                        r.area.clone(),
                        r.department.clone(),
                    ]
                }),
            ),
            csv_file(
                &format!(
                    "{note}. No passwords: the server's import sets a demo password and stores its hash."
                ),
                "username,display_name,role,department,cells",
                self.users.iter().map(|u| {
                    vec![
                        u.username.clone(),
                        u.display_name.clone(),
                        u.role.as_str().to_owned(),
                        u.department.clone().unwrap_or_default(),
                        u.cells.join(" "),
                    ]
                }),
            ),
            CALENDAR.to_owned(),
            STAGE_LIMITS.to_owned(),
            self.area_grades_csv(),
            STANDARDS.to_owned(),
            self.layer_geojson(&self.basemap.roads),
            self.layer_geojson(&self.basemap.buildings),
            self.layer_geojson(&self.basemap.water),
            self.layer_geojson(&self.basemap.green),
            self.layer_geojson(&self.basemap.boundaries),
        ];
        FILE_NAMES.into_iter().zip(texts).collect()
    }

    /// Writes every file into `dir` (created if missing), replacing files of the same names.
    pub fn write_to(&self, dir: &Path) -> std::io::Result<()> {
        std::fs::create_dir_all(dir)?;
        for (name, text) in self.files() {
            std::fs::write(dir.join(name), text)?;
        }
        Ok(())
    }
}
