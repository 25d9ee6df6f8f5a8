//! Documents that carry only the signer's certificate: the issuer comes from the built-in
//! bundle, or from the AIA caIssuers address with `online` (a loopback server here, answering
//! for `fixtures/aia/`), and never from anywhere without an anchor above it.

mod common;
mod pdfutil;

use std::collections::HashMap;
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};

use common::*;
use kyso::crypto::KeyFileSigner;
use kyso::pdf::sign_pdf;
use kyso::pki::TrustStore;
use kyso::pki::builtin::{BuiltinRole, BuiltinSet, bundle_intermediates};
use kyso::report::{CertificateSource, SignatureReport};
use kyso::validation::VerifyOptions;
use kyso::{Indication, SubIndication, ValidationPolicy, WeakAlgorithms};
use pdfutil::sign_options;

const PORT: u16 = 18082;

/// Requests per path, since the server started.
type Hits = Arc<Mutex<HashMap<String, usize>>>;

/// The loopback caIssuers server the `fixtures/aia` certificates name. One per test process;
/// when another test run holds the port, wait for it.
fn server() -> Hits {
    static HITS: OnceLock<Hits> = OnceLock::new();
    HITS.get_or_init(|| {
        let deadline = Instant::now() + Duration::from_secs(180);
        let listener = loop {
            match TcpListener::bind(("127.0.0.1", PORT)) {
                Ok(l) => break l,
                Err(e) => {
                    assert!(Instant::now() < deadline, "port {PORT} stays busy: {e}");
                    std::thread::sleep(Duration::from_millis(300));
                }
            }
        };
        let hits = Hits::default();
        let shared = hits.clone();
        std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                let hits = shared.clone();
                std::thread::spawn(move || answer(stream, &hits));
            }
        });
        hits
    })
    .clone()
}

/// One HTTP exchange: the fixture file named by the path, random bytes for `/aia/junk`, 10 MB
/// for `/aia/big`.
fn answer(mut stream: TcpStream, hits: &Hits) {
    let mut head = Vec::new();
    let mut byte = [0u8; 1];
    while !head.ends_with(b"\r\n\r\n") && head.len() < 8192 {
        match stream.read(&mut byte) {
            Ok(1) => head.push(byte[0]),
            _ => return,
        }
    }
    let head = String::from_utf8_lossy(&head);
    let path = head.split_whitespace().nth(1).unwrap_or("/").to_owned();
    *hits.lock().expect("hits").entry(path.clone()).or_default() += 1;
    let body: Option<Vec<u8>> = match path.as_str() {
        "/aia/junk" => Some(common::rng::Rng(7).bytes(4096)),
        "/aia/big" => Some(vec![0x30; 10 << 20]),
        p => p
            .strip_prefix("/aia/")
            .filter(|name| !name.contains('/') && !name.contains(".."))
            .and_then(|name| std::fs::read(fixture(&format!("aia/{name}"))).ok()),
    };
    let response = match &body {
        Some(b) => format!(
            "HTTP/1.1 200 OK\r\nContent-Type: application/pkix-cert\r\nContent-Length: {}\r\n\
             Connection: close\r\n\r\n",
            b.len()
        ),
        None => "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n".into(),
    };
    let _ = stream.write_all(response.as_bytes());
    if let Some(b) = body {
        let _ = stream.write_all(&b);
    }
}

fn hits_of(hits: &Hits, path: &str) -> usize {
    hits.lock()
        .expect("hits")
        .get(path)
        .copied()
        .unwrap_or_default()
}

/// A one-page PDF signed by `fixtures/aia/NAME`, carrying that certificate alone.
fn signed_by(name: &str) -> Vec<u8> {
    let signer = KeyFileSigner::from_pem(
        &read_fixture(&format!("aia/{name}.key.pem")),
        None,
        &read_fixture(&format!("aia/{name}.pem")),
    )
    .expect("signer");
    assert_eq!(signer_chain_len(&signer), 1, "the leaf alone");
    sign_pdf(&read_fixture("docs/simple.pdf"), &signer, &sign_options()).expect("sign")
}

fn signer_chain_len(signer: &KeyFileSigner) -> usize {
    use kyso::crypto::Signer;
    signer.certificate_chain().len()
}

fn policy(online: bool) -> ValidationPolicy {
    ValidationPolicy {
        validation_time: Some(test_time()),
        online,
        ..ValidationPolicy::default()
    }
}

/// The test root as the caller's anchor, kyso's own built-ins beside it.
fn caller_trust() -> TrustStore {
    let mut trust = TrustStore::new();
    trust.add(cert("root"));
    trust
}

fn verify(pdf: &[u8], options: &VerifyOptions) -> SignatureReport {
    let report = kyso::verify(pdf, options).expect("verify");
    assert_eq!(report.signatures.len(), 1);
    report.signatures[0].clone()
}

fn options(trust: TrustStore, online: bool) -> VerifyOptions {
    VerifyOptions {
        trust,
        policy: policy(online),
        ..Default::default()
    }
}

fn assert_no_chain(s: &SignatureReport) {
    assert_eq!(s.indication, Indication::Indeterminate, "{s:?}");
    assert_eq!(
        s.sub_indication,
        Some(SubIndication::NoCertificateChainFound),
        "{s:?}"
    );
}

fn der(name: &str) -> Vec<u8> {
    read_fixture(name)
}

#[test]
fn an_intermediate_in_a_built_in_bundle_completes_the_path_with_no_set_up() {
    let set = BuiltinSet::from_der(&der("pki/root.der"), b"", &der("aia/ca.der")).expect("set");
    let pdf = signed_by("leaf");
    let s = verify(
        &pdf,
        &options(TrustStore::with_builtin(Arc::new(set)), false),
    );
    assert_eq!(s.indication, Indication::TotalPassed, "{s:?}");
    assert_eq!(s.chain.len(), 3);
    assert_eq!(
        s.chain_sources,
        [
            CertificateSource::Document,
            CertificateSource::Builtin,
            CertificateSource::Builtin
        ]
    );
    assert!(
        !s.warnings.iter().any(|w| w.starts_with("legacy_root")),
        "{:?}",
        s.warnings
    );

    // The same bundle without its roots: the intermediate alone is no anchor.
    let set = BuiltinSet::from_der(&der("pki/root.der"), b"", &der("aia/ca.der")).expect("set");
    let mut roots_off = TrustStore::with_builtin(Arc::new(set));
    roots_off.set_pinned_roots(false);
    assert_no_chain(&verify(&pdf, &options(roots_off, false)));

    // kyso's own built-ins know nothing of the test PKI.
    assert_no_chain(&verify(&pdf, &options(TrustStore::new(), false)));
}

#[test]
fn a_root_the_document_carries_is_trusted_as_built_in_only_while_the_roots_are_on() {
    // leader.p12 embeds its whole chain, root included: the copy from the document is the
    // built-in root's bytes, so it is an anchor, and the switch turns that off too.
    let set = || Arc::new(BuiltinSet::from_der(&der("pki/root.der"), b"", b"").expect("set"));
    let pdf = pdfutil::sign_with(&read_fixture("docs/simple.pdf"), "leader");
    let s = verify(&pdf, &options(TrustStore::with_builtin(set()), false));
    assert_eq!(s.indication, Indication::TotalPassed, "{s:?}");
    assert_eq!(s.chain_sources[2], CertificateSource::Document);
    let mut roots_off = TrustStore::with_builtin(set());
    roots_off.set_pinned_roots(false);
    assert_no_chain(&verify(&pdf, &options(roots_off, false)));
}

#[test]
fn a_path_to_a_legacy_root_warns_and_a_strict_policy_refuses_it() {
    let set = || {
        Arc::new(BuiltinSet::from_der(b"", &der("pki/root.der"), &der("aia/ca.der")).expect("set"))
    };
    let pdf = signed_by("leaf");
    let s = verify(&pdf, &options(TrustStore::with_builtin(set()), false));
    assert_eq!(s.indication, Indication::TotalPassed, "{s:?}");
    assert!(
        s.warnings.iter().any(|w| w.starts_with("legacy_root:")),
        "{:?}",
        s.warnings
    );

    let mut strict = options(TrustStore::with_builtin(set()), false);
    strict.policy.weak_algorithms = WeakAlgorithms::Reject;
    let s = verify(&pdf, &strict);
    assert_eq!(
        s.sub_indication,
        Some(SubIndication::CryptoConstraintsFailure),
        "{s:?}"
    );
    assert_ne!(s.indication, Indication::TotalPassed);

    // A caller who trusts the same root explicitly gets no legacy warning.
    let mut explicit = TrustStore::with_builtin(set());
    explicit.add(cert("root"));
    let s = verify(&pdf, &options(explicit, false));
    assert_eq!(s.indication, Indication::TotalPassed, "{s:?}");
    assert!(!s.warnings.iter().any(|w| w.starts_with("legacy_root")));
}

#[test]
fn online_the_missing_issuer_is_fetched_and_the_report_says_so() {
    let hits = server();
    let pdf = signed_by("leaf");
    assert_no_chain(&verify(&pdf, &options(caller_trust(), false)));

    let s = verify(&pdf, &options(caller_trust(), true));
    assert_eq!(s.indication, Indication::TotalPassed, "{s:?}");
    assert_eq!(
        s.chain_sources,
        [
            CertificateSource::Document,
            CertificateSource::Network,
            CertificateSource::Caller
        ]
    );
    assert!(hits_of(&hits, "/aia/ca.der") >= 1);
}

#[test]
fn a_certs_only_answer_is_read_and_kept_in_the_cache() {
    let hits = server();
    let pdf = signed_by("leaf-p7c");
    let options = options(caller_trust(), true);
    for _ in 0..3 {
        let s = verify(&pdf, &options);
        assert_eq!(s.indication, Indication::TotalPassed, "{s:?}");
        assert_eq!(s.chain_sources[1], CertificateSource::Network);
    }
    assert_eq!(hits_of(&hits, "/aia/ca.p7c"), 1, "answered from the cache");
}

#[test]
fn a_fetched_issuer_still_needs_an_anchor() {
    let _hits = server();
    // Online, but nobody trusts the test root: the fetched CA alone proves nothing.
    let s = verify(&signed_by("leaf"), &options(TrustStore::new(), true));
    assert_no_chain(&s);
}

fn assert_fetch_failed(name: &str, url_part: &str) -> SignatureReport {
    let _hits = server();
    let s = verify(&signed_by(name), &options(caller_trust(), true));
    assert_no_chain(&s);
    assert!(
        s.warnings
            .iter()
            .any(|w| w.starts_with("issuer_fetch_failed:") && w.contains(url_part)),
        "{:?}",
        s.warnings
    );
    s
}

#[test]
fn a_junk_answer_is_a_warning_not_an_issuer() {
    assert_fetch_failed("leaf-junk", "/aia/junk");
}

#[test]
fn a_10_mb_answer_is_cut_off_at_the_limit() {
    let s = assert_fetch_failed("leaf-big", "/aia/big");
    let warning = s
        .warnings
        .iter()
        .find(|w| w.contains("/aia/big"))
        .expect("warning");
    assert!(
        warning.contains("262144") || warning.to_lowercase().contains("large"),
        "{warning}"
    );
}

#[test]
fn a_loop_of_ca_issuers_is_followed_once_per_address() {
    let hits = server();
    let s = verify(&signed_by("leaf-loop"), &options(caller_trust(), true));
    assert_ne!(s.indication, Indication::TotalPassed, "{s:?}");
    assert_eq!(hits_of(&hits, "/aia/loop-a.der"), 1);
    assert_eq!(hits_of(&hits, "/aia/loop-b.der"), 1);
}

#[test]
fn the_fetch_budget_is_a_limit() {
    let _hits = server();
    let mut options = options(caller_trust(), true);
    options.policy.limits.max_issuer_fetches = 0;
    let s = verify(&signed_by("leaf"), &options);
    assert_no_chain(&s);
    assert!(
        s.warnings
            .iter()
            .any(|w| w.contains("more than 0 issuer fetches")),
        "{:?}",
        s.warnings
    );
}

#[test]
fn the_cli_fetches_with_online_only() {
    let _hits = server();
    let dir = tempfile::tempdir().expect("tempdir");
    let file = dir.path().join("aia-leaf.pdf");
    std::fs::write(&file, signed_by("leaf")).expect("write");
    let run = |online: bool| {
        let mut cmd = kyso_cli();
        cmd.arg("verify")
            .arg(&file)
            .args(["--trust", "fixtures/pki/root.pem", "--at"])
            .arg("2026-01-01T00:00:00Z")
            .arg("--json");
        if online {
            cmd.arg("--online");
        }
        let out = cmd.output().expect("run kyso");
        let json: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
        (out.status.code(), json)
    };
    let (code, _) = run(false);
    assert_eq!(code, Some(2));
    let (code, json) = run(true);
    assert_eq!(code, Some(0), "{json}");
    assert_eq!(
        json["signatures"][0]["chain_sources"],
        serde_json::json!(["document", "network", "caller"])
    );
}

#[test]
fn the_shipped_roots_are_the_pinned_ones() {
    let entries = BuiltinSet::vietnam().entries();
    let with_role = |role: BuiltinRole| -> Vec<&str> {
        entries
            .iter()
            .filter(|e| e.role == role)
            .map(|e| e.sha256.as_str())
            .collect()
    };
    let pins = |list: &[(&'static str, &'static str)]| -> Vec<&'static str> {
        list.iter().map(|(_, p)| *p).collect()
    };
    assert_eq!(
        with_role(BuiltinRole::Root),
        pins(kyso::pki::VIETNAMESE_ROOT_PINS)
    );
    assert_eq!(
        with_role(BuiltinRole::LegacyRoot),
        pins(kyso::pki::LEGACY_ROOT_PINS)
    );
    // The SHA-256 of each is of the shipped bytes themselves.
    let g2 =
        std::fs::read(fixture("../src/pki/builtin/roots/rootca-chinh-phu-g2.der")).expect("g2");
    let digest = hex::encode_upper(kyso::DigestAlgorithm::Sha256.digest(&g2));
    assert!(with_role(BuiltinRole::Root).contains(&digest.as_str()));
}

#[test]
fn trust_list_shows_the_built_in_roots_with_their_pins() {
    let out = kyso_cli()
        .args(["trust", "list", "--json"])
        .output()
        .expect("run kyso");
    assert_eq!(out.status.code(), Some(0));
    let entries: Vec<serde_json::Value> = serde_json::from_slice(&out.stdout).expect("json");
    let with_role = |role: &str| -> Vec<String> {
        entries
            .iter()
            .filter(|e| e["role"] == role)
            .map(|e| e["sha256"].as_str().expect("sha256").to_owned())
            .collect()
    };
    let pins = |list: &[(&str, &str)]| -> Vec<String> {
        list.iter().map(|(_, p)| (*p).to_owned()).collect()
    };
    assert_eq!(with_role("root"), pins(kyso::pki::VIETNAMESE_ROOT_PINS));
    assert_eq!(with_role("legacy_root"), pins(kyso::pki::LEGACY_ROOT_PINS));
    assert!(with_role("intermediate").len() >= 6);
    for e in &entries {
        assert!(e["subject"].as_str().is_some_and(|s| !s.is_empty()));
        assert!(e["not_after"].as_str().is_some_and(|s| s.ends_with('Z')));
    }
    let text = kyso_cli()
        .args(["trust", "list"])
        .output()
        .expect("run kyso");
    let text = String::from_utf8(text.stdout).expect("utf-8");
    assert!(text.contains("legacy root"), "{text}");
    assert!(text.contains("RootCA chuyên dùng Chính phủ G2"));
}

#[test]
fn the_bundle_script_refuses_a_certificate_without_a_built_in_root() {
    let dir = tempfile::tempdir().expect("tempdir");
    let folder = dir.path().join("cas");
    std::fs::create_dir(&folder).expect("mkdir");
    std::fs::copy(fixture("pki/gov-ca.pem"), folder.join("gov-ca.pem")).expect("copy");
    let out_file = dir.path().join("bundle.der");
    let out = example("trust_bundle")
        .arg(&out_file)
        .arg(&folder)
        .output()
        .expect("run trust_bundle");
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("gov-ca.pem") && stderr.contains("does not chain to a built-in root"),
        "{stderr}"
    );
    assert!(!out_file.exists(), "nothing written");

    // The library call behind it says the same.
    let refusal = bundle_intermediates(&[("gov-ca".into(), cert("gov-ca"))], BuiltinSet::vietnam())
        .expect_err("refused");
    assert_eq!(refusal.name, "gov-ca");
    assert!(
        refusal.reason.contains("does not chain to a built-in root"),
        "{refusal}"
    );
}

#[test]
fn the_shipped_bundle_is_what_the_script_makes_from_the_public_certificates() {
    let shared = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/vn-pki");
    if !shared.is_dir() {
        assert!(
            std::env::var("CI").as_deref() != Ok("true"),
            "{} is required under CI",
            shared.display()
        );
        eprintln!("note: {} is absent; skipping", shared.display());
        return;
    }
    let dir = tempfile::tempdir().expect("tempdir");
    let out_file = dir.path().join("bundle.der");
    let out = example("trust_bundle")
        .arg(&out_file)
        .arg(shared.join("intermediates"))
        .arg(shared.join("legacy/intermediates"))
        .output()
        .expect("run trust_bundle");
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        std::fs::read(&out_file).expect("bundle"),
        read_fixture("../src/pki/builtin/intermediates.der"),
        "src/pki/builtin/intermediates.der is stale: run scripts/update-trust-bundle.sh"
    );
}
