//! The compact record of an inspector's day: self-contained blocks of delta-encoded points.
//!
//! A block is `"GT" 0x01`, the point count (varint), the first point in full (time, longitude,
//! latitude, accuracy), then for each further point the differences from the one before: seconds
//! (≥ 1), longitude and latitude in 10⁻⁵° (zigzag), accuracy in metres. Varints are LEB128. A
//! walking inspector's point costs 4–5 bytes: an 8-hour patrol is about 10 KB.
//!
//! A device appends a block for the points it recorded since its last sync, so the day record on
//! the server is the concatenation of the blocks in order and needs no rewrite; [`decode`] reads
//! any number of blocks.
//!
//! Invariants: every byte is hostile until [`decode`] has accepted it — truncation, overlong
//! varints, counts beyond [`MAX_DAY_POINTS`], positions off the globe, times outside
//! 2000–2100 or not strictly increasing (within and across blocks) are errors with a code,
//! never a panic or an allocation sized by the input; `decode(encode_block(p)) == p` for
//! quantised points `p` (see [`TrackPoint::quantised`]).

use super::TrackPoint;

/// The most points one inspector-day may hold (one every two seconds for 24 hours).
pub const MAX_DAY_POINTS: usize = 43_200;

const MAGIC: [u8; 3] = [b'G', b'T', 1];
const SCALE: f64 = 100_000.0;
/// 2000-01-01 and 2100-01-01, seconds since the epoch.
const T_MIN: i64 = 946_684_800;
const T_MAX: i64 = 4_102_444_800;

/// Why a track record was refused.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum TrackError {
    /// Not a record of this format, cut short, or an overlong number.
    #[error("轨迹数据格式错误（第 {offset} 字节）：{what}")]
    Malformed {
        /// Byte offset where reading failed.
        offset: usize,
        /// What was wrong.
        what: &'static str,
    },
    /// More points than one day can hold.
    #[error("轨迹点过多：超过每日 {MAX_DAY_POINTS} 个")]
    TooLong,
    /// A time not after the one before it, or outside 2000–2100.
    #[error("轨迹时间无效（第 {index} 个点）")]
    BadTime {
        /// Index of the point in the record.
        index: usize,
    },
    /// A position off the globe.
    #[error("轨迹坐标无效（第 {index} 个点）")]
    BadPosition {
        /// Index of the point in the record.
        index: usize,
    },
}

impl TrackError {
    /// The error code the server and the app report (docs/protocol.md).
    pub fn code(&self) -> &'static str {
        match self {
            TrackError::Malformed { .. } => "track_malformed",
            TrackError::TooLong => "track_too_long",
            TrackError::BadTime { .. } => "track_bad_time",
            TrackError::BadPosition { .. } => "track_bad_position",
        }
    }
}

/// Degrees to record units (10⁻⁵°).
pub(crate) fn quantise(deg: f64) -> i64 {
    (deg * SCALE).round() as i64
}

/// Record units to degrees.
pub(crate) fn dequantise(q: i64) -> f64 {
    q as f64 / SCALE
}

fn put_uvarint(out: &mut Vec<u8>, mut v: u64) {
    while v >= 0x80 {
        out.push((v as u8) | 0x80);
        v >>= 7;
    }
    out.push(v as u8);
}

fn put_ivarint(out: &mut Vec<u8>, v: i64) {
    put_uvarint(out, ((v << 1) ^ (v >> 63)) as u64);
}

fn accuracy(p: &TrackPoint) -> u64 {
    p.accuracy_m.round().clamp(0.0, 255.0) as u64
}

/// One block holding `points` (quantised on the way; times must strictly increase — the
/// sampler guarantees it). An empty slice gives an empty vector: no block.
pub fn encode_block(points: &[TrackPoint]) -> Vec<u8> {
    let mut out = Vec::with_capacity(8 + points.len() * 5);
    let Some(first) = points.first() else {
        return out;
    };
    out.extend_from_slice(&MAGIC);
    put_uvarint(&mut out, points.len() as u64);
    put_uvarint(&mut out, first.t.max(0) as u64);
    let (mut lon, mut lat) = (quantise(first.lon), quantise(first.lat));
    put_ivarint(&mut out, lon);
    put_ivarint(&mut out, lat);
    put_uvarint(&mut out, accuracy(first));
    let mut t = first.t;
    for p in &points[1..] {
        let (qlon, qlat) = (quantise(p.lon), quantise(p.lat));
        put_uvarint(&mut out, (p.t - t).max(0) as u64);
        put_ivarint(&mut out, qlon - lon);
        put_ivarint(&mut out, qlat - lat);
        put_uvarint(&mut out, accuracy(p));
        (t, lon, lat) = (p.t, qlon, qlat);
    }
    out
}

struct Reader<'a> {
    bytes: &'a [u8],
    at: usize,
}

impl Reader<'_> {
    fn fail(&self, what: &'static str) -> TrackError {
        TrackError::Malformed {
            offset: self.at,
            what,
        }
    }

    fn uvarint(&mut self) -> Result<u64, TrackError> {
        let mut v: u64 = 0;
        for shift in (0..64).step_by(7) {
            let Some(&b) = self.bytes.get(self.at) else {
                return Err(self.fail("数据不完整"));
            };
            self.at += 1;
            let low = u64::from(b & 0x7f);
            if shift == 63 && low > 1 {
                return Err(self.fail("数值溢出"));
            }
            v |= low << shift;
            if b & 0x80 == 0 {
                return Ok(v);
            }
        }
        Err(self.fail("数值溢出"))
    }

    fn ivarint(&mut self) -> Result<i64, TrackError> {
        let u = self.uvarint()?;
        Ok(((u >> 1) as i64) ^ -((u & 1) as i64))
    }
}

fn check(index: usize, t: i64, prev: Option<i64>, lon: i64, lat: i64) -> Result<(), TrackError> {
    if !(T_MIN..=T_MAX).contains(&t) || prev.is_some_and(|p| t <= p) {
        return Err(TrackError::BadTime { index });
    }
    if !(-18_000_000..=18_000_000).contains(&lon) || !(-9_000_000..=9_000_000).contains(&lat) {
        return Err(TrackError::BadPosition { index });
    }
    Ok(())
}

/// Reads a day record: any number of blocks, in order.
pub fn decode(bytes: &[u8]) -> Result<Vec<TrackPoint>, TrackError> {
    let mut r = Reader { bytes, at: 0 };
    let mut out: Vec<TrackPoint> = Vec::new();
    while r.at < bytes.len() {
        if bytes.get(r.at..r.at + 3) != Some(&MAGIC[..]) {
            return Err(r.fail("不是轨迹数据块"));
        }
        r.at += 3;
        let n = r.uvarint()?;
        if n == 0 {
            return Err(r.fail("空数据块"));
        }
        if n > (MAX_DAY_POINTS - out.len()) as u64 {
            return Err(TrackError::TooLong);
        }
        // Each point takes at least 4 bytes: a count the rest of the input cannot hold is cut short.
        if n.saturating_mul(4) > (bytes.len() - r.at) as u64 + 4 {
            return Err(r.fail("数据不完整"));
        }
        let (mut t, mut lon, mut lat) = (0i64, 0i64, 0i64);
        for i in 0..n {
            let index = out.len();
            if i == 0 {
                t = i64::try_from(r.uvarint()?).map_err(|_| TrackError::BadTime { index })?;
                lon = r.ivarint()?;
                lat = r.ivarint()?;
            } else {
                let dt = i64::try_from(r.uvarint()?).map_err(|_| TrackError::BadTime { index })?;
                t = t.checked_add(dt).ok_or(TrackError::BadTime { index })?;
                lon = lon
                    .checked_add(r.ivarint()?)
                    .ok_or(TrackError::BadPosition { index })?;
                lat = lat
                    .checked_add(r.ivarint()?)
                    .ok_or(TrackError::BadPosition { index })?;
            }
            let acc = r.uvarint()?;
            if acc > 255 {
                return Err(r.fail("精度值超出范围"));
            }
            check(index, t, out.last().map(|p| p.t), lon, lat)?;
            out.push(TrackPoint {
                t,
                lon: dequantise(lon),
                lat: dequantise(lat),
                accuracy_m: acc as f32,
            });
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn walk(n: usize) -> Vec<TrackPoint> {
        (0..n)
            .map(|i| TrackPoint {
                t: 1_796_000_000 + 12 * i as i64,
                lon: 103.834_12 + 0.000_17 * i as f64,
                lat: 36.061_05 - 0.000_09 * (i % 7) as f64,
                accuracy_m: 5.0 + (i % 3) as f32,
            })
            .collect()
    }

    #[test]
    fn blocks_round_trip_and_concatenate() {
        let pts = walk(300);
        let mut rec = encode_block(&pts[..120]);
        rec.extend(encode_block(&pts[120..]));
        let back = decode(&rec).unwrap();
        let want: Vec<_> = pts.iter().map(|p| p.quantised()).collect();
        assert_eq!(back, want);
        assert!(rec.len() < 300 * 6, "{} bytes", rec.len());
        assert_eq!(decode(&[]).unwrap(), vec![]);
    }

    #[test]
    fn out_of_order_blocks_are_refused() {
        let pts = walk(20);
        let mut rec = encode_block(&pts[10..]);
        rec.extend(encode_block(&pts[..10]));
        assert_eq!(decode(&rec).unwrap_err().code(), "track_bad_time");
        // A repeated block (a device sending the same points twice) is refused the same way.
        let mut rec = encode_block(&pts);
        rec.extend(encode_block(&pts));
        assert_eq!(decode(&rec).unwrap_err().code(), "track_bad_time");
    }

    #[test]
    fn hostile_bytes_give_codes() {
        let good = encode_block(&walk(50));
        for cut in 0..good.len() {
            let r = decode(&good[..cut]);
            if cut == 0 {
                assert!(r.is_ok());
            } else {
                assert_eq!(r.unwrap_err().code(), "track_malformed", "cut at {cut}");
            }
        }
        // A count of 2⁶³ points, overlong varints, a position off the globe.
        let mut huge = MAGIC.to_vec();
        huge.extend([0xff; 9]);
        huge.push(0x7f);
        assert!(decode(&huge).is_err());
        let mut many = MAGIC.to_vec();
        put_uvarint(&mut many, MAX_DAY_POINTS as u64 + 1);
        assert_eq!(decode(&many).unwrap_err().code(), "track_too_long");
        let mut overlong = MAGIC.to_vec();
        overlong.push(1);
        overlong.extend([0x80; 11]);
        assert_eq!(decode(&overlong).unwrap_err().code(), "track_malformed");
        let mut far = walk(1);
        far[0].lon = 200.0;
        assert_eq!(
            decode(&encode_block(&far)).unwrap_err().code(),
            "track_bad_position"
        );
        let mut old = walk(1);
        old[0].t = 10;
        assert_eq!(
            decode(&encode_block(&old)).unwrap_err().code(),
            "track_bad_time"
        );
    }
}
