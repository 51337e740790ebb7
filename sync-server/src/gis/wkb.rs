//! Well-known binary (WKB, ISO and extended forms, 2D/Z/M/ZM) and the GeoPackage geometry
//! header in front of it.
//!
//! Invariants: every read is bounds-checked on the slice; a count is checked against the bytes
//! left before anything is allocated for it, so a hostile blob costs at most its own size; nesting
//! is limited to the six simple-feature types (no GeometryCollection), so recursion is bounded.

use super::geom::{Geom, Pos};

struct Cursor<'a> {
    bytes: &'a [u8],
    at: usize,
}

impl<'a> Cursor<'a> {
    fn take(&mut self, n: usize) -> Result<&'a [u8], String> {
        let end = self.at.checked_add(n).filter(|&e| e <= self.bytes.len());
        let end = end.ok_or_else(|| format!("WKB 被截断（第 {} 字节处需要 {n} 字节）", self.at))?;
        let out = &self.bytes[self.at..end];
        self.at = end;
        Ok(out)
    }

    fn u8(&mut self) -> Result<u8, String> {
        Ok(self.take(1)?[0])
    }

    fn u32(&mut self, little: bool) -> Result<u32, String> {
        let b: [u8; 4] = self.take(4)?.try_into().map_err(|_| "WKB 被截断")?;
        Ok(if little {
            u32::from_le_bytes(b)
        } else {
            u32::from_be_bytes(b)
        })
    }

    fn f64(&mut self, little: bool) -> Result<f64, String> {
        let b: [u8; 8] = self.take(8)?.try_into().map_err(|_| "WKB 被截断")?;
        Ok(if little {
            f64::from_le_bytes(b)
        } else {
            f64::from_be_bytes(b)
        })
    }

    fn left(&self) -> usize {
        self.bytes.len() - self.at
    }
}

/// Strips a GeoPackage binary header (`GP`, version, flags, srs id, envelope) and parses the
/// WKB after it; `None` for an empty geometry.
pub fn parse_gpkg(blob: &[u8]) -> Result<Option<Geom>, String> {
    if blob.len() < 8 || &blob[..2] != b"GP" {
        return Err("不是 GeoPackage 几何（缺少 GP 头）".into());
    }
    let flags = blob[3];
    if flags & 0b10_0000 != 0 {
        return Err("不支持扩展几何类型（GeoPackage extended geometry）".into());
    }
    let envelope = match (flags >> 1) & 0b111 {
        0 => 0,
        1 => 32,
        2 | 3 => 48,
        4 => 64,
        other => return Err(format!("GeoPackage 几何头的包络类型 {other} 无效")),
    };
    let start = 8 + envelope;
    if blob.len() < start {
        return Err("GeoPackage 几何头被截断".into());
    }
    if flags & 0b1_0000 != 0 {
        return Ok(None);
    }
    parse(&blob[start..]).map(Some)
}

/// Parses one WKB geometry.
pub fn parse(bytes: &[u8]) -> Result<Geom, String> {
    let mut c = Cursor { bytes, at: 0 };
    geometry(&mut c, 0)
}

fn header(c: &mut Cursor<'_>) -> Result<(bool, u32, usize), String> {
    let little = match c.u8()? {
        0 => false,
        1 => true,
        other => return Err(format!("WKB 字节序标志 {other} 无效")),
    };
    let raw = c.u32(little)?;
    // Extended WKB flags (PostGIS): Z 0x80000000, M 0x40000000, SRID 0x20000000.
    let mut dims = 2;
    if raw & 0x8000_0000 != 0 {
        dims += 1;
    }
    if raw & 0x4000_0000 != 0 {
        dims += 1;
    }
    if raw & 0x2000_0000 != 0 {
        c.take(4)?;
    }
    let iso = raw & 0x0fff_ffff;
    let (kind, iso_dims) = (
        iso % 1000,
        match iso / 1000 {
            0 => 0,
            1 | 2 => 1,
            3 => 2,
            other => return Err(format!("WKB 类型 {raw} 无效 ({other})")),
        },
    );
    Ok((little, kind, dims + iso_dims))
}

fn count(c: &mut Cursor<'_>, little: bool, min_item: usize) -> Result<usize, String> {
    let n = c.u32(little)? as usize;
    if n.saturating_mul(min_item) > c.left() {
        return Err(format!("WKB 声明 {n} 个元素，超过剩余的 {} 字节", c.left()));
    }
    Ok(n)
}

fn points(c: &mut Cursor<'_>, little: bool, dims: usize) -> Result<Vec<Pos>, String> {
    let n = count(c, little, 8 * dims)?;
    (0..n)
        .map(|_| {
            let x = c.f64(little)?;
            let y = c.f64(little)?;
            for _ in 2..dims {
                c.f64(little)?;
            }
            Ok([x, y])
        })
        .collect()
}

fn rings(c: &mut Cursor<'_>, little: bool, dims: usize) -> Result<Vec<Vec<Pos>>, String> {
    let n = count(c, little, 4)?;
    (0..n).map(|_| points(c, little, dims)).collect()
}

fn geometry(c: &mut Cursor<'_>, depth: u8) -> Result<Geom, String> {
    let (little, kind, dims) = header(c)?;
    let part = |c: &mut Cursor<'_>, want: u32| -> Result<Geom, String> {
        let g = geometry(c, depth + 1)?;
        let got = match &g {
            Geom::Point(_) => 1,
            Geom::LineString(_) => 2,
            Geom::Polygon(_) => 3,
            _ => 0,
        };
        if got == want {
            Ok(g)
        } else {
            Err(format!("多部件几何中的部件类型 {} 不符", g.name()))
        }
    };
    if depth > 1 {
        return Err("WKB 嵌套过深".into());
    }
    Ok(match kind {
        1 => {
            let mut p = points_fixed(c, little, dims)?;
            Geom::Point(p.pop().ok_or("WKB 点为空")?)
        }
        2 => Geom::LineString(points(c, little, dims)?),
        3 => Geom::Polygon(rings(c, little, dims)?),
        4..=6 => {
            let n = count(c, little, 9)?;
            let want = kind - 3;
            let parts = (0..n)
                .map(|_| part(c, want))
                .collect::<Result<Vec<_>, _>>()?;
            match kind {
                4 => Geom::MultiPoint(
                    parts
                        .into_iter()
                        .filter_map(|g| match g {
                            Geom::Point(p) => Some(p),
                            _ => None,
                        })
                        .collect(),
                ),
                5 => Geom::MultiLineString(
                    parts
                        .into_iter()
                        .filter_map(|g| match g {
                            Geom::LineString(l) => Some(l),
                            _ => None,
                        })
                        .collect(),
                ),
                _ => Geom::MultiPolygon(
                    parts
                        .into_iter()
                        .filter_map(|g| match g {
                            Geom::Polygon(p) => Some(p),
                            _ => None,
                        })
                        .collect(),
                ),
            }
        }
        other => return Err(format!("不支持的 WKB 几何类型 {other}")),
    })
}

fn points_fixed(c: &mut Cursor<'_>, little: bool, dims: usize) -> Result<Vec<Pos>, String> {
    let x = c.f64(little)?;
    let y = c.f64(little)?;
    for _ in 2..dims {
        c.f64(little)?;
    }
    Ok(vec![[x, y]])
}

#[cfg(test)]
mod tests {
    use super::*;

    fn point_le(x: f64, y: f64) -> Vec<u8> {
        let mut b = vec![1];
        b.extend(1u32.to_le_bytes());
        b.extend(x.to_le_bytes());
        b.extend(y.to_le_bytes());
        b
    }

    #[test]
    fn points_and_hostile_counts() {
        assert_eq!(parse(&point_le(1.0, 2.0)), Ok(Geom::Point([1.0, 2.0])));
        let mut huge = vec![1];
        huge.extend(2u32.to_le_bytes());
        huge.extend(u32::MAX.to_le_bytes());
        assert!(parse(&huge).expect_err("huge").contains("超过"));
        assert!(parse(&point_le(1.0, 2.0)[..10]).is_err());
        let mut multi = vec![1];
        multi.extend(4u32.to_le_bytes());
        multi.extend(2u32.to_le_bytes());
        multi.extend(point_le(1.0, 2.0));
        multi.extend(point_le(3.0, 4.0));
        assert_eq!(
            parse(&multi),
            Ok(Geom::MultiPoint(vec![[1.0, 2.0], [3.0, 4.0]]))
        );
        let mut gp = b"GP\0\x01".to_vec();
        gp.extend(4490u32.to_le_bytes());
        gp.extend(point_le(1.0, 2.0));
        assert_eq!(parse_gpkg(&gp), Ok(Some(Geom::Point([1.0, 2.0]))));
        assert!(parse_gpkg(b"XX").is_err());
    }
}
