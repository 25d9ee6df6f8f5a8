//! Interop with the real peers: pyHanko, poppler's pdfsig and qpdf read what kyso signs, and
//! kyso verifies what pyHanko signs. Outside CI a missing peer skips a test with a note;
//! under `CI=true` it fails.

mod common;
mod pdfutil;

use std::path::{Path, PathBuf};
use std::process::Command;

use common::*;
use kyso::pdf::{Appearance, PdfSignOptions, SubFilter, sign_pdf};
use kyso::report::Coverage;
use pdfutil::*;

/// What kyso signs for the peers to read: every fixture input kind, two sequential
/// signatures, and a certification followed by an approval.
struct Output {
    name: &'static str,
    bytes: Vec<u8>,
    signatures: usize,
}

fn kyso_outputs() -> Vec<Output> {
    let mut out = Vec::new();
    for (name, file) in [
        ("simple", "docs/simple.pdf"),
        ("xref-stream", "docs/xref-stream.pdf"),
        ("hybrid", "docs/hybrid.pdf"),
        ("incremental", "docs/incremental.pdf"),
        ("form", "docs/form.pdf"),
        ("vietnamese", "docs/vietnamese.pdf"),
    ] {
        out.push(Output {
            name,
            bytes: sign_with(&read_fixture(file), "leader"),
            signatures: 1,
        });
    }
    let pkcs7 = sign_pdf(
        &read_fixture("docs/simple.pdf"),
        &signer("business"),
        &PdfSignOptions {
            sub_filter: SubFilter::Pkcs7Detached,
            ..sign_options()
        },
    )
    .expect("pkcs7");
    out.push(Output {
        name: "pkcs7",
        bytes: pkcs7,
        signatures: 1,
    });
    out.push(Output {
        name: "ecdsa",
        bytes: sign_with(&read_fixture("docs/simple.pdf"), "ecdsa"),
        signatures: 1,
    });
    let leader = sign_with(&read_fixture("docs/simple.pdf"), "leader");
    out.push(Output {
        name: "leader-then-seal",
        bytes: sign_with(&leader, "seal"),
        signatures: 2,
    });
    // Decree 30's visible flow: the leader's signature image, then the seal over its left
    // third in a second revision; and an electronic copy's text notice.
    let block = [320.0, 480.0, 180.0, 90.0];
    let leader = sign_pdf(
        &read_fixture("docs/vietnamese.pdf"),
        &signer("leader"),
        &PdfSignOptions {
            appearance: Appearance::Leader {
                image: read_fixture("images/leader-signature.png"),
            },
            rect: Some(block),
            ..sign_options()
        },
    )
    .expect("leader appearance");
    let sealed = sign_pdf(
        &leader,
        &signer("seal"),
        &PdfSignOptions {
            appearance: Appearance::Seal {
                image: read_fixture("images/seal.png"),
            },
            rect: Some(block),
            ..sign_options()
        },
    )
    .expect("seal appearance");
    out.push(Output {
        name: "visible-leader-then-seal",
        bytes: sealed,
        signatures: 2,
    });
    let copy = sign_pdf(
        &read_fixture("docs/simple.pdf"),
        &signer("seal"),
        &PdfSignOptions {
            appearance: Appearance::Copy { lines: None },
            reason: Some("Bản sao điện tử".into()),
            ..sign_options()
        },
    )
    .expect("copy appearance");
    out.push(Output {
        name: "visible-copy",
        bytes: copy,
        signatures: 1,
    });
    let certified = certify_with(&read_fixture("docs/form.pdf"), "leader", 2);
    out.push(Output {
        name: "certified-p2",
        bytes: certified.clone(),
        signatures: 1,
    });
    out.push(Output {
        name: "certified-then-approved",
        bytes: sign_with(&certified, "seal"),
        signatures: 2,
    });
    out
}

fn write(dir: &Path, name: &str, bytes: &[u8]) -> PathBuf {
    let path = dir.join(format!("{name}.pdf"));
    std::fs::write(&path, bytes).expect("write");
    path
}

#[test]
fn kyso_itself_accepts_every_output() {
    for o in kyso_outputs() {
        let report = verify(&o.bytes);
        assert_passed(&report, o.name);
        assert_eq!(report.signatures.len(), o.signatures, "{}", o.name);
        let last = report.signatures.last().expect("signature");
        assert_eq!(last.coverage, Some(Coverage::EntireFile), "{}", o.name);
    }
}

#[test]
fn form_signature_fills_the_existing_field() {
    let signed = sign_with(&read_fixture("docs/form.pdf"), "leader");
    let report = verify(&signed);
    assert_passed(&report, "form");
    assert_eq!(report.signatures[0].id, "Signature1");
    // No new field: the form still has exactly its two fields.
    let doc = kyso::pdf::Document::open(&signed[..], &kyso::Limits::default()).expect("open");
    let fields = doc.latest().fields().expect("fields");
    let names: Vec<&str> = fields.iter().map(|f| f.name.as_str()).collect();
    assert_eq!(names, ["HoTen", "Signature1"]);
}

#[test]
fn pyhanko_validates_kyso_signatures() {
    if !have_pyhanko() {
        return;
    }
    let dir = temp_dir();
    for o in kyso_outputs() {
        let path = write(dir.path(), o.name, &o.bytes);
        let results = pyhanko_validate(&path);
        assert_eq!(results.len(), o.signatures, "{}: {results:?}", o.name);
        if o.name == "form" {
            // The form's own empty field was filled.
            assert_eq!(results[0]["field"], "Signature1", "{results:?}");
        }
        for (i, r) in results.iter().enumerate() {
            let what = format!("{} signature {i}: {r}", o.name);
            assert_eq!(r["intact"], true, "{what}");
            assert_eq!(r["valid"], true, "{what}");
            assert_eq!(r["trusted"], true, "{what}");
            assert_eq!(r["docmdp_ok"], true, "{what}");
            assert_eq!(r["bottom_line"], true, "{what}");
            let level = r["modification_level"].as_str().unwrap_or("");
            if i + 1 == o.signatures {
                assert_eq!(level, "NONE", "{what}");
                assert_eq!(r["coverage"], "ENTIRE_FILE", "{what}");
            } else {
                // An earlier signature sees the later one as form filling (signing).
                assert!(matches!(level, "FORM_FILLING" | "LTA_UPDATES"), "{what}");
                assert_eq!(r["coverage"], "ENTIRE_REVISION", "{what}");
            }
        }
    }
}

#[test]
fn pdfsig_reports_every_kyso_signature_valid() {
    if !require_tool("pdfsig", &["-v"]) {
        return;
    }
    let dir = temp_dir();
    for o in kyso_outputs() {
        let path = write(dir.path(), o.name, &o.bytes);
        let out = Command::new("pdfsig").arg(&path).output().expect("pdfsig");
        let text = String::from_utf8_lossy(&out.stdout);
        let valid = text
            .matches("Signature Validation: Signature is Valid.")
            .count();
        let listed = text.matches("Signature #").count();
        assert_eq!(listed, o.signatures, "{}: {text}", o.name);
        assert_eq!(valid, o.signatures, "{}: {text}", o.name);
    }
}

fn qpdf_check(path: &Path) -> (bool, String) {
    let out = Command::new("qpdf")
        .arg("--check")
        .arg(path)
        .output()
        .expect("qpdf");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    // Exit 0 only: 3 means warnings, 2 errors.
    (
        out.status.code() == Some(0) && !text.contains("WARNING"),
        text,
    )
}

#[test]
fn qpdf_check_is_clean_on_every_output_and_revision() {
    if !require_tool("qpdf", &["--version"]) {
        return;
    }
    let dir = temp_dir();
    for o in kyso_outputs() {
        let ends = revision_ends(&o.bytes);
        assert!(ends.len() > o.signatures, "{}: {ends:?}", o.name);
        assert_eq!(*ends.last().expect("end"), o.bytes.len(), "{}", o.name);
        for (i, end) in ends.iter().enumerate() {
            let path = write(dir.path(), &format!("{}-rev{i}", o.name), &o.bytes[..*end]);
            let (clean, text) = qpdf_check(&path);
            assert!(clean, "{} revision {i}: {text}", o.name);
        }
    }
}

struct PeerSigned {
    name: &'static str,
    /// The file pyHanko wrote.
    path: PathBuf,
    /// Expected (identity field, value) of each signer, in order.
    identities: Vec<(&'static str, &'static str)>,
}

fn identity_values(s: &kyso::report::SignatureReport, field: &str) -> Vec<String> {
    let id = &s.signer.as_ref().expect("signer").identity;
    match field {
        "mst" => id.mst.clone(),
        "mns" => id.mns.clone(),
        "cccd" => id.cccd.clone(),
        other => panic!("identity field {other}"),
    }
}

#[test]
fn kyso_verifies_what_pyhanko_signs() {
    if !have_pyhanko() {
        return;
    }
    let dir = temp_dir();
    let simple = fixture("docs/simple.pdf");
    let form = fixture("docs/form.pdf");
    let p = |n: &str| dir.path().join(format!("{n}.pdf"));
    pyhanko_sign(&simple, &p("pades"), "business", &[]);
    pyhanko_sign(&simple, &p("pkcs7"), "leader", &["--pkcs7"]);
    pyhanko_sign(&simple, &p("ecdsa"), "ecdsa", &[]);
    pyhanko_sign(&simple, &p("pss"), "leader", &["--pss"]);
    pyhanko_sign(&simple, &p("sha512"), "seal", &["--md", "sha512"]);
    pyhanko_sign(&p("pades"), &p("two"), "seal", &[]);
    pyhanko_sign(
        &form,
        &p("certified"),
        "leader",
        &["--certify", "2", "--field", "Signature1"],
    );
    let cases = [
        PeerSigned {
            name: "pades",
            path: p("pades"),
            identities: vec![("mst", "0101234567")],
        },
        PeerSigned {
            name: "pkcs7",
            path: p("pkcs7"),
            identities: vec![("cccd", "001085012345")],
        },
        PeerSigned {
            name: "ecdsa",
            path: p("ecdsa"),
            identities: vec![("mst", "0109876543-001")],
        },
        PeerSigned {
            name: "pss",
            path: p("pss"),
            identities: vec![("cccd", "001085012345")],
        },
        PeerSigned {
            name: "sha512",
            path: p("sha512"),
            identities: vec![("mns", "1234567")],
        },
        PeerSigned {
            name: "two",
            path: p("two"),
            identities: vec![("mst", "0101234567"), ("mns", "1234567")],
        },
        PeerSigned {
            name: "certified",
            path: p("certified"),
            identities: vec![("cccd", "001085012345")],
        },
    ];
    for c in &cases {
        let bytes = std::fs::read(&c.path).expect("read");
        let report = verify(&bytes);
        assert_passed(&report, c.name);
        assert_eq!(report.signatures.len(), c.identities.len(), "{}", c.name);
        for (s, (field, value)) in report.signatures.iter().zip(&c.identities) {
            assert_eq!(identity_values(s, field), [*value], "{}", c.name);
        }
        // The file API reads in place and must agree.
        let by_file = kyso::verify_file(&c.path, &verify_options()).expect("verify_file");
        assert_eq!(by_file.indication, report.indication, "{}", c.name);
    }
    let algo = |n: &str| {
        let r = verify(&std::fs::read(p(n)).expect("read"));
        let s = &r.signatures[0];
        (
            s.level.clone(),
            s.digest_algorithm.clone().unwrap_or_default(),
            s.signature_algorithm.clone().unwrap_or_default(),
        )
    };
    assert_eq!(algo("pades").0, "PAdES-B-B");
    assert_eq!(algo("pkcs7").0, "PKCS7");
    assert!(algo("ecdsa").2.starts_with("ecdsa"), "{:?}", algo("ecdsa"));
    assert!(algo("pss").2.starts_with("RSASSA-PSS"), "{:?}", algo("pss"));
    assert_eq!(algo("sha512").1, "sha512");
}

#[test]
fn signing_a_p1_certified_document_is_refused() {
    // After a certification that allows no changes, a further signature would break it.
    let certified = certify_with(&read_fixture("docs/simple.pdf"), "leader", 1);
    assert_passed(&verify(&certified), "P=1 certification");
    let err = sign_pdf(&certified, &signer("seal"), &sign_options())
        .expect_err("signing after P=1 must be refused");
    assert!(err.to_string().contains("P=1"), "{err}");
    // P=2 allows it.
    let certified = certify_with(&read_fixture("docs/simple.pdf"), "leader", 2);
    assert_passed(&verify(&sign_with(&certified, "seal")), "P=2 then approved");
}
