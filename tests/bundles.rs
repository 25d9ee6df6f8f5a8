//! Option files read whole: every PEM block of every `--crl`, `--ocsp`, `--trust` and
//! `--cert` file is used, and a file with a bad, foreign or missing block is a usage error
//! (exit 4) naming the file and the block.

mod common;

use std::path::{Path, PathBuf};

use common::*;
use kyso::pki::bundle;
use kyso::report::{RevocationStatus, SubIndication};
use kyso::validation::VerifyOptions;
use kyso::{RevocationMode, ValidationPolicy};
use serde_json::Value;

const AT: &str = "2026-01-01T00:00:00Z";

/// The three fixture CRLs in one PEM file; the one that revokes `revoked` (business-ca's)
/// comes last.
fn crl_bundle(dir: &Path) -> PathBuf {
    let text = [
        read_fixture("pki/root.crl.pem"),
        b"# gov-ca\n".to_vec(),
        read_fixture("pki/gov-ca.crl.pem"),
        read_fixture("pki/business-ca.crl.pem"),
    ]
    .concat();
    let path = dir.join("crls.pem");
    std::fs::write(&path, text).expect("write bundle");
    path
}

/// Signs `simple.pdf` into `out` with the `revoked` key through the CLI, with `extra` flags.
fn sign_as_revoked(out: &Path, extra: &[&std::ffi::OsStr]) {
    let run = kyso_cli()
        .args(["sign", "pdf", "fixtures/docs/simple.pdf"])
        .arg(out)
        .args([
            "--key",
            "fixtures/pki/revoked.p12",
            "--password-env",
            "KYSO_TEST_PW",
        ])
        .args(extra)
        .env("KYSO_TEST_PW", PASSWORD)
        .output()
        .expect("sign");
    assert_eq!(
        run.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
}

/// `simple.pdf` signed B-B by `revoked` at the fixed test time (after its revocation).
fn signed_by_revoked(dir: &Path) -> PathBuf {
    let out = dir.join("revoked.pdf");
    sign_as_revoked(&out, &["--signing-time".as_ref(), AT.as_ref()]);
    out
}

/// Runs `kyso verify --json` with the test root and the given flags: exit code, stderr and
/// the report (Null when there is none).
fn verify_json(file: &Path, flags: &[&str]) -> (Option<i32>, String, Value) {
    let out = kyso_cli()
        .args(["verify", "--json", "--trust", "fixtures/pki/root.pem"])
        .args(flags)
        .arg(file)
        .output()
        .expect("verify");
    let report = serde_json::from_slice(&out.stdout).unwrap_or(Value::Null);
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
        report,
    )
}

#[test]
fn a_crl_bundle_is_read_whole_by_the_cli() {
    let dir = tempfile::tempdir().expect("tmp");
    let bundle = crl_bundle(dir.path());
    let signed = signed_by_revoked(dir.path());
    let bundle_arg = bundle.to_str().expect("utf-8 path");
    let (code, stderr, report) = verify_json(
        &signed,
        &["--at", AT, "--revocation", "require", "--crl", bundle_arg],
    );
    let sig = &report["signatures"][0];
    assert_eq!(
        sig["revocation"]["status"], "revoked",
        "{report:#}\n{stderr}"
    );
    // Signed after the revocation, with no proof of time but the claimed one.
    assert_eq!(sig["sub_indication"], "REVOKED_NO_POE", "{report:#}");
    assert_eq!(code, Some(2));

    // The same bundle through `--ocsp` is refused, not ignored: it holds no OCSP response.
    let (code, stderr, _) = verify_json(&signed, &["--at", AT, "--ocsp", bundle_arg]);
    assert_eq!(code, Some(4), "{stderr}");
    assert!(
        stderr.contains("crls.pem: block 1 (X509 CRL): not an OCSP response"),
        "{stderr}"
    );
}

#[test]
fn a_crl_bundle_is_read_whole_by_the_library() {
    let dir = tempfile::tempdir().expect("tmp");
    let crls = bundle::read_crls(crl_bundle(dir.path())).expect("bundle");
    assert_eq!(crls.len(), 3);
    let signed = std::fs::read(signed_by_revoked(dir.path())).expect("read");
    let options = VerifyOptions {
        trust: test_trust(),
        policy: ValidationPolicy {
            validation_time: Some(test_time()),
            revocation: RevocationMode::Require,
            ..ValidationPolicy::default()
        },
        crls,
        ..VerifyOptions::default()
    };
    let report = kyso::verify(&signed, &options).expect("verify");
    let sig = &report.signatures[0];
    assert_eq!(
        sig.revocation.as_ref().map(|r| r.status),
        Some(RevocationStatus::Revoked),
        "{report:#?}"
    );
    assert_eq!(sig.sub_indication, Some(SubIndication::RevokedNoPoe));
}

#[test]
fn signing_to_b_lta_embeds_every_crl_of_a_bundle() {
    let Some(tsa) = TsaServer::start("tsa") else {
        return;
    };
    let dir = tempfile::tempdir().expect("tmp");
    let bundle = crl_bundle(dir.path());
    let out = dir.path().join("lta.pdf");
    sign_as_revoked(
        &out,
        &[
            "--level".as_ref(),
            "B-LTA".as_ref(),
            "--tsa".as_ref(),
            tsa.url.as_ref(),
            "--crl".as_ref(),
            bundle.as_os_str(),
        ],
    );
    let pdf = std::fs::read(&out).expect("read");
    let doc = kyso::pdf::Document::open(pdf.as_slice(), &kyso::Limits::default()).expect("open");
    let dss = kyso::pdf::read_dss(&doc.latest()).expect("dss");
    let embedded: Vec<&[u8]> = dss.crls.iter().map(|c| c.der()).collect();
    for name in ["root", "gov-ca", "business-ca"] {
        let der = read_fixture(&format!("pki/{name}.crl"));
        assert!(
            embedded.contains(&der.as_slice()),
            "{name}.crl missing from the DSS"
        );
    }
    // The embedded CRL is what revokes the signer: offline, time-stamped after the
    // revocation, the signature fails.
    let (code, stderr, report) = verify_json(&out, &["--revocation", "require"]);
    let sig = &report["signatures"][0];
    assert_eq!(sig["level"], "PAdES-B-LTA", "{report:#}\n{stderr}");
    assert_eq!(sig["revocation"]["status"], "revoked", "{report:#}");
    assert_eq!(sig["indication"], "TOTAL_FAILED", "{report:#}");
    assert_eq!(sig["sub_indication"], "REVOKED", "{report:#}");
    assert_eq!(code, Some(1));
}

/// Runs the CLI and expects exit 4 with every `needles` in the message.
fn usage_error(args: &[&str], needles: &[&str]) {
    let out = kyso_cli()
        .args(args)
        .env("KYSO_TEST_PW", PASSWORD)
        .output()
        .expect("run");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(4), "{args:?}: {stderr}");
    for needle in needles {
        assert!(
            stderr.contains(needle),
            "{args:?}: {needle:?} not in {stderr}"
        );
    }
}

#[test]
fn bad_option_files_are_usage_errors_naming_file_and_block() {
    let dir = tempfile::tempdir().expect("tmp");
    let signed = signed_by_revoked(dir.path());
    let signed = signed.to_str().expect("utf-8");
    let write = |name: &str, parts: &[Vec<u8>]| {
        let path = dir.path().join(name);
        std::fs::write(&path, parts.concat()).expect("write");
        path.to_str().expect("utf-8").to_owned()
    };
    // Block 2 keeps its armour but loses a line of its body.
    let gov = String::from_utf8(read_fixture("pki/gov-ca.crl.pem")).expect("text");
    let mut lines: Vec<&str> = gov.lines().collect();
    lines.remove(2);
    let broken = write(
        "broken.pem",
        &[
            read_fixture("pki/root.crl.pem"),
            (lines.join("\n") + "\n").into_bytes(),
            read_fixture("pki/business-ca.crl.pem"),
        ],
    );
    usage_error(
        &["verify", signed, "--crl", &broken],
        &["--crl", "broken.pem: block 2 (X509 CRL)"],
    );
    let empty = write("empty.pem", &[]);
    usage_error(&["verify", signed, "--crl", &empty], &["empty.pem: empty"]);
    let words = write("words.pem", &[b"no PEM here\n".to_vec()]);
    usage_error(
        &["verify", signed, "--crl", &words],
        &["words.pem: no PEM block"],
    );
    let truncated = write(
        "truncated.pem",
        &[
            read_fixture("pki/root.crl.pem"),
            gov.as_bytes()[..gov.len() / 2].to_vec(),
        ],
    );
    usage_error(
        &["verify", signed, "--crl", &truncated],
        &[
            "truncated.pem: block 2 (X509 CRL): malformed PEM",
            "no END line",
        ],
    );
    let with_key = write(
        "root-and-key.pem",
        &[
            read_fixture("pki/root.pem"),
            read_fixture("pki/root.key.pem"),
        ],
    );
    usage_error(
        &["verify", signed, "--trust", &with_key],
        &[
            "--trust",
            "root-and-key.pem: block 2 (PRIVATE KEY): not a certificate",
        ],
    );
    let trust_dir = dir.path().join("anchors");
    std::fs::create_dir(&trust_dir).expect("mkdir");
    std::fs::write(
        trust_dir.join("a.pem"),
        [
            read_fixture("pki/root.pem"),
            read_fixture("pki/root.crl.pem"),
        ]
        .concat(),
    )
    .expect("write");
    usage_error(
        &[
            "verify",
            signed,
            "--trust",
            trust_dir.to_str().expect("utf-8"),
        ],
        &["a.pem: block 2 (X509 CRL): not a certificate"],
    );
    let chain = write(
        "chain.pem",
        &[
            read_fixture("pki/business-ca.pem"),
            read_fixture("pki/business-ca.crl.pem"),
        ],
    );
    usage_error(
        &["verify", signed, "--cert", &chain],
        &["--cert", "chain.pem: block 2 (X509 CRL): not a certificate"],
    );
    // Signing refuses a bad bundle before it signs anything.
    let out = dir.path().join("never.pdf");
    usage_error(
        &[
            "sign",
            "pdf",
            "fixtures/docs/simple.pdf",
            out.to_str().expect("utf-8"),
            "--key",
            "fixtures/pki/leader.p12",
            "--password-env",
            "KYSO_TEST_PW",
            "--level",
            "B-LT",
            "--tsa",
            "http://127.0.0.1:9/",
            "--crl",
            &broken,
        ],
        &["broken.pem: block 2 (X509 CRL)"],
    );
    assert!(!out.exists());
}

#[test]
fn good_bundles_of_every_kind_are_accepted() {
    let dir = tempfile::tempdir().expect("tmp");
    let signed = signed_by_revoked(dir.path());
    // Root anchors and the business CA as an intermediate, each as a two-certificate
    // bundle; DER and PEM CRLs side by side.
    let anchors = dir.path().join("anchors.pem");
    std::fs::write(
        &anchors,
        [
            read_fixture("pki/untrusted-root.pem"),
            read_fixture("pki/root.pem"),
        ]
        .concat(),
    )
    .expect("write");
    let out = kyso_cli()
        .args(["verify", "--json", "--at", AT, "--revocation", "require"])
        .arg("--trust")
        .arg(&anchors)
        .arg("--cert")
        .arg(fixture("pki/chain-business.pem"))
        .arg("--crl")
        .arg(fixture("pki/root.crl"))
        .arg("--crl")
        .arg(fixture("pki/business-ca.crl.pem"))
        .arg(&signed)
        .output()
        .expect("verify");
    let report: Value = serde_json::from_slice(&out.stdout).expect("report");
    assert_eq!(
        report["signatures"][0]["revocation"]["status"], "revoked",
        "{report:#}"
    );
    assert_eq!(out.status.code(), Some(2));
}
