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

/// The README's table: file (relative to vn-pki) → the subject CN of the root it chains to
/// ("(self-signed, pinned)" for the roots themselves).
fn readme_chains() -> Vec<(String, String)> {
    let Some(dir) = shared(".") else {
        return Vec::new();
    };
    let readme = std::fs::read_to_string(dir.join("README.md")).expect("README");
    readme
        .lines()
        .filter(|l| l.starts_with("| `") && l.contains(".pem`"))
        .filter_map(|l| {
            let cells: Vec<&str> = l.split('|').map(str::trim).collect();
            // | file | subject CN | issuer CN | not before | not after | status | chains to | …
            let file = cells.get(1)?.trim_matches('`').to_owned();
            let root = cells.get(7)?.to_string();
            (!file.starts_with("legacy/")).then_some((file, root))
        })
        .collect()
}

fn common_name(cert: &Certificate) -> String {
    cert.subject()
        .values(kyso::pki::attr::CN)
        .next()
        .unwrap_or_default()
        .to_owned()
}

/// With no anchor of the caller's, kyso's built-in roots alone: every certificate of the
/// README's table chains to the root the README names.
#[test]
fn every_public_certificate_chains_to_its_named_root_through_the_built_in_trust() {
    let chains = readme_chains();
    if chains.is_empty() {
        return;
    }
    assert!(chains.len() >= 9, "{chains:?}");
    let dir = shared(".").expect("vn-pki");
    let trust = TrustStore::new();
    for (file, root) in chains {
        let cert = Certificate::parse_any(&std::fs::read(dir.join(&file)).expect("read"))
            .expect("parse")
            .remove(0);
        if root.starts_with("(self-signed") {
            assert!(trust.is_trusted(&cert), "{file} is a built-in root");
            continue;
        }
        let at = cert.not_before() + time::Duration::days(1);
        let policy = ValidationPolicy {
            validation_time: Some(at),
            ..ValidationPolicy::default()
        };
        let v = validate_path(&cert, &[], &trust, at, Usage::Any, &policy);
        assert!(v.result.is_ok(), "{file}: {:?}", v.result);
        let anchor = v.chain.last().expect("anchor");
        assert_eq!(common_name(anchor), root, "{file}");
        assert!(v.warnings.is_empty(), "{file}: {:?}", v.warnings);
    }
}

/// The first generation chains to the built-in legacy roots, with the `legacy_root` warning.
#[test]
fn the_first_generation_chains_to_the_built_in_legacy_roots() {
    let (Some(roots), Some(cas)) = (shared("legacy/roots"), shared("legacy/intermediates")) else {
        return;
    };
    let trust = TrustStore::new();
    for (name, root) in certificates(&roots) {
        assert!(trust.is_legacy_anchor(&root), "{name}");
    }
    for (name, ca) in certificates(&cas) {
        let at = ca.not_before() + time::Duration::days(1);
        let policy = ValidationPolicy {
            validation_time: Some(at),
            ..ValidationPolicy::default()
        };
        let v = validate_path(&ca, &[], &trust, at, Usage::Any, &policy);
        assert!(v.result.is_ok(), "{name}: {:?}", v.result);
        assert!(
            trust.is_legacy_anchor(v.chain.last().expect("anchor")),
            "{name}"
        );
        assert!(
            v.warnings.iter().any(|w| w.starts_with("legacy_root:")),
            "{name}: {:?}",
            v.warnings
        );
    }
}

/// The legacy pins kyso ships are the fingerprints the vn-pki README gives for the
/// first-generation roots.
#[test]
fn the_legacy_pins_are_the_readme_fingerprints() {
    let Some(dir) = shared(".") else {
        return;
    };
    let readme = std::fs::read_to_string(dir.join("README.md")).expect("README");
    let listed: Vec<String> = readme
        .lines()
        .filter(|l| l.starts_with("| `legacy/roots/"))
        .filter_map(|l| {
            l.split('|')
                .map(str::trim)
                .find(|c| c.len() == 66 && c.starts_with('`'))
                .map(|c| c.trim_matches('`').to_owned())
        })
        .collect();
    let pins: Vec<String> = kyso::pki::LEGACY_ROOT_PINS
        .iter()
        .map(|(_, p)| (*p).to_owned())
        .collect();
    assert_eq!(listed, pins);
}
