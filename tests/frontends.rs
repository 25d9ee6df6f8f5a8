//! The three front ends give the same answer: the CLI (`kyso verify --json`), the C ABI
//! (`kyso_verify_many` and `kyso_verify`, called as a C program calls them) and Python
//! (`kyso.verify_many` and `kyso.verify`) verify one set of documents under the same
//! settings, and their JSON reports are compared value for value.

#![cfg(feature = "ffi")]

mod common;

use std::ffi::{CStr, CString, c_char, c_void};
use std::path::{Path, PathBuf};

use common::*;
use serde_json::{Value, json};

const AT: &str = "2026-01-01T00:00:00Z";

/// The fixture set: unsigned, signed (one and two signatures, PDF and e-invoice), tampered,
/// and a file that is neither PDF nor XML inside.
fn documents(dir: &Path) -> Vec<PathBuf> {
    let key =
        |name: &str| json!({"p12_path": fixture(&format!("pki/{name}.p12")), "password": PASSWORD});
    let sign = |document: &[u8], settings: Value, xml: bool| {
        let settings: kyso::settings::SignSettings =
            serde_json::from_value(settings).expect("settings");
        let signed = match xml {
            false => kyso::settings::sign_pdf(document, &settings, None),
            true => kyso::settings::sign_xml(document, &settings, None),
        };
        signed.expect("sign")
    };
    let leader = sign(
        &read_fixture("docs/simple.pdf"),
        json!({"key": key("leader"), "signing_time": AT, "reason": "Phê duyệt"}),
        false,
    );
    let sealed = sign(
        &leader,
        json!({"key": key("seal"), "signing_time": AT}),
        false,
    );
    let invoice = sign(
        &read_fixture("docs/einvoice.xml"),
        json!({"key": key("business"), "signing_time": AT, "profile": "einvoice"}),
        true,
    );
    let mut tampered = leader.clone();
    tampered[100] ^= 1;
    let files: [(&str, Vec<u8>); 7] = [
        ("a-leader.pdf", leader),
        ("b-sealed.pdf", sealed),
        ("c-invoice.xml", invoice),
        ("d-tampered.pdf", tampered),
        ("e-unsigned.pdf", read_fixture("docs/simple.pdf")),
        ("f-tax-filing.xml", read_fixture("docs/tax-filing.xml")),
        ("g-not-a-document.pdf", b"neither PDF nor XML".to_vec()),
    ];
    files
        .into_iter()
        .map(|(name, bytes)| {
            let path = dir.join(name);
            std::fs::write(&path, bytes).expect("write");
            path
        })
        .collect()
}

/// The settings every front end gets, as the C ABI's JSON.
fn settings() -> Value {
    json!({
        "trust": [fixture("pki/root.pem")],
        "cert": [fixture("pki/business-ca.pem")],
        "crl": [fixture("pki/gov-ca.crl")],
        "at": AT,
        "revocation": "soft",
    })
}

/// `kyso verify DIR --json` with the same settings as flags: (exit code, report lines, the
/// files it reported errors for).
fn cli(dir: &Path) -> (i32, Vec<Value>, String) {
    let out = kyso_cli()
        .args(["verify", "--json", "--jobs", "3", "--revocation", "soft"])
        .arg("--trust")
        .arg(fixture("pki/root.pem"))
        .arg("--cert")
        .arg(fixture("pki/business-ca.pem"))
        .arg("--crl")
        .arg(fixture("pki/gov-ca.crl"))
        .args(["--at", AT])
        .arg(dir)
        .output()
        .expect("run kyso");
    let lines = String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).expect(l))
        .collect();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    (out.status.code().expect("exit code"), lines, stderr)
}

/// `kyso_verify_many` over the directory, as a C program calls it.
fn c_batch(dir: &Path) -> (i32, Vec<Value>, usize) {
    unsafe extern "C" fn count(user_data: *mut c_void, _done: usize, _total: usize) {
        // SAFETY: the caller below passes a pointer to its counter, alive for the call.
        unsafe { *user_data.cast::<usize>() += 1 };
    }
    let path = CString::new(dir.to_str().expect("utf-8")).expect("no NUL");
    let paths = [path.as_ptr()];
    let options = CString::new(settings().to_string()).expect("no NUL");
    let mut calls = 0usize;
    let mut lines: *mut c_char = std::ptr::null_mut();
    // SAFETY: valid strings, a callback with its user data and a writable out-pointer.
    let status = unsafe {
        kyso::ffi::kyso_verify_many(
            paths.as_ptr(),
            1,
            options.as_ptr(),
            Some(count),
            (&mut calls as *mut usize).cast(),
            &mut lines,
        )
    };
    assert!(!lines.is_null(), "kyso_verify_many wrote no lines");
    // SAFETY: kyso wrote a NUL-terminated string; freed once.
    let text = unsafe { CStr::from_ptr(lines) }
        .to_string_lossy()
        .into_owned();
    // SAFETY: returned by kyso_verify_many, not freed yet.
    unsafe { kyso::ffi::kyso_free(lines.cast()) };
    let lines = text
        .lines()
        .map(|l| serde_json::from_str(l).expect(l))
        .collect();
    (status, lines, calls)
}

/// `kyso_verify` of one document's bytes.
fn c_single(path: &Path) -> (i32, Value) {
    let doc = std::fs::read(path).expect("read");
    let options = CString::new(settings().to_string()).expect("no NUL");
    let mut report: *mut c_char = std::ptr::null_mut();
    // SAFETY: a valid buffer and string and a writable out-pointer.
    let status =
        unsafe { kyso::ffi::kyso_verify(doc.as_ptr(), doc.len(), options.as_ptr(), &mut report) };
    if report.is_null() {
        return (status, Value::Null);
    }
    // SAFETY: kyso wrote a NUL-terminated report; freed once.
    let text = unsafe { CStr::from_ptr(report) }
        .to_string_lossy()
        .into_owned();
    // SAFETY: returned by kyso_verify, not freed yet.
    unsafe { kyso::ffi::kyso_free(report.cast()) };
    (status, serde_json::from_str(&text).expect("report"))
}

/// Python's `verify_many` over the directory and `verify` of each file, as JSON.
fn python(dir: &Path, files: &[PathBuf]) -> Option<Value> {
    let script = r#"
import json, sys, kyso
settings = json.loads(sys.argv[1])
directory, files = sys.argv[2], sys.argv[3:]
calls = []
batch = kyso.verify_many([directory], progress=lambda d, t: calls.append(d), jobs=2, **settings)
single = []
for f in files:
    try:
        single.append(kyso.verify(f, **settings))
    except kyso.KysoError as e:
        single.append({"error": str(e), "status": kyso.ERROR})
print(json.dumps({"batch": batch, "single": single, "calls": len(calls)}))
"#;
    let out = python_with_kyso()?
        .args(["-c", script, &settings().to_string()])
        .arg(dir)
        .args(files)
        .output()
        .expect("python");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    Some(serde_json::from_slice(&out.stdout).expect("python output"))
}

/// A report without the fields a front end adds: Python's `status`, and `file`, which only
/// the entry points that read files can fill.
fn bare(report: &Value) -> Value {
    let mut r = report.clone();
    if let Some(map) = r.as_object_mut() {
        map.remove("status");
        map.remove("file");
    }
    r
}

#[test]
fn cli_c_abi_and_python_give_identical_reports() {
    let dir = tempfile::tempdir().expect("tmp");
    let files = documents(dir.path());

    let (c_status, c_lines, progress_calls) = c_batch(dir.path());
    assert_eq!(c_lines.len(), files.len(), "{c_lines:#?}");
    assert_eq!(progress_calls, files.len());
    let names: Vec<String> = c_lines
        .iter()
        .map(|l| l["file"].as_str().unwrap_or_default().to_owned())
        .collect();
    let expected: Vec<String> = files.iter().map(|f| f.display().to_string()).collect();
    assert_eq!(names, expected, "reports in input order");
    // The set covers every outcome: passed, failed, no signature, and an error (exit 4).
    let indications: Vec<&str> = c_lines
        .iter()
        .map(|l| l["indication"].as_str().unwrap_or("error"))
        .collect();
    for wanted in ["TOTAL_PASSED", "TOTAL_FAILED", "NO_SIGNATURE", "error"] {
        assert!(indications.contains(&wanted), "{indications:?}");
    }
    assert_eq!(c_status, 4);

    // The CLI prints the same reports, in the same order, and names the same file on stderr.
    let (cli_status, cli_lines, cli_errors) = cli(dir.path());
    let c_reports: Vec<&Value> = c_lines
        .iter()
        .filter(|l| l.get("error").is_none())
        .collect();
    assert_eq!(cli_lines.iter().collect::<Vec<_>>(), c_reports);
    for failed in c_lines.iter().filter(|l| l.get("error").is_some()) {
        let file = failed["file"].as_str().unwrap_or_default();
        assert!(cli_errors.contains(file), "{cli_errors}");
    }
    assert_eq!(cli_status, c_status);

    // kyso_verify over each file's bytes: the same report, without the file name.
    for (path, line) in files.iter().zip(&c_lines) {
        let (status, report) = c_single(path);
        match line.get("error") {
            Some(_) => assert_eq!(status, 4, "{}", path.display()),
            None => assert_eq!(bare(&report), bare(line), "{}", path.display()),
        }
    }

    // Python: verify_many equals the C lines (plus its status), verify equals kyso_verify.
    let Some(py) = python(dir.path(), &files) else {
        return;
    };
    let batch = py["batch"].as_array().expect("batch");
    assert_eq!(batch.len(), c_lines.len());
    for (p, c) in batch.iter().zip(&c_lines) {
        let mut p = p.clone();
        let status = p.as_object_mut().and_then(|m| m.remove("status"));
        assert_eq!(&p, c);
        let expected = match c["indication"].as_str() {
            Some("TOTAL_PASSED") => 0,
            Some("TOTAL_FAILED") => 1,
            Some("INDETERMINATE") => 2,
            Some("NO_SIGNATURE") => 3,
            _ => 4,
        };
        assert_eq!(status, Some(json!(expected)), "{c}");
    }
    assert_eq!(py["calls"], json!(files.len()));
    let single = py["single"].as_array().expect("single");
    for ((p, line), path) in single.iter().zip(&c_lines).zip(&files) {
        match line.get("error") {
            Some(_) => assert_eq!(p["status"], json!(4), "{}", path.display()),
            None => assert_eq!(bare(p), bare(line), "{}", path.display()),
        }
    }
}
