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

fn sign_fixture(input: &str, output: &std::path::Path, key: &str) {
    let out = kyso_cli()
        .args(["sign", "pdf", input])
        .arg(output)
        .args([
            "--key",
            key,
            "--password-env",
            "KYSO_TEST_PW",
            "--signing-time",
            "2026-01-01T00:00:00Z",
        ])
        .env("KYSO_TEST_PW", PASSWORD)
        .output()
        .expect("sign");
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn verify_directories_in_parallel_as_json_lines() {
    let dir = tempfile::tempdir().expect("tmp");
    let sub = dir.path().join("nested");
    std::fs::create_dir(&sub).expect("mkdir");
    sign_fixture(
        "fixtures/docs/simple.pdf",
        &dir.path().join("a.pdf"),
        "fixtures/pki/leader.p12",
    );
    sign_fixture(
        "fixtures/docs/form.pdf",
        &sub.join("b.pdf"),
        "fixtures/pki/business.p12",
    );
    std::fs::write(dir.path().join("notes.txt"), "not a document").expect("write");
    let out = kyso_cli()
        .args([
            "verify",
            "--json",
            "--jobs",
            "2",
            "--trust",
            "fixtures/pki/root.pem",
            "--at",
            "2026-01-01T00:00:00Z",
        ])
        .arg(dir.path())
        .output()
        .expect("verify");
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let lines: Vec<Value> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).expect("one JSON object per line"))
        .collect();
    assert_eq!(lines.len(), 2, "the two PDFs, not the text file");
    assert!(lines.iter().all(|r| r["indication"] == "TOTAL_PASSED"));

    // Adding an unsigned PDF makes the worst result "no signature" (3); a tampered one, 1.
    std::fs::copy("fixtures/docs/simple.pdf", dir.path().join("c.pdf")).expect("copy");
    let code = |args: &[&str]| {
        kyso_cli()
            .args([
                "verify",
                "--trust",
                "fixtures/pki/root.pem",
                "--at",
                "2026-01-01T00:00:00Z",
            ])
            .args(args)
            .arg(dir.path())
            .output()
            .expect("verify")
            .status
            .code()
    };
    assert_eq!(code(&[]), Some(3));
    let mut bytes = std::fs::read(dir.path().join("a.pdf")).expect("read");
    bytes[200] ^= 1;
    std::fs::write(dir.path().join("a.pdf"), bytes).expect("write");
    assert_eq!(code(&["--jobs", "2"]), Some(1));
}

#[test]
fn verify_speaks_vietnamese_and_exit_codes_follow_the_contract() {
    let dir = tempfile::tempdir().expect("tmp");
    let signed = dir.path().join("s.pdf");
    sign_fixture("fixtures/docs/simple.pdf", &signed, "fixtures/pki/seal.p12");
    let out = kyso_cli()
        .args([
            "verify",
            "--lang",
            "vi",
            "--trust",
            "fixtures/pki/root.pem",
            "--at",
            "2026-01-01T00:00:00Z",
        ])
        .arg(&signed)
        .output()
        .expect("verify");
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{text}");
    assert!(text.contains("Kết quả: HỢP LỆ"), "{text}");
    assert!(text.contains("Mã ngân sách (MNS): 1234567"), "{text}");
    // Without the test root the chain is untrusted: indeterminate (2).
    let out = kyso_cli()
        .args(["verify", "--at", "2026-01-01T00:00:00Z"])
        .arg(&signed)
        .output()
        .expect("verify");
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stdout).contains("INDETERMINATE"));
    // Missing file and bad flags: 4, message on stderr.
    let out = kyso_cli()
        .args(["verify", "no/such.pdf"])
        .output()
        .expect("verify");
    assert_eq!(out.status.code(), Some(4));
    assert!(!out.stderr.is_empty());
    let out = kyso_cli()
        .args(["verify", "x.pdf", "--revocation", "maybe"])
        .output()
        .expect("verify");
    assert_eq!(out.status.code(), Some(4));
    // A flag that cannot work as given says so instead of being ignored.
    let out = kyso_cli()
        .args(["sign", "pdf", "fixtures/docs/simple.pdf"])
        .arg(dir.path().join("x.pdf"))
        .args(["--key", "fixtures/pki/leader.p12", "--appearance", "leader"])
        .output()
        .expect("sign");
    assert_eq!(out.status.code(), Some(4));
    assert!(String::from_utf8_lossy(&out.stderr).contains("need --image"));
}

#[test]
fn shell_completions_are_generated() {
    let out = kyso_cli()
        .args(["completions", "bash"])
        .output()
        .expect("completions");
    assert_eq!(out.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&out.stdout).contains("verify"));
}

/// build.rs links the CLI's unwinder statically where the C compiler has libgcc_eh.a: loading
/// the shared libgcc_s cost a one-page verify about a tenth of its time. The binary must then
/// name no libgcc_s among the libraries it needs, and still run.
#[cfg(all(target_os = "linux", target_env = "gnu"))]
#[test]
fn cli_needs_no_shared_unwinder() {
    let probe = std::process::Command::new("cc")
        .arg("-print-file-name=libgcc_eh.a")
        .output();
    let found = probe.ok().and_then(|o| String::from_utf8(o.stdout).ok());
    if !found.is_some_and(|p| std::path::Path::new(p.trim()).is_absolute()) {
        eprintln!("note: the C compiler has no libgcc_eh.a; the CLI links libgcc_s; skipping");
        return;
    }
    let cli = kyso_cli();
    let binary = std::fs::read(cli.get_program()).expect("read the CLI binary");
    assert!(
        !binary
            .windows(b"libgcc_s.so".len())
            .any(|w| w == b"libgcc_s.so"),
        "the CLI still names libgcc_s"
    );
    let out = kyso_cli().arg("--version").output().expect("run kyso");
    assert!(out.status.success());
}
