//! Stream filters (ISO 32000-1 §7.4): FlateDecode with PNG and TIFF predictors.
//!
//! Every decoder writes into a buffer capped by [`crate::Limits::max_decompressed_bytes`]; a
//! small stream that would expand past the cap (a decompression bomb) stops with
//! [`Error::LimitExceeded`] as soon as the cap is crossed, before more memory is taken.

use flate2::{Decompress, FlushDecompress, Status};

use crate::{Error, Format, Result};

use super::object::{Dictionary, Name, Object};

/// Output grows in steps of this many bytes.
const CHUNK: usize = 64 * 1024;

/// One filter of a stream's `/Filter` list with its `/DecodeParms` entry.
#[derive(Debug, Clone)]
pub(crate) struct FilterSpec {
    pub(crate) name: Name,
    pub(crate) params: Option<Dictionary>,
}

/// Applies the filters in order, each output capped at `limit` bytes.
pub(crate) fn decode(data: Vec<u8>, filters: &[FilterSpec], limit: u64) -> Result<Vec<u8>> {
    let mut data = data;
    for f in filters {
        data = match f.name.as_bytes() {
            b"FlateDecode" => {
                let inflated = inflate(&data, limit)?;
                match &f.params {
                    Some(p) => apply_predictor(inflated, &PredictorParams::from_dict(p)?)?,
                    None => inflated,
                }
            }
            other => {
                return Err(Error::Unsupported(format!(
                    "PDF stream filter /{}",
                    String::from_utf8_lossy(other)
                )));
            }
        };
    }
    if data.len() as u64 > limit {
        return Err(too_big(limit));
    }
    Ok(data)
}

fn too_big(limit: u64) -> Error {
    Error::LimitExceeded {
        what: "decompressed PDF stream size",
        limit,
    }
}

fn malformed(detail: impl Into<String>) -> Error {
    Error::malformed(Format::Pdf, detail)
}

/// Inflates zlib data (RFC 1950), producing at most `limit` bytes.
///
/// Data that ends without the final block or checksum is accepted with what it produced (many
/// producers omit the checksum); corrupt data is an error.
pub(crate) fn inflate(data: &[u8], limit: u64) -> Result<Vec<u8>> {
    let cap = usize::try_from(limit).unwrap_or(usize::MAX);
    let mut z = Decompress::new(true);
    let mut out: Vec<u8> = Vec::new();
    loop {
        if out.len() == out.capacity() {
            if out.len() > cap {
                return Err(too_big(limit));
            }
            // Room for at most one byte past the cap, so crossing it is seen.
            let room = CHUNK.min((cap - out.len()).saturating_add(1));
            out.reserve_exact(room);
        }
        let consumed = usize::try_from(z.total_in()).unwrap_or(usize::MAX);
        let input = data.get(consumed..).unwrap_or(&[]);
        let before_out = out.len();
        let status = z
            .decompress_vec(input, &mut out, FlushDecompress::None)
            .map_err(|e| malformed(format!("FlateDecode stream is corrupt: {e}")))?;
        if out.len() > cap {
            return Err(too_big(limit));
        }
        let progressed = z.total_in() as usize != consumed || out.len() != before_out;
        match status {
            Status::StreamEnd => return Ok(out),
            Status::Ok | Status::BufError if progressed => {}
            // No progress although there was room: the input is used up without an end
            // marker.
            Status::Ok | Status::BufError => return Ok(out),
        }
    }
}

/// `/DecodeParms` of FlateDecode (ISO 32000-1 Table 8).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct PredictorParams {
    pub(crate) predictor: u32,
    pub(crate) colors: u32,
    pub(crate) bits_per_component: u32,
    pub(crate) columns: u32,
}

impl PredictorParams {
    pub(crate) fn from_dict(d: &Dictionary) -> Result<Self> {
        let get = |key: &str, default: i64| -> Result<u32> {
            match d.get(key) {
                None => Ok(default as u32),
                Some(Object::Int(v)) => u32::try_from(*v)
                    .map_err(|_| malformed(format!("/DecodeParms /{key} {v} is out of range"))),
                Some(o) => Err(malformed(format!(
                    "/DecodeParms /{key} is a {}, not an integer",
                    o.kind()
                ))),
            }
        };
        let p = PredictorParams {
            predictor: get("Predictor", 1)?,
            colors: get("Colors", 1)?,
            bits_per_component: get("BitsPerComponent", 8)?,
            columns: get("Columns", 1)?,
        };
        if !(1..=32).contains(&p.colors)
            || !matches!(p.bits_per_component, 1 | 2 | 4 | 8 | 16)
            || p.columns == 0
            || p.columns > 1 << 24
        {
            return Err(malformed(format!("unusable predictor parameters {p:?}")));
        }
        Ok(p)
    }

    /// Bytes per row of samples, without the PNG tag byte.
    fn row_bytes(&self) -> usize {
        let bits =
            u64::from(self.colors) * u64::from(self.bits_per_component) * u64::from(self.columns);
        // Bounded above by 32 × 16 × 2^24 bits, which fits in usize.
        bits.div_ceil(8) as usize
    }

    /// Bytes per complete pixel, at least 1 (the PNG "bpp").
    fn pixel_bytes(&self) -> usize {
        ((self.colors * self.bits_per_component).div_ceil(8)).max(1) as usize
    }
}

/// Undoes a predictor (ISO 32000-1 §7.4.4.4).
pub(crate) fn apply_predictor(data: Vec<u8>, p: &PredictorParams) -> Result<Vec<u8>> {
    match p.predictor {
        1 => Ok(data),
        2 => tiff_predictor(data, p),
        10..=15 => png_predictor(&data, p),
        other => Err(malformed(format!("unknown predictor {other}"))),
    }
}

/// PNG predictors (RFC 2083 §6): each row starts with its own filter type byte, whatever the
/// `/Predictor` value 10–15 says. A trailing partial row is dropped.
fn png_predictor(data: &[u8], p: &PredictorParams) -> Result<Vec<u8>> {
    let row = p.row_bytes();
    let bpp = p.pixel_bytes();
    let mut out = Vec::with_capacity(data.len());
    let mut prev = vec![0u8; row];
    let mut cur = vec![0u8; row];
    for chunk in data.chunks_exact(row + 1) {
        // infallible: chunks_exact yields slices of row + 1 ≥ 1 bytes.
        let (tag, raw) = (chunk[0], &chunk[1..]);
        for i in 0..row {
            let left = if i >= bpp { cur[i - bpp] } else { 0 };
            let up = prev[i];
            let up_left = if i >= bpp { prev[i - bpp] } else { 0 };
            let predicted = match tag {
                0 => 0,
                1 => left,
                2 => up,
                3 => ((u16::from(left) + u16::from(up)) / 2) as u8,
                4 => paeth(left, up, up_left),
                other => return Err(malformed(format!("unknown PNG filter type {other}"))),
            };
            cur[i] = raw[i].wrapping_add(predicted);
        }
        out.extend_from_slice(&cur);
        std::mem::swap(&mut prev, &mut cur);
    }
    Ok(out)
}

fn paeth(a: u8, b: u8, c: u8) -> u8 {
    let p = i16::from(a) + i16::from(b) - i16::from(c);
    let pa = (p - i16::from(a)).abs();
    let pb = (p - i16::from(b)).abs();
    let pc = (p - i16::from(c)).abs();
    if pa <= pb && pa <= pc {
        a
    } else if pb <= pc {
        b
    } else {
        c
    }
}

/// TIFF predictor 2 (horizontal differencing) for 8- and 16-bit components.
fn tiff_predictor(mut data: Vec<u8>, p: &PredictorParams) -> Result<Vec<u8>> {
    let row = p.row_bytes();
    let colors = p.colors as usize;
    match p.bits_per_component {
        8 => {
            for r in data.chunks_mut(row) {
                for i in colors..r.len() {
                    r[i] = r[i].wrapping_add(r[i - colors]);
                }
            }
        }
        16 => {
            for r in data.chunks_mut(row) {
                let step = 2 * colors;
                let mut i = step;
                while i + 1 < r.len() {
                    let prev = u16::from_be_bytes([r[i - step], r[i - step + 1]]);
                    let cur = u16::from_be_bytes([r[i], r[i + 1]]);
                    let [hi, lo] = cur.wrapping_add(prev).to_be_bytes();
                    r[i] = hi;
                    r[i + 1] = lo;
                    i += 2;
                }
            }
        }
        bits => {
            return Err(Error::Unsupported(format!(
                "TIFF predictor with {bits}-bit components"
            )));
        }
    }
    Ok(data)
}

#[cfg(test)]
mod tests {
    use super::*;
    use flate2::{Compression, write::ZlibEncoder};
    use std::io::Write;

    fn zlib(data: &[u8]) -> Vec<u8> {
        let mut e = ZlibEncoder::new(Vec::new(), Compression::default());
        let _ = e.write_all(data);
        e.finish().unwrap_or_default()
    }

    #[test]
    fn inflate_round_trip() {
        let data: Vec<u8> = (0..200_000u32).map(|i| (i % 251) as u8).collect();
        assert_eq!(inflate(&zlib(&data), 1 << 20).ok(), Some(data));
        assert_eq!(inflate(&zlib(b""), 10).ok(), Some(Vec::new()));
    }

    #[test]
    fn inflate_exact_limit_passes_one_more_fails() {
        let data = vec![7u8; 1000];
        assert!(inflate(&zlib(&data), 1000).is_ok());
        assert!(matches!(
            inflate(&zlib(&data), 999),
            Err(Error::LimitExceeded { .. })
        ));
    }

    #[test]
    fn unbounded_limit_does_not_overflow() {
        assert_eq!(inflate(&zlib(b"abc"), u64::MAX).ok(), Some(b"abc".to_vec()));
    }

    #[test]
    fn bomb_stops_at_the_cap() {
        let bomb = zlib(&vec![0u8; 50 << 20]);
        assert!(bomb.len() < 100_000);
        assert!(matches!(
            inflate(&bomb, 1 << 20),
            Err(Error::LimitExceeded { .. })
        ));
    }

    #[test]
    fn missing_checksum_tolerated_corruption_rejected() {
        let data = b"hello hello hello hello".to_vec();
        let z = zlib(&data);
        assert_eq!(inflate(&z[..z.len() - 4], 100).ok(), Some(data));
        assert!(inflate(b"\x78\x9c\xff\xff\xff\xff", 100).is_err());
        assert!(inflate(b"garbage", 100).is_err());
    }

    fn params(predictor: u32, colors: u32, bpc: u32, columns: u32) -> PredictorParams {
        PredictorParams {
            predictor,
            colors,
            bits_per_component: bpc,
            columns,
        }
    }

    #[test]
    fn png_up_like_xref_streams() {
        // Two rows of 4 bytes, both "Up": second row adds to the first.
        let data = vec![2, 1, 0, 16, 0, 2, 0, 0, 1, 5];
        let out = png_predictor(&data, &params(12, 1, 8, 4));
        assert_eq!(out.ok(), Some(vec![1, 0, 16, 0, 1, 0, 17, 5]));
    }

    #[test]
    fn png_all_filter_types() {
        let p = params(15, 3, 8, 2); // 6 bytes per row, bpp 3
        let rows = [
            [1u8, 10, 20, 30, 1, 2, 3], // Sub
            [3, 5, 5, 5, 5, 5, 5],      // Average
            [4, 1, 1, 1, 1, 1, 1],      // Paeth
            [0, 9, 9, 9, 9, 9, 9],      // None
        ];
        let data: Vec<u8> = rows.iter().flatten().copied().collect();
        let Ok(out) = png_predictor(&data, &p) else {
            panic!("decode failed")
        };
        assert_eq!(&out[0..6], &[10, 20, 30, 11, 22, 33]);
        // Average: left is 0 for first pixel: 5 + 10/2, ...
        assert_eq!(&out[6..9], &[10, 15, 20]);
        assert_eq!(out[9], 5u8.wrapping_add(((10u16 + 11) / 2) as u8));
        assert_eq!(&out[18..24], &[9, 9, 9, 9, 9, 9]);
        assert!(png_predictor(&[7, 0, 0, 0, 0, 0, 0], &p).is_err());
    }

    #[test]
    fn tiff_predictor_8_and_16() {
        let out = tiff_predictor(vec![1, 1, 1, 5, 1, 1], &params(2, 1, 8, 3));
        assert_eq!(out.ok(), Some(vec![1, 2, 3, 5, 6, 7]));
        let out = tiff_predictor(vec![0, 1, 0xFF, 0xFF], &params(2, 1, 16, 2));
        assert_eq!(out.ok(), Some(vec![0, 1, 0, 0]));
        assert!(tiff_predictor(vec![1], &params(2, 1, 4, 2)).is_err());
    }

    #[test]
    fn params_validated() {
        let mut d = Dictionary::new();
        d.set("Predictor", 12i64);
        d.set("Columns", 0i64);
        assert!(PredictorParams::from_dict(&d).is_err());
        d.set("Columns", -1i64);
        assert!(PredictorParams::from_dict(&d).is_err());
        d.set("Columns", 5i64);
        assert!(PredictorParams::from_dict(&d).is_ok());
    }

    #[test]
    fn unsupported_filter() {
        let f = [FilterSpec {
            name: Name::from("DCTDecode"),
            params: None,
        }];
        assert!(matches!(
            decode(vec![1], &f, 10),
            Err(Error::Unsupported(_))
        ));
    }
}
