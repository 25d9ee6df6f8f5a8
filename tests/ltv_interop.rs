//! Trust over time, checked against independent implementations: pyHanko validates kyso's
//! B-T, B-LT and B-LTA files offline (everything it needs must be in the file), kyso verifies
//! pyHanko's, and `openssl ts -verify` checks the signature time-stamp kyso embeds.
//!
//! The only network is loopback: the `openssl ts` TSA of `TsaServer` and the OCSP responder
//! and CRL server of `revocation_services()`.

mod common;

use std::path::Path;
use std::process::Command;

use common::*;
use kyso::crypto::KeyFileSigner;
use kyso::pdf::{Document, ExtendOptions, LtvLevel, PdfSignOptions, extend_pdf, sign_pdf};
use kyso::report::{Indication, Modifications, SignatureReport, SubIndication, ValidationReport};
use kyso::validation::VerifyOptions;
use kyso::{Limits, RevocationMode, ValidationPolicy};
use serde_json::Value;
use time::OffsetDateTime;
use time::macros::datetime;

/// python3 with pyHanko and its certificate validator (a failure under CI when missing).
fn pyhanko() -> bool {
    require_tool(
        "python3",
        &["-c", "import pyhanko.sign, pyhanko_certvalidator"],
    )
}

fn support(script: &str) -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/support")
        .join(script)
}

fn run_python(cmd: &mut Command) -> Value {
    let out = cmd.output().expect("run python3");
    assert!(
        out.status.success(),
        "{:?} failed:\n{}",
        cmd,
        String::from_utf8_lossy(&out.stderr)
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    let line = stdout.lines().last().unwrap_or_default();
    serde_json::from_str(line).unwrap_or_else(|e| panic!("{e}: {stdout}"))
}

/// What pyHanko finds in `pdf`, validating offline with the fixture root as the only anchor
/// (at `at`, for the historical checks, when given).
fn pyhanko_validate(pdf: &[u8], at: Option<&str>) -> Value {
    let dir = tempfile::tempdir().expect("tmp");
    let path = dir.path().join("in.pdf");
    std::fs::write(&path, pdf).expect("write");
    let mut cmd = Command::new("python3");
    cmd.arg(support("ltv_pyhanko_validate.py"))
        .arg(&path)
        .arg(fixture("pki/root.pem"));
    if let Some(at) = at {
        cmd.args(["--at", at]);
    }
    run_python(&mut cmd)
}

/// A PDF signed by pyHanko at `level` (`b-t`, `b-lt`, `b-lta`) with the fixture `p12`.
fn pyhanko_sign(p12: &str, level: &str, tsa: &TsaServer) -> Vec<u8> {
    let dir = tempfile::tempdir().expect("tmp");
    let out = dir.path().join("out.pdf");
    let summary = run_python(
        Command::new("python3")
            .arg(support("ltv_pyhanko_sign.py"))
            .arg(fixture("docs/simple.pdf"))
            .arg(&out)
            .arg(fixture("pki"))
            .arg(p12)
            .arg(&tsa.url)
            .arg(level),
    );
    assert_eq!(summary["level"], level);
    std::fs::read(&out).expect("signed file")
}

fn kyso_bt(p12: &str, tsa: &TsaServer) -> Vec<u8> {
    let signer = KeyFileSigner::from_pkcs12(&read_fixture(&format!("pki/{p12}.p12")), PASSWORD)
        .expect("p12");
    let options = PdfSignOptions {
        timestamp_url: Some(tsa.url.clone()),
        reason: Some("Phê duyệt".into()),
        ..Default::default()
    };
    sign_pdf(&read_fixture("docs/simple.pdf"), &signer, &options).expect("sign B-T")
}

fn fixture_crls() -> Vec<Vec<u8>> {
    ["root", "gov-ca", "business-ca"]
        .iter()
        .map(|n| read_fixture(&format!("pki/{n}.crl")))
        .collect()
}

fn verify_at(pdf: &[u8], at: OffsetDateTime, revocation: RevocationMode) -> ValidationReport {
    let options = VerifyOptions {
        trust: test_trust(),
        policy: ValidationPolicy {
            validation_time: Some(at),
            revocation,
            ..ValidationPolicy::default()
        },
        ..VerifyOptions::default()
    };
    kyso::verify(pdf, &options).expect("verify")
}

fn now() -> OffsetDateTime {
    OffsetDateTime::now_utc()
}

fn signature<'a>(v: &'a Value, field: &str) -> &'a Value {
    v["signatures"]
        .as_array()
        .and_then(|a| a.iter().find(|s| s["field"] == field))
        .unwrap_or_else(|| panic!("pyHanko found no {field}: {v:#}"))
}

fn doc_timestamps(v: &Value) -> Vec<&Value> {
    v["signatures"]
        .as_array()
        .map(|a| a.iter().filter(|s| s["kind"] == "doc_timestamp").collect())
        .unwrap_or_default()
}

/// pyHanko's basic verdict on a signature or time-stamp: intact, valid and trusted.
fn assert_sound(entry: &Value, what: &str) {
    for key in ["intact", "valid", "trusted"] {
        assert_eq!(
            entry[key], true,
            "{what}: pyHanko says {key} is false: {entry:#}"
        );
    }
}

fn assert_signer(sig: &SignatureReport, common_name: &str, cccd: &str) {
    let signer = sig.signer.as_ref().expect("signer");
    assert_eq!(signer.common_name.as_deref(), Some(common_name));
    assert_eq!(signer.identity.cccd, vec![cccd.to_owned()]);
}

fn assert_kyso_timestamp(sig: &SignatureReport) {
    let ts = sig.timestamp.as_ref().expect("signature time-stamp");
    assert_eq!(ts.indication, Indication::TotalPassed, "{sig:#?}");
    assert!(ts.tsa.contains("Kyso TSA TEST"), "{}", ts.tsa);
}

#[test]
fn pyhanko_accepts_kyso_b_t_and_b_lt() {
    let Some(tsa) = TsaServer::start("tsa") else {
        return;
    };
    if !pyhanko() {
        return;
    }
    let bt = kyso_bt("leader", &tsa);
    let report = verify_at(&bt, now(), RevocationMode::Soft);
    assert_eq!(report.signatures[0].level, "PAdES-B-T", "{report:#?}");

    let v = pyhanko_validate(&bt, None);
    let sig = signature(&v, "Signature1");
    assert_sound(sig, "kyso B-T");
    assert_eq!(sig["signer_cn"], "Nguyễn Văn An");
    assert_eq!(sig["coverage"], "SignatureCoverageLevel.ENTIRE_FILE");
    assert_sound(&sig["timestamp"], "kyso's signature time-stamp");
    // The time pyHanko reads from the token is the one kyso reports.
    let ts_time = sig["timestamp"]["time"].as_str().expect("time");
    let pyhanko_time = OffsetDateTime::parse(
        ts_time,
        &time::format_description::well_known::Iso8601::DEFAULT,
    )
    .expect("ISO time");
    let kyso_time = OffsetDateTime::parse(
        &report.signatures[0].timestamp.as_ref().expect("ts").time,
        &time::format_description::well_known::Rfc3339,
    )
    .expect("RFC 3339 time");
    assert_eq!(pyhanko_time, kyso_time);
    // B-T carries no revocation data: with revocation required and nothing fetched, pyHanko
    // cannot trust it. This is what B-LT must change.
    assert_eq!(sig["dss_only"]["trusted"], false, "{sig:#}");
    assert!(v["dss"].is_null(), "no DSS in a B-T file");

    let lt = extend_pdf(
        &bt,
        &ExtendOptions {
            level: LtvLevel::Lt,
            crls: fixture_crls(),
            ..Default::default()
        },
    )
    .expect("extend to B-LT");
    let report = verify_at(&lt, now(), RevocationMode::Require);
    let k = &report.signatures[0];
    assert_eq!(k.level, "PAdES-B-LT", "{report:#?}");
    assert_eq!(k.indication, Indication::TotalPassed, "{report:#?}");

    let v = pyhanko_validate(&lt, None);
    assert_eq!(v["dss"]["crls"], 3, "{v:#}");
    let sig = signature(&v, "Signature1");
    assert_sound(sig, "kyso B-LT");
    assert_eq!(sig["coverage"], "SignatureCoverageLevel.ENTIRE_REVISION");
    // Offline, revocation required for signer, CAs and TSA: the DSS is enough.
    let dss_only = &sig["dss_only"];
    assert_sound(dss_only, "kyso B-LT, DSS only");
    assert_eq!(dss_only["timestamp_trusted"], true, "{sig:#}");
}

#[test]
fn pyhanko_accepts_kyso_b_lta_with_ocsp_from_the_loopback_responder() {
    let Some(tsa) = TsaServer::start("tsa") else {
        return;
    };
    if !revocation_services() || !pyhanko() {
        return;
    }
    let bt = kyso_bt("leader", &tsa);
    // OCSP for the signer and the TSA (delegated responders), CRLs for the CAs, all fetched
    // from the URLs the certificates name.
    let lta = extend_pdf(
        &bt,
        &ExtendOptions {
            level: LtvLevel::Lta,
            tsa_url: Some(tsa.url.clone()),
            online: true,
            ..Default::default()
        },
    )
    .expect("extend to B-LTA online");
    let report = verify_at(&lta, now(), RevocationMode::Require);
    assert_eq!(report.signatures[0].level, "PAdES-B-LTA", "{report:#?}");
    assert_eq!(report.indication, Indication::TotalPassed, "{report:#?}");

    let v = pyhanko_validate(&lta, None);
    assert!(v["dss"]["ocsps"].as_u64() >= Some(2), "{v:#}");
    assert!(v["dss"]["crls"].as_u64() >= Some(1), "{v:#}");
    let sig = signature(&v, "Signature1");
    assert_sound(sig, "kyso B-LTA");
    assert_sound(&sig["dss_only"], "kyso B-LTA, DSS only");
    // pyHanko's AdES validation with long-term availability (EN 319 102-1 §5.6.3), revocation
    // required, nothing fetched: passes, with the document time-stamp as the evidence record.
    assert_eq!(
        sig["ades_require_revinfo"], "AdESPassed.OK",
        "{}",
        sig["ades_failure"]
    );
    assert!(sig["oldest_doc_timestamp"].is_string(), "{sig:#}");
    let dts = doc_timestamps(&v);
    assert_eq!(dts.len(), 1, "{v:#}");
    assert_sound(dts[0], "kyso document time-stamp");
    assert_sound(&dts[0]["dss_only"], "kyso document time-stamp, DSS only");
    assert_eq!(dts[0]["signer_cn"], "Kyso TSA TEST");
}

#[test]
fn pyhanko_accepts_kyso_b_lta_after_the_signer_expired_and_after_renewal() {
    let Some(tsa) = TsaServer::start("tsa") else {
        return;
    };
    if !pyhanko() {
        return;
    }
    // The shortlived signer's certificate ends with 2035; CRLs valid to 2045 go in the DSS.
    let bt = kyso_bt("shortlived", &tsa);
    let lta = extend_pdf(
        &bt,
        &ExtendOptions {
            level: LtvLevel::Lta,
            tsa_url: Some(tsa.url.clone()),
            crls: fixture_crls(),
            ..Default::default()
        },
    )
    .expect("extend to B-LTA");
    let later = "2040-06-01T00:00:00Z";
    let v = pyhanko_validate(&lta, Some(later));
    let sig = signature(&v, "Signature1");
    assert_eq!(sig["signer_cn"], "Short Lived Signer TEST");
    // In 2040, a plain check fails (the certificate expired), the AdES LTA validation passes
    // on the proofs of existence the time-stamps give.
    assert_eq!(sig["dss_only"]["trusted"], false, "{sig:#}");
    assert_eq!(
        sig["ades_future"]["subindication"], "AdESPassed.OK",
        "{}",
        sig["ades_future"]["failure"]
    );
    let report = verify_at(
        &lta,
        datetime!(2040-06-01 00:00 UTC),
        RevocationMode::Require,
    );
    assert_eq!(report.indication, Indication::TotalPassed, "{report:#?}");

    // Renewal: fresh revocation data into the existing DSS (the DSS dictionary is replaced),
    // then a second document time-stamp over everything.
    let Some(fresh) = openssl_ocsp_response("shortlived", "gov-ca", "ocsp-gov") else {
        return;
    };
    let renewed = extend_pdf(
        &lta,
        &ExtendOptions {
            level: LtvLevel::Lta,
            tsa_url: Some(tsa.url.clone()),
            ocsp: vec![fresh],
            ..Default::default()
        },
    )
    .expect("renew B-LTA");
    assert!(renewed.starts_with(&lta));
    let report = verify_at(&renewed, now(), RevocationMode::Require);
    assert_eq!(report.indication, Indication::TotalPassed, "{report:#?}");
    assert_eq!(report.signatures.len(), 3, "{report:#?}");
    assert_eq!(report.signatures[0].level, "PAdES-B-LTA");
    for sig in &report.signatures[..2] {
        assert_eq!(
            sig.modifications_after,
            Some(Modifications::Permitted),
            "{report:#?}"
        );
    }
    let doc = Document::open(renewed.as_slice(), &Limits::default()).expect("open");
    let dss = kyso::pdf::read_dss(&doc.latest()).expect("DSS");
    assert_eq!(
        (dss.crls.len(), dss.ocsp.len()),
        (3, 1),
        "one DSS, extended"
    );
    drop(doc);
    let v = pyhanko_validate(&renewed, None);
    let sig = signature(&v, "Signature1");
    assert_eq!(
        sig["ades_require_revinfo"], "AdESPassed.OK",
        "{}",
        sig["ades_failure"]
    );
    let dts = doc_timestamps(&v);
    assert_eq!(dts.len(), 2, "{v:#}");
    for d in dts {
        assert_sound(d, "renewed document time-stamps");
    }
}

/// An OCSP response from `openssl ocsp` (an independent responder, run on files) about the
/// fixture certificate `name`, to a request kyso built.
fn openssl_ocsp_response(name: &str, issuer: &str, responder: &str) -> Option<Vec<u8>> {
    if !require_tool("openssl", &["version"]) {
        return None;
    }
    let dir = tempfile::tempdir().expect("tmp");
    let req = kyso::pki::build_ocsp_request(
        &cert(name),
        &cert(issuer),
        kyso::DigestAlgorithm::Sha1,
        None,
    )
    .expect("request");
    std::fs::write(dir.path().join("req.der"), req).expect("write");
    let out = Command::new("openssl")
        .arg("ocsp")
        .arg("-index")
        .arg(fixture(&format!("pki/ocsp/{issuer}.index.txt")))
        .arg("-CA")
        .arg(fixture(&format!("pki/{issuer}.pem")))
        .arg("-rsigner")
        .arg(fixture(&format!("pki/{responder}.pem")))
        .arg("-rkey")
        .arg(fixture(&format!("pki/{responder}.key.pem")))
        .arg("-reqin")
        .arg(dir.path().join("req.der"))
        .arg("-respout")
        .arg(dir.path().join("resp.der"))
        .args(["-ndays", "7"])
        .output()
        .expect("openssl ocsp");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    Some(std::fs::read(dir.path().join("resp.der")).expect("read"))
}

#[test]
fn kyso_verifies_pyhanko_b_t_b_lt_and_b_lta() {
    let Some(tsa) = TsaServer::start("tsa") else {
        return;
    };
    if !revocation_services() || !pyhanko() {
        return;
    }
    // B-T: revocation data from outside the document does not raise the level.
    let bt = pyhanko_sign("leader", "b-t", &tsa);
    let mut options = VerifyOptions {
        trust: test_trust(),
        policy: ValidationPolicy {
            validation_time: Some(now()),
            revocation: RevocationMode::Require,
            ..ValidationPolicy::default()
        },
        ..VerifyOptions::default()
    };
    let report = kyso::verify(&bt, &options).expect("verify");
    assert_eq!(
        report.signatures[0].sub_indication,
        Some(SubIndication::TryLater),
        "no revocation data in a B-T: {report:#?}"
    );
    for crl in fixture_crls() {
        options.crls.push(kyso::pki::Crl::parse(&crl).expect("CRL"));
    }
    let report = kyso::verify(&bt, &options).expect("verify");
    let sig = &report.signatures[0];
    assert_eq!(sig.level, "PAdES-B-T", "{report:#?}");
    assert_eq!(report.indication, Indication::TotalPassed, "{report:#?}");
    assert_signer(sig, "Nguyễn Văn An", "001085012345");
    assert_kyso_timestamp(sig);

    // B-LT: pyHanko's DSS alone answers, revocation required.
    let lt = pyhanko_sign("leader", "b-lt", &tsa);
    let report = verify_at(&lt, now(), RevocationMode::Require);
    let sig = &report.signatures[0];
    assert_eq!(sig.level, "PAdES-B-LT", "{report:#?}");
    assert_eq!(report.indication, Indication::TotalPassed, "{report:#?}");
    assert_signer(sig, "Nguyễn Văn An", "001085012345");
    assert_kyso_timestamp(sig);
    assert!(
        sig.revocation
            .as_ref()
            .and_then(|r| r.source.as_deref())
            .is_some_and(|s| s.ends_with(":embedded")),
        "{sig:#?}"
    );

    // B-LTA, with the short-lived signer: the DSS update pyHanko appends after its document
    // time-stamp is permitted, and the file still passes after the certificate expired.
    let lta = pyhanko_sign("shortlived", "b-lta", &tsa);
    let doc = Document::open(lta.as_slice(), &Limits::default()).expect("open");
    assert!(doc.revisions().len() >= 3, "signature, DSS and time-stamp");
    drop(doc);
    for at in [now(), datetime!(2040-06-01 00:00 UTC)] {
        let report = verify_at(&lta, at, RevocationMode::Require);
        assert_eq!(
            report.indication,
            Indication::TotalPassed,
            "{at}: {report:#?}"
        );
        let sig = &report.signatures[0];
        assert_eq!(sig.level, "PAdES-B-LTA", "{report:#?}");
        assert_signer(sig, "Short Lived Signer TEST", "001090000001");
        assert_kyso_timestamp(sig);
        assert_eq!(sig.modifications_after, Some(Modifications::Permitted));
        let dts: Vec<_> = report
            .signatures
            .iter()
            .filter(|s| s.level == "DocTimeStamp")
            .collect();
        assert_eq!(dts.len(), 1, "{report:#?}");
        assert_eq!(dts[0].indication, Indication::TotalPassed, "{report:#?}");
        assert_eq!(
            dts[0].timestamp.as_ref().map(|t| t.indication),
            Some(Indication::TotalPassed)
        );
        if at.year() == 2040 {
            assert!(
                sig.warnings
                    .iter()
                    .any(|w| w.starts_with("certificate_expired")),
                "{sig:#?}"
            );
        }
    }
}

/// The signature value and the time-stamp token of a PDF's first signature, read with
/// kyso's own API.
fn signature_value_and_token(pdf: &[u8]) -> (Vec<u8>, Vec<u8>) {
    let doc = Document::open(pdf, &Limits::default()).expect("open");
    let view = doc.latest();
    let field = view
        .fields()
        .expect("fields")
        .into_iter()
        .find(|f| f.is_signature())
        .expect("a signature field");
    let Some(kyso::pdf::Object::Ref(r)) = field.value else {
        panic!("the signature value is not indirect");
    };
    let sig = view.get(r).expect("read").expect("signature dictionary");
    let contents = sig
        .object
        .as_dict()
        .and_then(|d| d.get("Contents"))
        .and_then(kyso::pdf::Object::as_string)
        .expect("/Contents");
    let cms = kyso::cms::parse_signed_data(&contents.bytes).expect("CMS");
    let token = cms
        .timestamp_token
        .clone()
        .expect("signature time-stamp token");
    (cms.signature, token)
}

fn openssl_ts_verify(dir: &Path, data: &[u8], token: &[u8]) -> std::process::Output {
    std::fs::write(dir.join("data.bin"), data).expect("write");
    std::fs::write(dir.join("token.der"), token).expect("write");
    Command::new("openssl")
        .args(["ts", "-verify", "-token_in", "-in"])
        .arg(dir.join("token.der"))
        .arg("-data")
        .arg(dir.join("data.bin"))
        .arg("-CAfile")
        .arg(fixture("pki/root.pem"))
        .arg("-untrusted")
        .arg(fixture("pki/chain-business.pem"))
        .output()
        .expect("openssl ts -verify")
}

#[test]
fn openssl_accepts_the_signature_time_stamp_kyso_embeds() {
    let Some(tsa) = TsaServer::start("tsa") else {
        return;
    };
    let pdf = kyso_bt("leader", &tsa);
    let (value, token) = signature_value_and_token(&pdf);
    assert!(value.len() >= 256, "an RSA 2048 signature value");
    let dir = tempfile::tempdir().expect("tmp");
    let out = openssl_ts_verify(dir.path(), &value, &token);
    assert!(
        out.status.success(),
        "openssl ts -verify: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    // The token is over the signature value and nothing else.
    let mut other = value.clone();
    other[0] ^= 1;
    let out = openssl_ts_verify(dir.path(), &other, &token);
    assert!(
        !out.status.success(),
        "a token over another value must fail"
    );
}
