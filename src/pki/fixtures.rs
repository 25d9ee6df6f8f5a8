//! The test PKI under `fixtures/pki/`, for the unit tests of every layer above `crypto`.

use super::Certificate;

/// The bytes of `fixtures/pki/{name}`.
pub(crate) fn fixture(name: &str) -> Vec<u8> {
    std::fs::read(format!(
        "{}/fixtures/pki/{name}",
        env!("CARGO_MANIFEST_DIR")
    ))
    .unwrap_or_else(|e| panic!("{name}: {e}"))
}

/// The first certificate of `fixtures/pki/{name}.pem`.
pub(crate) fn cert(name: &str) -> Certificate {
    Certificate::parse_any(&fixture(&format!("{name}.pem")))
        .expect("certificate")
        .remove(0)
}
