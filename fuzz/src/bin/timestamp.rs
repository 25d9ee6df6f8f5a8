//! Fuzz target: RFC 3161 time-stamp tokens, and their verification against the fixture PKI.

fn main() {
    let options = kyso_fuzz::verify_options();
    loop {
        honggfuzz::fuzz!(|data: &[u8]| {
            let Ok(token) = kyso::cms::TimestampToken::parse(data) else {
                return;
            };
            let _ = token.tsa_certificate();
            let _ = token.verify(
                b"kyso",
                &options.certificates,
                &options.trust,
                time::macros::datetime!(2026-01-01 00:00 UTC),
                &options.policy,
            );
        });
    }
}
