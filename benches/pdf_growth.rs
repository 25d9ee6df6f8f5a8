//! Growth of PDF verification with the number of sequential signatures.
//!
//! Every signature of a document is checked against everything appended after it (the
//! modification analysis). kyso analyses each revision once and derives every signature's
//! verdict from those analyses, so the cost grows about linearly with the number of
//! signatures rather than with its square. This bench verifies a one-page PDF signed 1, 10,
//! 20 and 40 times in a row (each signature an incremental update over the previous one).
//!
//! `cargo bench --bench pdf_growth`. Measured numbers are in `benches/README.md`.

use std::hint::black_box;
use std::path::{Path, PathBuf};

use criterion::{BenchmarkId, Criterion, criterion_group, criterion_main};
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

/// `docs/simple.pdf` signed `n` times in a row, each signature in a new field.
fn signed_n_times(n: usize) -> Vec<u8> {
    let signer =
        KeyFileSigner::from_pkcs12(&read("pki/leader.p12"), "kyso-test").expect("leader.p12");
    let options = PdfSignOptions {
        policy: SigningPolicy {
            signing_time: Some(at()),
            ..SigningPolicy::default()
        },
        ..PdfSignOptions::default()
    };
    let mut doc = read("docs/simple.pdf");
    for _ in 0..n {
        doc = sign_pdf(&doc, &signer, &options).expect("sign");
    }
    doc
}

fn growth(c: &mut Criterion) {
    let options = verify_options();
    let mut group = c.benchmark_group("verify/sequential signatures");
    for n in [1usize, 10, 20, 40] {
        let doc = signed_n_times(n);
        let report = kyso::verify(&doc, &options).expect("verify");
        assert_eq!(report.signatures.len(), n);
        assert_eq!(report.indication, Indication::TotalPassed);
        group.bench_with_input(BenchmarkId::from_parameter(n), &doc, |b, doc| {
            b.iter(|| kyso::verify(black_box(doc), &options).expect("verify"))
        });
    }
    group.finish();
}

criterion_group!(pdf_growth, growth);
criterion_main!(pdf_growth);
