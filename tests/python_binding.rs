//! The Python binding's pytest suite: against the installed package when `KYSO_PYTHON` names
//! its environment (as CI does), else against the source tree and this build's library.

mod common;

use common::*;

#[test]
fn python_binding_tests_pass() {
    let Some(mut python) = python_with_kyso() else {
        return;
    };
    let out = python
        .args(["-m", "pytest", "-q", "-p", "no:cacheprovider"])
        .arg("bindings/python/tests")
        .output()
        .expect("pytest");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{text}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
}
