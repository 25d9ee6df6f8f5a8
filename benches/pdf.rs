//! PDF benchmarks: verify a small signed PDF, verify a 50 MB signed PDF read in place from a
//! file, and sign a one-page PDF.
//!
//! `cargo bench --bench pdf`; `benches/compare_pdf.py` sets these against pdfsig, pyHanko and
//! `openssl dgst`.

use std::hint::black_box;
use std::path::{Path, PathBuf};
use std::time::Duration;

use criterion::{Criterion, criterion_group, criterion_main};
use kyso::crypto::KeyFileSigner;
use kyso::pdf::{PdfSignOptions, sign_pdf};
use kyso::pki::{Certificate, TrustStore};
use kyso::validation::VerifyOptions;
use kyso::{Indication, SigningPolicy, ValidationPolicy};

fn fixture(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures")
        .join(rel)
}

fn read(rel: &str) -> Vec<u8> {
    std::fs::read(fixture(rel)).expect("fixture")
}

fn at() -> time::OffsetDateTime {
    time::macros::datetime!(2026-01-01 00:00 UTC)
}

fn signer() -> KeyFileSigner {
    KeyFileSigner::from_pkcs12(&read("pki/leader.p12"), "kyso-test").expect("leader.p12")
}

fn sign_options() -> PdfSignOptions {
    PdfSignOptions {
        policy: SigningPolicy {
            signing_time: Some(at()),
            ..SigningPolicy::default()
        },
        ..PdfSignOptions::default()
    }
}

fn verify_options() -> VerifyOptions {
    let mut trust = TrustStore::new();
    for c in Certificate::parse_any(&read("pki/root.pem")).expect("root") {
        trust.add(c);
    }
    VerifyOptions {
        trust,
        policy: ValidationPolicy {
            validation_time: Some(at()),
            ..ValidationPolicy::default()
        },
        ..VerifyOptions::default()
    }
}

/// A one-page PDF whose page shows an RGB image of `bytes` pseudo-random (incompressible)
/// bytes, stored without a filter.
pub fn big_pdf(bytes: usize) -> Vec<u8> {
    let width = 4096usize;
    let height = bytes.div_ceil(width * 3);
    let len = width * height * 3;
    let mut out = Vec::with_capacity(len + 2048);
    out.extend_from_slice(b"%PDF-1.7\n%\xE2\xE3\xCF\xD3\n");
    let mut offsets = Vec::new();
    let content = b"q 451 0 0 470 72 300 cm /Im1 Do Q";
    let objects: [String; 4] = [
        "<< /Type /Catalog /Pages 2 0 R >>".into(),
        "<< /Type /Pages /Kids [3 0 R] /Count 1 >>".into(),
        "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /XObject << /Im1 5 0 R >> >> /Contents 4 0 R >>".into(),
        format!(
            "<< /Length {} >>\nstream\n{}\nendstream",
            content.len(),
            std::str::from_utf8(content).expect("ascii")
        ),
    ];
    for (i, body) in objects.iter().enumerate() {
        offsets.push(out.len());
        out.extend_from_slice(format!("{} 0 obj\n{body}\nendobj\n", i + 1).as_bytes());
    }
    offsets.push(out.len());
    out.extend_from_slice(
        format!(
            "5 0 obj\n<< /Type /XObject /Subtype /Image /Width {width} /Height {height} /ColorSpace /DeviceRGB /BitsPerComponent 8 /Length {len} >>\nstream\n"
        )
        .as_bytes(),
    );
    let mut state = 0x6b79_736f_u64 | 1;
    let start = out.len();
    out.resize(start + len, 0);
    for chunk in out[start..].chunks_mut(8) {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        let word = state.to_le_bytes();
        chunk.copy_from_slice(&word[..chunk.len()]);
    }
    out.extend_from_slice(b"\nendstream\nendobj\n");
    let xref = out.len();
    out.extend_from_slice(b"xref\n0 6\n0000000000 65535 f\r\n");
    for o in offsets {
        out.extend_from_slice(format!("{o:010} 00000 n\r\n").as_bytes());
    }
    out.extend_from_slice(
        format!("trailer\n<< /Size 6 /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n").as_bytes(),
    );
    out
}

fn benches(c: &mut Criterion) {
    let signer = signer();
    let options = verify_options();
    let simple = read("docs/simple.pdf");
    let small = sign_pdf(&simple, &signer, &sign_options()).expect("sign");
    assert_eq!(
        kyso::verify(&small, &options).expect("verify").indication,
        Indication::TotalPassed
    );

    c.bench_function("verify/small signed PDF (in memory)", |b| {
        b.iter(|| kyso::verify(black_box(&small), &options).expect("verify"))
    });

    c.bench_function("sign/1-page PDF", |b| {
        b.iter(|| sign_pdf(black_box(&simple), &signer, &sign_options()).expect("sign"))
    });

    let dir = tempfile::tempdir().expect("temp dir");
    let big_path = dir.path().join("big-50mb-signed.pdf");
    {
        let big = big_pdf(50 << 20);
        let signed = sign_pdf(&big, &signer, &sign_options()).expect("sign big");
        std::fs::write(&big_path, signed).expect("write big");
    }
    assert_eq!(
        kyso::verify_file(&big_path, &options)
            .expect("verify big")
            .indication,
        Indication::TotalPassed
    );
    let mut group = c.benchmark_group("verify");
    group.sample_size(10);
    group.measurement_time(Duration::from_secs(15));
    group.bench_function("50 MB signed PDF (file, in place)", |b| {
        b.iter(|| kyso::verify_file(black_box(&big_path), &options).expect("verify"))
    });
    group.finish();
}

criterion_group!(pdf, benches);
criterion_main!(pdf);
