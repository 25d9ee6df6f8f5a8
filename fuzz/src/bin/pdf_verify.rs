//! Fuzz target: PDF verification (xref chains, objects, object streams, filters, form and
//! page trees, byte ranges, CMS, revision analysis) on arbitrary bytes.

fn main() {
    let options = kyso_fuzz::verify_options();
    loop {
        honggfuzz::fuzz!(|data: &[u8]| {
            let _ = kyso::pdf::verify_pdf(data, &options);
        });
    }
}
