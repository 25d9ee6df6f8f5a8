//! The C ABI from C: build examples/c/kyso_demo.c with gcc against the shared library, run
//! it, and run it again under valgrind (no leaks, no memory errors).

mod common;

use std::path::{Path, PathBuf};

use std::process::Command;

use common::*;

fn build_demo(tag: &str) -> Option<PathBuf> {
    if !require_tool("gcc", &["--version"]) {
        return None;
    }
    let lib = shared_library();
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let out = std::env::temp_dir().join(format!("kyso_demo_{tag}_{}", std::process::id()));
    let status = Command::new("gcc")
        .arg("-Wall")
        .arg("-Werror")
        .arg("-I")
        .arg(root.join("include"))
        .arg(root.join("examples/c/kyso_demo.c"))
        .arg("-L")
        .arg(lib.parent().expect("lib dir"))
        .arg("-lkyso")
        .arg(format!(
            "-Wl,-rpath,{}",
            lib.parent().expect("lib dir").display()
        ))
        .arg("-o")
        .arg(&out)
        .status()
        .expect("gcc");
    assert!(status.success(), "gcc failed");
    Some(out)
}

fn demo_args() -> [PathBuf; 3] {
    [
        fixture("docs/simple.pdf"),
        fixture("pki/leader.p12"),
        fixture("pki/root.pem"),
    ]
}

#[test]
fn c_program_signs_and_verifies() {
    let Some(demo) = build_demo("run") else {
        return;
    };
    let out = Command::new(&demo)
        .args(demo_args())
        .output()
        .expect("run demo");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{text}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(text.contains("verify status: 0"), "{text}");
    assert!(text.contains("indication: TOTAL_PASSED"), "{text}");
    assert!(
        text.contains("null document: 4 (invalid option: doc is a null pointer)"),
        "{text}"
    );
    assert!(text.contains("bad options: 4"), "{text}");
    assert!(
        text.contains("verifier: 3 of 3 passed, unsigned 3"),
        "{text}"
    );
    assert!(text.contains("verifier with bad options: 4"), "{text}");
    // The fixture folder's documents are unsigned (status 3), one report and one progress
    // call each.
    let docs = kyso::batch::collect_files(&[fixture("docs")]).expect("docs");
    let n = docs.len();
    assert!(
        text.contains(&format!(
            "batch: status 3, {n} reports, {n} progress calls of {n}"
        )),
        "{text}"
    );
    let _ = std::fs::remove_file(demo);
}

#[test]
fn c_program_is_valgrind_clean() {
    let Some(demo) = build_demo("valgrind") else {
        return;
    };
    if !require_tool("valgrind", &["--version"]) {
        return;
    }
    let out = Command::new("valgrind")
        .args([
            "--error-exitcode=99",
            "--leak-check=full",
            "--errors-for-leak-kinds=definite,indirect",
            "--quiet",
        ])
        .arg(&demo)
        .args(demo_args())
        .output()
        .expect("valgrind");
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(
        out.status.code(),
        Some(0),
        "valgrind reported problems:\n{err}"
    );
    let _ = std::fs::remove_file(demo);
}
