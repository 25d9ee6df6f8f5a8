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
    let lib = shared_library();
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
