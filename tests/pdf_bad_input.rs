//! Bad input through `kyso::verify`: truncated signed files, broken cross-references,
//! reference loops, huge lengths, deep nesting, decompression bombs and a deterministic
//! mutation fuzz loop. Every case ends in a typed error or a report that is not
//! TOTAL_PASSED, in bounded time, and never in a panic.

mod common;
mod pdfutil;

use std::io::Write;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::time::{Duration, Instant};

use common::rng::Rng;
use common::*;
use flate2::{Compression, write::ZlibEncoder};
use kyso::validation::VerifyOptions;
use kyso::{Indication, Limits, ValidationReport};
use pdfutil::*;

/// A guard against hangs, not a speed assertion: generous even for a debug build.
const HANG: Duration = Duration::from_secs(30);

/// Verifies under `catch_unwind`, timing the call; panics name `what`.
fn checked_verify(
    what: &str,
    bytes: &[u8],
    options: &VerifyOptions,
) -> kyso::Result<ValidationReport> {
    let started = Instant::now();
    let result = catch_unwind(AssertUnwindSafe(|| kyso::verify(bytes, options)))
        .unwrap_or_else(|_| panic!("{what}: kyso::verify panicked"));
    assert!(
        started.elapsed() < HANG,
        "{what}: took {:?}",
        started.elapsed()
    );
    result
}

/// Not passed: a typed error, or a report whose indication is not TOTAL_PASSED.
fn assert_rejected(what: &str, bytes: &[u8], options: &VerifyOptions) {
    match checked_verify(what, bytes, options) {
        Ok(r) => assert_ne!(
            r.indication,
            Indication::TotalPassed,
            "{what} passed: {}",
            summary(&r)
        ),
        Err(e) => {
            // Typed: the variants for input kyso refuses to read.
            assert!(
                matches!(
                    e,
                    kyso::Error::Malformed { .. }
                        | kyso::Error::LimitExceeded { .. }
                        | kyso::Error::Unsupported(_)
                ),
                "{what}: unexpected error {e:?}"
            );
        }
    }
}

fn two_signatures() -> Vec<u8> {
    sign_with(&signed_simple(), "seal")
}

#[test]
fn truncated_signed_files() {
    let options = verify_options();
    for (name, signed) in [
        ("simple", signed_simple()),
        (
            "xref-stream",
            sign_with(&read_fixture("docs/xref-stream.pdf"), "leader"),
        ),
        ("two signatures", two_signatures()),
    ] {
        let doc = kyso::pdf::Document::open(&signed[..], &Limits::default()).expect("open");
        // A cut exactly at a revision's end (with or without its end-of-line) is an older,
        // complete document, which may pass; every other cut must not.
        let complete: Vec<(usize, usize)> = doc
            .revisions()
            .iter()
            .map(|r| (r.marker_end() as usize, r.end() as usize))
            .collect();
        let mut cuts: Vec<usize> = (0..signed.len()).step_by(signed.len() / 150 + 1).collect();
        for &(m, e) in &complete {
            cuts.extend(m.saturating_sub(8)..(e + 8).min(signed.len()));
        }
        // Around the signature value and the final cross-reference section.
        cuts.extend(signed.len().saturating_sub(300)..signed.len());
        cuts.sort_unstable();
        cuts.dedup();
        for cut in cuts {
            let what = format!("{name} cut at {cut} of {}", signed.len());
            let bytes = &signed[..cut];
            if complete.iter().any(|&(m, e)| (m..=e).contains(&cut)) {
                let _ = checked_verify(&what, bytes, &options);
            } else {
                assert_rejected(&what, bytes, &options);
            }
        }
    }
}

/// Overwrites the decimal number at `at` with another of the same width.
fn with_number(bytes: &[u8], at: usize, value: u64) -> Vec<u8> {
    let width = bytes[at..]
        .iter()
        .take_while(|b| b.is_ascii_digit())
        .count();
    let text = format!("{value:0width$}");
    assert_eq!(text.len(), width, "number too wide");
    let mut out = bytes.to_vec();
    out[at..at + width].copy_from_slice(text.as_bytes());
    out
}

fn rfind(hay: &[u8], needle: &[u8]) -> usize {
    hay.windows(needle.len())
        .rposition(|w| w == needle)
        .expect("needle")
}

#[test]
fn broken_cross_references() {
    let options = verify_options();
    let signed = signed_simple();
    let startxref = rfind(&signed, b"startxref") + b"startxref\n".len();
    let xref = rfind(&signed, b"\nxref\n") + 1;
    let cases: Vec<(&str, Vec<u8>)> = vec![
        (
            "startxref past the end",
            with_number(&signed, startxref, 99_999),
        ),
        (
            "startxref into the middle of an object",
            with_number(&signed, startxref, 20),
        ),
        ("startxref 0", with_number(&signed, startxref, 0)),
        (
            "startxref one byte early",
            with_number(&signed, startxref, xref as u64 - 1),
        ),
        (
            // The first entry of the newest section points one byte off.
            "entry offset off by one",
            {
                let entry = xref + b"xref\n1 1\n".len();
                let value: u64 = std::str::from_utf8(&signed[entry..entry + 10])
                    .expect("ascii")
                    .parse()
                    .expect("offset");
                with_number(&signed, entry, value + 1)
            },
        ),
        ("section header claims more entries", {
            let mut out = signed.clone();
            let header = xref + b"xref\n".len();
            assert_eq!(&out[header..header + 4], b"1 1\n");
            out[header + 2] = b'9';
            out
        }),
        ("/Prev loops to itself", {
            let prev = rfind(&signed, b"/Prev ") + b"/Prev ".len();
            let digits = signed[prev..]
                .iter()
                .take_while(|b| b.is_ascii_digit())
                .count();
            let own = format!("{xref}");
            assert!(own.len() <= digits + 2);
            let mut out = signed[..prev].to_vec();
            out.extend_from_slice(own.as_bytes());
            out.extend_from_slice(&signed[prev + digits..]);
            out
        }),
        ("no %%EOF", signed[..signed.len() - 6].to_vec()),
        ("garbage tail", {
            let mut out = signed.clone();
            out.extend(std::iter::repeat_n(b'x', 5000));
            out
        }),
    ];
    for (name, bytes) in &cases {
        assert_rejected(name, bytes, &options);
    }
}

/// A small unsigned PDF with the given objects after a catalog (1), a page tree (2) and a page
/// (3); `extra_page` is added to the page dictionary.
fn tiny_pdf(extra_page: &str, objects: &[(u32, String)]) -> Vec<u8> {
    let mut all = vec![
        (1, "<< /Type /Catalog /Pages 2 0 R >>".to_owned()),
        (2, "<< /Type /Pages /Kids [3 0 R] /Count 1 >>".to_owned()),
        (
            3,
            format!("<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] {extra_page} >>"),
        ),
    ];
    all.extend(objects.iter().cloned());
    let mut out = b"%PDF-1.7\n".to_vec();
    let mut offsets = Vec::new();
    for (num, body) in &all {
        offsets.push((*num, out.len()));
        out.extend_from_slice(format!("{num} 0 obj\n{body}\nendobj\n").as_bytes());
    }
    let max = all.iter().map(|(n, _)| *n).max().unwrap_or(0);
    let at = out.len();
    out.extend_from_slice(format!("xref\n0 {}\n0000000000 65535 f\r\n", max + 1).as_bytes());
    for n in 1..=max {
        match offsets.iter().find(|(k, _)| *k == n) {
            Some((_, off)) => out.extend_from_slice(format!("{off:010} 00000 n\r\n").as_bytes()),
            None => out.extend_from_slice(b"0000000000 00001 f\r\n"),
        }
    }
    out.extend_from_slice(
        format!(
            "trailer\n<< /Size {} /Root 1 0 R >>\nstartxref\n{at}\n%%EOF\n",
            max + 1
        )
        .as_bytes(),
    );
    out
}

/// Signs `unsigned` when kyso accepts it, else returns it as is (refusing to sign a hostile
/// file is fine; verifying it must still be safe).
fn signed_or_not(unsigned: &[u8]) -> Vec<u8> {
    kyso::pdf::sign_pdf(unsigned, &signer("leader"), &sign_options())
        .unwrap_or_else(|_| unsigned.to_vec())
}

#[test]
fn reference_loops() {
    let options = verify_options();
    let cases: Vec<(&str, Vec<u8>)> = vec![
        (
            "a reference chain that loops",
            tiny_pdf(
                "/Contents 10 0 R",
                &[(10, "11 0 R".into()), (11, "10 0 R".into())],
            ),
        ),
        (
            "an object referring to itself",
            tiny_pdf("/Resources 10 0 R", &[(10, "10 0 R".into())]),
        ),
        ("a page tree whose kids include its root", {
            let mut pdf = tiny_pdf("", &[]);
            let at = rfind(&pdf, b"/Kids [3 0 R]");
            pdf.splice(at..at + 13, b"/Kids [2 0 R]".iter().copied());
            pdf
        }),
        ("a form field whose kids include itself", {
            let mut pdf = tiny_pdf(
                "",
                &[
                    (10, "<< /Fields [11 0 R] >>".into()),
                    (11, "<< /FT /Sig /T (Loop) /Kids [11 0 R 12 0 R] >>".into()),
                    (12, "<< /Parent 11 0 R /Kids [11 0 R] >>".into()),
                ],
            );
            let at = rfind(&pdf, b"/Pages 2 0 R");
            pdf.splice(
                at..at + 12,
                b"/Pages 2 0 R /AcroForm 10 0 R".iter().copied(),
            );
            pdf
        }),
        (
            "a stream whose /Length refers to itself",
            tiny_pdf(
                "/Contents 10 0 R",
                &[(10, "<< /Length 10 0 R >>\nstream\nBT ET\nendstream".into())],
            ),
        ),
    ];
    for (name, unsigned) in &cases {
        // Offsets of spliced files are off on purpose for some; either way, no pass.
        assert_rejected(name, unsigned, &options);
        // When kyso agrees to sign such a file, the damage lies where verification need not
        // look (page content): the signature may pass, but reading must stay safe.
        let _ = checked_verify(
            &format!("{name} (signed)"),
            &signed_or_not(unsigned),
            &options,
        );
    }
}

#[test]
fn hostile_lengths_and_nesting() {
    let options = verify_options();
    let signed = signed_simple();
    let deep = |n: usize| format!("<< /Deep {}{} >>", "[".repeat(n), "]".repeat(n));
    let cases: Vec<(&str, Vec<u8>)> = vec![
        (
            "huge /Length",
            tiny_pdf(
                "/Contents 10 0 R",
                &[(
                    10,
                    "<< /Length 99999999999999 >>\nstream\nBT ET\nendstream".into(),
                )],
            ),
        ),
        (
            "negative /Length",
            tiny_pdf(
                "/Contents 10 0 R",
                &[(10, "<< /Length -5 >>\nstream\nBT ET\nendstream".into())],
            ),
        ),
        (
            "nesting 100",
            tiny_pdf("/Annots 10 0 R", &[(10, deep(100))]),
        ),
        (
            "nesting 1,000,000",
            tiny_pdf("/Annots 10 0 R", &[(10, deep(1_000_000))]),
        ),
        (
            "unterminated dictionary",
            tiny_pdf("/Annots 10 0 R", &[(10, "<< /A << /B << /C".into())]),
        ),
    ];
    for (name, unsigned) in &cases {
        assert_rejected(name, unsigned, &options);
        // When kyso agrees to sign such a file, the damage lies where verification need not
        // look (page content): the signature may pass, but reading must stay safe.
        let _ = checked_verify(
            &format!("{name} (signed)"),
            &signed_or_not(unsigned),
            &options,
        );
    }
    // The same hostile objects appended to a signed file, in the form it reads first.
    let sig_field = |value: &str| {
        let mut out = signed.clone();
        let doc = kyso::pdf::Document::open(&signed[..], &Limits::default()).expect("open");
        let prev = doc.latest_revision().startxref();
        let at = out.len();
        out.extend_from_slice(format!("9 0 obj\n{value}\nendobj\n").as_bytes());
        let xref = out.len();
        out.extend_from_slice(
            format!(
                "xref\n9 1\n{at:010} 00000 n\r\ntrailer\n<< /Size 10 /Root 1 0 R /Prev {prev} >>\nstartxref\n{xref}\n%%EOF\n"
            )
            .as_bytes(),
        );
        out
    };
    assert_rejected("deep /AcroForm", &sig_field(&deep(100_000)), &options);
    assert_rejected(
        "/AcroForm with a huge stream",
        &sig_field("<< /Length 99999999999 >>\nstream\nx\nendstream"),
        &options,
    );
}

fn zlib(data: &[u8]) -> Vec<u8> {
    let mut z = ZlibEncoder::new(Vec::new(), Compression::best());
    z.write_all(data).expect("deflate");
    z.finish().expect("deflate")
}

/// A PDF 1.5 file whose catalog and page tree live in an object stream holding `padding`
/// zero bytes after them (a decompression bomb when large), with a cross-reference stream.
fn objstm_bomb(padding: usize) -> Vec<u8> {
    let objects = b"<< /Type /Catalog /Pages 2 0 R >> << /Type /Pages /Kids [3 0 R] /Count 1 >>";
    let header = b"1 0 2 34 ";
    let mut data = header.to_vec();
    data.extend_from_slice(objects);
    data.resize(data.len() + padding, b' ');
    let packed = zlib(&data);
    let mut out = b"%PDF-1.5\n".to_vec();
    let o3 = out.len();
    out.extend_from_slice(
        b"3 0 obj\n<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] >>\nendobj\n",
    );
    let o4 = out.len();
    out.extend_from_slice(
        format!(
            "4 0 obj\n<< /Type /ObjStm /N 2 /First {} /Filter /FlateDecode /Length {} >>\nstream\n",
            header.len(),
            packed.len()
        )
        .as_bytes(),
    );
    out.extend_from_slice(&packed);
    out.extend_from_slice(b"\nendstream\nendobj\n");
    let o5 = out.len();
    // Cross-reference stream: W [1 4 2], objects 0..6.
    let mut rows = Vec::new();
    let mut row = |t: u8, f2: u32, f3: u16| {
        rows.push(t);
        rows.extend_from_slice(&f2.to_be_bytes());
        rows.extend_from_slice(&f3.to_be_bytes());
    };
    row(0, 0, 65535);
    row(2, 4, 0);
    row(2, 4, 1);
    row(1, o3 as u32, 0);
    row(1, o4 as u32, 0);
    row(1, o5 as u32, 0);
    out.extend_from_slice(
        format!(
            "5 0 obj\n<< /Type /XRef /Size 6 /W [1 4 2] /Root 1 0 R /Length {} >>\nstream\n",
            rows.len()
        )
        .as_bytes(),
    );
    out.extend_from_slice(&rows);
    out.extend_from_slice(format!("\nendstream\nendobj\nstartxref\n{o5}\n%%EOF\n").as_bytes());
    out
}

#[test]
fn decompression_bombs() {
    let small_limit = VerifyOptions {
        policy: kyso::ValidationPolicy {
            limits: Limits {
                max_decompressed_bytes: 1 << 20,
                ..Limits::default()
            },
            ..verify_options().policy
        },
        ..verify_options()
    };
    // The harmless version reads (no signature) ...
    let fine = objstm_bomb(1000);
    let report = checked_verify("small object stream", &fine, &small_limit).expect("reads");
    assert_eq!(
        report.indication,
        Indication::NoSignature,
        "{}",
        summary(&report)
    );
    // ... the bomb (16 MiB from ~16 KiB) stops at the limit.
    let bomb = objstm_bomb(16 << 20);
    assert!(bomb.len() < 64 << 10, "{}", bomb.len());
    match checked_verify("object stream bomb", &bomb, &small_limit) {
        Ok(r) => {
            assert_eq!(r.indication, Indication::TotalFailed, "{}", summary(&r));
            assert!(
                r.signatures[0].errors[0].contains("limit"),
                "{}",
                summary(&r)
            );
        }
        Err(e) => assert!(matches!(e, kyso::Error::LimitExceeded { .. }), "{e:?}"),
    }

    // A signed file whose later update moves the catalog into a bomb.
    let signed = sign_with(&read_fixture("docs/xref-stream.pdf"), "leader");
    let mut attacked = signed.clone();
    let doc = kyso::pdf::Document::open(&signed[..], &Limits::default()).expect("open");
    let prev = doc.latest_revision().startxref();
    let size = doc.trailer().get_int("Size").expect("size");
    let mut data = b"1 0 ".to_vec();
    let first = data.len();
    data.extend_from_slice(b"<< /Type /Catalog /Pages 2 0 R >>");
    data.resize(data.len() + (16 << 20), b' ');
    let packed = zlib(&data);
    let stm = size;
    let at = attacked.len();
    attacked.extend_from_slice(
        format!(
            "{stm} 0 obj\n<< /Type /ObjStm /N 1 /First {first} /Filter /FlateDecode /Length {} >>\nstream\n",
            packed.len()
        )
        .as_bytes(),
    );
    attacked.extend_from_slice(&packed);
    attacked.extend_from_slice(b"\nendstream\nendobj\n");
    // The update's cross-reference stream: object 1 in the object stream, the object
    // stream and the xref stream itself at their offsets.
    let xref = attacked.len();
    let mut rows = Vec::new();
    for (t, f2, f3) in [
        (2u8, stm as u32, 0u16),
        (1, at as u32, 0),
        (1, xref as u32, 0),
    ] {
        rows.push(t);
        rows.extend_from_slice(&f2.to_be_bytes());
        rows.extend_from_slice(&f3.to_be_bytes());
    }
    attacked.extend_from_slice(
        format!(
            "{} 0 obj\n<< /Type /XRef /Size {} /Index [1 1 {stm} 2] /W [1 4 2] /Root 1 0 R /Prev {prev} /Length {} >>\nstream\n",
            stm + 1,
            stm + 2,
            rows.len()
        )
        .as_bytes(),
    );
    attacked.extend_from_slice(&rows);
    attacked
        .extend_from_slice(format!("\nendstream\nendobj\nstartxref\n{xref}\n%%EOF\n").as_bytes());
    let report = checked_verify("signed, then a bomb", &attacked, &small_limit).expect("report");
    assert!(
        report
            .signatures
            .iter()
            .any(|s| s.errors.iter().any(|e| e.contains("limit"))),
        "{}",
        summary(&report)
    );
    assert_rejected("signed, then a bomb", &attacked, &small_limit);
}

#[test]
fn mutation_fuzz_never_panics_nor_passes_a_changed_signed_range() {
    // KYSO_FUZZ_ITERATIONS scales the loop (default: 3000 over the classic file, half as
    // many over the cross-reference-stream file).
    let scale: usize = std::env::var("KYSO_FUZZ_ITERATIONS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(3000);
    fuzz("simple", &signed_simple(), scale, 0x6b79_736f_2d66_757a);
    fuzz(
        "xref-stream",
        &sign_with(&read_fixture("docs/xref-stream.pdf"), "leader"),
        scale / 2,
        0x7864_7265_662d_7374,
    );
}

/// Mutates `signed` `iterations` times (flips, replaced, inserted and removed bytes, copied
/// chunks, truncations) and verifies each result: no panic, bounded time, and TOTAL_PASSED
/// only while every signed byte is as it was.
fn fuzz(name: &str, signed: &[u8], iterations: usize, seed: u64) {
    let options = verify_options();
    let doc = kyso::pdf::Document::open(signed, &Limits::default()).expect("open");
    let end = doc.latest_revision().end() as usize;
    drop(doc);
    let (a, b) = gap(signed);
    let signed_bytes_intact =
        |m: &[u8]| m.len() >= end && m[..a] == signed[..a] && m[b..end] == signed[b..end];
    let interesting: Vec<u8> = b"<>[]()/0123456789 \n\rRobjendstreamxref%%EOF-.#\\".to_vec();
    let mut rng = Rng(seed);
    let (mut passed, mut rejected) = (0, 0);
    for i in 0..iterations {
        let mut m = signed.to_vec();
        for _ in 0..=rng.below(3) {
            let at = rng.below(m.len());
            match rng.below(6) {
                0 => m[at] ^= 1 << rng.below(8),
                1 => m[at] = interesting[rng.below(interesting.len())],
                2 => m.insert(at, interesting[rng.below(interesting.len())]),
                3 => {
                    m.remove(at);
                }
                4 => {
                    let n = rng.below(64).min(m.len() - at);
                    let chunk = m[at..at + n].to_vec();
                    let to = rng.below(m.len());
                    m.splice(to..to, chunk);
                }
                _ => {
                    let to = rng.below(m.len() + 1).max(at);
                    m.truncate(to);
                }
            }
            if m.is_empty() {
                m.push(b'%');
            }
        }
        let what = format!("{name}: mutation {i}");
        let result = checked_verify(&what, &m, &options);
        if let Ok(r) = &result
            && r.indication == Indication::TotalPassed
        {
            assert!(
                signed_bytes_intact(&m),
                "{what}: a changed signed byte range passed: {}",
                summary(r)
            );
            passed += 1;
        } else {
            rejected += 1;
        }
    }
    // The loop must exercise both outcomes to mean anything.
    assert!(
        rejected > iterations / 2,
        "{name}: {passed} passed, {rejected} rejected"
    );
    println!(
        "{name}: {iterations} mutations: {passed} passed (signed bytes intact), {rejected} rejected"
    );
}

/// The /Contents gap of the only signature.
fn gap(pdf: &[u8]) -> (usize, usize) {
    let start = pdf
        .windows(12)
        .position(|w| w == b"/ByteRange [")
        .expect("ByteRange")
        + 12;
    let nums: Vec<usize> = std::str::from_utf8(&pdf[start..start + 60])
        .expect("ascii")
        .split(']')
        .next()
        .expect("numbers")
        .split_ascii_whitespace()
        .map(|n| n.parse().expect("number"))
        .collect();
    (nums[1], nums[2])
}
