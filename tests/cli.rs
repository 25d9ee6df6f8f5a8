//! The CLI contract: flags, JSON output and exit codes.

mod common;

use common::*;
use serde_json::Value;

fn inspect_json(file: &str, extra: &[&str]) -> (i32, Value) {
    let out = kyso_cli()
        .args(["inspect", file, "--json", "--at", "2026-01-01T00:00:00Z"])
        .args(extra)
        .env("KYSO_TEST_PW", PASSWORD)
        .output()
        .expect("run kyso");
    let code = out.status.code().expect("exit code");
    let json = serde_json::from_slice(&out.stdout).unwrap_or(Value::Null);
    (code, json)
}

fn identity(json: &Value, field: &str) -> Vec<String> {
    json["certificates"][0]["identity"][field]
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|v| v.as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default()
}

#[test]
fn inspect_shows_vietnamese_identities() {
    let (code, j) = inspect_json("fixtures/pki/leader.pem", &[]);
    assert_eq!(code, 0);
    assert_eq!(identity(&j, "cccd"), ["001085012345"]);
    let (_, j) = inspect_json("fixtures/pki/business.pem", &[]);
    assert_eq!(identity(&j, "mst"), ["0101234567"]);
    let (_, j) = inspect_json("fixtures/pki/seal.pem", &[]);
    assert_eq!(identity(&j, "mns"), ["1234567"]);
    let (_, j) = inspect_json("fixtures/pki/two-uid.pem", &[]);
    assert_eq!(identity(&j, "mst"), ["0101234567"]);
    assert_eq!(identity(&j, "cccd"), ["001085012345"]);
}

#[test]
fn inspect_pkcs12_validates_the_chain() {
    let (code, j) = inspect_json(
        "fixtures/pki/business.p12",
        &[
            "--password-env",
            "KYSO_TEST_PW",
            "--trust",
            "fixtures/pki/root.pem",
        ],
    );
    assert_eq!(code, 0, "{j}");
    assert_eq!(j["kind"], "pkcs12");
    assert_eq!(j["certificates"][0]["validation"]["valid"], true);
    assert_eq!(
        j["certificates"][0]["validation"]["chain"]
            .as_array()
            .map(Vec::len),
        Some(3)
    );
}

#[test]
fn inspect_exit_codes() {
    // A chain that does not validate: 2, with the sub-indication.
    let (code, j) = inspect_json(
        "fixtures/pki/expired.p12",
        &[
            "--password-env",
            "KYSO_TEST_PW",
            "--trust",
            "fixtures/pki/root.pem",
        ],
    );
    assert_eq!(code, 2);
    assert_eq!(
        j["certificates"][0]["validation"]["sub_indication"],
        "OUT_OF_BOUNDS_NO_POE"
    );
    let (code, _) = inspect_json(
        "fixtures/pki/untrusted.pem",
        &["--trust", "fixtures/pki/root.pem"],
    );
    assert_eq!(code, 2);
    // Wrong password, missing file, unknown flag: 4.
    let out = kyso_cli()
        .args([
            "inspect",
            "fixtures/pki/business.p12",
            "--password-env",
            "KYSO_NO_SUCH_VAR",
        ])
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(4));
    let out = kyso_cli()
        .args([
            "inspect",
            "fixtures/pki/business.p12",
            "--password-env",
            "KYSO_TEST_PW",
        ])
        .env("KYSO_TEST_PW", "wrong")
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(4));
    assert!(String::from_utf8_lossy(&out.stderr).contains("wrong password"));
    let out = kyso_cli()
        .args(["inspect", "no/such/file"])
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(4));
    let out = kyso_cli()
        .args(["inspect", "--frobnicate"])
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(4));
}

#[test]
fn demo_runs_on_the_fixtures() {
    let out = kyso_cli().arg("demo").output().expect("run demo");
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{text}");
    assert!(text.contains("CCCD 001085012345"), "{text}");
    assert!(text.contains("MST 0101234567"), "{text}");
}
