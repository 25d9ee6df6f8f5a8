//! Link options for kyso's example binaries (the CLI). The library, its tests and the C ABI
//! link as Rust's defaults say.

use std::path::{Path, PathBuf};
use std::process::Command;

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    let target = std::env::var("TARGET").unwrap_or_default();
    if !target.ends_with("-linux-gnu") {
        return;
    }
    // Pack the relative relocations (DT_RELR): the dynamic loader of a position-independent
    // binary then applies its thousands of relative relocations from a table ninety times
    // smaller, and a one-page `kyso verify` starts about 7 % faster. GNU ld 2.38+ and glibc
    // 2.36+ know it; an older ld ignores the option with a warning, and ld enables it only
    // when the C library supports it.
    println!("cargo:rustc-link-arg-examples=-Wl,-z,pack-relative-relocs");

    // The unwinder linked statically, as `gcc -static-libgcc` does. Rust's gnu targets link
    // the shared libgcc_s, whose loading and CPU-probing constructor cost a one-page `kyso
    // verify` about 6 % of its run. Rust offers static libgcc only together with a static C
    // library (`crt-static`), which cannot be set for one binary, so the CLI's link finds,
    // first in its search path, a `libgcc_s.so` that is a linker script naming the static
    // unwinder, libgcc_eh.a. Skipped when the C compiler does not know that archive.
    if let Some(dir) = static_unwinder_dir() {
        println!("cargo:rustc-link-arg-examples=-L{}", dir.display());
    }
}

/// A folder holding the `libgcc_s.so` linker script described above, or `None` when the
/// static unwinder cannot be found or the script cannot be written.
fn static_unwinder_dir() -> Option<PathBuf> {
    let cc = std::env::var("CC").unwrap_or_else(|_| "cc".into());
    let out = Command::new(cc)
        .arg("-print-file-name=libgcc_eh.a")
        .output()
        .ok()?;
    let archive = PathBuf::from(String::from_utf8(out.stdout).ok()?.trim());
    // An unknown file name is echoed back bare; only an absolute path was found.
    if !out.status.success() || !archive.is_absolute() || !archive.is_file() {
        return None;
    }
    let dir = Path::new(&std::env::var_os("OUT_DIR")?).join("static-unwinder");
    std::fs::create_dir_all(&dir).ok()?;
    let script = format!("INPUT ( {} )\n", archive.display());
    std::fs::write(dir.join("libgcc_s.so"), script).ok()?;
    Some(dir)
}
