//! Attachment content: base64 text to bytes, and zip archives to the files inside, under the
//! package limits of [`Limits`].
//!
//! Nothing here trusts what the input declares. Base64 is decoded in chunks into a buffer
//! that never grows past the limit; an archive's declared sizes are checked before any
//! inflation (a 2 GB claim is refused without reading it) and its actual output is cut at
//! the declared size, so a lying header cannot make kyso inflate more than it claimed. Entry
//! names are only displayed, never used as paths, and a name that tries to leave its folder
//! (`../`, `/etc`, `C:\`) marks the archive as hostile.

use std::io::Read;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;

use crate::policy::Limits;

/// Why an attachment's content could not be decoded.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum DecodeError {
    /// The base64 text holds a character outside the alphabet, misplaced padding, or is
    /// truncated.
    #[error("the content is not valid base64: {0}")]
    Base64(String),
    /// A decoded attachment or an inflated file would exceed a size limit.
    #[error("{what} is over {limit} bytes, {which}")]
    TooLarge {
        /// What is too large.
        what: String,
        /// The limit in force, in bytes.
        limit: u64,
        /// Which limit binds: the per-attachment one or the package's.
        which: &'static str,
    },
    /// A zip entry declares more inflation than the ratio limit allows: a zip bomb.
    #[error(
        "{name}: compressed {compressed} bytes declare {declared} bytes (more than {limit} times): a zip bomb"
    )]
    CompressionRatio {
        /// The entry's name (sanitised).
        name: String,
        /// Compressed size.
        compressed: u64,
        /// Declared uncompressed size.
        declared: u64,
        /// The ratio limit.
        limit: u32,
    },
    /// An archive inflated to more than it declared.
    #[error("{0}: inflates to more than its declared size")]
    SizeMismatch(String),
    /// An archive has more entries than allowed.
    #[error("the archive has more than {0} entries")]
    TooManyEntries(u32),
    /// A zip inside a zip beyond the depth limit.
    #[error("{name}: an archive inside an archive ({limit} level(s) of archives are opened)")]
    NestedArchive {
        /// The entry's name (sanitised).
        name: String,
        /// The depth limit.
        limit: u32,
    },
    /// An entry name that is absolute, climbs out with `..`, or holds control characters.
    #[error("unsafe entry name {0:?} (absolute, parent-relative or with control characters)")]
    UnsafeName(String),
    /// Two entries with the same name: which one a reader sees would depend on the reader.
    #[error("two entries named {0:?}")]
    DuplicateName(String),
    /// Two entries share compressed data (the overlapping-file zip bomb).
    #[error("{0}: its compressed data overlaps another entry's")]
    Overlap(String),
    /// A compression method other than store and deflate, or an encrypted entry.
    #[error("{0}")]
    Unsupported(String),
    /// The archive's structure is broken, or an entry's CRC does not match.
    #[error("malformed zip archive: {0}")]
    Zip(String),
}

/// The decoding allowance left for one package (`max_package_bytes`), shared by all its
/// attachments so that many attachments each under the per-attachment limit still stop.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Budget {
    remaining: u64,
}

impl Budget {
    /// The allowance of a whole package.
    pub(crate) fn new(limits: &Limits) -> Self {
        Budget {
            remaining: limits.max_package_bytes,
        }
    }

    /// The most bytes one attachment or file may take: the per-attachment limit or what is
    /// left of the package's, whichever is smaller, with the name of the limit that binds.
    fn cap(&self, limits: &Limits) -> (u64, &'static str) {
        if self.remaining < limits.max_attachment_bytes {
            (
                self.remaining,
                "what is left of the package's decoding allowance",
            )
        } else {
            (limits.max_attachment_bytes, "the limit for one attachment")
        }
    }

    fn spend(&mut self, n: u64) {
        self.remaining = self.remaining.saturating_sub(n);
    }
}

/// Base64 characters decoded per step: a multiple of 4, so that every step but the last is
/// whole quanta without padding.
const CHUNK: usize = 16 * 1024;

/// Decodes the base64 text of an attachment (split over `parts`, as XML text nodes may be),
/// skipping XML white space, within the limits and the package budget.
///
/// Padding is accepted only at the very end: `QQ==QQ==` (two encodings glued together) is
/// refused rather than decoded into something no other reader would produce.
pub(crate) fn decode_base64<'a>(
    parts: impl IntoIterator<Item = &'a str>,
    limits: &Limits,
    budget: &mut Budget,
) -> Result<Vec<u8>, DecodeError> {
    let (cap, which) = budget.cap(limits);
    let too_large = || DecodeError::TooLarge {
        what: "the decoded attachment".into(),
        limit: cap,
        which,
    };
    let mut out: Vec<u8> = Vec::new();
    let mut pending: Vec<u8> = Vec::with_capacity(CHUNK + 2);
    // Base64 characters already decoded, to place an error in the text (white space aside).
    let mut consumed = 0usize;
    let mut padded = false;
    let mut flush = |pending: &mut Vec<u8>, out: &mut Vec<u8>| -> Result<(), DecodeError> {
        let room = pending.len() / 4 * 3;
        if (out.len() + room) as u64 > cap.saturating_add(2) {
            return Err(too_large());
        }
        let start = out.len();
        out.resize(start + room, 0);
        // The decoder checks the alphabet and the final quantum's padding and trailing bits.
        let n = STANDARD
            .decode_slice(&pending[..], &mut out[start..])
            .map_err(|e| match e {
                base64::DecodeSliceError::DecodeError(base64::DecodeError::InvalidByte(at, b)) => {
                    DecodeError::Base64(format!(
                        "unexpected character {:?} at base64 character {}",
                        char::from(b),
                        consumed + at
                    ))
                }
                other => DecodeError::Base64(other.to_string()),
            })?;
        out.truncate(start + n);
        consumed += pending.len();
        pending.clear();
        Ok(())
    };
    let white = |c: char| matches!(c, ' ' | '\t' | '\r' | '\n');
    for part in parts {
        for segment in part.split(white).filter(|s| !s.is_empty()) {
            let bytes = segment.as_bytes();
            if padded {
                return Err(DecodeError::Base64("characters after the padding".into()));
            }
            if let Some(first) = bytes.iter().position(|b| *b == b'=') {
                let run = &bytes[first..];
                if run.len() > 2 || run.iter().any(|b| *b != b'=') {
                    return Err(DecodeError::Base64(
                        "padding in the middle of the text, or more than two padding characters"
                            .into(),
                    ));
                }
                padded = true;
            }
            // Copy in blocks of CHUNK; a block is decoded when full, unless it holds the
            // final padding (at most two characters can still follow it).
            let mut rest = bytes;
            while !rest.is_empty() {
                let room = CHUNK.saturating_sub(pending.len());
                let take = if room == 0 {
                    rest.len()
                } else {
                    room.min(rest.len())
                };
                pending.extend_from_slice(&rest[..take]);
                rest = &rest[take..];
                if pending.len() >= CHUNK && !pending.contains(&b'=') {
                    flush(&mut pending, &mut out)?;
                }
            }
        }
    }
    if !pending.len().is_multiple_of(4) {
        return Err(DecodeError::Base64(
            "truncated: the length is not a multiple of 4".into(),
        ));
    }
    flush(&mut pending, &mut out)?;
    if out.len() as u64 > cap {
        return Err(too_large());
    }
    budget.spend(out.len() as u64);
    Ok(out)
}

/// The most memory reserved up front for an inflated entry; beyond it the buffer grows as
/// the data actually arrives.
const PRESIZE_LIMIT: u64 = 8 << 20;

/// The deepest archive nesting kyso opens whatever `max_archive_depth` says: an archive that
/// contains itself (a zip quine) costs a few hundred bytes per level, so the byte budget alone
/// would allow a million levels of recursion.
const DEPTH_CEILING: u32 = 8;

/// Whether `bytes` start like a zip archive (a local file header, or the end record of an
/// empty archive).
pub(crate) fn is_zip(bytes: &[u8]) -> bool {
    bytes.starts_with(b"PK\x03\x04") || bytes.starts_with(b"PK\x05\x06")
}

/// A name as the report may show it: control characters replaced, at most 255 characters.
pub(crate) fn display_name(raw: &str) -> String {
    raw.chars()
        .map(|c| if c.is_control() { '\u{fffd}' } else { c })
        .take(255)
        .collect()
}

/// Whether an entry name stays inside its archive: relative, no `..` step, no drive letter,
/// no control characters. Both separators count, as Windows readers treat `\` as one.
fn safe_entry_name(name: &str) -> bool {
    if name.is_empty() || name.starts_with(['/', '\\']) || name.chars().any(char::is_control) {
        return false;
    }
    let bytes = name.as_bytes();
    if bytes.len() >= 2 && bytes[1] == b':' && bytes[0].is_ascii_alphabetic() {
        return false;
    }
    !name.split(['/', '\\']).any(|step| step == "..")
}

/// Calls `visit` with each file of the zip archive `bytes` (name, content), in directory
/// order, one at a time so that only one inflated file is held at once. Archives inside are
/// opened while `depth` (archives already opened above this one) stays under
/// `limits.max_archive_depth`; their files are named `outer/inner`.
///
/// Stops at the first problem: a hostile archive is not half-trusted.
pub(crate) fn unzip(
    bytes: &[u8],
    prefix: &str,
    depth: u32,
    limits: &Limits,
    budget: &mut Budget,
    visit: &mut dyn FnMut(String, Vec<u8>),
) -> Result<(), DecodeError> {
    let zip_error = |e: rawzip::Error| DecodeError::Zip(e.to_string());
    let archive = rawzip::ZipArchive::from_slice(bytes).map_err(zip_error)?;
    let expected = archive.entries_hint();
    let mut entries = archive.entries();
    let mut seen = std::collections::HashSet::new();
    let mut ranges: Vec<(u64, u64, String)> = Vec::new();
    let mut count: u64 = 0;
    while let Some(entry) = entries.next_entry().map_err(zip_error)? {
        count += 1;
        if count > u64::from(limits.max_archive_entries) {
            return Err(DecodeError::TooManyEntries(limits.max_archive_entries));
        }
        if count > expected {
            return Err(DecodeError::Zip(format!(
                "more entries than the end record declares ({expected})"
            )));
        }
        let raw = entry.file_path();
        let raw_name = String::from_utf8_lossy(raw.as_bytes()).into_owned();
        if !safe_entry_name(&raw_name) {
            return Err(DecodeError::UnsafeName(display_name(&raw_name)));
        }
        let name = format!("{prefix}{}", display_name(&raw_name));
        if !seen.insert(raw_name.clone()) {
            return Err(DecodeError::DuplicateName(name));
        }
        if entry.is_dir() {
            continue;
        }
        if entry.flags().is_encrypted() {
            return Err(DecodeError::Unsupported(format!(
                "{name}: an encrypted entry cannot be checked"
            )));
        }
        let declared = entry.uncompressed_size_hint();
        let compressed = entry.compressed_size_hint();
        let (cap, what) = budget.cap(limits);
        if declared > cap {
            return Err(DecodeError::TooLarge {
                what: format!("{name}: the declared size ({declared} bytes)"),
                limit: cap,
                which: what,
            });
        }
        if declared
            > compressed
                .max(1)
                .saturating_mul(u64::from(limits.max_compression_ratio))
        {
            return Err(DecodeError::CompressionRatio {
                name,
                compressed,
                declared,
                limit: limits.max_compression_ratio,
            });
        }
        let method = entry.compression_method();
        let local = archive.get_entry(entry.wayfinder()).map_err(zip_error)?;
        let (start, end) = local.compressed_data_range();
        if let Some((_, _, other)) = ranges.iter().find(|(s, e, _)| start < *e && *s < end) {
            return Err(DecodeError::Overlap(format!("{name} and {other}")));
        }
        ranges.push((start, end, name.clone()));
        // Reserve what the entry declares up to a few MiB (a declaration is a claim, not a
        // size); reading stops one byte past it, to notice an entry that inflates further.
        let reserve = declared.min(PRESIZE_LIMIT);
        let mut content = Vec::with_capacity(usize::try_from(reserve).unwrap_or(0));
        let read = if method == rawzip::CompressionMethod::STORE {
            local
                .verifying_reader(local.data())
                .take(declared.saturating_add(1))
                .read_to_end(&mut content)
        } else if method == rawzip::CompressionMethod::DEFLATE {
            local
                .verifying_reader(flate2::bufread::DeflateDecoder::new(local.data()))
                .take(declared.saturating_add(1))
                .read_to_end(&mut content)
        } else {
            return Err(DecodeError::Unsupported(format!(
                "{name}: compression method {} (kyso reads store and deflate)",
                method.as_u16()
            )));
        };
        read.map_err(|e| DecodeError::Zip(format!("{name}: {e}")))?;
        if content.len() as u64 > declared {
            return Err(DecodeError::SizeMismatch(name));
        }
        budget.spend(content.len() as u64);
        if is_zip(&content) {
            if depth + 1 >= limits.max_archive_depth.min(DEPTH_CEILING) {
                return Err(DecodeError::NestedArchive {
                    name,
                    limit: limits.max_archive_depth.min(DEPTH_CEILING),
                });
            }
            unzip(
                &content,
                &format!("{name}/"),
                depth + 1,
                limits,
                budget,
                visit,
            )?;
        } else {
            visit(name, content);
        }
    }
    if count < expected {
        return Err(DecodeError::Zip(format!(
            "{count} entries where the end record declares {expected}"
        )));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use std::io::Write;

    use super::*;

    fn limits() -> Limits {
        Limits::default()
    }

    fn b64(parts: &[&str]) -> Result<Vec<u8>, DecodeError> {
        decode_base64(
            parts.iter().copied(),
            &limits(),
            &mut Budget::new(&limits()),
        )
    }

    #[test]
    fn base64_with_line_breaks_and_split_text() {
        assert_eq!(b64(&["SGVs\r\nbG8", "gd29y bGQ="]).unwrap(), b"Hello world");
        assert_eq!(b64(&[""]).unwrap(), b"");
    }

    #[test]
    fn base64_round_trips_across_block_boundaries() {
        let quanta = CHUNK / 4 * 3;
        for len in [
            quanta - 2,
            quanta - 1,
            quanta,
            quanta + 1,
            2 * quanta + 1,
            3 * quanta,
        ] {
            let data: Vec<u8> = (0..len).map(|i| (i * 7 + i / 251) as u8).collect();
            let text = STANDARD.encode(&data);
            let wrapped: Vec<&str> = text
                .as_bytes()
                .chunks(76)
                .map(|c| std::str::from_utf8(c).unwrap())
                .collect();
            let joined = wrapped.join("\r\n");
            assert_eq!(b64(&[&joined]).unwrap(), data, "{len}");
            // Split differently: as text nodes cut anywhere.
            let (a, b) = joined.split_at(joined.len() / 3);
            assert_eq!(b64(&[a, b]).unwrap(), data, "{len}");
        }
        // A bad character deep in the text is placed where it is.
        let mut text = STANDARD.encode(vec![1u8; 3 * CHUNK]);
        text.replace_range(CHUNK + 8..CHUNK + 9, "*");
        match b64(&[&text]) {
            Err(DecodeError::Base64(m)) => {
                assert!(m.contains(&format!("character {}", CHUNK + 8)), "{m}")
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn hostile_base64_is_refused() {
        for bad in [
            "SGVsbG8*", "QQ==QQ==", "QQ===", "SGVsbG8", "QR==", "Q\u{0}Q=",
        ] {
            assert!(
                matches!(b64(&[bad]), Err(DecodeError::Base64(_))),
                "{bad:?}"
            );
        }
    }

    #[test]
    fn base64_stops_at_the_limit_and_spends_the_budget() {
        let mut l = limits();
        l.max_attachment_bytes = 5;
        let mut budget = Budget::new(&l);
        assert!(matches!(
            decode_base64(["SGVsbG8gd29ybGQ="], &l, &mut budget),
            Err(DecodeError::TooLarge { limit: 5, .. })
        ));
        let mut l = limits();
        l.max_package_bytes = 16;
        let mut budget = Budget::new(&l);
        // A long text is refused chunk by chunk, never decoded whole.
        let long = "QUFB".repeat(CHUNK);
        assert!(decode_base64([long.as_str()], &l, &mut budget).is_err());
        assert_eq!(
            decode_base64(["SGVsbG8gd29ybGQ="], &l, &mut budget)
                .unwrap()
                .len(),
            11
        );
        assert!(matches!(
            decode_base64(["SGVsbG8gd29ybGQ="], &l, &mut budget),
            Err(DecodeError::TooLarge { limit: 5, .. })
        ));
    }

    /// A zip with the given (name, content, method) entries, written with rawzip.
    pub(crate) fn zip(entries: &[(&str, &[u8], bool)]) -> Vec<u8> {
        let mut out = Vec::new();
        let mut archive = rawzip::ZipArchiveWriter::new(&mut out);
        for (name, data, deflate) in entries {
            let method = if *deflate {
                rawzip::CompressionMethod::DEFLATE
            } else {
                rawzip::CompressionMethod::STORE
            };
            let (mut entry, config) = archive
                .new_file(name)
                .compression_method(method)
                .start()
                .unwrap();
            if *deflate {
                let enc =
                    flate2::write::DeflateEncoder::new(&mut entry, flate2::Compression::best());
                let mut w = config.wrap(enc);
                w.write_all(data).unwrap();
                let (enc, descriptor) = w.finish().unwrap();
                enc.finish().unwrap();
                entry.finish(descriptor).unwrap();
            } else {
                let mut w = config.wrap(&mut entry);
                w.write_all(data).unwrap();
                let (_, descriptor) = w.finish().unwrap();
                entry.finish(descriptor).unwrap();
            }
        }
        archive.finish().unwrap();
        out
    }

    fn files(bytes: &[u8], l: &Limits) -> Result<Vec<(String, Vec<u8>)>, DecodeError> {
        let mut got = Vec::new();
        unzip(bytes, "", 0, l, &mut Budget::new(l), &mut |n, c| {
            got.push((n, c))
        })?;
        Ok(got)
    }

    #[test]
    fn zip_entries_come_out_in_order() {
        let z = zip(&[
            ("a.pdf", b"%PDF-1.7 one", true),
            ("dir/b.xml", b"<b/>", false),
        ]);
        assert!(is_zip(&z));
        let got = files(&z, &limits()).unwrap();
        assert_eq!(got[0], ("a.pdf".into(), b"%PDF-1.7 one".to_vec()));
        assert_eq!(got[1], ("dir/b.xml".into(), b"<b/>".to_vec()));
    }

    #[test]
    fn hostile_zips_are_refused() {
        let l = limits();
        for name in [
            "../evil.pdf",
            "/etc/passwd",
            "a/../../b",
            "C:\\x.pdf",
            "..\\x",
            "a\u{1}b",
        ] {
            // Writers clean names up, so write a placeholder and put the raw name in place.
            let placeholder = "q".repeat(name.len());
            let mut z = zip(&[(&placeholder, b"x", false)]);
            let at: Vec<usize> = (0..z.len() - name.len())
                .filter(|i| z[*i..].starts_with(placeholder.as_bytes()))
                .collect();
            assert_eq!(at.len(), 2);
            for i in at {
                z[i..i + name.len()].copy_from_slice(name.as_bytes());
            }
            assert!(
                matches!(files(&z, &l), Err(DecodeError::UnsafeName(_))),
                "{name:?}"
            );
        }
        let z = zip(&[("a", b"x", false), ("a", b"y", false)]);
        assert!(matches!(files(&z, &l), Err(DecodeError::DuplicateName(_))));
        // A bomb: a megabyte of zeros deflates about a thousand times.
        let z = zip(&[("bomb.pdf", &vec![0u8; 1 << 20], true)]);
        assert!(matches!(
            files(&z, &l),
            Err(DecodeError::CompressionRatio { .. })
        ));
        // Over the size limit by what it declares.
        let mut small = limits();
        small.max_attachment_bytes = 1000;
        let z = zip(&[("big.pdf", &vec![7u8; 2000], false)]);
        assert!(matches!(
            files(&z, &small),
            Err(DecodeError::TooLarge { .. })
        ));
        // A zip inside a zip, one level more than allowed.
        let inner = zip(&[("x.pdf", b"%PDF-", false)]);
        let z = zip(&[("inner.zip", &inner, false)]);
        assert!(matches!(
            files(&z, &l),
            Err(DecodeError::NestedArchive { .. })
        ));
        let mut deeper = limits();
        deeper.max_archive_depth = 2;
        assert_eq!(files(&z, &deeper).unwrap()[0].0, "inner.zip/x.pdf");
        // However deep the caller allows, an archive in itself stops at the ceiling.
        let mut z = zip(&[("x.pdf", b"%PDF-", false)]);
        for _ in 0..DEPTH_CEILING + 2 {
            z = zip(&[("z.zip", &z, false)]);
        }
        deeper.max_archive_depth = u32::MAX;
        assert!(matches!(
            files(&z, &deeper),
            Err(DecodeError::NestedArchive { .. })
        ));
        // Too many entries.
        let mut few = limits();
        few.max_archive_entries = 1;
        let z = zip(&[("a", b"x", false), ("b", b"y", false)]);
        assert!(matches!(
            files(&z, &few),
            Err(DecodeError::TooManyEntries(1))
        ));
    }

    #[test]
    fn a_lying_size_or_crc_is_caught() {
        let data = b"%PDF-1.7 the real content";
        let z = zip(&[("a.pdf", data, false)]);
        // Patch the central directory's uncompressed size down: the entry now inflates to
        // more than it declares.
        let cd = z.windows(4).rposition(|w| w == b"PK\x01\x02").unwrap();
        let mut lying = z.clone();
        lying[cd + 24..cd + 28].copy_from_slice(&5u32.to_le_bytes());
        assert!(files(&lying, &limits()).is_err());
        // Flip a byte of the stored data: the CRC no longer matches.
        let mut flipped = z.clone();
        let at = z.windows(data.len()).position(|w| w == data).unwrap();
        flipped[at + 10] ^= 1;
        assert!(matches!(
            files(&flipped, &limits()),
            Err(DecodeError::Zip(_))
        ));
        // Truncated or garbage.
        assert!(files(&z[..z.len() - 10], &limits()).is_err());
        assert!(files(b"PK\x03\x04garbage", &limits()).is_err());
    }

    #[test]
    fn entry_names_are_displayed_not_trusted() {
        assert!(safe_entry_name("Phụ lục/bảng 1.pdf"));
        assert_eq!(display_name("a\u{7}b"), "a\u{fffd}b");
        assert_eq!(display_name(&"x".repeat(1000)).len(), 255);
    }
}
