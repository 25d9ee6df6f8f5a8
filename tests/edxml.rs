//! edXML packages (QCVN 102:2016) end to end: the fixtures of `fixtures/edxml/`
//! (`fixtures/make-edxml.py`), through `kyso::verify`, `kyso::verify_file`, `inspect` and the
//! CLI, with the memory a hostile package costs.

mod common;

use base64::Engine as _;
use common::*;
use kyso::report::{Indication, PackageReport, SubIndication, ValidationReport};
use kyso::validation::VerifyOptions;
use kyso::{RevocationMode, ValidationPolicy};
use serde_json::Value;

const LEADER: &str = "Nguyễn Văn An";
const AGENCY: &str = "Sở Thông tin và Truyền thông Hà Nội";

fn options() -> VerifyOptions {
    VerifyOptions {
        trust: test_trust(),
        policy: ValidationPolicy {
            validation_time: Some(test_time()),
            revocation: RevocationMode::Off,
            ..ValidationPolicy::default()
        },
        ..VerifyOptions::default()
    }
}

fn verify_bytes(bytes: &[u8]) -> ValidationReport {
    kyso::verify(bytes, &options()).expect("a report")
}

fn verify(name: &str) -> ValidationReport {
    let report = kyso::verify_file(&fixture(&format!("edxml/{name}")), &options())
        .unwrap_or_else(|e| panic!("{name}: {e}"));
    assert_eq!(
        report,
        {
            let mut r = verify_bytes(&read_fixture(&format!("edxml/{name}")));
            r.file = report.file.clone();
            r
        },
        "{name}: verify and verify_file agree"
    );
    report
}

fn package(report: &ValidationReport) -> &PackageReport {
    report.package.as_ref().expect("a package report")
}

/// The common names of a document's signers, in signature order.
fn signers(report: &ValidationReport, attachment: usize, document: usize) -> Vec<String> {
    package(report).attachments[attachment].documents[document]
        .report
        .as_ref()
        .expect("a PDF report")
        .signatures
        .iter()
        .filter_map(|s| s.signer.as_ref().and_then(|s| s.common_name.clone()))
        .collect()
}

#[test]
fn leader_and_seal_letter_with_an_unsigned_annex_is_valid() {
    let report = verify("package-plain.edxml");
    assert_eq!(report.indication, Indication::TotalPassed, "{report:#?}");
    assert_eq!(report.exit_code(), 0);
    let p = package(&report);
    assert!(p.errors.is_empty() && p.warnings.is_empty(), "{p:#?}");
    // The header as the report shows it.
    let h = &p.header;
    assert_eq!(
        h.sender.as_ref().and_then(|s| s.name.as_deref()),
        Some(AGENCY)
    );
    assert_eq!(
        h.sender.as_ref().and_then(|s| s.id.as_deref()),
        Some("000.00.15.H26")
    );
    assert_eq!(h.code_number.as_deref(), Some("123"));
    assert_eq!(h.code_notation.as_deref(), Some("STTTT-VP"));
    assert_eq!(h.promulgation_date.as_deref(), Some("2025-06-15"));
    assert_eq!(
        h.subject.as_deref(),
        Some("Về việc triển khai chữ ký số trên văn bản điện tử")
    );
    assert_eq!(h.signer_name.as_deref(), Some(LEADER));
    // Both signers of the letter, each passed; the annex is reported as unsigned.
    let letter = &p.attachments[0];
    assert_eq!(letter.content_id, "van-ban");
    assert_eq!(letter.indication, Indication::TotalPassed);
    assert_eq!(signers(&report, 0, 0), [LEADER, AGENCY]);
    let annex = &p.attachments[1];
    assert_eq!(annex.name.as_deref(), Some("Phu-luc-danh-sach.pdf"));
    assert_eq!(annex.indication, Indication::NoSignature);
    assert!(annex.documents[0].report.is_some());
    // The envelope itself carries no signature.
    assert!(report.signatures.is_empty());
}

#[test]
fn zipped_package_verifies_every_document_in_the_archive() {
    let report = verify("package-zip.edxml");
    assert_eq!(report.indication, Indication::TotalPassed, "{report:#?}");
    let a = &package(&report).attachments[0];
    assert!(a.archive);
    let names: Vec<&str> = a.documents.iter().map(|d| d.name.as_str()).collect();
    assert_eq!(names, ["123-STTTT-VP.pdf", "Phu-luc-danh-sach.pdf"]);
    assert_eq!(signers(&report, 0, 0), [LEADER, AGENCY]);
    assert_eq!(a.documents[1].indication, Indication::NoSignature);
    // The same parts as the plain package, so the same verdicts.
    let plain = verify("package-plain.edxml");
    for (zipped, plain) in a.documents.iter().zip(&package(&plain).attachments) {
        assert_eq!(zipped.indication, plain.indication);
        assert_eq!(Some(zipped.size), plain.size);
    }
}

#[test]
fn envelope_signature_is_verified_and_must_cover_header_and_manifest() {
    let report = verify("package-signed.edxml");
    assert_eq!(report.indication, Indication::TotalPassed, "{report:#?}");
    assert_eq!(report.signatures.len(), 1);
    assert_eq!(report.signatures[0].level, "XMLDSig");
    assert_eq!(
        report.signatures[0].signed_references[0].element,
        "document"
    );

    // Signed over the header only: the manifest could be changed, so the signature fails.
    let report = verify("bad-signature-partial.edxml");
    assert_eq!(report.indication, Indication::TotalFailed);
    let s = &report.signatures[0];
    assert_eq!(s.sub_indication, Some(SubIndication::SigConstraintsFailure));
    assert!(
        s.errors
            .iter()
            .any(|e| e.contains("does not cover the edXMLManifest")),
        "{:?}",
        s.errors
    );

    // A change to the header after signing breaks the envelope signature.
    let text = String::from_utf8(read_fixture("edxml/package-signed.edxml")).unwrap();
    let changed = text.replace("<edXML:CodeNumber>123<", "<edXML:CodeNumber>124<");
    assert_ne!(changed, text);
    let report = verify_bytes(changed.as_bytes());
    assert_eq!(report.indication, Indication::TotalFailed);
    assert_eq!(
        report.signatures[0].sub_indication,
        Some(SubIndication::HashFailure)
    );
}

#[test]
fn tampered_attachment_fails_and_is_named() {
    let report = verify("bad-tampered.edxml");
    assert_eq!(report.indication, Indication::TotalFailed);
    assert_eq!(report.exit_code(), 1);
    let letter = &package(&report).attachments[0];
    assert_eq!(letter.content_id, "van-ban");
    assert_eq!(letter.name.as_deref(), Some("123-STTTT-VP.pdf"));
    assert_eq!(letter.indication, Indication::TotalFailed);
    let doc = letter.documents[0].report.as_ref().unwrap();
    assert!(
        doc.signatures
            .iter()
            .all(|s| s.sub_indication == Some(SubIndication::HashFailure))
    );
    // The text report names the failing attachment next to its verdict.
    let text = kyso::render::render_text(&report, kyso::render::Lang::En);
    assert!(
        text.contains("Attachment van-ban (123-STTTT-VP.pdf) — INVALID"),
        "{text}"
    );
    let vi = kyso::render::render_text(&report, kyso::render::Lang::Vi);
    assert!(
        vi.contains("Tệp đính kèm van-ban (123-STTTT-VP.pdf) — KHÔNG HỢP LỆ"),
        "{vi}"
    );
}

/// Every hostile package: TOTAL_FAILED, and the reason in the attachment (or the envelope).
#[test]
fn each_bad_package_gets_a_clear_verdict() {
    let cases: &[(&str, Option<&str>, &str)] = &[
        (
            "bad-missing.edxml",
            Some("phu-luc"),
            "carries no such attachment",
        ),
        (
            "bad-extra.edxml",
            Some("phu-luc"),
            "the manifest does not list",
        ),
        ("bad-renamed.edxml", Some("phu-luc"), "renamed"),
        ("bad-zip-bomb.edxml", Some("bomb"), "a zip bomb"),
        (
            "bad-zip-slip.edxml",
            Some("slip"),
            "unsafe entry name \"../../etc/cron.d/kyso.pdf\"",
        ),
        (
            "bad-2gb.edxml",
            Some("big"),
            "declared size (2000000000 bytes)",
        ),
        ("bad-base64.edxml", Some("van-ban"), "not valid base64"),
        ("bad-doctype.edxml", None, "document type declaration"),
    ];
    for (name, cid, reason) in cases {
        let report = verify(name);
        assert_eq!(report.indication, Indication::TotalFailed, "{name}");
        match cid {
            Some(cid) => {
                let p = package(&report);
                let a = p
                    .attachments
                    .iter()
                    .find(|a| a.content_id == *cid)
                    .unwrap_or_else(|| panic!("{name}: no attachment {cid}"));
                assert_eq!(a.indication, Indication::TotalFailed, "{name}");
                assert!(
                    a.errors.iter().any(|e| e.contains(reason)),
                    "{name}: {:?}",
                    a.errors
                );
            }
            None => {
                assert!(report.package.is_none(), "{name}");
                assert!(
                    report.signatures[0]
                        .errors
                        .iter()
                        .any(|e| e.contains(reason)),
                    "{name}: {:?}",
                    report.signatures[0].errors
                );
            }
        }
    }
    // The good letter next to the bomb is still verified and reported.
    let report = verify("bad-zip-bomb.edxml");
    assert_eq!(
        package(&report).attachments[0].indication,
        Indication::TotalPassed
    );
}

/// The plain package with one text replaced.
fn edited(from: &str, to: &str) -> Vec<u8> {
    let text = String::from_utf8(read_fixture("edxml/package-plain.edxml")).unwrap();
    assert!(text.contains(from), "{from}");
    text.replace(from, to).into_bytes()
}

#[test]
fn header_claims_are_cross_checked_as_warnings() {
    let report = verify_bytes(&edited(
        "<edXML:FullName>Nguyễn Văn An<",
        "<edXML:FullName>Trần Thị Bình<",
    ));
    assert_eq!(report.indication, Indication::TotalPassed);
    let w = &package(&report).warnings;
    assert!(
        w.iter()
            .any(|w| w.contains("\"Trần Thị Bình\" does not match") && w.contains(LEADER)),
        "{w:?}"
    );
    // Whitespace and case are how people write, not a different name.
    let report = verify_bytes(&edited(
        "<edXML:FullName>Nguyễn Văn An<",
        "<edXML:FullName> nguyễn  văn an <",
    ));
    assert!(package(&report).warnings.is_empty());

    let report = verify_bytes(&edited(
        "<edXML:OrganName>Sở Thông tin và Truyền thông Hà Nội<",
        "<edXML:OrganName>Sở Tài chính Hà Nội<",
    ));
    assert_eq!(report.indication, Indication::TotalPassed);
    let w = &package(&report).warnings;
    assert!(
        w.iter()
            .any(|w| w.contains("From/OrganName \"Sở Tài chính Hà Nội\" differs")),
        "{w:?}"
    );
}

/// A package of the annex alone: no part is signed.
fn unsigned_package() -> Vec<u8> {
    let annex =
        base64::engine::general_purpose::STANDARD.encode(read_fixture("docs/vietnamese.pdf"));
    format!(
        r#"<?xml version="1.0" encoding="UTF-8"?>
<edXMLEnvelope xmlns="http://www.mic.gov.vn/TBT/QCVN_102_2016">
  <edXMLHeader><MessageHeader><Subject>Phụ lục</Subject></MessageHeader></edXMLHeader>
  <edXMLBody><edXMLManifest><Reference><ContentId>cid:a</ContentId></Reference></edXMLManifest></edXMLBody>
  <AttachmentEncoded><Attachment ContentId="a" AttachmentName="a.pdf"><ContentTransferEncoded>{annex}</ContentTransferEncoded></Attachment></AttachmentEncoded>
</edXMLEnvelope>"#
    )
    .into_bytes()
}

#[test]
fn a_package_with_no_signed_part_is_no_signature() {
    let report = verify_bytes(&unsigned_package());
    assert_eq!(report.indication, Indication::NoSignature, "{report:#?}");
    assert_eq!(report.exit_code(), 3);
    let p = package(&report);
    assert_eq!(p.attachments[0].name.as_deref(), Some("a.pdf"));
    assert!(
        p.warnings.iter().any(|w| w.contains("holds no signature")),
        "{p:#?}"
    );
}

#[test]
fn limits_are_the_callers() {
    // The per-attachment limit applies to the base64 content too, before any PDF is read.
    let mut o = options();
    o.policy.limits.max_attachment_bytes = 10_000;
    let report = kyso::verify(&read_fixture("edxml/package-plain.edxml"), &o).unwrap();
    assert_eq!(report.indication, Indication::TotalFailed);
    assert!(package(&report).attachments[0].errors[0].contains("over 10000 bytes"));
    // And the package's total over all attachments.
    let mut o = options();
    o.policy.limits.max_package_bytes = 30_000;
    let report = kyso::verify(&read_fixture("edxml/package-plain.edxml"), &o).unwrap();
    let p = package(&report);
    assert_eq!(p.attachments[0].indication, Indication::TotalPassed);
    assert!(p.attachments[1].errors[0].contains("package"), "{p:#?}");
    // Limits in options JSON (C ABI, Python) may leave the new fields out.
    let l: kyso::Limits = serde_json::from_str(r#"{"max_nesting": 10}"#).unwrap();
    assert_eq!(
        l.max_archive_depth,
        kyso::Limits::default().max_archive_depth
    );
}

#[test]
fn inspect_lists_without_verifying() {
    let listing = kyso::edxml::inspect_package(
        &read_fixture("edxml/bad-missing.edxml"),
        &kyso::Limits::default(),
    )
    .unwrap();
    assert_eq!(listing.header.code_notation.as_deref(), Some("STTTT-VP"));
    assert_eq!(listing.attachments.len(), 2);
    assert!(listing.attachments[0].has_content);
    assert!(!listing.attachments[1].has_content);
    assert!(listing.attachments[1].in_manifest);
    // Extraction hands out the documents, zipped or not, byte for byte the same.
    let plain = kyso::edxml::extract(
        &read_fixture("edxml/package-plain.edxml"),
        &kyso::Limits::default(),
    )
    .unwrap();
    let zipped = kyso::edxml::extract(
        &read_fixture("edxml/package-zip.edxml"),
        &kyso::Limits::default(),
    )
    .unwrap();
    assert_eq!(plain.len(), 2);
    for (p, z) in plain.iter().zip(&zipped) {
        assert_eq!(p.bytes, z.bytes);
        assert_eq!(p.name, z.name);
    }
    assert_eq!(plain[1].bytes, read_fixture("docs/vietnamese.pdf"));
}

fn cli(args: &[&str]) -> (i32, String) {
    let out = kyso_cli().args(args).output().expect("run kyso");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
    )
}

const TRUST: [&str; 6] = [
    "--trust",
    "fixtures/pki/root.pem",
    "--at",
    "2026-01-01T00:00:00Z",
    "--revocation",
    "off",
];

#[test]
fn cli_verify_and_inspect() {
    let verify = |file: &str, extra: &[&str]| {
        let mut args = vec!["verify", file];
        args.extend(TRUST);
        args.extend(extra);
        cli(&args)
    };
    let (code, text) = verify("fixtures/edxml/package-zip.edxml", &[]);
    assert_eq!(code, 0, "{text}");
    assert!(text.contains("Signer: Nguyễn Văn An"), "{text}");
    assert!(
        text.contains("Signer: Sở Thông tin và Truyền thông Hà Nội"),
        "{text}"
    );
    let (code, json) = verify("fixtures/edxml/bad-tampered.edxml", &["--json"]);
    assert_eq!(code, 1);
    let j: Value = serde_json::from_str(&json).expect("JSON");
    assert_eq!(j["indication"], "TOTAL_FAILED");
    assert_eq!(j["format"], "xml");
    assert_eq!(j["package"]["attachments"][0]["content_id"], "van-ban");
    assert_eq!(j["package"]["attachments"][0]["indication"], "TOTAL_FAILED");
    assert_eq!(j["package"]["header"]["code_number"], "123");
    let (code, _) = verify("fixtures/edxml/bad-doctype.edxml", &[]);
    assert_eq!(code, 1);

    let dir = tempfile::tempdir().unwrap();
    let unsigned = dir.path().join("unsigned.edxml");
    std::fs::write(&unsigned, unsigned_package()).unwrap();
    let (code, _) = verify(unsigned.to_str().unwrap(), &[]);
    assert_eq!(code, 3);
    // A directory: its .edxml packages are verified with the rest.
    let (code, text) = verify(dir.path().to_str().unwrap(), &[]);
    assert_eq!(code, 3);
    assert!(text.contains("unsigned.edxml"), "{text}");

    let (code, text) = cli(&["inspect", "fixtures/edxml/package-plain.edxml"]);
    assert_eq!(code, 0, "{text}");
    assert!(text.contains("Number: 123/STTTT-VP"), "{text}");
    assert!(
        text.contains("Attachment phu-luc: Phu-luc-danh-sach.pdf [application/pdf"),
        "{text}"
    );
    let (code, json) = cli(&["inspect", "fixtures/edxml/package-plain.edxml", "--json"]);
    assert_eq!(code, 0);
    let j: Value = serde_json::from_str(&json).expect("JSON");
    assert_eq!(j["kind"], "edxml");
    assert_eq!(j["package"]["attachments"][1]["content_id"], "phu-luc");
}

/// Peak resident memory of the CLI verifying one package, in KiB (`/usr/bin/time -v`), or
/// `None` when that tool is missing.
fn peak_rss_kib(file: &str) -> Option<(i32, u64)> {
    let exe = kyso_cli().get_program().to_owned();
    let out = std::process::Command::new("/usr/bin/time")
        .arg("-v")
        .arg(exe)
        .args(["verify", file])
        .args(TRUST)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .ok()?;
    let stderr = String::from_utf8_lossy(&out.stderr);
    let kib = stderr
        .lines()
        .find_map(|l| {
            l.trim()
                .strip_prefix("Maximum resident set size (kbytes): ")
        })?
        .trim()
        .parse()
        .ok()?;
    Some((out.status.code().unwrap_or(-1), kib))
}

/// Hostile packages cost no more memory than a good one: the bomb's 100 MB, the 2 GB claim
/// and the rest are refused before they are inflated. The bound is well under the bomb's
/// size, so a verifier that inflated it would fail here.
#[test]
fn hostile_packages_stay_within_memory() {
    if !std::path::Path::new("/usr/bin/time").exists() {
        assert_ne!(
            std::env::var("CI").as_deref(),
            Ok("true"),
            "/usr/bin/time is required under CI"
        );
        eprintln!("note: /usr/bin/time not found; skipping the memory measurement");
        return;
    }
    let (code, good) = peak_rss_kib("fixtures/edxml/package-plain.edxml").expect("measured");
    assert_eq!(code, 0);
    for name in [
        "bad-zip-bomb.edxml",
        "bad-2gb.edxml",
        "bad-zip-slip.edxml",
        "bad-base64.edxml",
        "bad-doctype.edxml",
    ] {
        let (code, kib) = peak_rss_kib(&format!("fixtures/edxml/{name}")).expect("measured");
        eprintln!("{name}: peak RSS {kib} KiB (good package: {good} KiB)");
        assert_eq!(code, 1, "{name}");
        assert!(kib < 48 * 1024, "{name}: {kib} KiB");
        assert!(
            kib < good + 16 * 1024,
            "{name}: {kib} KiB against {good} KiB"
        );
    }
}
