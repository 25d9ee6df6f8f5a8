//! Fuzz target: certificates in DER or PEM, and everything kyso reads from one.

use kyso::pki::Certificate;

fn main() {
    let anchors = Certificate::parse_any(include_bytes!("../../../fixtures/pki/root.pem"))
        .unwrap_or_default();
    loop {
        honggfuzz::fuzz!(|data: &[u8]| {
            let Ok(certs) = Certificate::parse_any(data) else {
                return;
            };
            for c in &certs {
                let _ = c.to_signer_report();
                let _ = c.public_key();
                let _ = c.signature_algorithm();
                let _ = c.key_usage();
                let _ = c.issuance_defects().count();
                let _ = c.is_self_issued();
                let _ = c.is_signed_by(c);
                for a in &anchors {
                    let _ = c.is_signed_by(a);
                }
            }
        });
    }
}
