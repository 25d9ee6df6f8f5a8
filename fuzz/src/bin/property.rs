//! Property target: a signed PDF or XML document, changed by a structured mutation chosen by
//! the input, is never reported TOTAL_PASSED when a signed byte or what it shows changed
//! (see `kyso_fuzz::property`). A violation panics, which honggfuzz records as a crash.

fn main() {
    let fixtures = kyso_fuzz::property::Fixtures::new();
    loop {
        honggfuzz::fuzz!(|data: &[u8]| {
            let _ = fixtures.check(data);
        });
    }
}
