//! The bundled Liberation Serif (metric-compatible with Times New Roman), embedded as a
//! subset: a Type 0 font with Identity-H encoding over a CIDFontType2 (ISO 32000-1 §9.7),
//! with `/W` widths and a `/ToUnicode` CMap (§9.10.3) so that the text extracts as written.
//!
//! Glyphs are looked up with `ttf-parser`; the subset is cut by `subsetter`, which renumbers
//! the kept glyphs 1, 2, 3, … in the order they were first used. Those new glyph ids are the
//! CIDs written in the content stream (`/CIDToGIDMap /Identity`).

use std::collections::BTreeMap;
use std::io::Write;

use flate2::Compression;
use flate2::write::ZlibEncoder;
use sha2::{Digest, Sha256};

use super::super::Source;
use super::super::object::{Array, Dictionary, Name, ObjRef, Object, Stream};
use super::super::writer::IncrementalWriter;
use crate::error::{Error, Result};

/// Liberation Serif 2.1.5 Regular (SIL Open Font License 1.1, see `assets/fonts/OFL.txt`).
static LIBERATION_SERIF: &[u8] =
    include_bytes!("../../../assets/fonts/LiberationSerif-Regular.ttf");

/// The PostScript name of the bundled font.
const FONT_NAME: &str = "LiberationSerif";

/// Text laid out with the bundled font, collecting the glyphs to embed.
pub(crate) struct SubsetFont {
    face: ttf_parser::Face<'static>,
    remapper: subsetter::GlyphRemapper,
    /// New glyph id (the CID) → (the character it shows, advance in 1/1000 em).
    used: BTreeMap<u16, (char, f64)>,
}

fn font_err(detail: impl std::fmt::Display) -> Error {
    Error::Unsupported(format!("signature text font: {detail}"))
}

impl SubsetFont {
    /// Opens the bundled font.
    pub fn new() -> Result<Self> {
        let face = ttf_parser::Face::parse(LIBERATION_SERIF, 0).map_err(font_err)?;
        Ok(SubsetFont {
            face,
            remapper: subsetter::GlyphRemapper::new(),
            used: BTreeMap::new(),
        })
    }

    fn scale(&self, units: f64) -> f64 {
        units * 1000.0 / f64::from(self.face.units_per_em())
    }

    /// Encodes `text` as two-byte CIDs and returns them with the text's width in 1/1000 em.
    /// A character the font has no glyph for is refused.
    pub fn encode(&mut self, text: &str) -> Result<(Vec<u8>, f64)> {
        let mut codes = Vec::with_capacity(2 * text.len());
        let mut width = 0.0;
        for c in text.chars() {
            let gid = self
                .face
                .glyph_index(c)
                .ok_or_else(|| font_err(format!("no glyph for {c:?} (U+{:04X})", c as u32)))?;
            let advance = self.scale(f64::from(self.face.glyph_hor_advance(gid).unwrap_or(0)));
            let cid = self.remapper.remap(gid.0);
            self.used.entry(cid).or_insert((c, advance));
            codes.extend_from_slice(&cid.to_be_bytes());
            width += advance;
        }
        Ok((codes, width))
    }

    /// Ascent and descent (negative) in 1/1000 em.
    pub fn vertical_metrics(&self) -> (f64, f64) {
        (
            self.scale(f64::from(self.face.ascender())),
            self.scale(f64::from(self.face.descender())),
        )
    }

    /// The subset tag: six capital letters derived from the glyphs kept (ISO 32000-1 §9.6.4).
    fn tag(&self) -> String {
        let mut hash = Sha256::new();
        for (cid, (c, _)) in &self.used {
            hash.update(cid.to_be_bytes());
            hash.update((*c as u32).to_be_bytes());
        }
        hash.finalize()
            .iter()
            .take(6)
            .map(|b| char::from(b'A' + b % 26))
            .collect()
    }

    /// Writes the subset font program, descriptor, CID font, ToUnicode CMap and Type 0 font;
    /// returns the Type 0 font to put in a `/Font` resource.
    pub fn write<S: Source>(self, writer: &mut IncrementalWriter<'_, S>) -> Result<ObjRef> {
        let program = subsetter::subset(LIBERATION_SERIF, 0, &self.remapper)
            .map_err(|e| font_err(format!("subsetting failed: {e}")))?;
        let base_font = Name::from(format!("{}+{FONT_NAME}", self.tag()).as_str());

        let mut file_dict = Dictionary::new();
        file_dict.set("Length1", Object::Int(program.len() as i64));
        file_dict.set("Filter", Name::from("FlateDecode"));
        let file_ref = writer.add(Object::Stream(Stream::new(file_dict, deflate(&program)?)))?;

        let face = &self.face;
        let bbox = face.global_bounding_box();
        let mut font_bbox = Array::new();
        for v in [bbox.x_min, bbox.y_min, bbox.x_max, bbox.y_max] {
            font_bbox.push(Object::Int(self.scale(f64::from(v)).round() as i64));
        }
        let (ascent, descent) = self.vertical_metrics();
        let cap_height = face
            .capital_height()
            .map(|h| self.scale(f64::from(h)))
            .unwrap_or(ascent);
        let mut descriptor = Dictionary::new();
        descriptor.set("Type", Name::from("FontDescriptor"));
        descriptor.set("FontName", base_font.clone());
        // Serif (2) + Symbolic (4): glyphs are chosen by CID, not by a standard encoding.
        descriptor.set("Flags", Object::Int(6));
        descriptor.set("FontBBox", font_bbox);
        descriptor.set("ItalicAngle", Object::Int(0));
        descriptor.set("Ascent", Object::Int(ascent.round() as i64));
        descriptor.set("Descent", Object::Int(descent.round() as i64));
        descriptor.set("CapHeight", Object::Int(cap_height.round() as i64));
        descriptor.set("StemV", Object::Int(80));
        descriptor.set("FontFile2", file_ref);
        let descriptor_ref = writer.add(Object::Dict(descriptor))?;

        let mut system_info = Dictionary::new();
        system_info.set("Registry", super::super::PdfString::literal("Adobe"));
        system_info.set("Ordering", super::super::PdfString::literal("Identity"));
        system_info.set("Supplement", Object::Int(0));
        let mut cid_font = Dictionary::new();
        cid_font.set("Type", Name::from("Font"));
        cid_font.set("Subtype", Name::from("CIDFontType2"));
        cid_font.set("BaseFont", base_font.clone());
        cid_font.set("CIDSystemInfo", system_info);
        cid_font.set("FontDescriptor", descriptor_ref);
        cid_font.set("DW", Object::Int(1000));
        cid_font.set("W", self.widths());
        cid_font.set("CIDToGIDMap", Name::from("Identity"));
        let cid_ref = writer.add(Object::Dict(cid_font))?;

        let cmap = Stream::new(Dictionary::new(), self.to_unicode());
        let cmap_ref = writer.add(Object::Stream(cmap))?;

        let mut font = Dictionary::new();
        font.set("Type", Name::from("Font"));
        font.set("Subtype", Name::from("Type0"));
        font.set("BaseFont", base_font);
        font.set("Encoding", Name::from("Identity-H"));
        let mut descendants = Array::new();
        descendants.push(cid_ref);
        font.set("DescendantFonts", descendants);
        font.set("ToUnicode", cmap_ref);
        writer.add(Object::Dict(font))
    }

    /// `/W`: runs of consecutive CIDs with their widths, `c [w1 w2 …]`.
    fn widths(&self) -> Array {
        let mut w = Array::new();
        let mut run: Option<(u16, Array)> = None;
        let mut last = None;
        for (&cid, &(_, advance)) in &self.used {
            let width = Object::Int(advance.round() as i64);
            match (&mut run, last) {
                (Some((_, widths)), Some(prev)) if prev + 1 == cid => widths.push(width),
                _ => {
                    if let Some((start, widths)) = run.take() {
                        w.push(Object::Int(i64::from(start)));
                        w.push(widths);
                    }
                    let mut widths = Array::new();
                    widths.push(width);
                    run = Some((cid, widths));
                }
            }
            last = Some(cid);
        }
        if let Some((start, widths)) = run {
            w.push(Object::Int(i64::from(start)));
            w.push(widths);
        }
        w
    }

    /// The ToUnicode CMap: each CID to the character it was chosen for (UTF-16BE).
    fn to_unicode(&self) -> Vec<u8> {
        let mut out = String::from(
            "/CIDInit /ProcSet findresource begin\n12 dict begin\nbegincmap\n\
             /CIDSystemInfo << /Registry (Adobe) /Ordering (UCS) /Supplement 0 >> def\n\
             /CMapName /Adobe-Identity-UCS def\n/CMapType 2 def\n\
             1 begincodespacerange\n<0000> <FFFF>\nendcodespacerange\n",
        );
        let entries: Vec<_> = self.used.iter().collect();
        for chunk in entries.chunks(100) {
            out.push_str(&format!("{} beginbfchar\n", chunk.len()));
            for (cid, (c, _)) in chunk {
                let mut units = [0u16; 2];
                let utf16: String = c
                    .encode_utf16(&mut units)
                    .iter()
                    .map(|u| format!("{u:04X}"))
                    .collect();
                out.push_str(&format!("<{cid:04X}> <{utf16}>\n"));
            }
            out.push_str("endbfchar\n");
        }
        out.push_str("endcmap\nCMapName currentdict /CMap defineresource pop\nend\nend\n");
        out.into_bytes()
    }
}

fn deflate(data: &[u8]) -> Result<Vec<u8>> {
    let mut encoder = ZlibEncoder::new(Vec::new(), Compression::default());
    encoder.write_all(data)?;
    Ok(encoder.finish()?)
}

#[cfg(test)]
mod tests {
    use super::*;

    const VIETNAMESE: &str =
        "Sở Thông tin và Truyền thông Hà Nội — ẮẰẲẴẶắằẳẵặ ỨỪỬỮỰứừửữự ĐđƠơƯư ỹỷỵ";

    #[test]
    fn the_font_covers_vietnamese() {
        let mut font = SubsetFont::new().unwrap();
        let (codes, width) = font.encode(VIETNAMESE).unwrap();
        assert_eq!(codes.len(), 2 * VIETNAMESE.chars().count());
        assert!(width > 0.0);
        // Same characters, same CIDs.
        let (again, _) = font.encode("Sở").unwrap();
        assert_eq!(&again[..], &codes[..4]);
    }

    #[test]
    fn widths_match_times_metrics() {
        let mut font = SubsetFont::new().unwrap();
        // Times New Roman: space 250, "H" 722, "a" 444.
        assert_eq!(font.encode(" ").unwrap().1.round(), 250.0);
        assert_eq!(font.encode("H").unwrap().1.round(), 722.0);
        assert_eq!(font.encode("a").unwrap().1.round(), 444.0);
    }

    #[test]
    fn missing_glyphs_are_refused() {
        let mut font = SubsetFont::new().unwrap();
        assert!(matches!(font.encode("✍"), Err(Error::Unsupported(_))));
    }

    #[test]
    fn cmap_and_widths_list_every_glyph() {
        let mut font = SubsetFont::new().unwrap();
        font.encode("Hà Nội").unwrap();
        let cmap = String::from_utf8(font.to_unicode()).unwrap();
        assert!(cmap.contains("6 beginbfchar"), "{cmap}");
        assert!(cmap.contains("<1ED9>"), "ộ is in the CMap: {cmap}");
        let w = font.widths();
        assert_eq!(w.get(0), Some(&Object::Int(1)));
        assert_eq!(w.get(1).and_then(Object::as_array).map(Array::len), Some(6));
        let program = subsetter::subset(LIBERATION_SERIF, 0, &font.remapper).unwrap();
        assert!(
            program.len() < LIBERATION_SERIF.len() / 10,
            "{}",
            program.len()
        );
    }
}
