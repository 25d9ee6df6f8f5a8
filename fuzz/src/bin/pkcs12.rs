//! Fuzz target: opening PKCS#12 key files (with the fixtures' password and a wrong one).

fn main() {
    loop {
        honggfuzz::fuzz!(|data: &[u8]| {
            let _ = kyso::crypto::read_pkcs12(data, "kyso-test");
            let _ = kyso::crypto::read_pkcs12(data, "wrong");
        });
    }
}
