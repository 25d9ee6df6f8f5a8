//! RFC 3161 time-stamps against a loopback TSA built on `openssl ts -reply`.

mod common;

use common::*;
use kyso::cms::{TimestampToken, request_timestamp};
use kyso::pki::http::HttpLimits;
use kyso::report::SubIndication;
use kyso::{DigestAlgorithm, ValidationPolicy};

#[test]
fn a_token_from_an_independent_tsa_verifies() {
    let Some(server) = TsaServer::start("tsa") else {
        return;
    };
    let data = "Công văn số 12/CV".as_bytes();
    let digest = DigestAlgorithm::Sha256.digest(data);
    let token = request_timestamp(
        &server.url,
        DigestAlgorithm::Sha256,
        &digest,
        HttpLimits::default(),
    )
    .expect("token");
    let parsed = TimestampToken::parse(&token).expect("parse");
    assert_eq!(parsed.imprint, digest);
    assert_eq!(
        parsed
            .tsa_certificate()
            .map(|c| c.subject().first(kyso::pki::attr::CN).map(str::to_owned)),
        Some(Some("Kyso TSA TEST".into()))
    );
    let now = time::OffsetDateTime::now_utc();
    assert!((parsed.gen_time - now).abs() < time::Duration::minutes(5));
    let policy = ValidationPolicy::default();
    parsed
        .verify(data, &[], &test_trust(), now, &policy)
        .expect("verify");
    let e = parsed
        .verify(b"other", &[], &test_trust(), now, &policy)
        .expect_err("other data");
    assert_eq!(e.sub_indication, SubIndication::HashFailure);
    let e = parsed
        .verify(data, &[], &kyso::pki::TrustStore::new(), now, &policy)
        .expect_err("untrusted TSA");
    assert_eq!(e.sub_indication, SubIndication::NoCertificateChainFound);

    // openssl ts -verify accepts the token kyso obtained, over the same data.
    let dir = tempfile::tempdir().expect("tmp");
    std::fs::write(dir.path().join("tok.der"), &token).expect("write");
    std::fs::write(dir.path().join("data"), data).expect("write");
    let out = std::process::Command::new("openssl")
        .args(["ts", "-verify", "-token_in", "-in"])
        .arg(dir.path().join("tok.der"))
        .arg("-data")
        .arg(dir.path().join("data"))
        .arg("-CAfile")
        .arg(fixture("pki/root.pem"))
        .arg("-untrusted")
        .arg(fixture("pki/chain-business.pem"))
        .output()
        .expect("openssl ts");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn a_tsa_without_the_time_stamping_purpose_is_refused() {
    let Some(server) = TsaServer::start("tsa-no-eku") else {
        return;
    };
    let digest = DigestAlgorithm::Sha256.digest(b"x");
    // openssl itself refuses to sign with a certificate lacking the EKU, so the server
    // answers 500, or its token fails kyso's check; both must be errors.
    match request_timestamp(
        &server.url,
        DigestAlgorithm::Sha256,
        &digest,
        HttpLimits::default(),
    ) {
        Err(_) => {}
        Ok(token) => {
            let t = TimestampToken::parse(&token).expect("parse");
            let e = t
                .verify(
                    b"x",
                    &[],
                    &test_trust(),
                    time::OffsetDateTime::now_utc(),
                    &ValidationPolicy::default(),
                )
                .expect_err("no EKU");
            assert_eq!(e.sub_indication, SubIndication::ChainConstraintsFailure);
        }
    }
}

#[test]
fn a_dead_or_garbage_tsa_is_a_clean_error() {
    // Nothing listens on this port: a quick network error.
    let limits = HttpLimits {
        timeout: std::time::Duration::from_secs(2),
        ..HttpLimits::default()
    };
    assert!(
        request_timestamp(
            "http://127.0.0.1:9/",
            DigestAlgorithm::Sha256,
            &[0; 32],
            limits
        )
        .is_err()
    );
    assert!(kyso::cms::token_from_response(b"\x30\x03\x02\x01\x00").is_err());
    assert!(TimestampToken::parse(b"garbage").is_err());
}
