//! The CLI round trip for PDFs: `kyso sign pdf`, then `kyso verify --json`, and the exit
//! codes of the contract (0 passed, 1 failed, 2 indeterminate, 3 no signature, 4 error).

mod common;

use std::path::Path;

use common::*;
use serde_json::Value;

const AT: &str = "2026-01-01T00:00:00Z";

fn sign(input: &Path, output: &Path, key: &str, extra: &[&str]) {
    let out = kyso_cli()
        .args(["sign", "pdf"])
        .arg(input)
        .arg(output)
        .args(["--key", &format!("fixtures/pki/{key}.p12")])
        .args(["--password-env", "KYSO_TEST_PW", "--signing-time", AT])
        .args(extra)
        .env("KYSO_TEST_PW", PASSWORD)
        .output()
        .expect("run kyso sign");
    assert!(
        out.status.success(),
        "kyso sign {} failed: {}",
        input.display(),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Runs `kyso verify FILES --json --at AT` plus `extra`; returns the exit code and the JSON
/// reports (one a line).
fn verify(files: &[&Path], extra: &[&str]) -> (i32, Vec<Value>) {
    let out = kyso_cli()
        .arg("verify")
        .args(files)
        .args(["--json", "--at", AT])
        .args(extra)
        .output()
        .expect("run kyso verify");
    let reports = String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("JSON line {l}: {e}")))
        .collect();
    (out.status.code().expect("exit code"), reports)
}

const TRUST: [&str; 2] = ["--trust", "fixtures/pki/root.pem"];

#[test]
fn sign_then_verify_every_fixture() {
    let dir = tempfile::tempdir().expect("temp dir");
    for name in [
        "simple",
        "xref-stream",
        "hybrid",
        "incremental",
        "form",
        "vietnamese",
    ] {
        let signed = dir.path().join(format!("{name}.pdf"));
        sign(
            &fixture(&format!("docs/{name}.pdf")),
            &signed,
            "leader",
            &[],
        );
        let (code, reports) = verify(&[&signed], &TRUST);
        assert_eq!(code, 0, "{name}: {reports:?}");
        let r = &reports[0];
        assert_eq!(r["format"], "pdf", "{name}");
        assert_eq!(r["indication"], "TOTAL_PASSED", "{name}");
        assert_eq!(r["file"], signed.display().to_string(), "{name}");
        let s = &r["signatures"][0];
        assert_eq!(s["indication"], "TOTAL_PASSED", "{name}: {s}");
        assert_eq!(s["level"], "PAdES-B-B", "{name}");
        assert_eq!(s["coverage"], "entire_file", "{name}");
        assert_eq!(s["modifications_after"], "none", "{name}");
        assert_eq!(s["digest_algorithm"], "sha256", "{name}");
        assert_eq!(s["signer"]["identity"]["cccd"][0], "001085012345", "{name}");
        assert_eq!(s["signer"]["common_name"], "Nguyễn Văn An", "{name}");
        assert!(
            s["claimed_signing_time"]
                .as_str()
                .is_some_and(|t| t.starts_with("2026-01-01T07:00:00")),
            "{name}: {s}"
        );
        assert_eq!(s["chain"].as_array().map(Vec::len), Some(3), "{name}: {s}");
    }
}

#[test]
fn signing_options_reach_the_file() {
    let dir = tempfile::tempdir().expect("temp dir");
    let p = |n: &str| dir.path().join(format!("{n}.pdf"));
    let simple = fixture("docs/simple.pdf");
    sign(&simple, &p("pkcs7"), "business", &["--pkcs7"]);
    sign(&simple, &p("sha512"), "seal", &["--digest", "sha512"]);
    sign(&simple, &p("pss"), "leader", &["--pss"]);
    sign(&simple, &p("ecdsa"), "ecdsa", &[]);
    sign(
        &fixture("docs/form.pdf"),
        &p("certified"),
        "leader",
        &["--certify", "2"],
    );
    sign(&p("certified"), &p("approved"), "seal", &[]);
    let (code, reports) = verify(
        &[
            &p("pkcs7"),
            &p("sha512"),
            &p("pss"),
            &p("ecdsa"),
            &p("approved"),
        ],
        &TRUST,
    );
    assert_eq!(code, 0, "{reports:?}");
    assert_eq!(reports.len(), 5);
    let first = |i: usize| &reports[i]["signatures"][0];
    assert_eq!(first(0)["level"], "PKCS7");
    assert_eq!(first(0)["signer"]["identity"]["mst"][0], "0101234567");
    assert_eq!(first(1)["digest_algorithm"], "sha512");
    assert_eq!(first(1)["signer"]["identity"]["mns"][0], "1234567");
    assert!(
        first(2)["signature_algorithm"]
            .as_str()
            .is_some_and(|a| a.starts_with("RSASSA-PSS")),
        "{}",
        first(2)
    );
    assert!(
        first(3)["signature_algorithm"]
            .as_str()
            .is_some_and(|a| a.starts_with("ecdsa")),
        "{}",
        first(3)
    );
    let approved = &reports[4]["signatures"];
    assert_eq!(approved.as_array().map(Vec::len), Some(2));
    assert_eq!(approved[0]["modifications_after"], "permitted");
    assert_eq!(approved[0]["coverage"], "entire_revision");
}

#[test]
fn exit_codes() {
    let dir = tempfile::tempdir().expect("temp dir");
    let signed = dir.path().join("signed.pdf");
    sign(&fixture("docs/simple.pdf"), &signed, "leader", &[]);

    // 0: passed.
    let (code, _) = verify(&[&signed], &TRUST);
    assert_eq!(code, 0);

    // 1: a byte of the signed content changed.
    let mut bytes = std::fs::read(&signed).expect("read");
    let at = bytes
        .windows(18)
        .position(|w| w == b"kyso test document")
        .expect("page text");
    bytes[at] = b'K';
    let tampered = dir.path().join("tampered.pdf");
    std::fs::write(&tampered, &bytes).expect("write");
    let (code, reports) = verify(&[&tampered], &TRUST);
    assert_eq!(code, 1, "{reports:?}");
    assert_eq!(
        reports[0]["signatures"][0]["sub_indication"],
        "HASH_FAILURE"
    );

    // 2: the chain ends in a root nobody trusts (the test root is not pinned, and the
    // `untrusted` signer chains to another root).
    let (code, reports) = verify(&[&signed], &[]);
    assert_eq!(code, 2, "{reports:?}");
    assert_eq!(reports[0]["indication"], "INDETERMINATE");
    let untrusted = dir.path().join("untrusted.pdf");
    sign(&fixture("docs/simple.pdf"), &untrusted, "untrusted", &[]);
    let (code, reports) = verify(&[&untrusted], &TRUST);
    assert_eq!(code, 2, "{reports:?}");

    // 3: no signature.
    let (code, reports) = verify(&[&fixture("docs/simple.pdf")], &TRUST);
    assert_eq!(code, 3, "{reports:?}");
    assert_eq!(reports[0]["indication"], "NO_SIGNATURE");

    // 4: the file does not exist.
    let (code, _) = verify(&[&dir.path().join("missing.pdf")], &TRUST);
    assert_eq!(code, 4);

    // The worst over several files: failed beats indeterminate, no signature and passed.
    let (code, reports) = verify(
        &[&signed, &fixture("docs/simple.pdf"), &untrusted, &tampered],
        &TRUST,
    );
    assert_eq!(code, 1);
    assert_eq!(reports.len(), 4);
}
