//! Caller-supplied PKI files read whole: trust anchors, intermediate certificates, CRLs and
//! OCSP responses.
//!
//! A file named by `--trust`, `--cert`, `--crl` or `--ocsp` (or by the same options of the
//! C ABI and the Python binding) is either one DER object or PEM text holding any number of
//! blocks. Every block is read, in order, and must be of the kind the option asks for and
//! parse as one. Nothing is skipped: a CRL dropped from a bundle would turn a revoked signer
//! into "revocation unknown", and an anchor dropped from a trust bundle would hide a
//! misconfiguration. Anything wrong is an [`Error::InvalidOption`] whose message names the
//! source and the block, such as
//!
//! ```text
//! crls.pem: block 2 (X509 CRL): malformed CRL: …
//! root.pem: block 2 (PRIVATE KEY): not a certificate (expected CERTIFICATE blocks only)
//! empty.pem: no PEM block and not DER
//! ```
//!
//! Only text outside blocks (comments, `openssl x509 -text` output) is ignored. DER is
//! recognised by its first byte (an ASN.1 SEQUENCE) unless the data begins with a PEM
//! `-----BEGIN` line; PEM labels follow RFC 7468 (`CERTIFICATE` or `X509 CERTIFICATE`,
//! `X509 CRL` or `CRL`). OCSP responses have no standard PEM label: any label containing
//! `OCSP` is taken.
//!
//! ```
//! use kyso::pki::bundle;
//! let pem = [
//!     std::fs::read("fixtures/pki/root.crl.pem")?,
//!     std::fs::read("fixtures/pki/business-ca.crl.pem")?,
//! ]
//! .concat();
//! assert_eq!(bundle::crls_from(&pem, "crls.pem")?.len(), 2);
//! let err = bundle::certificates_from(&pem, "crls.pem").unwrap_err();
//! assert!(err.to_string().contains("crls.pem: block 1 (X509 CRL)"));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use std::path::Path;

use super::{Certificate, Crl, OcspResponse};
pub(crate) use crate::crypto::armour::{is_certificate_label, is_crl_label, pem_blocks};
use crate::error::{Error, Format, Result};

/// Every certificate of a DER certificate or a PEM bundle of `CERTIFICATE` blocks.
///
/// `source` names the data in error messages (a file name, `trust[0]`).
pub fn certificates_from(data: &[u8], source: &str) -> Result<Vec<Certificate>> {
    read_all(data, source, &CERTIFICATES)
}

/// Every CRL of a DER CRL or a PEM bundle of `X509 CRL` blocks.
pub fn crls_from(data: &[u8], source: &str) -> Result<Vec<Crl>> {
    read_all(data, source, &CRLS)
}

/// Every OCSP response of a DER `OCSPResponse` or a PEM bundle of blocks whose label
/// contains `OCSP`.
pub fn ocsp_responses_from(data: &[u8], source: &str) -> Result<Vec<OcspResponse>> {
    read_all(data, source, &OCSP_RESPONSES)
}

/// [`certificates_from`] of a file, named by its path in messages; of a folder, every
/// `.pem`, `.crt`, `.cer` and `.der` file in it (not recursive, in name order), each read
/// whole.
pub fn read_certificates(path: impl AsRef<Path>) -> Result<Vec<Certificate>> {
    let path = path.as_ref();
    if !path.is_dir() {
        let (data, source) = read_file(path)?;
        return certificates_from(&data, &source);
    }
    let mut files: Vec<_> = std::fs::read_dir(path)
        .map_err(|e| Error::InvalidOption(format!("{}: {e}", path.display())))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| {
            p.extension().and_then(|e| e.to_str()).is_some_and(|e| {
                matches!(
                    e.to_ascii_lowercase().as_str(),
                    "pem" | "crt" | "cer" | "der"
                )
            })
        })
        .collect();
    files.sort();
    let mut certificates = Vec::new();
    for file in files {
        let (data, source) = read_file(&file)?;
        certificates.extend(certificates_from(&data, &source)?);
    }
    Ok(certificates)
}

/// [`crls_from`] of a file, named by its path in messages.
pub fn read_crls(path: impl AsRef<Path>) -> Result<Vec<Crl>> {
    let (data, source) = read_file(path.as_ref())?;
    crls_from(&data, &source)
}

/// [`ocsp_responses_from`] of a file, named by its path in messages.
pub fn read_ocsp_responses(path: impl AsRef<Path>) -> Result<Vec<OcspResponse>> {
    let (data, source) = read_file(path.as_ref())?;
    ocsp_responses_from(&data, &source)
}

/// The file's bytes and its name for messages; a file that cannot be read is a bad option.
fn read_file(path: &Path) -> Result<(Vec<u8>, String)> {
    let source = path.display().to_string();
    match std::fs::read(path) {
        Ok(data) => Ok((data, source)),
        Err(e) => Err(Error::InvalidOption(format!("{source}: {e}"))),
    }
}

/// What an option holds: how its blocks are labelled and how one is parsed.
struct Kind<T> {
    /// "a certificate", for "not a certificate".
    what: &'static str,
    /// The labels expected, for messages.
    expected: &'static str,
    label_fits: fn(&str) -> bool,
    parse: fn(&[u8]) -> Result<T>,
}

const CERTIFICATES: Kind<Certificate> = Kind {
    what: "a certificate",
    expected: "CERTIFICATE blocks only",
    label_fits: is_certificate_label,
    parse: Certificate::from_der,
};

const CRLS: Kind<Crl> = Kind {
    what: "a CRL",
    expected: "X509 CRL blocks only",
    label_fits: is_crl_label,
    parse: Crl::parse_der,
};

const OCSP_RESPONSES: Kind<OcspResponse> = Kind {
    what: "an OCSP response",
    expected: "blocks whose label contains OCSP only",
    label_fits: |l| l.to_ascii_uppercase().contains("OCSP"),
    parse: OcspResponse::parse,
};

fn read_all<T>(data: &[u8], source: &str, kind: &Kind<T>) -> Result<Vec<T>> {
    let invalid = |detail: String| Error::InvalidOption(format!("{source}: {detail}"));
    if data.is_empty() {
        return Err(invalid("empty".into()));
    }
    if is_der(data) {
        return (kind.parse)(data)
            .map(|one| vec![one])
            .map_err(|e| invalid(e.to_string()));
    }
    let blocks = pem_blocks(data).map_err(|e| {
        invalid(format!(
            "{}: {}",
            e.block,
            Error::malformed(Format::Pem, e.detail)
        ))
    })?;
    if blocks.is_empty() {
        return Err(invalid("no PEM block and not DER".into()));
    }
    blocks
        .iter()
        .map(|block| {
            let at = |detail: String| invalid(format!("{}: {detail}", block.name()));
            if !(kind.label_fits)(&block.label) {
                return Err(at(format!(
                    "not {} (expected {})",
                    kind.what, kind.expected
                )));
            }
            (kind.parse)(&block.contents).map_err(|e| at(e.to_string()))
        })
        .collect()
}

/// DER when the data starts with a SEQUENCE tag (PEM text starts otherwise).
fn is_der(data: &[u8]) -> bool {
    data.first() == Some(&0x30)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pki::fixtures::fixture;

    fn message<T: std::fmt::Debug>(r: Result<T>) -> String {
        match r {
            Ok(v) => panic!("expected an error, got {v:?}"),
            Err(Error::InvalidOption(m)) => m,
            Err(other) => panic!("expected InvalidOption, got {other:?}"),
        }
    }

    #[test]
    fn every_block_of_a_bundle_is_read() {
        let pem = [
            fixture("root.crl.pem"),
            b"text between blocks is ignored\n".to_vec(),
            fixture("gov-ca.crl.pem"),
            fixture("business-ca.crl.pem"),
        ]
        .concat();
        let crls = crls_from(&pem, "crls.pem").expect("three CRLs");
        let ders: Vec<&[u8]> = crls.iter().map(|c| c.der()).collect();
        assert_eq!(
            ders,
            [
                fixture("root.crl"),
                fixture("gov-ca.crl"),
                fixture("business-ca.crl")
            ]
        );
        // Windows and old Mac line ends.
        let crlf = String::from_utf8(pem.clone())
            .expect("text")
            .replace('\n', "\r\n");
        assert_eq!(crls_from(crlf.as_bytes(), "crlf").expect("CRLF").len(), 3);
        let cr = String::from_utf8(pem.clone())
            .expect("text")
            .replace('\n', "\r");
        assert_eq!(crls_from(cr.as_bytes(), "cr").expect("CR").len(), 3);
        // DER is one object.
        assert_eq!(
            crls_from(&fixture("gov-ca.crl"), "x").expect("DER").len(),
            1
        );
        let certs = [fixture("business-ca.pem"), fixture("root.pem")].concat();
        assert_eq!(certificates_from(&certs, "chain").expect("two").len(), 2);
        assert_eq!(
            certificates_from(&fixture("root.der"), "x")
                .expect("DER")
                .len(),
            1
        );
    }

    #[test]
    fn a_damaged_or_foreign_block_is_an_error_naming_it() {
        let good = fixture("root.crl.pem");
        let text = String::from_utf8(fixture("gov-ca.crl.pem")).expect("PEM is text");
        // Block 2 keeps its armour but loses bytes from the middle of its body.
        let mut lines: Vec<&str> = text.lines().collect();
        lines.remove(3);
        let damaged = [good.clone(), lines.join("\n").into_bytes()].concat();
        let m = message(crls_from(&damaged, "crls.pem"));
        assert!(m.starts_with("crls.pem: block 2 (X509 CRL): "), "{m}");

        let bad_base64 = [
            good.clone(),
            b"-----BEGIN X509 CRL-----\n!!!!\n-----END X509 CRL-----\n".to_vec(),
        ]
        .concat();
        let m = message(crls_from(&bad_base64, "crls.pem"));
        assert!(
            m.starts_with("crls.pem: block 2 (X509 CRL): malformed PEM"),
            "{m}"
        );

        let truncated = [good.clone(), text.as_bytes()[..text.len() / 2].to_vec()].concat();
        let m = message(crls_from(&truncated, "crls.pem"));
        assert!(
            m.starts_with("crls.pem: block 2 (X509 CRL): malformed PEM: no END line"),
            "{m}"
        );

        let with_key = [fixture("root.pem"), fixture("root.key.pem")].concat();
        let m = message(certificates_from(&with_key, "trust.pem"));
        assert!(
            m.starts_with("trust.pem: block 2 (PRIVATE KEY): not a certificate"),
            "{m}"
        );
        let m = message(ocsp_responses_from(&good, "r.pem"));
        assert!(
            m.starts_with("r.pem: block 1 (X509 CRL): not an OCSP"),
            "{m}"
        );

        let m = message(crls_from(b"", "empty.pem"));
        assert_eq!(m, "empty.pem: empty");
        let m = message(crls_from(b"just words\n", "words.pem"));
        assert_eq!(m, "words.pem: no PEM block and not DER");
        let m = message(certificates_from(
            b"-----END CERTIFICATE-----\n",
            "stray.pem",
        ));
        assert!(m.contains("without a BEGIN line"), "{m}");
        let m = message(crls_from(&fixture("root.der"), "root.der"));
        assert!(m.starts_with("root.der: malformed CRL"), "{m}");
    }

    #[test]
    fn ocsp_blocks_may_carry_any_label_naming_ocsp() {
        let blocks =
            pem_blocks(b"-----BEGIN OCSP RESPONSE-----\nMAMKAQE=\n-----END OCSP RESPONSE-----\n")
                .expect("one block");
        assert!((OCSP_RESPONSES.label_fits)(&blocks[0].label));
        assert_eq!(blocks[0].contents, [0x30, 0x03, 0x0a, 0x01, 0x01]);
        // The label fits; the content (status malformedRequest) is refused, named.
        let m = message(ocsp_responses_from(
            b"-----BEGIN OCSP RESPONSE-----\nMAMKAQE=\n-----END OCSP RESPONSE-----\n",
            "o.pem",
        ));
        assert!(
            m.starts_with("o.pem: block 1 (OCSP RESPONSE): malformed OCSP"),
            "{m}"
        );
    }
}
