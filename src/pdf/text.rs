//! Text strings (ISO 32000-1 §7.9.2.2): PDFDocEncoding, UTF-16BE with a byte order mark, and
//! (PDF 2.0) UTF-8 with a byte order mark. Field names and signature reasons in Vietnamese
//! documents are usually UTF-16BE.

/// PDFDocEncoding code points 0x18..=0x1F, where it differs from Latin-1.
const PDFDOC_18: [char; 8] = [
    '\u{02D8}', '\u{02C7}', '\u{02C6}', '\u{02D9}', '\u{02DD}', '\u{02DB}', '\u{02DA}', '\u{02DC}',
];

/// PDFDocEncoding code points 0x80..=0xA0, where it differs from Latin-1
/// (0x9F is undefined and maps to U+FFFD).
const PDFDOC_80: [char; 33] = [
    '\u{2022}', '\u{2020}', '\u{2021}', '\u{2026}', '\u{2014}', '\u{2013}', '\u{0192}', '\u{2044}',
    '\u{2039}', '\u{203A}', '\u{2212}', '\u{2030}', '\u{201E}', '\u{201C}', '\u{201D}', '\u{2018}',
    '\u{2019}', '\u{201A}', '\u{2122}', '\u{FB01}', '\u{FB02}', '\u{0141}', '\u{0152}', '\u{0160}',
    '\u{0178}', '\u{017D}', '\u{0131}', '\u{0142}', '\u{0153}', '\u{0161}', '\u{017E}', '\u{FFFD}',
    '\u{20AC}',
];

/// Decodes a text string; undecodable input becomes U+FFFD, never an error.
pub(crate) fn decode_text_string(bytes: &[u8]) -> String {
    if let Some(rest) = bytes.strip_prefix(&[0xFE, 0xFF]) {
        let units = rest
            .chunks(2)
            .map(|c| u16::from_be_bytes([c[0], c.get(1).copied().unwrap_or(0)]));
        return char::decode_utf16(units)
            .map(|r| r.unwrap_or(char::REPLACEMENT_CHARACTER))
            .collect();
    }
    if let Some(rest) = bytes.strip_prefix(&[0xEF, 0xBB, 0xBF]) {
        return String::from_utf8_lossy(rest).into_owned();
    }
    bytes.iter().map(|&b| pdfdoc_char(b)).collect()
}

fn pdfdoc_char(b: u8) -> char {
    match b {
        0x18..=0x1F => PDFDOC_18[usize::from(b - 0x18)],
        0x7F | 0xAD => char::REPLACEMENT_CHARACTER,
        0x80..=0xA0 => PDFDOC_80[usize::from(b - 0x80)],
        _ => char::from(b),
    }
}

/// Encodes text as a text string: printable ASCII stays as is, anything else becomes
/// UTF-16BE with a byte order mark (understood by every PDF reader since PDF 1.2).
pub(crate) fn encode_text_string(text: &str) -> Vec<u8> {
    if text.bytes().all(|b| (0x20..0x7F).contains(&b)) {
        return text.as_bytes().to_vec();
    }
    let mut out = Vec::with_capacity(2 + 2 * text.len());
    out.extend_from_slice(&[0xFE, 0xFF]);
    for unit in text.encode_utf16() {
        out.extend_from_slice(&unit.to_be_bytes());
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_utf16_vietnamese() {
        let s = "Chữ ký số";
        let enc = encode_text_string(s);
        assert_eq!(&enc[..2], &[0xFE, 0xFF]);
        assert_eq!(decode_text_string(&enc), s);
    }

    #[test]
    fn ascii_stays_ascii() {
        assert_eq!(encode_text_string("Signature1"), b"Signature1");
        assert_eq!(decode_text_string(b"Signature1"), "Signature1");
    }

    #[test]
    fn pdfdoc_specials() {
        assert_eq!(decode_text_string(&[0x80, 0xA0, 0x18, 0xE9]), "•€˘é");
        assert_eq!(decode_text_string(&[0x9F]), "\u{FFFD}");
    }

    #[test]
    fn utf8_bom_and_odd_utf16() {
        assert_eq!(decode_text_string(b"\xEF\xBB\xBFD\xC3\xA0"), "Dà");
        // An odd trailing byte is padded, never a panic.
        assert_eq!(
            decode_text_string(&[0xFE, 0xFF, 0x00, 0x41, 0x00]),
            "A\u{0}"
        );
        // A lone surrogate becomes the replacement character.
        assert_eq!(decode_text_string(&[0xFE, 0xFF, 0xD8, 0x00]), "\u{FFFD}");
    }
}
