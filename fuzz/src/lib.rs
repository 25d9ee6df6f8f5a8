//! Shared code of kyso's fuzz targets: the verification settings every target uses, and the
//! property checks (`property` target) that a signed document changed in a signed byte or in
//! what it shows is never reported TOTAL_PASSED.

pub mod property;

use kyso::pki::{Certificate, TrustStore};
use kyso::validation::VerifyOptions;
use kyso::{RevocationMode, ValidationPolicy};

/// The test PKI's root and CAs, built into the targets so that a run needs no files.
const ROOT: &[u8] = include_bytes!("../../fixtures/pki/root.pem");
const BUSINESS_CA: &[u8] = include_bytes!("../../fixtures/pki/business-ca.pem");
const GOV_CA: &[u8] = include_bytes!("../../fixtures/pki/gov-ca.pem");

/// Verification as a relying party configures it, minus the network: the fixture root
/// trusted, its CAs as material, a fixed validation time, revocation off (no fetching), and
/// nothing online.
pub fn verify_options() -> VerifyOptions {
    let mut trust = TrustStore::new();
    for c in Certificate::parse_any(ROOT).unwrap_or_default() {
        trust.add(c);
    }
    let mut certificates = Certificate::parse_any(BUSINESS_CA).unwrap_or_default();
    certificates.extend(Certificate::parse_any(GOV_CA).unwrap_or_default());
    VerifyOptions {
        trust,
        policy: ValidationPolicy {
            validation_time: Some(time::macros::datetime!(2026-01-01 00:00 UTC)),
            revocation: RevocationMode::Off,
            online: false,
            ..ValidationPolicy::default()
        },
        certificates,
        ..VerifyOptions::default()
    }
}

/// Writes the kyso-made part of the seed corpora (signed documents, the CMS inside them, the
/// property target's starting inputs) into `corpus/`. The committed corpus was made this way:
/// `cargo test --release -- --ignored write_seed_corpus`, then minimized (see README).
#[cfg(test)]
mod seeds {
    use std::path::Path;

    use kyso::crypto::KeyFileSigner;
    use kyso::pdf::{PdfSignOptions, sign_pdf};
    use kyso::xml::{Mode, Profile, XmlSignOptions, sign_xml};

    fn fixture(rel: &str) -> Vec<u8> {
        std::fs::read(
            Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("../fixtures")
                .join(rel),
        )
        .unwrap_or_else(|e| panic!("{rel}: {e}"))
    }

    fn write(target: &str, name: &str, bytes: &[u8]) {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("corpus")
            .join(target);
        std::fs::create_dir_all(&dir).expect("corpus dir");
        std::fs::write(dir.join(name), bytes).expect("write seed");
    }

    /// The DER SignedData in the newest signature's /Contents (the /ByteRange gap).
    fn contents(pdf: &[u8]) -> Vec<u8> {
        let at = pdf
            .windows(10)
            .rposition(|w| w == b"/ByteRange")
            .expect("/ByteRange");
        let text = String::from_utf8_lossy(&pdf[at..at + 60]).into_owned();
        let numbers: Vec<usize> = text
            .trim_start_matches("/ByteRange")
            .trim_start()
            .trim_start_matches('[')
            .split_ascii_whitespace()
            .take(4)
            .filter_map(|n| n.trim_end_matches(']').parse().ok())
            .collect();
        let (start, end) = (numbers[1] + 1, numbers[2] - 1);
        let hex: Vec<u8> = pdf[start..end]
            .iter()
            .copied()
            .filter(u8::is_ascii_hexdigit)
            .collect();
        let mut der: Vec<u8> = hex
            .chunks(2)
            .filter_map(|p| u8::from_str_radix(std::str::from_utf8(p).ok()?, 16).ok())
            .collect();
        while der.last() == Some(&0) {
            der.pop();
        }
        der
    }

    #[test]
    #[ignore = "writes files: run by hand to remake the seed corpus"]
    fn write_seed_corpus() {
        let at = time::macros::datetime!(2025-06-15 03:00 UTC);
        let leader =
            KeyFileSigner::from_pkcs12(&fixture("pki/leader.p12"), "kyso-test").expect("leader");
        let ecdsa =
            KeyFileSigner::from_pkcs12(&fixture("pki/ecdsa.p12"), "kyso-test").expect("ecdsa");
        let business = KeyFileSigner::from_pkcs12(&fixture("pki/business.p12"), "kyso-test")
            .expect("business");
        let pdf_options = PdfSignOptions {
            policy: kyso::SigningPolicy {
                signing_time: Some(at),
                ..kyso::SigningPolicy::default()
            },
            ..PdfSignOptions::default()
        };
        let simple = sign_pdf(&fixture("docs/simple.pdf"), &leader, &pdf_options).expect("sign");
        let twice = sign_pdf(&simple, &ecdsa, &pdf_options).expect("sign twice");
        let xref = sign_pdf(&fixture("docs/xref-stream.pdf"), &leader, &pdf_options).expect("sign");
        write("pdf_verify", "simple-signed.pdf", &simple);
        write("pdf_verify", "twice-signed.pdf", &twice);
        write("pdf_verify", "xref-stream-signed.pdf", &xref);
        write("cms", "rsa.der", &contents(&simple));
        write("cms", "ecdsa.der", &contents(&twice));

        let xml = |input: &[u8], profile, mode| {
            let options = XmlSignOptions {
                profile,
                mode,
                signing_time: Some(at),
                ..XmlSignOptions::default()
            };
            sign_xml(input, &business, &options).expect("sign xml")
        };
        let invoice = xml(
            &fixture("docs/einvoice.xml"),
            Profile::Einvoice,
            Mode::Enveloped,
        );
        let xades = xml(
            &fixture("docs/generic.xml"),
            Profile::Xades,
            Mode::Enveloped,
        );
        let enveloping = xml(
            &fixture("docs/generic.xml"),
            Profile::Dsig,
            Mode::Enveloping,
        );
        let utf16: Vec<u8> = String::from_utf8(invoice.clone())
            .expect("UTF-8")
            .replacen("encoding=\"UTF-8\"", "encoding=\"UTF-16\"", 1)
            .encode_utf16()
            .flat_map(u16::to_le_bytes)
            .collect();
        write("xml_verify", "invoice-signed.xml", &invoice);
        write("xml_verify", "xades-signed.xml", &xades);
        write("xml_verify", "enveloping-signed.xml", &enveloping);
        write(
            "xml_verify",
            "invoice-utf16le.xml",
            &[&[0xFF, 0xFE][..], &utf16].concat(),
        );
        for (i, doc) in [&invoice, &xades, &enveloping].into_iter().enumerate() {
            let mut seed = vec![i as u8 * 2];
            seed.extend_from_slice(doc);
            write("c14n", &format!("signed-{i}.xml"), &seed);
        }
        for kind in 0u8..10 {
            let seed: Vec<u8> = std::iter::once(kind)
                .chain((0..24u8).map(|i| i.wrapping_mul(37).wrapping_add(kind)))
                .collect();
            write("property", &format!("kind-{kind}"), &seed);
        }
    }
}
