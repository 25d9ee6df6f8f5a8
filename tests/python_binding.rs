//! The Python binding's pytest suite, run against the shared library this build produced.

mod common;

use std::path::Path;
use std::process::Command;

use common::*;

#[test]
fn python_binding_tests_pass() {
    if !require_tool("python3", &["-c", "import pytest"]) {
        return;
    }
    let exe = std::env::current_exe().expect("test exe");
    let dir = exe.parent().and_then(Path::parent).expect("target dir");
    let lib = dir.join(format!(
        "{}kyso{}",
        std::env::consts::DLL_PREFIX,
        std::env::consts::DLL_SUFFIX
    ));
    if !lib.exists() {
        let status = Command::new(env!("CARGO"))
            .args(["build", "--lib"])
            .current_dir(env!("CARGO_MANIFEST_DIR"))
            .status()
            .expect("cargo build --lib");
        assert!(status.success());
    }
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let out = Command::new("python3")
        .args([
            "-m",
            "pytest",
            "-q",
            "-p",
            "no:cacheprovider",
            "bindings/python/tests",
        ])
        .current_dir(root)
        .env("KYSO_LIBRARY", &lib)
        .env("PYTHONPATH", root.join("bindings/python"))
        .output()
        .expect("pytest");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{text}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
}
