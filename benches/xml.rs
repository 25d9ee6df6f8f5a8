//! XML signature benchmarks: verify and sign a Vietnamese e-invoice, and canonicalize a
//! 10 MB document. Peer comparisons (xmlsec1, signxml) live in `benches/compare_xml.py`.

use std::hint::black_box;
use std::path::Path;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use kyso::crypto::KeyFileSigner;
use kyso::pki::{Certificate, TrustStore};
use kyso::validation::VerifyOptions;
use kyso::xml::{C14nMethod, Canonicalizer, Profile, XmlSignOptions};
use kyso::{Limits, ValidationPolicy};

fn fixture(rel: &str) -> Vec<u8> {
    std::fs::read(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("fixtures")
            .join(rel),
    )
    .expect("fixture")
}

fn at() -> time::OffsetDateTime {
    time::macros::datetime!(2026-01-01 00:00 UTC)
}

fn einvoice_options() -> XmlSignOptions {
    XmlSignOptions {
        profile: Profile::Einvoice,
        signing_time: Some(at()),
        ..Default::default()
    }
}

fn verify_options() -> VerifyOptions {
    let mut trust = TrustStore::new();
    trust.add_bytes(&fixture("pki/root.pem")).expect("root");
    VerifyOptions {
        trust,
        policy: ValidationPolicy {
            validation_time: Some(at()),
            ..ValidationPolicy::default()
        },
        certificates: Certificate::parse_any(&fixture("pki/business-ca.pem")).expect("CA"),
        ..VerifyOptions::default()
    }
}

/// A ~10 MB document with namespaces, attributes, comments and Vietnamese text.
fn big_document() -> String {
    let mut doc = String::from(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<!-- bảng kê -->\n<DSHDon xmlns=\"urn:kyso:bench\" xmlns:x=\"urn:kyso:x\">\n",
    );
    let mut i = 0u32;
    while doc.len() < 10 << 20 {
        doc.push_str(&format!(
            "  <HDon Id=\"hd{i}\" x:loai=\"GTGT\"><Ten>Công ty TNHH Kyso Việt Nam &amp; đối tác</Ten><SoTien>{}</SoTien><!-- dòng {i} --><GhiChu x:lang=\"vi\">Thanh toán chuyển khoản</GhiChu></HDon>\n",
            i * 1000
        ));
        i += 1;
    }
    doc.push_str("</DSHDon>\n");
    doc
}

fn benches(c: &mut Criterion) {
    let signer =
        KeyFileSigner::from_pkcs12(&fixture("pki/business.p12"), "kyso-test").expect("p12");
    let invoice = fixture("docs/einvoice.xml");
    let signed = kyso::xml::sign_xml(&invoice, &signer, &einvoice_options()).expect("sign");
    let options = verify_options();
    let report = kyso::verify(&signed, &options).expect("verify");
    assert_eq!(
        report.indication,
        kyso::Indication::TotalPassed,
        "{report:#?}"
    );

    c.bench_function("xml/verify_einvoice", |b| {
        b.iter(|| kyso::verify(black_box(&signed), &options).expect("verify"))
    });
    c.bench_function("xml/sign_einvoice", |b| {
        b.iter(|| {
            kyso::xml::sign_xml(black_box(&invoice), &signer, &einvoice_options()).expect("sign")
        })
    });

    let big = big_document();
    let limits = Limits::default();
    let mut group = c.benchmark_group("xml/c14n_10mb");
    group.throughput(Throughput::Bytes(big.len() as u64));
    group.sample_size(10);
    let parsed = kyso::xml::XmlDocument::parse(&big, &limits, &kyso::xml::IdAttributes::default())
        .expect("parse");
    for method in [C14nMethod::Inclusive10, C14nMethod::Exclusive10] {
        let c14n = Canonicalizer::new(method);
        group.bench_function(format!("{method:?}"), |b| {
            b.iter(|| {
                c14n.document(parsed.doc(), &mut std::io::sink())
                    .expect("c14n")
            })
        });
    }
    group.bench_function("parse", |b| {
        b.iter(|| {
            kyso::xml::XmlDocument::parse(
                black_box(&big),
                &limits,
                &kyso::xml::IdAttributes::default(),
            )
            .expect("parse")
        })
    });
    group.finish();
}

criterion_group!(xml, benches);
criterion_main!(xml);
