//! The tour `kyso demo` prints: the bundled fixtures inspected, a PDF signed as a leader
//! and then sealed (Decree 30), verified, and caught after one byte is flipped. Settings
//! are given as the C ABI's JSON, so the tour also shows what C and Python callers write.

use std::io::Write;
use std::path::Path;

use serde_json::json;

use crate::error::{Error, Format, Result};
use crate::render::{Lang, certificate_line, indication_text, render_text};
use crate::settings::{self, SignSettings, VerifySettings};

fn bad_json(e: serde_json::Error) -> Error {
    Error::malformed(Format::Json, e.to_string())
}

fn read_fixture(path: &Path) -> Result<Vec<u8>> {
    std::fs::read(path).map_err(|e| Error::InvalidOption(format!("{}: {e}", path.display())))
}

/// Runs the tour over the fixtures of the source tree kyso was built from.
pub fn run_bundled(out: &mut dyn Write) -> Result<i32> {
    run(&Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures"), out)
}

/// Runs the tour over the fixtures in `fixtures`, writing to `out`; returns the exit code
/// (the worst of the inspections and the verification, or 1 if the tampering went unseen).
pub fn run(fixtures: &Path, out: &mut dyn Write) -> Result<i32> {
    let file = |rel: &str| fixtures.join(rel).display().to_string();
    // A fixed time inside every fixture's validity window.
    let (at, pki) = ("2026-01-01T00:00:00Z", file("pki"));
    writeln!(out, "kyso demo — fixtures in {pki}, validated at {at}\n")?;
    let mut worst = 0;
    for name in ["leader", "seal", "business", "ecdsa", "two-uid"] {
        let json = json!({"password": "kyso-test", "trust": [file("pki/root.pem")], "at": at});
        let settings: settings::InspectSettings = serde_json::from_value(json).map_err(bad_json)?;
        let data = read_fixture(&fixtures.join(format!("pki/{name}.p12")))?;
        let report = crate::inspect::inspect(&data, &settings.inspect_options()?)?;
        worst = worst.max(report.exit_code());
        writeln!(out, "{name:<9} {}", certificate_line(&report))?;
    }
    // Decree 30: the leader's blue signature image, then the organization's red seal over it.
    let document = read_fixture(&fixtures.join("docs/vietnamese.pdf"))?;
    let mut signed = document.clone();
    for (name, reason, image) in [
        ("leader", "Phê duyệt", "leader-signature"),
        ("seal", "Đóng dấu", "seal"),
    ] {
        let settings: SignSettings = serde_json::from_value(json!({
            "key": {"p12_path": file(&format!("pki/{name}.p12")), "password": "kyso-test"},
            "signing_time": at, "reason": reason, "appearance": name,
            "image": file(&format!("images/{image}.png")), "rect": [320, 480, 180, 90],
        }))
        .map_err(bad_json)?;
        signed = settings::sign_pdf(&signed, &settings, None)?;
    }
    let kept = format!("original bytes kept: {}", signed.starts_with(&document));
    writeln!(
        out,
        "\nsigned docs/vietnamese.pdf as leader, then seal; {kept}"
    )?;
    let json = json!({"trust": [file("pki/root.pem")], "crl": [file("pki/gov-ca.crl")], "at": at});
    let options = serde_json::from_value::<VerifySettings>(json)
        .map_err(bad_json)?
        .verify_options()?;
    let report = crate::verify(&signed, &options)?;
    write!(out, "{}", render_text(&report, Lang::En))?;
    worst = worst.max(report.exit_code());
    // Tampering with one signed byte is caught.
    if let Some(b) = signed.get_mut(document.len() / 2) {
        *b ^= 0x20;
    }
    let report = crate::verify(&signed, &options)?;
    let caught = report.indication != crate::Indication::TotalPassed;
    let text = indication_text(report.indication, Lang::En);
    writeln!(out, "after flipping one byte: {text}")?;
    Ok(if caught { worst } else { 1 })
}
