//! PEM text read whole: every block, in order, and none passed over.
//!
//! Not the `pem` crate: `pem::parse_many` drops what it cannot frame (a block whose END line
//! was cut off) without a word, and a CRL or a certificate dropped from a bundle that way turns
//! "revoked" into "unknown"; and it collects the body character by character, about 3 % of the
//! instructions of a whole small-PDF verification spent on one trust file. Here the
//! text is cut at each BEGIN line and every piece must be one block (RFC 7468 framing, the
//! `base64` crate for the body): a missing or mismatched END, bad base64 or an END line
//! outside any block is an error naming the block.

use base64::Engine;

/// One PEM block: its place in the text (1-based), its label and its decoded contents.
#[derive(Debug)]
pub(crate) struct PemBlock {
    pub(crate) number: usize,
    pub(crate) label: String,
    pub(crate) contents: Vec<u8>,
}

impl PemBlock {
    /// `block 2 (X509 CRL)`.
    pub(crate) fn name(&self) -> String {
        block_name(self.number, &self.label)
    }
}

/// A PEM block whose armour or base64 is broken.
#[derive(Debug)]
pub(crate) struct PemError {
    /// `block 2 (X509 CRL)`.
    pub(crate) block: String,
    /// What is wrong with it.
    pub(crate) detail: String,
}

impl From<PemError> for crate::Error {
    fn from(e: PemError) -> Self {
        crate::Error::malformed(
            crate::error::Format::Pem,
            format!("{}: {}", e.block, e.detail),
        )
    }
}

/// `CERTIFICATE` (RFC 7468), or the older `X509 CERTIFICATE`.
pub(crate) fn is_certificate_label(label: &str) -> bool {
    matches!(label, "CERTIFICATE" | "X509 CERTIFICATE")
}

/// `X509 CRL` (RFC 7468), or plain `CRL`.
pub(crate) fn is_crl_label(label: &str) -> bool {
    matches!(label, "X509 CRL" | "CRL")
}

const BEGIN: &[u8] = b"-----BEGIN ";
const END: &[u8] = b"-----END ";

fn block_name(number: usize, label: &str) -> String {
    format!("block {number} ({label})")
}

/// Where `needle` (not empty) first occurs: a scan for its first byte, then a comparison,
/// so that long base64 bodies cost one byte test each.
fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    let first = *needle.first()?;
    let mut from = 0;
    while let Some(i) = haystack.get(from..)?.iter().position(|&b| b == first) {
        let at = from + i;
        if haystack[at..].starts_with(needle) {
            return Some(at);
        }
        from = at + 1;
    }
    None
}

/// The PEM blocks of a text, in order; text outside blocks is ignored.
pub(crate) fn pem_blocks(text: &[u8]) -> Result<Vec<PemBlock>, PemError> {
    let mut starts = Vec::new();
    let mut at = 0;
    while let Some(i) = text.get(at..).and_then(|rest| find(rest, BEGIN)) {
        starts.push(at + i);
        at += i + BEGIN.len();
    }
    let stray_end = |number: usize, outside: &[u8]| match find(outside, END) {
        Some(_) => Err(PemError {
            block: format!("block {number}"),
            detail: "an END line without a BEGIN line".into(),
        }),
        None => Ok(()),
    };
    stray_end(1, &text[..starts.first().copied().unwrap_or(text.len())])?;
    let mut blocks = Vec::with_capacity(starts.len());
    for (i, &start) in starts.iter().enumerate() {
        let piece = &text[start..starts.get(i + 1).copied().unwrap_or(text.len())];
        let number = i + 1;
        let label = piece[BEGIN.len()..]
            .split(|&b| b == b'\n' || b == b'\r')
            .next()
            .and_then(|line| line.trim_ascii_end().strip_suffix(b"-----"))
            .map(|l| String::from_utf8_lossy(l).into_owned())
            .unwrap_or_default();
        let fail = |detail: String| PemError {
            block: block_name(number, &label),
            detail,
        };
        let Some(end) = find(piece, END) else {
            return Err(fail("no END line (truncated?)".into()));
        };
        // Whatever follows this block's END line up to the next BEGIN is outside any block.
        let end_label = end + END.len();
        let Some(end_label_len) = find(&piece[end_label..], b"-----") else {
            return Err(fail("an unfinished END line".into()));
        };
        if &piece[end_label..end_label + end_label_len] != label.as_bytes() {
            return Err(fail(format!(
                "mismatching BEGIN and END labels (-----END {}-----)",
                String::from_utf8_lossy(&piece[end_label..end_label + end_label_len])
            )));
        }
        stray_end(number + 1, &piece[end_label + end_label_len + 5..])?;
        // The body: every line between the BEGIN line and the END line, white space dropped.
        let body_start = piece
            .iter()
            .position(|&b| b == b'\n' || b == b'\r')
            .unwrap_or(piece.len())
            .min(end);
        let body: Vec<u8> = piece[body_start..end]
            .iter()
            .copied()
            .filter(|b| !b.is_ascii_whitespace())
            .collect();
        if body.is_empty() {
            return Err(fail("an empty block".into()));
        }
        let contents = base64::engine::general_purpose::STANDARD
            .decode(&body)
            .map_err(|e| fail(format!("base64: {e}")))?;
        blocks.push(PemBlock {
            number,
            label,
            contents,
        });
    }
    Ok(blocks)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blocks_are_read_in_order_and_broken_ones_named() {
        let one = "-----BEGIN A-----\nMAMKAQE=\n-----END A-----\n";
        let two = format!("junk\n{one}between\r\n{}", one.replace('A', "B"));
        let blocks = pem_blocks(two.as_bytes()).expect("two blocks");
        assert_eq!(blocks.len(), 2);
        assert_eq!(blocks[1].name(), "block 2 (B)");
        assert_eq!(blocks[0].contents, [0x30, 0x03, 0x0a, 0x01, 0x01]);
        for (text, block, words) in [
            (
                format!("{one}-----BEGIN C-----\nMAMK"),
                "block 2 (C)",
                "no END line",
            ),
            (
                format!("{one}-----BEGIN C-----\n!!!!\n-----END C-----\n"),
                "block 2 (C)",
                "base64",
            ),
            (
                format!("{one}-----BEGIN C-----\nMAMKAQE=\n-----END D-----\n"),
                "block 2 (C)",
                "mismatching",
            ),
            (
                format!("-----END A-----\n{one}"),
                "block 1",
                "without a BEGIN",
            ),
            (
                format!("{one}-----END A-----\n"),
                "block 2",
                "without a BEGIN",
            ),
        ] {
            let e = pem_blocks(text.as_bytes()).expect_err(&text);
            assert_eq!(e.block, block, "{text}");
            assert!(e.detail.contains(words), "{text}: {}", e.detail);
        }
        assert!(pem_blocks(b"no armour at all").expect("none").is_empty());
    }
}
