//! The text of the copy notice (Decree 30/2020 Appendix I, bản sao điện tử / phụ lục): its
//! lines, their layout in Times-metric 10 pt, and the content stream that shows them.

use time::OffsetDateTime;

use super::font::SubsetFont;
use crate::error::{Error, Result};

/// Font size of the notice, in points.
pub(crate) const FONT_SIZE: f64 = 10.0;
/// Distance between baselines, in points.
const LEADING: f64 = 12.0;
/// Room around the text inside its box, in points.
pub(crate) const PADDING: f64 = 2.0;
/// Most lines in a notice.
const MAX_LINES: usize = 8;
/// Most characters in one line.
const MAX_LINE_CHARS: usize = 200;
/// The copy form written when the caller gives none.
pub(crate) const DEFAULT_COPY_FORM: &str = "Bản sao điện tử";

/// A number for a content stream or an array: at most three decimals, no exponent.
pub(crate) fn num(v: f64) -> String {
    let r = (v * 1000.0).round() / 1000.0;
    let r = if r == 0.0 { 0.0 } else { r };
    let s = format!("{r:.3}");
    let s = s.trim_end_matches('0').trim_end_matches('.');
    s.to_string()
}

/// The three lines of Decree 30's copy notice: copy form or document number, organization,
/// signing time.
pub(crate) fn copy_lines(
    form: Option<&str>,
    organization: Option<&str>,
    signing_time: OffsetDateTime,
) -> Vec<String> {
    let mut lines = vec![form.unwrap_or(DEFAULT_COPY_FORM).to_string()];
    if let Some(o) = organization {
        lines.push(o.to_string());
    }
    lines.push(crate::dates::vietnam_iso(signing_time));
    lines
}

/// Lines of text laid out top-left aligned in a box.
pub(crate) struct TextBlock {
    /// Each line's two-byte CIDs.
    lines: Vec<Vec<u8>>,
    /// Width of the widest line plus padding, in points.
    pub width: f64,
    /// Height of all lines plus padding, in points.
    pub height: f64,
    /// Font ascent at the notice size, in points.
    ascent: f64,
}

impl TextBlock {
    /// Lays out `lines` in the bundled font at [`FONT_SIZE`].
    pub fn new(font: &mut SubsetFont, lines: &[String]) -> Result<Self> {
        if lines.is_empty() || lines.len() > MAX_LINES {
            return Err(Error::InvalidOption(format!(
                "a copy notice has 1 to {MAX_LINES} lines, not {}",
                lines.len()
            )));
        }
        let mut encoded = Vec::with_capacity(lines.len());
        let mut widest: f64 = 0.0;
        for line in lines {
            if line.chars().count() > MAX_LINE_CHARS {
                return Err(Error::InvalidOption(format!(
                    "a copy notice line is longer than {MAX_LINE_CHARS} characters"
                )));
            }
            if line.chars().any(char::is_control) {
                return Err(Error::InvalidOption(
                    "a copy notice line holds a control character".into(),
                ));
            }
            let (codes, width) = font.encode(line)?;
            widest = widest.max(width * FONT_SIZE / 1000.0);
            encoded.push(codes);
        }
        let (ascent, descent) = font.vertical_metrics();
        let ascent = ascent * FONT_SIZE / 1000.0;
        let descent = -descent * FONT_SIZE / 1000.0;
        let count = encoded.len() as f64;
        Ok(TextBlock {
            lines: encoded,
            width: widest + 2.0 * PADDING,
            height: ascent + descent + (count - 1.0) * LEADING + 2.0 * PADDING,
            ascent,
        })
    }

    /// The content stream showing the lines from the top-left of a box `height` tall, in
    /// black, with the font resource named `font`.
    pub fn content(&self, font: &str, height: f64) -> Vec<u8> {
        let mut out = String::new();
        out.push_str("q\n0 g\nBT\n");
        out.push_str(&format!("/{font} {} Tf\n", num(FONT_SIZE)));
        let top = height - PADDING - self.ascent;
        out.push_str(&format!("{} {} Td\n", num(PADDING), num(top)));
        for (i, codes) in self.lines.iter().enumerate() {
            if i > 0 {
                out.push_str(&format!("0 {} Td\n", num(-LEADING)));
            }
            out.push('<');
            out.push_str(&hex::encode_upper(codes));
            out.push_str("> Tj\n");
        }
        out.push_str("ET\nQ\n");
        out.into_bytes()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_are_short() {
        assert_eq!(num(10.0), "10");
        assert_eq!(num(0.5), "0.5");
        assert_eq!(num(-12.0), "-12");
        assert_eq!(num(1.0 / 3.0), "0.333");
        assert_eq!(num(-0.0001), "0");
    }

    #[test]
    fn times_are_in_vietnam() {
        let t = time::macros::datetime!(2026-01-01 00:00 UTC);
        assert_eq!(crate::dates::vietnam_iso(t), "2026-01-01T07:00:00+07:00");
        let lines = copy_lines(None, Some("Sở Thông tin và Truyền thông Hà Nội"), t);
        assert_eq!(
            lines,
            [
                "Bản sao điện tử",
                "Sở Thông tin và Truyền thông Hà Nội",
                "2026-01-01T07:00:00+07:00"
            ]
        );
    }

    #[test]
    fn block_sizes_follow_the_lines() {
        let mut font = SubsetFont::new().unwrap();
        let one = TextBlock::new(&mut font, &["Số: 12/QĐ-UBND".into()]).unwrap();
        let three = TextBlock::new(
            &mut font,
            &["a".into(), "b".into(), "Số: 12/QĐ-UBND".into()],
        )
        .unwrap();
        assert!((three.height - one.height - 2.0 * LEADING).abs() < 1e-9);
        assert!((three.width - one.width).abs() < 1e-9);
        let content = String::from_utf8(three.content("F1", three.height)).unwrap();
        assert_eq!(content.matches(" Tj").count(), 3);
        assert!(content.contains("/F1 10 Tf"));
        assert!(TextBlock::new(&mut font, &[]).is_err());
        assert!(TextBlock::new(&mut font, &["a\nb".into()]).is_err());
    }
}
