//! Shared helpers for kyso's integration tests.
#![allow(dead_code)]

pub mod peers;
pub mod rng;

use std::path::{Path, PathBuf};

use kyso::pki::{Certificate, TrustStore};
use time::OffsetDateTime;

/// The fixed validation time of the tests: every fixture window is chosen around it.
pub fn test_time() -> OffsetDateTime {
    time::macros::datetime!(2026-01-01 00:00 UTC)
}

/// Password of every fixture PKCS#12 file and encrypted key.
pub const PASSWORD: &str = "kyso-test";

pub fn fixture(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures")
        .join(rel)
}

pub fn read_fixture(rel: &str) -> Vec<u8> {
    std::fs::read(fixture(rel)).unwrap_or_else(|e| panic!("fixture {rel}: {e}"))
}

pub fn cert(name: &str) -> Certificate {
    let certs = Certificate::parse_any(&read_fixture(&format!("pki/{name}.pem")))
        .unwrap_or_else(|e| panic!("certificate {name}: {e}"));
    certs.into_iter().next().expect("one certificate")
}

/// A store trusting the test root only (pins stay on: they cannot match test certificates).
pub fn test_trust() -> TrustStore {
    let mut t = TrustStore::new();
    t.add(cert("root"));
    t
}

/// Whether a peer tool is present; under `CI=true` a missing tool is a failure, elsewhere
/// the caller skips with a printed note.
pub fn require_tool(program: &str, probe_args: &[&str]) -> bool {
    let ok = std::process::Command::new(program)
        .args(probe_args)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    if !ok {
        if std::env::var("CI").as_deref() == Ok("true") {
            panic!("{program} is required under CI but is not installed");
        }
        eprintln!("note: {program} not found; skipping this test");
    }
    ok
}

/// The CLI example binary that `cargo test` builds next to the test binaries.
pub fn kyso_cli() -> std::process::Command {
    example("kyso")
}

/// An example binary that `cargo test` builds next to the test binaries, run from the
/// repository root.
pub fn example(name: &str) -> std::process::Command {
    let exe = std::env::current_exe().expect("test exe");
    let dir = exe.parent().and_then(Path::parent).expect("target dir");
    let bin = dir
        .join("examples")
        .join(format!("{name}{}", std::env::consts::EXE_SUFFIX));
    assert!(
        bin.exists(),
        "{} missing: cargo test builds examples",
        bin.display()
    );
    let mut cmd = std::process::Command::new(bin);
    cmd.current_dir(env!("CARGO_MANIFEST_DIR"));
    cmd
}

/// A loopback RFC 3161 server answering with `openssl ts -reply`; stops when dropped.
pub struct TsaServer {
    child: std::process::Child,
    /// `http://127.0.0.1:PORT/`
    pub url: String,
}

impl TsaServer {
    /// Starts the server with the given fixture TSA certificate, or `None` (after a note, or a
    /// panic under CI) when python3 or openssl is missing.
    pub fn start(tsa: &str) -> Option<TsaServer> {
        use std::io::BufRead;
        if !require_tool("python3", &["--version"]) || !require_tool("openssl", &["version"]) {
            return None;
        }
        let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/support/tsa_server.py");
        let mut child = std::process::Command::new("python3")
            .arg(script)
            .arg(fixture("pki"))
            .args(["--tsa", tsa])
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .spawn()
            .expect("start TSA server");
        let stdout = child.stdout.take().expect("stdout");
        let mut line = String::new();
        std::io::BufReader::new(stdout)
            .read_line(&mut line)
            .expect("port");
        let port: u16 = line.trim().parse().expect("port number");
        Some(TsaServer {
            child,
            url: format!("http://127.0.0.1:{port}/"),
        })
    }
}

impl Drop for TsaServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The loopback OCSP responder (port 18081, `openssl ocsp`) and CRL server (port 18080)
/// that the fixture certificates' AIA and CRL distribution points name. One per test
/// process; it stops when the process ends (its stdin closes).
pub fn revocation_services() -> bool {
    use std::io::BufRead;
    use std::sync::OnceLock;
    static STARTED: OnceLock<bool> = OnceLock::new();
    *STARTED.get_or_init(|| {
        if !require_tool("python3", &["--version"]) || !require_tool("openssl", &["version"]) {
            return false;
        }
        let script =
            Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/support/revocation_server.py");
        // The ports are fixed (the fixture certificates name them): when another test run on
        // this machine holds them, wait for it rather than fail.
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(180);
        let child = loop {
            let mut child = std::process::Command::new("python3")
                .arg(&script)
                .arg(fixture("pki"))
                .stdin(std::process::Stdio::piped())
                .stdout(std::process::Stdio::piped())
                .stderr(std::process::Stdio::null())
                .spawn()
                .expect("start revocation services");
            let stdout = child.stdout.take().expect("stdout");
            let mut line = String::new();
            std::io::BufReader::new(stdout)
                .read_line(&mut line)
                .expect("ready line");
            if line.trim() == "ready" {
                break child;
            }
            let _ = child.wait();
            assert!(
                std::time::Instant::now() < deadline,
                "revocation services did not start: ports 18080/18081 stay busy"
            );
            std::thread::sleep(std::time::Duration::from_millis(500));
        };
        // The child lives as long as this process: its stdin closes when the process exits.
        std::mem::forget(child);
        true
    })
}

/// The shared library (`libkyso.so`), built now so that a stale one from an earlier build is
/// never tested. It is built in its own target directory: a nested build in the test run's
/// directory would leave a second `libkyso` rlib there for the doctests to trip over.
pub fn shared_library() -> std::path::PathBuf {
    let exe = std::env::current_exe().expect("test exe");
    let target = exe
        .parent()
        .and_then(Path::parent)
        .and_then(Path::parent)
        .expect("target dir")
        .join("ffi-lib");
    let status = std::process::Command::new(env!("CARGO"))
        .args(["build", "--lib", "--quiet"])
        .env("CARGO_TARGET_DIR", &target)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .status()
        .expect("cargo build --lib");
    assert!(status.success(), "cargo build --lib failed");
    let lib = target.join("debug").join(format!(
        "{}kyso{}",
        std::env::consts::DLL_PREFIX,
        std::env::consts::DLL_SUFFIX
    ));
    assert!(lib.exists(), "{} missing", lib.display());
    lib
}

/// A Python interpreter that imports kyso's binding: the one named by `KYSO_PYTHON` (a
/// virtual environment where `pip install ./bindings/python` put kyso with its own library;
/// CI sets it), or else `python3` with the binding's source and this build's library.
/// `None` (after a note, or a panic under CI) when neither python3 nor pytest is there.
pub fn python_with_kyso() -> Option<std::process::Command> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    if let Some(python) = std::env::var_os("KYSO_PYTHON") {
        let mut cmd = std::process::Command::new(python);
        cmd.env_remove("KYSO_LIBRARY")
            .env_remove("PYTHONPATH")
            .env("KYSO_EXPECT_INSTALLED", "1")
            .current_dir(root);
        return Some(cmd);
    }
    if !require_tool("python3", &["-c", "import pytest"]) {
        return None;
    }
    let mut cmd = std::process::Command::new("python3");
    cmd.env("KYSO_LIBRARY", shared_library())
        .env("PYTHONPATH", root.join("bindings/python"))
        .current_dir(root);
    Some(cmd)
}
