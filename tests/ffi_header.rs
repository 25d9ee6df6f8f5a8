//! include/kyso.h must be what cbindgen generates from src/ffi.rs today.

use std::path::Path;

fn generate() -> String {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let config = cbindgen::Config::from_file(root.join("cbindgen.toml")).expect("cbindgen.toml");
    let mut out = Vec::new();
    cbindgen::Builder::new()
        .with_config(config)
        .with_src(root.join("src/ffi.rs"))
        .generate()
        .expect("generate header")
        .write(&mut out);
    String::from_utf8(out).expect("utf-8 header")
}

#[test]
fn checked_in_header_is_fresh() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("include/kyso.h");
    let fresh = generate();
    if std::env::var_os("KYSO_BLESS_HEADER").is_some() {
        std::fs::write(&path, &fresh).expect("write header");
    }
    let current = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        current == fresh,
        "include/kyso.h is stale: run `KYSO_BLESS_HEADER=1 cargo test --test ffi_header`"
    );
    for f in [
        "kyso_verify",
        "kyso_inspect",
        "kyso_sign_pdf",
        "kyso_sign_xml",
        "kyso_prepare",
        "kyso_finish",
        "kyso_version",
        "kyso_last_error",
        "kyso_free",
        "kyso_extend_pdf",
        "kyso_verify_many",
        "kyso_render",
        "kyso_verifier_new",
        "kyso_verifier_verify",
        "kyso_verifier_free",
    ] {
        assert!(
            fresh.contains(&format!("{f}(")),
            "{f} missing from the header"
        );
    }
    assert!(fresh.contains("size_t doc_len"), "usize must be size_t");
    assert!(
        fresh.contains("typedef void (*KysoProgress)(void *user_data, size_t done, size_t total);"),
        "the batch progress callback must be a plain C function pointer"
    );
}
