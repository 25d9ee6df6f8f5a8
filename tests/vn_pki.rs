//! The public certificates of the Vietnamese national roots and licensed CAs
//! (`../shared/vn-pki`) still validate as chains under the stricter path rules: no
//! over-correction. Each issuing CA is validated as the target of its path at a time inside
//! its validity; the legacy (SHA-1) generation under its own roots, with a weak-algorithm
//! warning.

mod common;

use std::path::{Path, PathBuf};

use kyso::ValidationPolicy;
use kyso::pki::{Certificate, TrustStore, Usage, validate_path};

fn shared(rel: &str) -> Option<PathBuf> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../shared/vn-pki")
        .join(rel);
    if path.is_dir() {
        return Some(path);
    }
    assert!(
        std::env::var("CI").as_deref() != Ok("true"),
        "{} is required under CI",
        path.display()
    );
    eprintln!("note: {} is absent; skipping", path.display());
    None
}

fn certificates(dir: &Path) -> Vec<(String, Certificate)> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .expect("read dir")
        .map(|e| e.expect("entry").path())
        .filter(|p| {
            p.extension()
                .is_some_and(|e| e == "pem" || e == "cer" || e == "crt")
        })
        .collect();
    files.sort();
    files
        .into_iter()
        .map(|p| {
            let name = p.file_name().expect("name").to_string_lossy().into_owned();
            let cert = Certificate::parse_any(&std::fs::read(&p).expect("read"))
                .unwrap_or_else(|e| panic!("{name}: {e}"))
                .remove(0);
            (name, cert)
        })
        .collect()
}

/// Validates every certificate of `intermediates` under the roots of `roots`; returns the
/// warnings of all paths.
fn validate_all(roots: &Path, intermediates: &Path) -> Vec<String> {
    let mut trust = TrustStore::new();
    for (_, root) in certificates(roots) {
        trust.add(root);
    }
    let mut warnings = Vec::new();
    let cas = certificates(intermediates);
    assert!(!cas.is_empty());
    for (name, ca) in &cas {
        let at = ca.not_before() + time::Duration::days(1);
        let policy = ValidationPolicy {
            validation_time: Some(at),
            ..ValidationPolicy::default()
        };
        let v = validate_path(ca, &[], &trust, at, Usage::Any, &policy);
        assert!(v.result.is_ok(), "{name}: {:?}", v.result);
        assert_eq!(
            v.chain.len(),
            2,
            "{name}: issued directly by a national root"
        );
        warnings.extend(v.warnings);
    }
    warnings
}

#[test]
fn the_issuing_cas_chain_to_the_national_roots() {
    let (Some(roots), Some(cas)) = (shared("roots"), shared("intermediates")) else {
        return;
    };
    let warnings = validate_all(&roots, &cas);
    assert!(warnings.is_empty(), "{warnings:?}");
}

#[test]
fn the_first_generation_chains_to_its_sha1_roots_with_a_warning() {
    let (Some(roots), Some(cas)) = (shared("legacy/roots"), shared("legacy/intermediates")) else {
        return;
    };
    let warnings = validate_all(&roots, &cas);
    assert!(
        warnings.iter().any(|w| w.starts_with("weak_algorithm")),
        "{warnings:?}"
    );
}
