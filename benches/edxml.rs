//! edXML package benchmarks: verifying a package against verifying its parts on their own.
//!
//! For each fixture package (`fixtures/edxml/`, from `fixtures/make-edxml.py`):
//!
//! - `package`: `kyso::verify` on the package — envelope, decoding, every document,
//!   cross-checks;
//! - `decode`: `kyso::edxml::extract` alone — parse the envelope, base64, unzip;
//! - `parts`: `extract`, then `kyso::verify` on each document it returns (and
//!   `kyso::xml::verify_xml` on the envelope when it is signed).
//!
//! `package` should cost no more than `parts` (which is decoding plus verifying the parts):
//! the package verifier adds only the manifest and header checks. The bench prints the
//! ratio of the two means after the criterion groups.

use std::hint::black_box;
use std::path::Path;
use std::time::{Duration, Instant};

use criterion::{Criterion, criterion_group};
use kyso::pki::TrustStore;
use kyso::validation::VerifyOptions;
use kyso::{Limits, RevocationMode, ValidationPolicy};

const PACKAGES: [&str; 3] = [
    "package-plain.edxml",
    "package-zip.edxml",
    "package-signed.edxml",
];

fn fixture(rel: &str) -> Vec<u8> {
    std::fs::read(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("fixtures")
            .join(rel),
    )
    .expect("fixture")
}

fn options() -> VerifyOptions {
    let mut trust = TrustStore::new();
    trust.add_bytes(&fixture("pki/root.pem")).expect("root");
    VerifyOptions {
        trust,
        policy: ValidationPolicy {
            validation_time: Some(time::macros::datetime!(2026-01-01 00:00 UTC)),
            revocation: RevocationMode::Off,
            ..ValidationPolicy::default()
        },
        ..VerifyOptions::default()
    }
}

fn verify_package(package: &[u8], options: &VerifyOptions) {
    let report = kyso::verify(package, options).expect("report");
    assert_eq!(report.indication, kyso::Indication::TotalPassed);
    black_box(report);
}

/// Whether the envelope is signed, found once outside the timed loops.
fn envelope_signed(package: &[u8]) -> bool {
    kyso::edxml::inspect_package(package, &Limits::default())
        .expect("listing")
        .envelope_signed
}

fn verify_parts(package: &[u8], signed: bool, options: &VerifyOptions) {
    // The envelope's own signature is a part too.
    if signed {
        let xml = kyso::xml::XmlVerifyOptions::default();
        black_box(kyso::xml::verify_xml(package, options, &xml).expect("report"));
    }
    for doc in kyso::edxml::extract(package, &Limits::default()).expect("extract") {
        black_box(kyso::verify(&doc.bytes, options).expect("report"));
    }
}

fn bench(c: &mut Criterion) {
    let options = options();
    for name in PACKAGES {
        let package = fixture(&format!("edxml/{name}"));
        let signed = envelope_signed(&package);
        let mut group = c.benchmark_group(format!("edxml/{name}"));
        group.bench_function("package", |b| b.iter(|| verify_package(&package, &options)));
        group.bench_function("decode", |b| {
            b.iter(|| black_box(kyso::edxml::extract(&package, &Limits::default())))
        });
        group.bench_function("parts", |b| {
            b.iter(|| verify_parts(&package, signed, &options))
        });
        group.finish();
    }
}

/// Mean time of `f` over at least `min` of wall time, after a warm-up run.
fn mean(min: Duration, mut f: impl FnMut()) -> Duration {
    f();
    let start = Instant::now();
    let mut n = 0u32;
    while start.elapsed() < min {
        f();
        n += 1;
    }
    start.elapsed() / n.max(1)
}

/// The package-to-parts ratio, measured alternately so that both see the same machine load.
fn ratios() {
    let options = options();
    for name in PACKAGES {
        let package = fixture(&format!("edxml/{name}"));
        let signed = envelope_signed(&package);
        let (mut p, mut q) = (Duration::ZERO, Duration::ZERO);
        for _ in 0..5 {
            p += mean(Duration::from_millis(400), || {
                verify_package(&package, &options)
            });
            q += mean(Duration::from_millis(400), || {
                verify_parts(&package, signed, &options)
            });
        }
        println!(
            "edxml/{name}: package {:.3} ms, decode + parts {:.3} ms, ratio {:.3}",
            p.as_secs_f64() * 200.0,
            q.as_secs_f64() * 200.0,
            p.as_secs_f64() / q.as_secs_f64()
        );
    }
}

criterion_group!(benches, bench);

fn main() {
    benches();
    Criterion::default().configure_from_args().final_summary();
    // `cargo test --benches` runs each bench once; the ratio is for `cargo bench` only.
    if std::env::args().any(|a| a == "--bench") {
        ratios();
    }
}
