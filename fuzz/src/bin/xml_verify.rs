//! Fuzz target: XML signature verification (hardened parsing, references, transforms,
//! canonicalization, KeyInfo, XAdES, e-invoice profile) on arbitrary bytes, UTF-16 included.

fn main() {
    let options = kyso_fuzz::verify_options();
    let xml = kyso::XmlVerifyOptions::default();
    loop {
        honggfuzz::fuzz!(|data: &[u8]| {
            let _ = kyso::xml::verify_xml(data, &options, &xml);
        });
    }
}
