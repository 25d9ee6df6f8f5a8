//! Fuzz target: certificate revocation lists in DER or PEM, their signature and lookups.

use kyso::pki::{Certificate, Crl};

fn main() {
    let ca = Certificate::parse_any(include_bytes!("../../../fixtures/pki/business-ca.pem"))
        .unwrap_or_default();
    let leaf = Certificate::parse_any(include_bytes!("../../../fixtures/pki/business.pem"))
        .unwrap_or_default();
    loop {
        honggfuzz::fuzz!(|data: &[u8]| {
            let Ok(crl) = Crl::parse(data) else {
                return;
            };
            let _ = crl.signature_algorithm();
            let _ = crl.is_current_at(time::macros::datetime!(2026-01-01 00:00 UTC));
            for c in ca.iter().chain(leaf.iter()) {
                let _ = crl.is_signed_by(c);
                let _ = crl.lookup(c);
            }
        });
    }
}
