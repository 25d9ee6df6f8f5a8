//! CRLs from the fixture PKI.

mod common;

use common::*;
use kyso::pki::Crl;

#[test]
fn the_business_crl_lists_the_revoked_signer() {
    let crl = Crl::parse(&read_fixture("pki/business-ca.crl")).expect("DER CRL");
    let pem = Crl::parse(&read_fixture("pki/business-ca.crl.pem")).expect("PEM CRL");
    assert_eq!(crl.der(), pem.der());
    assert!(crl.is_signed_by(&cert("business-ca")).expect("verify"));
    assert!(!crl.is_signed_by(&cert("gov-ca")).expect("other CA"));
    assert!(crl.is_current_at(test_time()));
    assert!(
        !crl.is_current_at(time::macros::datetime!(2025-01-01 00:00 UTC)),
        "before thisUpdate"
    );
    let entry = crl.lookup(&cert("revoked")).expect("listed");
    assert_eq!(
        entry.revocation_time,
        time::macros::datetime!(2025-06-01 00:00 UTC)
    );
    assert_eq!(entry.reason.as_deref(), Some("keyCompromise"));
    assert!(crl.lookup(&cert("business")).is_none());
    // A certificate of another issuer is never matched by serial alone.
    assert!(crl.lookup(&cert("leader")).is_none());
}

#[test]
fn a_tampered_crl_does_not_verify() {
    let mut der = read_fixture("pki/business-ca.crl");
    let n = der.len();
    der[n - 5] ^= 0x40;
    let crl = Crl::parse(&der).expect("still parses");
    assert!(!crl.is_signed_by(&cert("business-ca")).expect("verify"));
    for cut in (0..n).step_by(9) {
        assert!(Crl::parse(&der[..cut]).is_err());
    }
}
