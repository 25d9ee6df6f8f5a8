//! Verdicts on a signed file from kyso's CLI and from xmlsec1, trusting the test root, at a
//! time inside every fixture's validity: what the signing tests (token, two-phase) share.

use std::path::Path;
use std::process::{Command, Output};

use super::{fixture, kyso_cli};

/// A process's stdout and stderr, for failure messages.
pub fn text(out: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

/// kyso's own verdict must be TOTAL_PASSED (revocation off: the fixtures' responders are not
/// running here).
pub fn kyso_verifies(file: &Path) {
    let out = kyso_cli()
        .args(["verify", "--json", "--revocation", "off"])
        .args(["--at", "2026-01-02T00:00:00Z", "--trust"])
        .arg(fixture("pki/root.pem"))
        .arg("--cert")
        .arg(fixture("pki/gov-ca.pem"))
        .arg("--cert")
        .arg(fixture("pki/business-ca.pem"))
        .arg(file)
        .output()
        .expect("verify");
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).expect("report");
    assert_eq!(report["indication"], "TOTAL_PASSED", "{}", text(&out));
}

/// xmlsec1 must accept the XML signature (e-invoice `DLHDon` Ids).
pub fn xmlsec_verifies(file: &Path) {
    let out = Command::new("xmlsec1")
        .arg("--verify")
        .arg("--trusted-pem")
        .arg(fixture("pki/root.pem"))
        .arg("--untrusted-pem")
        .arg(fixture("pki/business-ca.pem"))
        .arg("--untrusted-pem")
        .arg(fixture("pki/gov-ca.pem"))
        .args(["--verification-gmt-time", "2026-01-02+00:00:00"])
        .args(["--enabled-key-data", "x509", "--id-attr:Id", "DLHDon"])
        .arg(file)
        .output()
        .expect("xmlsec1");
    assert!(
        out.status.success(),
        "xmlsec1 refused {}: {}",
        file.display(),
        text(&out)
    );
}
