//! Helpers for the PDF tests: sign fixtures at test time, verify at the fixed test time,
//! cut files at revision ends, and run the pyHanko peer script.
#![allow(dead_code)]

use std::path::{Path, PathBuf};

use kyso::crypto::KeyFileSigner;
use kyso::pdf::{Document, PdfSignOptions, sign_pdf};
use kyso::report::SignatureReport;
use kyso::validation::VerifyOptions;
use kyso::{Indication, Limits, SigningPolicy, SubIndication, ValidationPolicy, ValidationReport};

use crate::common::*;

/// A signer from a fixture PKCS#12 file (`leader`, `seal`, `business`, `ecdsa`, …).
pub fn signer(name: &str) -> KeyFileSigner {
    KeyFileSigner::from_pkcs12(&read_fixture(&format!("pki/{name}.p12")), PASSWORD)
        .unwrap_or_else(|e| panic!("{name}.p12: {e}"))
}

/// Signing options at the fixed test time.
pub fn sign_options() -> PdfSignOptions {
    PdfSignOptions {
        policy: SigningPolicy {
            signing_time: Some(test_time()),
            ..SigningPolicy::default()
        },
        ..PdfSignOptions::default()
    }
}

/// Signs `document` with the fixture key `key` and default options.
pub fn sign_with(document: &[u8], key: &str) -> Vec<u8> {
    sign_pdf(document, &signer(key), &sign_options()).unwrap_or_else(|e| panic!("sign: {e}"))
}

/// Signs `document` with the fixture key `key` as a certification signature with DocMDP P.
pub fn certify_with(document: &[u8], key: &str, p: u8) -> Vec<u8> {
    let options = PdfSignOptions {
        certify: Some(p),
        ..sign_options()
    };
    sign_pdf(document, &signer(key), &options).unwrap_or_else(|e| panic!("certify: {e}"))
}

/// `simple.pdf` signed by `leader`.
pub fn signed_simple() -> Vec<u8> {
    sign_with(&read_fixture("docs/simple.pdf"), "leader")
}

/// Options trusting the fixture root, at the fixed test time.
pub fn verify_options() -> VerifyOptions {
    VerifyOptions {
        trust: test_trust(),
        policy: ValidationPolicy {
            validation_time: Some(test_time()),
            ..ValidationPolicy::default()
        },
        ..VerifyOptions::default()
    }
}

/// `kyso::verify` with [`verify_options`]; an `Err` panics (use [`try_verify`] to see it).
pub fn verify(document: &[u8]) -> ValidationReport {
    try_verify(document).unwrap_or_else(|e| panic!("verify: {e}"))
}

pub fn try_verify(document: &[u8]) -> kyso::Result<ValidationReport> {
    kyso::verify(document, &verify_options())
}

/// A one-line summary of a report for assertion messages.
pub fn summary(report: &ValidationReport) -> String {
    let sigs: Vec<String> = report
        .signatures
        .iter()
        .map(|s| {
            format!(
                "{}: {:?}/{:?} {:?}",
                s.id, s.indication, s.sub_indication, s.errors
            )
        })
        .collect();
    format!("{:?} [{}]", report.indication, sigs.join("; "))
}

/// Asserts every signature passed.
pub fn assert_passed(report: &ValidationReport, what: &str) {
    assert_eq!(
        report.indication,
        Indication::TotalPassed,
        "{what}: {}",
        summary(report)
    );
    assert!(!report.signatures.is_empty(), "{what}: no signature");
    for s in &report.signatures {
        assert_eq!(s.indication, Indication::TotalPassed, "{what}: {}", s.id);
    }
}

/// The first signature that did not pass, if any.
pub fn first_failure(report: &ValidationReport) -> Option<&SignatureReport> {
    report
        .signatures
        .iter()
        .find(|s| s.indication != Indication::TotalPassed)
}

/// Asserts the document did not pass and that some signature failed with `sub`; returns that
/// signature's errors joined, for further checks.
pub fn assert_failed_with(report: &ValidationReport, sub: SubIndication, what: &str) -> String {
    assert_ne!(
        report.indication,
        Indication::TotalPassed,
        "{what} was accepted: {}",
        summary(report)
    );
    let hit = report
        .signatures
        .iter()
        .find(|s| s.sub_indication == Some(sub))
        .unwrap_or_else(|| panic!("{what}: expected {sub:?}, got {}", summary(report)));
    assert_eq!(hit.indication, Indication::TotalFailed, "{what}");
    hit.errors.join("; ")
}

/// The end offsets of every revision of a PDF (oldest first).
pub fn revision_ends(document: &[u8]) -> Vec<usize> {
    let doc = Document::open(document, &Limits::default()).expect("open");
    doc.revisions().iter().map(|r| r.end() as usize).collect()
}

/// A fresh temporary directory.
pub fn temp_dir() -> tempfile::TempDir {
    tempfile::tempdir().expect("temp dir")
}

/// The pyHanko peer script.
pub fn pyhanko_script() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/support/pyhanko_peer.py")
}

/// Whether pyHanko can be imported (a note, or a panic under CI, when it cannot).
pub fn have_pyhanko() -> bool {
    require_tool(
        "python3",
        &["-c", "import pyhanko.sign, pyhanko_certvalidator"],
    )
}

/// Runs the peer script; panics with its stderr on failure.
pub fn pyhanko(args: &[&std::ffi::OsStr]) -> Vec<u8> {
    let out = std::process::Command::new("python3")
        .arg(pyhanko_script())
        .args(args)
        .output()
        .expect("run python3");
    assert!(
        out.status.success(),
        "pyhanko_peer {:?} failed: {}",
        args,
        String::from_utf8_lossy(&out.stderr)
    );
    out.stdout
}

/// pyHanko's validation of every signature of `file`, at the test time, trusting the root.
pub fn pyhanko_validate(file: &Path) -> Vec<serde_json::Value> {
    let root = fixture("pki/root.pem");
    let out = pyhanko(&["validate".as_ref(), root.as_os_str(), file.as_os_str()]);
    serde_json::from_slice(&out).expect("pyhanko JSON")
}

/// pyHanko signs `input` into `output` with a fixture key; `extra` are script options.
pub fn pyhanko_sign(input: &Path, output: &Path, key: &str, extra: &[&str]) {
    let p12 = fixture(&format!("pki/{key}.p12"));
    let mut args: Vec<&std::ffi::OsStr> = vec![
        "sign".as_ref(),
        input.as_os_str(),
        output.as_os_str(),
        p12.as_os_str(),
    ];
    args.extend(extra.iter().map(|s| std::ffi::OsStr::new(*s)));
    pyhanko(&args);
}
