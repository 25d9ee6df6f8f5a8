//! Fuzz target: CMS SignedData (BER or DER), its signed attributes and signature check.

fn main() {
    loop {
        honggfuzz::fuzz!(|data: &[u8]| {
            let Ok(cms) = kyso::cms::parse_signed_data(data) else {
                return;
            };
            let _ = cms.has_signing_certificate_attribute();
            let digest = cms.digest_algorithm.digest(b"kyso");
            let _ = cms.verify(&digest);
            if let Some(token) = &cms.timestamp_token {
                let _ = kyso::cms::TimestampToken::parse(token);
            }
        });
    }
}
