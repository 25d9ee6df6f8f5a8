//! PNG signature and seal images → PDF image XObjects (ISO 32000-1 §8.9.5) with a soft mask
//! (§11.6.5.3) for the alpha channel.
//!
//! Every PNG colour type and depth is accepted: palettes and low bit depths are expanded,
//! 16-bit samples are cut to 8 bits, `tRNS` becomes alpha. The result is 8-bit grey or RGB,
//! Flate-compressed, and an 8-bit grey `/SMask` when some pixel is not opaque. Decoding is
//! bounded: the header is checked against [`MAX_SIDE`] and [`MAX_DECODED_BYTES`] before any
//! pixel buffer is allocated.

use std::io::{Cursor, Write};

use flate2::Compression;
use flate2::write::ZlibEncoder;

use super::super::Source;
use super::super::object::{Dictionary, Name, ObjRef, Object, Stream};
use super::super::writer::IncrementalWriter;
use crate::error::{Error, Result};

/// Widest or tallest image accepted, in pixels.
pub const MAX_SIDE: u32 = 8000;
/// Largest decoded image accepted (8-bit samples, alpha included), in bytes.
pub const MAX_DECODED_BYTES: u64 = 64 << 20;

/// Points per metre: 72 points to the inch, 0.0254 m to the inch.
const POINTS_PER_METRE: f64 = 72.0 / 0.0254;

/// A decoded image: 8-bit samples, grey or RGB, with its alpha channel apart.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Decoded {
    /// Width in pixels.
    pub width: u32,
    /// Height in pixels.
    pub height: u32,
    /// Whether the samples are RGB (else grey).
    pub rgb: bool,
    /// Colour samples, row by row, no padding.
    pub pixels: Vec<u8>,
    /// One alpha sample per pixel, when some pixel is not fully opaque.
    pub alpha: Option<Vec<u8>>,
    /// The printed size in points (width, height), when the file says its pixel density
    /// (a `pHYs` chunk in pixels per metre).
    pub real_size: Option<(f64, f64)>,
}

impl Decoded {
    /// Width over height.
    pub fn aspect(&self) -> f64 {
        f64::from(self.width) / f64::from(self.height)
    }
}

fn bad(detail: impl std::fmt::Display) -> Error {
    Error::malformed(crate::Format::Image, format!("signature image: {detail}"))
}

/// Decodes a PNG file. A damaged or truncated file is an [`Error::Malformed`] image; one too large is an [`Error::LimitExceeded`].
pub(crate) fn decode_png(bytes: &[u8]) -> Result<Decoded> {
    let limits = png::Limits {
        bytes: MAX_DECODED_BYTES as usize,
    };
    let mut decoder = png::Decoder::new_with_limits(Cursor::new(bytes), limits);
    decoder.set_transformations(png::Transformations::normalize_to_color8());
    let header = decoder.read_header_info().map_err(bad)?;
    let (width, height) = (header.width, header.height);
    if width > MAX_SIDE || height > MAX_SIDE {
        return Err(Error::LimitExceeded {
            what: "signature image side (pixels)",
            limit: u64::from(MAX_SIDE),
        });
    }
    // Four 8-bit samples per pixel at most after expansion.
    if u64::from(width) * u64::from(height) * 4 > MAX_DECODED_BYTES {
        return Err(Error::LimitExceeded {
            what: "decoded signature image (bytes)",
            limit: MAX_DECODED_BYTES,
        });
    }
    let mut reader = decoder.read_info().map_err(bad)?;
    let size = reader
        .output_buffer_size()
        .ok_or_else(|| bad("the image is too large for this machine"))?;
    if size as u64 > MAX_DECODED_BYTES {
        return Err(Error::LimitExceeded {
            what: "decoded signature image (bytes)",
            limit: MAX_DECODED_BYTES,
        });
    }
    let real_size = reader.info().pixel_dims.and_then(|d| {
        (d.unit == png::Unit::Meter && d.xppu > 0 && d.yppu > 0).then(|| {
            (
                f64::from(width) / f64::from(d.xppu) * POINTS_PER_METRE,
                f64::from(height) / f64::from(d.yppu) * POINTS_PER_METRE,
            )
        })
    });
    let mut buffer = vec![0; size];
    let frame = reader.next_frame(&mut buffer).map_err(bad)?;
    let data = buffer
        .get(..frame.buffer_size())
        .ok_or_else(|| bad("the decoder returned less than a frame"))?;
    if frame.bit_depth != png::BitDepth::Eight {
        return Err(bad(format!("unexpected bit depth {:?}", frame.bit_depth)));
    }
    let line = frame.line_size;
    let (channels, rgb, has_alpha) = match frame.color_type {
        png::ColorType::Grayscale => (1, false, false),
        png::ColorType::GrayscaleAlpha => (2, false, true),
        png::ColorType::Rgb => (3, true, false),
        png::ColorType::Rgba => (4, true, true),
        png::ColorType::Indexed => return Err(bad("the palette was not expanded")),
    };
    let colours = if rgb { 3 } else { 1 };
    let pixel_count = frame.width as usize * frame.height as usize;
    let mut pixels = Vec::with_capacity(pixel_count * colours);
    let mut alpha = Vec::with_capacity(if has_alpha { pixel_count } else { 0 });
    let row_bytes = frame.width as usize * channels;
    for row in data.chunks(line.max(1)).take(frame.height as usize) {
        let row = row
            .get(..row_bytes)
            .ok_or_else(|| bad("a row is shorter than the image width"))?;
        for px in row.chunks_exact(channels) {
            pixels.extend_from_slice(&px[..colours]);
            if has_alpha {
                alpha.push(px[colours]);
            }
        }
    }
    if pixels.len() != pixel_count * colours {
        return Err(bad("the image data is incomplete"));
    }
    let alpha = (has_alpha && alpha.iter().any(|&a| a != 255)).then_some(alpha);
    Ok(Decoded {
        width: frame.width,
        height: frame.height,
        rgb,
        pixels,
        alpha,
        real_size,
    })
}

fn deflate(data: &[u8]) -> Result<Vec<u8>> {
    let mut encoder = ZlibEncoder::new(Vec::new(), Compression::default());
    encoder.write_all(data)?;
    Ok(encoder.finish()?)
}

fn image_dict(width: u32, height: u32, colour_space: &str) -> Dictionary {
    let mut d = Dictionary::new();
    d.set("Type", Name::from("XObject"));
    d.set("Subtype", Name::from("Image"));
    d.set("Width", Object::Int(i64::from(width)));
    d.set("Height", Object::Int(i64::from(height)));
    d.set("ColorSpace", Name::from(colour_space));
    d.set("BitsPerComponent", Object::Int(8));
    d.set("Filter", Name::from("FlateDecode"));
    d
}

/// Writes the image (and its soft mask) as new objects; returns the image XObject.
pub(crate) fn add_image<S: Source>(
    writer: &mut IncrementalWriter<'_, S>,
    image: &Decoded,
) -> Result<ObjRef> {
    let colour_space = if image.rgb { "DeviceRGB" } else { "DeviceGray" };
    let mut dict = image_dict(image.width, image.height, colour_space);
    if let Some(alpha) = &image.alpha {
        let mask = Stream::new(
            image_dict(image.width, image.height, "DeviceGray"),
            deflate(alpha)?,
        );
        let mask_ref = writer.add(Object::Stream(mask))?;
        dict.set("SMask", mask_ref);
    }
    let stream = Stream::new(dict, deflate(&image.pixels)?);
    writer.add(Object::Stream(stream))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn encode(
        width: u32,
        height: u32,
        colour: png::ColorType,
        depth: png::BitDepth,
        data: &[u8],
        setup: impl FnOnce(&mut png::Encoder<'_, &mut Vec<u8>>),
    ) -> Vec<u8> {
        let mut out = Vec::new();
        {
            let mut e = png::Encoder::new(&mut out, width, height);
            e.set_color(colour);
            e.set_depth(depth);
            setup(&mut e);
            let mut w = e.write_header().unwrap();
            w.write_image_data(data).unwrap();
        }
        out
    }

    #[test]
    fn rgba_keeps_alpha_and_density() {
        let data = [0, 0, 255, 0, 0, 0, 255, 255, 10, 20, 30, 128, 1, 2, 3, 255];
        let png = encode(
            2,
            2,
            png::ColorType::Rgba,
            png::BitDepth::Eight,
            &data,
            |e| {
                e.set_pixel_dims(Some(png::PixelDimensions {
                    xppu: 3780,
                    yppu: 3780,
                    unit: png::Unit::Meter,
                }));
            },
        );
        let d = decode_png(&png).unwrap();
        assert!(d.rgb);
        assert_eq!(d.pixels, [0, 0, 255, 0, 0, 255, 10, 20, 30, 1, 2, 3]);
        assert_eq!(d.alpha.as_deref(), Some(&[0, 255, 128, 255][..]));
        let (w, h) = d.real_size.unwrap();
        assert!((w - 2.0 / 3780.0 * POINTS_PER_METRE).abs() < 1e-9 && (w - h).abs() < 1e-9);
    }

    #[test]
    fn opaque_images_have_no_mask() {
        let data = [9, 9, 9, 255, 8, 8, 8, 255];
        let png = encode(
            2,
            1,
            png::ColorType::Rgba,
            png::BitDepth::Eight,
            &data,
            |_| {},
        );
        assert_eq!(decode_png(&png).unwrap().alpha, None);
        let png = encode(
            3,
            1,
            png::ColorType::Grayscale,
            png::BitDepth::Eight,
            &[1, 2, 3],
            |_| {},
        );
        let d = decode_png(&png).unwrap();
        assert!(!d.rgb);
        assert_eq!(d.pixels, [1, 2, 3]);
        assert_eq!(d.real_size, None);
    }

    #[test]
    fn sixteen_bit_grey_alpha_is_cut_to_eight() {
        let data = [0x12, 0x34, 0xFF, 0xFF, 0xAB, 0xCD, 0x00, 0x00];
        let png = encode(
            2,
            1,
            png::ColorType::GrayscaleAlpha,
            png::BitDepth::Sixteen,
            &data,
            |_| {},
        );
        let d = decode_png(&png).unwrap();
        assert_eq!(d.pixels, [0x12, 0xAB]);
        assert_eq!(d.alpha.as_deref(), Some(&[0xFF, 0x00][..]));
    }

    #[test]
    fn palette_with_transparency_expands() {
        // Two-bit indices 0, 1, 2, 1 into a red, transparent, blue palette.
        let png = encode(
            4,
            1,
            png::ColorType::Indexed,
            png::BitDepth::Two,
            &[0b00_01_10_01],
            |e| {
                e.set_palette(vec![255, 0, 0, 0, 0, 0, 0, 0, 255]);
                e.set_trns(vec![255, 0, 255]);
            },
        );
        let d = decode_png(&png).unwrap();
        assert!(d.rgb);
        assert_eq!(d.pixels, [255, 0, 0, 0, 0, 0, 0, 0, 255, 0, 0, 0]);
        assert_eq!(d.alpha.as_deref(), Some(&[255, 0, 255, 0][..]));
    }

    #[test]
    fn damaged_files_are_typed_errors() {
        let png = encode(
            4,
            4,
            png::ColorType::Rgb,
            png::BitDepth::Eight,
            &[7; 48],
            |_| {},
        );
        for cut in [0, 8, 20, 33, png.len() / 2, png.len() - 13] {
            let err = decode_png(&png[..cut]).unwrap_err();
            assert!(matches!(err, Error::Malformed { .. }), "{cut}: {err}");
        }
        assert!(matches!(
            decode_png(b"GIF89a"),
            Err(Error::Malformed { .. })
        ));
    }

    #[test]
    fn huge_headers_are_refused_before_decoding() {
        // A valid header claiming 100000 × 100000 pixels, and nothing else.
        let mut ihdr = Vec::new();
        ihdr.extend_from_slice(b"IHDR");
        ihdr.extend_from_slice(&100_000u32.to_be_bytes());
        ihdr.extend_from_slice(&100_000u32.to_be_bytes());
        ihdr.extend_from_slice(&[8, 6, 0, 0, 0]);
        let crc = crc32(&ihdr);
        let mut png = b"\x89PNG\r\n\x1a\n".to_vec();
        png.extend_from_slice(&13u32.to_be_bytes());
        png.extend_from_slice(&ihdr);
        png.extend_from_slice(&crc.to_be_bytes());
        let err = decode_png(&png).unwrap_err();
        assert!(matches!(err, Error::LimitExceeded { .. }), "{err}");
    }

    fn crc32(data: &[u8]) -> u32 {
        let mut crc = !0u32;
        for &b in data {
            crc ^= u32::from(b);
            for _ in 0..8 {
                crc = if crc & 1 == 1 {
                    (crc >> 1) ^ 0xEDB8_8320
                } else {
                    crc >> 1
                };
            }
        }
        !crc
    }
}
