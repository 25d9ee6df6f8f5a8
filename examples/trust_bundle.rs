//! Regenerates kyso's built-in issuing-CA bundle (`src/pki/builtin/intermediates.der`) from
//! folders of certificates, refusing any that does not chain to a built-in root.
//!
//! ```text
//! cargo run --example trust_bundle -- OUT.der DIR…
//! ```
//! Run through `scripts/update-trust-bundle.sh`. Exit 0 on success, 1 when a certificate is
//! refused (named on stderr), 4 on a usage error.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use kyso::pki::builtin::{BuiltinSet, bundle_intermediates};
use kyso::pki::{Certificate, bundle};

fn main() -> ExitCode {
    let args: Vec<PathBuf> = std::env::args_os().skip(1).map(PathBuf::from).collect();
    let [out, dirs @ ..] = args.as_slice() else {
        eprintln!("usage: trust_bundle OUT.der DIR…");
        return ExitCode::from(4);
    };
    if dirs.is_empty() {
        eprintln!("usage: trust_bundle OUT.der DIR…");
        return ExitCode::from(4);
    }
    let mut candidates = Vec::new();
    for dir in dirs {
        match read_folder(dir) {
            Ok(mut certs) => candidates.append(&mut certs),
            Err(e) => {
                eprintln!("{e}");
                return ExitCode::from(4);
            }
        }
    }
    match bundle_intermediates(&candidates, BuiltinSet::vietnam()) {
        Ok(der) => {
            if let Err(e) = std::fs::write(out, der) {
                eprintln!("{}: {e}", out.display());
                return ExitCode::from(4);
            }
            println!("{}: {} certificates", out.display(), candidates.len());
            ExitCode::SUCCESS
        }
        Err(refusal) => {
            eprintln!("refused: {refusal}");
            ExitCode::from(1)
        }
    }
}

/// Every certificate of the `.pem`, `.crt`, `.cer` and `.der` files of `dir`, named
/// `dir/file` (`#n` for the n-th of a bundle).
fn read_folder(dir: &Path) -> Result<Vec<(String, Certificate)>, String> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .map_err(|e| format!("{}: {e}", dir.display()))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| {
            p.extension()
                .and_then(|e| e.to_str())
                .is_some_and(|e| matches!(e, "pem" | "crt" | "cer" | "der"))
        })
        .collect();
    files.sort();
    let mut out = Vec::new();
    for file in files {
        let certs = bundle::read_certificates(&file).map_err(|e| e.to_string())?;
        let several = certs.len() > 1;
        for (i, cert) in certs.into_iter().enumerate() {
            let name = if several {
                format!("{}#{}", file.display(), i + 1)
            } else {
                file.display().to_string()
            };
            out.push((name, cert));
        }
    }
    Ok(out)
}
