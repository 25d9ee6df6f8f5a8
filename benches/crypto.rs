//! RSA verification benchmarks: one PKCS#1 v1.5 SHA-256 signature with a 2048-bit and with a
//! 4096-bit key, the key parsed once outside the loop (as kyso holds it in a certificate).
//!
//! `verify` is the message-level path (ring); `verify_digest` is the digest-level path (the
//! `rsa` crate), used only when the caller has nothing but a digest. The message is short, so
//! hashing it is noise next to the public-key operation.
//!
//! `cargo bench --bench crypto`

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use kyso::crypto::{DigestAlgorithm, PrivateKey, PublicKey, SignatureAlgorithm};

#[path = "../tests/common/rng.rs"]
mod rng;
use rng::Rng;

impl rsa::rand_core::TryCryptoRng for Rng {}

const MESSAGE: &[u8] = b"kyso: one RSA verification, as for a certificate link or a CMS signature";

/// A key of `bits` bits, its public half, and a PKCS#1 v1.5 SHA-256 signature over MESSAGE.
fn setup(bits: usize) -> (PublicKey, Vec<u8>) {
    let mut rng = Rng(0x6b79_736f ^ bits as u64);
    let private = rsa::PrivateKey::new(&mut rng, bits).expect("key generation");
    let private = PrivateKey::Rsa(Box::new(private));
    let digest = DigestAlgorithm::Sha256.digest(MESSAGE);
    let algorithm = SignatureAlgorithm::rsa_pkcs1(DigestAlgorithm::Sha256);
    let signature = private.sign_digest(algorithm, &digest).expect("sign");
    (private.public_key().expect("public key"), signature)
}

fn benches(c: &mut Criterion) {
    let algorithm = SignatureAlgorithm::rsa_pkcs1(DigestAlgorithm::Sha256);
    let digest = DigestAlgorithm::Sha256.digest(MESSAGE);
    for bits in [2048, 4096] {
        let (key, signature) = setup(bits);
        assert!(key.verify(algorithm, MESSAGE, &signature).unwrap());
        assert!(key.verify_digest(algorithm, &digest, &signature).unwrap());
        c.bench_function(&format!("rsa-{bits} pkcs1 sha256/verify"), |b| {
            b.iter(|| {
                key.verify(algorithm, black_box(MESSAGE), black_box(&signature))
                    .unwrap()
            })
        });
        c.bench_function(&format!("rsa-{bits} pkcs1 sha256/verify_digest"), |b| {
            b.iter(|| {
                key.verify_digest(algorithm, black_box(&digest), black_box(&signature))
                    .unwrap()
            })
        });
    }
}

criterion_group!(crypto, benches);
criterion_main!(crypto);
