//! Fuzz target: OCSP responses, and the answer they give for the fixture signer.

use kyso::pki::{Certificate, OcspResponse};

fn main() {
    let issuer = Certificate::parse_any(include_bytes!("../../../fixtures/pki/business-ca.pem"))
        .unwrap_or_default();
    let leaf = Certificate::parse_any(include_bytes!("../../../fixtures/pki/business.pem"))
        .unwrap_or_default();
    loop {
        honggfuzz::fuzz!(|data: &[u8]| {
            let Ok(response) = OcspResponse::parse(data) else {
                return;
            };
            let _ = response.nonce();
            for (cert, ca) in leaf.iter().zip(issuer.iter()) {
                let _ = response.answer_for(cert, ca);
            }
        });
    }
}
