//! Fuzz target: edXML packages (QCVN 102:2016) on arbitrary bytes: the envelope, the manifest,
//! base64 and zip attachments under the limits, and the signed parts inside.

fn main() {
    let options = kyso_fuzz::verify_options();
    loop {
        honggfuzz::fuzz!(|data: &[u8]| {
            let _ = kyso::edxml::verify_package(data, &options);
        });
    }
}
