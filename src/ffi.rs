//! The C ABI: buffers in, buffers out, options and reports as UTF-8 JSON.
//!
//! Every entry point returns the CLI's exit codes as its status (0 passed/ok, 1 failed,
//! 2 indeterminate, 3 no signature, 4 error), catches panics, and leaves a message for
//! `kyso_last_error()` on this thread — in Vietnamese when the options say `"lang": "vi"`.
//! Options are the JSON form of [`crate::settings`]: the same types the CLI fills from its
//! flags, so unknown keys are errors naming the key. Out-pointers are checked and set to
//! NULL before any work, so a failed call never leaves a stale pointer behind. Memory kyso
//! returns through an out-pointer is freed with `kyso_free`. No global mutable state: the
//! last error is thread-local.

use std::cell::RefCell;
use std::ffi::{CStr, CString, c_char, c_int, c_void};
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::PathBuf;

use crate::batch::{BatchItem, BatchObserver};
use crate::crypto::Signer;
use crate::error::{Error, Format};
use crate::render::Lang;
use crate::settings::{self, ExtendSettings, InspectSettings, SignSettings, VerifySettings};
use crate::validation::VerifyOptions;

const STATUS_ERROR: c_int = 4;

thread_local! {
    static LAST_ERROR: RefCell<CString> = RefCell::new(CString::default());
}

fn set_last_error(message: &str) {
    let clean: String = message.chars().filter(|&c| c != '\0').collect();
    let c = CString::new(clean).unwrap_or_default();
    LAST_ERROR.with(|e| *e.borrow_mut() = c);
}

/// Runs an entry point: clears the last error, catches panics, maps errors to status 4 with
/// the message in the language the call's options chose (the closure sets it once known).
fn guard(f: impl FnOnce(&mut Lang) -> Result<c_int, Error>) -> c_int {
    set_last_error("");
    let mut lang = Lang::En;
    match catch_unwind(AssertUnwindSafe(|| f(&mut lang))) {
        Ok(Ok(status)) => status,
        Ok(Err(e)) => {
            set_last_error(&crate::render::error_text(&e, lang));
            STATUS_ERROR
        }
        Err(_) => {
            set_last_error("internal error (a panic was caught at the C boundary)");
            STATUS_ERROR
        }
    }
}

fn bad(detail: &str) -> Error {
    Error::InvalidOption(detail.to_string())
}

/// Borrows a caller's buffer; null with a non-zero length, and lengths no Rust slice can
/// have (above `isize::MAX`), are errors.
///
/// # Safety
/// `ptr` must point to `len` readable bytes for the duration of the call.
unsafe fn input<'a>(ptr: *const u8, len: usize, what: &str) -> Result<&'a [u8], Error> {
    if len > isize::MAX as usize {
        return Err(bad(&format!("{what}_len {len} is larger than any buffer")));
    }
    if ptr.is_null() {
        return if len == 0 {
            Ok(&[])
        } else {
            Err(bad(&format!("{what} is a null pointer")))
        };
    }
    // SAFETY: the caller promises `len` readable bytes at `ptr`, alive for this call; `len`
    // fits `isize` as `from_raw_parts` requires.
    Ok(unsafe { std::slice::from_raw_parts(ptr, len) })
}

/// Reads an optional NUL-terminated UTF-8 string (null means absent).
///
/// # Safety
/// `ptr` must be null or point to a NUL-terminated string.
unsafe fn text<'a>(ptr: *const c_char, what: &str) -> Result<Option<&'a str>, Error> {
    if ptr.is_null() {
        return Ok(None);
    }
    // SAFETY: the caller promises a NUL-terminated string at `ptr`.
    let c = unsafe { CStr::from_ptr(ptr) };
    c.to_str()
        .map(Some)
        .map_err(|_| bad(&format!("{what} is not valid UTF-8")))
}

/// Reads an options string into settings (null or empty: defaults).
///
/// # Safety
/// `ptr` must be null or point to a NUL-terminated string.
unsafe fn options<T: serde::de::DeserializeOwned + Default>(
    ptr: *const c_char,
) -> Result<T, Error> {
    // SAFETY: forwarded caller guarantee.
    settings::from_json(unsafe { text(ptr, "options_json") }?.unwrap_or(""))
}

/// A string out-pointer, checked and set to NULL before the call does any work.
struct OutString(*mut *mut c_char);

impl OutString {
    /// # Safety
    /// `out` must be null or writable.
    unsafe fn new(out: *mut *mut c_char, what: &str) -> Result<Self, Error> {
        if out.is_null() {
            return Err(bad(&format!("{what} is a null pointer")));
        }
        // SAFETY: non-null, and the caller promises it is writable.
        unsafe { *out = std::ptr::null_mut() };
        Ok(OutString(out))
    }

    fn set(self, s: &str) -> Result<(), Error> {
        let p = export(s.as_bytes(), true)?;
        // SAFETY: checked non-null in `new`; the caller promises it is writable.
        unsafe { *self.0 = p.cast() };
        Ok(())
    }
}

/// A buffer out-pointer pair, checked and set to NULL / 0 before the call does any work.
struct OutBytes(*mut *mut u8, *mut usize);

impl OutBytes {
    /// # Safety
    /// `out` and `out_len` must be null or writable.
    unsafe fn new(out: *mut *mut u8, out_len: *mut usize) -> Result<Self, Error> {
        if out.is_null() || out_len.is_null() {
            return Err(bad("an output pointer is null"));
        }
        // SAFETY: both non-null, and the caller promises they are writable.
        unsafe {
            *out = std::ptr::null_mut();
            *out_len = 0;
        }
        Ok(OutBytes(out, out_len))
    }

    fn set(self, bytes: &[u8]) -> Result<(), Error> {
        let p = export(bytes, false)?;
        // SAFETY: checked non-null in `new`; the caller promises they are writable.
        unsafe {
            *self.0 = p;
            *self.1 = bytes.len();
        }
        Ok(())
    }
}

/// Copies bytes into memory from `malloc`, so that `kyso_free` (or C's `free`) releases it.
fn export(bytes: &[u8], nul: bool) -> Result<*mut u8, Error> {
    let total = bytes.len() + usize::from(nul);
    // SAFETY: malloc of a positive size; the result is checked for null before use.
    let ptr = unsafe { libc::malloc(total.max(1)) } as *mut u8;
    if ptr.is_null() {
        return Err(bad("out of memory"));
    }
    // SAFETY: `ptr` has room for `total` bytes and does not overlap `bytes`.
    unsafe {
        std::ptr::copy_nonoverlapping(bytes.as_ptr(), ptr, bytes.len());
        if nul {
            *ptr.add(bytes.len()) = 0;
        }
    }
    Ok(ptr)
}

fn to_json(value: &impl serde::Serialize) -> Result<String, Error> {
    serde_json::to_string(value).map_err(|e| bad(&e.to_string()))
}

/// Verifies `doc` and hands its JSON report to the caller.
fn verify_into(doc: &[u8], options: &VerifyOptions, out: OutString) -> Result<c_int, Error> {
    let report = crate::verify(doc, options)?;
    out.set(&to_json(&report)?)?;
    Ok(report.exit_code())
}

/// Verifies a PDF or XML document. `report_json` receives the JSON report (free it with
/// `kyso_free`). Returns the worst indication as an exit code. Options are
/// `kyso::settings::VerifySettings` as JSON (null: defaults).
///
/// To verify many documents under the same options, make a `KysoVerifier` once instead
/// (`kyso_verifier_new`): trust anchors and certificates are then read only once.
///
/// # Safety
/// `doc` must point to `doc_len` readable bytes; `options_json` must be null or a
/// NUL-terminated string; `report_json` must be a writable pointer.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn kyso_verify(
    doc: *const u8,
    doc_len: usize,
    options_json: *const c_char,
    report_json: *mut *mut c_char,
) -> c_int {
    guard(|lang| {
        // SAFETY: forwarded caller guarantees (see the function's safety section).
        let out = unsafe { OutString::new(report_json, "report_json") }?;
        // SAFETY: as above.
        let doc = unsafe { input(doc, doc_len, "doc") }?;
        // SAFETY: as above.
        let settings: VerifySettings = unsafe { options(options_json) }?;
        *lang = settings.lang;
        verify_into(doc, &settings.verify_options()?, out)
    })
}

/// Verify options read once — trust anchors, intermediates, CRLs, OCSP responses, policy —
/// for many documents. Made by `kyso_verifier_new`, used by `kyso_verifier_verify` (from any
/// number of threads at once), released by `kyso_verifier_free`.
pub struct KysoVerifier {
    options: VerifyOptions,
    lang: Lang,
}

/// Makes a verifier from `kyso_verify`'s options; `*verifier` receives it. Returns 0, or 4
/// with `kyso_last_error()` set.
///
/// # Safety
/// `options_json` must be null or a NUL-terminated string; `verifier` must be a writable
/// pointer.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn kyso_verifier_new(
    options_json: *const c_char,
    verifier: *mut *mut KysoVerifier,
) -> c_int {
    guard(|lang| {
        if verifier.is_null() {
            return Err(bad("verifier is a null pointer"));
        }
        // SAFETY: checked non-null above; the caller guarantees it is writable.
        unsafe { *verifier = std::ptr::null_mut() };
        // SAFETY: the caller passes null or a NUL-terminated string.
        let settings: VerifySettings = unsafe { options(options_json) }?;
        *lang = settings.lang;
        let boxed = Box::into_raw(Box::new(KysoVerifier {
            options: settings.verify_options()?,
            lang: settings.lang,
        }));
        // SAFETY: checked non-null above; the caller guarantees it is writable.
        unsafe { *verifier = boxed };
        Ok(0)
    })
}

/// Verifies a document with a verifier's options; as `kyso_verify` otherwise.
///
/// # Safety
/// `verifier` must come from `kyso_verifier_new` and not be freed; `doc` must point to
/// `doc_len` readable bytes; `report_json` must be a writable pointer.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn kyso_verifier_verify(
    verifier: *const KysoVerifier,
    doc: *const u8,
    doc_len: usize,
    report_json: *mut *mut c_char,
) -> c_int {
    guard(|lang| {
        // SAFETY: forwarded caller guarantee.
        let out = unsafe { OutString::new(report_json, "report_json") }?;
        // SAFETY: the caller passes null or a live verifier from kyso_verifier_new.
        let verifier = unsafe { verifier.as_ref() }.ok_or_else(|| bad("verifier is null"))?;
        *lang = verifier.lang;
        // SAFETY: forwarded caller guarantee.
        let doc = unsafe { input(doc, doc_len, "doc") }?;
        verify_into(doc, &verifier.options, out)
    })
}

/// Releases a verifier. Null is ignored.
///
/// # Safety
/// `verifier` must be null or come from `kyso_verifier_new`, not freed yet, and no call may
/// be using it.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn kyso_verifier_free(verifier: *mut KysoVerifier) {
    if !verifier.is_null() {
        // SAFETY: made by Box::into_raw in kyso_verifier_new and given back once. Dropping
        // options cannot panic (plain data and reference counts), so nothing unwinds here.
        drop(unsafe { Box::from_raw(verifier) });
    }
}

/// The verifier is shared between threads by reference.
const _: () = {
    const fn shareable<T: Send + Sync>() {}
    shareable::<KysoVerifier>();
};

/// Progress of `kyso_verify_many`: `done` of `total` files are finished. Called on the
/// thread that called `kyso_verify_many`, never from a worker.
pub type KysoProgress =
    Option<unsafe extern "C" fn(user_data: *mut c_void, done: usize, total: usize)>;

/// Forwards batch progress to a C callback.
struct CProgress {
    callback: KysoProgress,
    user_data: *mut c_void,
}

impl BatchObserver for CProgress {
    fn progress(&mut self, done: usize, total: usize) {
        if let Some(callback) = self.callback {
            // SAFETY: the caller of kyso_verify_many gave a callback valid for the call and
            // its user_data; it is called on the caller's own thread.
            unsafe { callback(self.user_data, done, total) };
        }
    }
}

/// One line of `kyso_verify_many`'s output: the report, or `{"file", "error"}`.
fn batch_line(item: &BatchItem, lang: Lang) -> Result<String, Error> {
    match &item.outcome {
        Ok(report) => to_json(report),
        Err(e) => to_json(&serde_json::json!({
            "file": item.path.display().to_string(),
            "error": crate::render::error_text(e, lang),
        })),
    }
}

/// Verifies files and directories (their PDF and XML files, recursively) with
/// `kyso_verify`'s options, `"jobs"` of them at once. `reports_jsonl` receives JSON Lines in
/// input order: each file's report, or `{"file", "error"}` for a file that could not be
/// verified. `progress` (may be null) hears of each finished file. Returns the batch's exit
/// code: 4 when any file had an error, else the worst indication.
///
/// # Safety
/// `paths` must point to `paths_len` NUL-terminated strings; `options_json` must be null or
/// a NUL-terminated string; `progress`, when not null, must be callable with `user_data`
/// during the call; `reports_jsonl` must be a writable pointer.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn kyso_verify_many(
    paths: *const *const c_char,
    paths_len: usize,
    options_json: *const c_char,
    progress: KysoProgress,
    user_data: *mut c_void,
    reports_jsonl: *mut *mut c_char,
) -> c_int {
    guard(|lang| {
        // SAFETY: forwarded caller guarantees (see the function's safety section).
        let out = unsafe { OutString::new(reports_jsonl, "reports_jsonl") }?;
        if paths_len > isize::MAX as usize / std::mem::size_of::<*const c_char>() {
            return Err(bad("paths_len is larger than any array"));
        }
        if paths.is_null() && paths_len > 0 {
            return Err(bad("paths is a null pointer"));
        }
        let raw: &[*const c_char] = if paths_len == 0 {
            &[]
        } else {
            // SAFETY: non-null, and the caller promises `paths_len` readable pointers.
            unsafe { std::slice::from_raw_parts(paths, paths_len) }
        };
        let mut inputs = Vec::with_capacity(raw.len());
        for (i, &p) in raw.iter().enumerate() {
            // SAFETY: the caller promises each entry is a NUL-terminated string.
            let path = unsafe { text(p, &format!("paths[{i}]")) }?
                .ok_or_else(|| bad(&format!("paths[{i}] is a null pointer")))?;
            inputs.push(PathBuf::from(path));
        }
        // SAFETY: forwarded caller guarantee.
        let settings: VerifySettings = unsafe { options(options_json) }?;
        *lang = settings.lang;
        let options = settings.verify_options()?;
        let files = crate::batch::collect_files(&inputs)?;
        let mut observer = CProgress {
            callback: progress,
            user_data,
        };
        let items = crate::batch::verify_many(&files, &options, settings.jobs, &mut observer);
        let mut jsonl = String::new();
        for item in &items {
            jsonl.push_str(&batch_line(item, settings.lang)?);
            jsonl.push('\n');
        }
        out.set(&jsonl)?;
        Ok(crate::batch::exit_code(&items))
    })
}

/// Renders a verification report (the JSON of `kyso_verify`) as text for people, in `lang`
/// (`"en"` or `"vi"`; null means English). `text_out` receives it (free with `kyso_free`).
///
/// # Safety
/// `report_json` must be a NUL-terminated string; `lang` null or one; `text_out` writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn kyso_render(
    report_json: *const c_char,
    lang: *const c_char,
    text_out: *mut *mut c_char,
) -> c_int {
    guard(|call_lang| {
        // SAFETY: forwarded caller guarantees.
        let out = unsafe { OutString::new(text_out, "text_out") }?;
        // SAFETY: as above.
        let chosen = match unsafe { text(lang, "lang") }? {
            Some(code) => {
                Lang::from_code(code).ok_or_else(|| bad(&format!("lang {code} (en or vi)")))?
            }
            None => Lang::En,
        };
        *call_lang = chosen;
        // SAFETY: as above.
        let json = unsafe { text(report_json, "report_json") }?
            .ok_or_else(|| bad("report_json is a null pointer"))?;
        let report: crate::ValidationReport = serde_json::from_str(json)
            .map_err(|e| Error::malformed(Format::Json, e.to_string()))?;
        out.set(&crate::render::render_text(&report, chosen))?;
        Ok(0)
    })
}

/// Inspects a certificate, bundle or PKCS#12 (`kyso::settings::InspectSettings`:
/// `{"password", "trust", "no_pinned_roots", "at", "lang"}`).
///
/// # Safety
/// As for `kyso_verify`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn kyso_inspect(
    data: *const u8,
    len: usize,
    options_json: *const c_char,
    report_json: *mut *mut c_char,
) -> c_int {
    guard(|lang| {
        // SAFETY: forwarded caller guarantees.
        let out = unsafe { OutString::new(report_json, "report_json") }?;
        // SAFETY: as above.
        let data = unsafe { input(data, len, "data") }?;
        // SAFETY: as above.
        let settings: InspectSettings = unsafe { options(options_json) }?;
        *lang = settings.lang;
        let report = crate::inspect::inspect(data, &settings.inspect_options()?)?;
        out.set(&to_json(&report)?)?;
        Ok(report.exit_code())
    })
}

/// Signs a PDF to the options' `level` (B-B, B-T, B-LT, B-LTA; `kyso::settings::SignSettings`
/// as JSON). `out`/`out_len` receive the signed document (free with `kyso_free`).
///
/// # Safety
/// `doc` must point to `doc_len` readable bytes; `options_json` must be a NUL-terminated
/// string; `out` and `out_len` must be writable pointers.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn kyso_sign_pdf(
    doc: *const u8,
    doc_len: usize,
    options_json: *const c_char,
    out: *mut *mut u8,
    out_len: *mut usize,
) -> c_int {
    // SAFETY: forwarded caller guarantees (see the function's safety section).
    unsafe { sign_call(doc, doc_len, options_json, out, out_len, settings::sign_pdf) }
}

/// Signs an XML document (XMLDSig, XAdES, Vietnamese e-invoice profiles).
///
/// # Safety
/// As for `kyso_sign_pdf`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn kyso_sign_xml(
    doc: *const u8,
    doc_len: usize,
    options_json: *const c_char,
    out: *mut *mut u8,
    out_len: *mut usize,
) -> c_int {
    // SAFETY: forwarded caller guarantees (see the function's safety section).
    unsafe { sign_call(doc, doc_len, options_json, out, out_len, settings::sign_xml) }
}

/// A signing call of [`crate::settings`].
type SignFn = fn(&[u8], &SignSettings, Option<&dyn Signer>) -> crate::Result<Vec<u8>>;

/// The shared body of the signing entry points: reads the document and options, opens the
/// key, runs `sign` and hands the result to the caller.
///
/// # Safety
/// As for `kyso_sign_pdf`.
unsafe fn sign_call(
    doc: *const u8,
    doc_len: usize,
    options_json: *const c_char,
    out: *mut *mut u8,
    out_len: *mut usize,
    sign: SignFn,
) -> c_int {
    guard(|_| {
        // SAFETY: forwarded caller guarantees.
        let out = unsafe { OutBytes::new(out, out_len) }?;
        // SAFETY: as above.
        let doc = unsafe { input(doc, doc_len, "doc") }?;
        // SAFETY: as above.
        let settings: SignSettings = unsafe { options(options_json) }?;
        out.set(&sign(doc, &settings, None)?)?;
        Ok(0)
    })
}

/// Raises a signed PDF to B-LT or B-LTA (`kyso::settings::ExtendSettings`: `{"level",
/// "tsa", "crl", "ocsp", "online"}`). `out`/`out_len` receive the extended document.
///
/// # Safety
/// As for `kyso_sign_pdf`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn kyso_extend_pdf(
    doc: *const u8,
    doc_len: usize,
    options_json: *const c_char,
    out: *mut *mut u8,
    out_len: *mut usize,
) -> c_int {
    guard(|_| {
        // SAFETY: forwarded caller guarantees.
        let out = unsafe { OutBytes::new(out, out_len) }?;
        // SAFETY: as above.
        let doc = unsafe { input(doc, doc_len, "doc") }?;
        // SAFETY: as above.
        let settings: ExtendSettings = unsafe { options(options_json) }?;
        out.set(&settings::extend_pdf(doc, &settings)?)?;
        Ok(0)
    })
}

/// Prepares a signature for a key held elsewhere: `prepared_json` receives
/// `kyso::settings::Prepared` — `{"format": "pdf"|"xml", "digest": hex, "algorithm": …,
/// "state": …, "expires_at", "checksum", …}`; sign `digest` and call `kyso_finish` with the
/// whole object. Options give `cert` (or a key, whose certificates are used) and
/// `expires_in` (seconds).
///
/// # Safety
/// As for `kyso_verify`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn kyso_prepare(
    doc: *const u8,
    doc_len: usize,
    options_json: *const c_char,
    prepared_json: *mut *mut c_char,
) -> c_int {
    guard(|_| {
        // SAFETY: forwarded caller guarantees.
        let out = unsafe { OutString::new(prepared_json, "prepared_json") }?;
        // SAFETY: as above.
        let doc = unsafe { input(doc, doc_len, "doc") }?;
        // SAFETY: as above.
        let settings: SignSettings = unsafe { options(options_json) }?;
        let prepared = settings::prepare(doc, &settings, settings::now())?;
        let json = prepared.to_json()?;
        out.set(&json)?;
        Ok(0)
    })
}

/// Finishes a prepared signature with a raw signature value over the prepared digest
/// (PKCS#1 for RSA; DER or r‖s for ECDSA). An expired, edited or mismatched state, another
/// document, or a signature that does not verify with the certificate returns 4 and writes
/// nothing.
///
/// # Safety
/// `prepared_json` must be a NUL-terminated string; `doc` must point to `doc_len` readable
/// bytes and `signature` to `signature_len`; `out` and `out_len` must be writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn kyso_finish(
    prepared_json: *const c_char,
    doc: *const u8,
    doc_len: usize,
    signature: *const u8,
    signature_len: usize,
    out: *mut *mut u8,
    out_len: *mut usize,
) -> c_int {
    guard(|_| {
        // SAFETY: forwarded caller guarantees.
        let out = unsafe { OutBytes::new(out, out_len) }?;
        // SAFETY: as above.
        let prepared = unsafe { text(prepared_json, "prepared_json") }?
            .ok_or_else(|| bad("prepared_json is null"))?;
        // SAFETY: as above.
        let doc = unsafe { input(doc, doc_len, "doc") }?;
        // SAFETY: as above.
        let signature = unsafe { input(signature, signature_len, "signature") }?;
        let prepared = settings::Prepared::from_json(prepared)?;
        let signed = settings::finish(&prepared, doc, signature, settings::now())?;
        out.set(&signed)?;
        Ok(0)
    })
}

/// kyso's version, a static string.
#[unsafe(no_mangle)]
pub extern "C" fn kyso_version() -> *const c_char {
    concat!(env!("CARGO_PKG_VERSION"), "\0").as_ptr() as *const c_char
}

/// The message of the last failed call on this thread (empty after a success); valid until
/// the next kyso call on this thread.
#[unsafe(no_mangle)]
pub extern "C" fn kyso_last_error() -> *const c_char {
    LAST_ERROR.with(|e| e.borrow().as_ptr())
}

/// Frees memory kyso returned through an out-pointer. Null is ignored.
///
/// # Safety
/// `ptr` must be null or a pointer kyso returned and that was not freed yet.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn kyso_free(ptr: *mut c_void) {
    if !ptr.is_null() {
        // SAFETY: kyso allocates every returned buffer with malloc; the caller passes it once.
        unsafe { libc::free(ptr) };
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::SigningPolicy;
    use crate::crypto::KeyFileSigner;
    use crate::pdf::PdfSignOptions;

    fn fixture(rel: &str) -> String {
        format!("{}/fixtures/{rel}", env!("CARGO_MANIFEST_DIR"))
    }

    fn read(rel: &str) -> Vec<u8> {
        std::fs::read(fixture(rel)).unwrap_or_else(|e| panic!("{rel}: {e}"))
    }

    fn text(rel: &str) -> String {
        String::from_utf8(read(rel)).unwrap_or_else(|e| panic!("{rel}: {e}"))
    }

    /// The three fixture CRLs as one PEM text; business-ca's, which revokes `revoked`, last.
    fn crl_bundle() -> String {
        ["root", "gov-ca", "business-ca"]
            .map(|ca| text(&format!("pki/{ca}.crl.pem")))
            .concat()
    }

    fn signed_by_revoked() -> Vec<u8> {
        let signer =
            KeyFileSigner::from_pkcs12(&read("pki/revoked.p12"), "kyso-test").expect("revoked.p12");
        let options = PdfSignOptions {
            policy: SigningPolicy {
                signing_time: Some(time::macros::datetime!(2026-01-01 00:00 UTC)),
                ..SigningPolicy::default()
            },
            ..PdfSignOptions::default()
        };
        crate::pdf::sign_pdf(&read("docs/simple.pdf"), &signer, &options).expect("sign")
    }

    /// `kyso_verify` as a C caller makes it: status, and the report or the last error.
    fn c_verify(doc: &[u8], options: &serde_json::Value) -> (c_int, String) {
        let options = CString::new(options.to_string()).expect("no NUL");
        let mut report: *mut c_char = std::ptr::null_mut();
        // SAFETY: valid buffers, a NUL-terminated string and a writable out-pointer.
        let status = unsafe { kyso_verify(doc.as_ptr(), doc.len(), options.as_ptr(), &mut report) };
        if report.is_null() {
            // SAFETY: kyso_last_error returns this thread's NUL-terminated message.
            let message = unsafe { CStr::from_ptr(kyso_last_error()) };
            return (status, message.to_string_lossy().into_owned());
        }
        // SAFETY: kyso wrote a NUL-terminated report, freed once here.
        let json = unsafe { CStr::from_ptr(report) }
            .to_string_lossy()
            .into_owned();
        // SAFETY: returned by kyso_verify, not freed yet.
        unsafe { kyso_free(report.cast()) };
        (status, json)
    }

    #[test]
    fn every_crl_of_a_bundle_reaches_verification() {
        let doc = signed_by_revoked();
        let dir = tempfile::tempdir().expect("tmp");
        let path = dir.path().join("crls.pem");
        std::fs::write(&path, crl_bundle()).expect("write");
        for crl in [
            crl_bundle(),
            path.to_string_lossy().into_owned(),
            // base64: DER takes one CRL per value.
            format!(
                "base64:{}",
                base64::Engine::encode(
                    &base64::engine::general_purpose::STANDARD,
                    read("pki/business-ca.crl")
                )
            ),
        ] {
            let options = serde_json::json!({
                "trust": [fixture("pki/root.pem")],
                "crl": [crl],
                "at": "2026-01-01T00:00:00Z",
                "revocation": "require",
            });
            let (status, json) = c_verify(&doc, &options);
            let report: serde_json::Value = serde_json::from_str(&json).expect(&json);
            let sig = &report["signatures"][0];
            assert_eq!(sig["revocation"]["status"], "revoked", "{report:#}");
            assert_eq!(sig["sub_indication"], "REVOKED_NO_POE", "{report:#}");
            assert_eq!(status, 2);
        }
    }

    #[test]
    fn bad_option_values_are_errors_naming_value_and_block() {
        let doc = signed_by_revoked();
        // Bad base64 in the second block of the bundle.
        let begin = "-----BEGIN X509 CRL-----\n";
        let bundle = crl_bundle();
        let mut parts: Vec<String> = bundle.split(begin).map(str::to_owned).collect();
        parts[2].insert_str(0, "!!!!\n");
        let broken = parts.join(begin);
        let with_key = text("pki/root.pem") + &text("pki/root.key.pem");
        for (options, expected) in [
            (
                serde_json::json!({"crl": [crl_bundle(), broken]}),
                "crl[1]: block 2 (X509 CRL): malformed PEM: base64",
            ),
            (
                serde_json::json!({"ocsp": [crl_bundle()]}),
                "ocsp[0]: block 1 (X509 CRL): not an OCSP response",
            ),
            (
                serde_json::json!({"trust": [with_key]}),
                "trust[0]: block 2 (PRIVATE KEY): not a certificate",
            ),
            (
                serde_json::json!({"certificates": ["base64:"]}),
                "--cert[0]: empty",
            ),
            (
                serde_json::json!({"crl": [fixture("pki/no-such.crl")]}),
                "no-such.crl: ",
            ),
        ] {
            let (status, message) = c_verify(&doc, &options);
            assert_eq!(status, STATUS_ERROR, "{options}: {message}");
            assert!(message.contains(expected), "{options}: {message}");
        }
    }

    fn last_error() -> String {
        // SAFETY: kyso_last_error returns this thread's NUL-terminated message.
        unsafe { CStr::from_ptr(kyso_last_error()) }
            .to_string_lossy()
            .into_owned()
    }

    #[test]
    fn out_pointers_are_cleared_before_any_work() {
        let stale = 0x1234usize as *mut c_char;
        let mut report = stale;
        let options = CString::new("{\"no_such\": 1}").expect("no NUL");
        // SAFETY: a valid buffer, a NUL-terminated string and a writable out-pointer.
        let status = unsafe { kyso_verify(b"x".as_ptr(), 1, options.as_ptr(), &mut report) };
        assert_eq!(status, STATUS_ERROR);
        assert!(
            report.is_null(),
            "a failed call must not leave the caller's stale pointer"
        );
        assert!(
            last_error().contains("unknown field `no_such`"),
            "{}",
            last_error()
        );

        let (mut out, mut out_len) = (0x1234usize as *mut u8, 99usize);
        // SAFETY: as above; the options name no key, so signing fails after the reset.
        let status =
            unsafe { kyso_sign_pdf(b"x".as_ptr(), 1, std::ptr::null(), &mut out, &mut out_len) };
        assert_eq!(status, STATUS_ERROR);
        assert!(out.is_null() && out_len == 0);

        // A null out-pointer is refused before the document is looked at: the document
        // pointer here is null with a length, which would be the error otherwise.
        // SAFETY: kyso must not dereference anything when the out-pointer is null.
        let status =
            unsafe { kyso_verify(std::ptr::null(), 10, std::ptr::null(), std::ptr::null_mut()) };
        assert_eq!(status, STATUS_ERROR);
        assert!(
            last_error().contains("report_json is a null pointer"),
            "{}",
            last_error()
        );
    }

    #[test]
    fn a_token_key_in_the_options_reaches_the_token_code() {
        let doc = read("docs/simple.pdf");
        let options = CString::new(
            r#"{"key": {"pkcs11_module": "/no/such/libvendor-pkcs11.so", "token_label": "VNPT-CA",
                "key_label": "leader", "pin_env": "KYSO_TOKEN_PIN"}}"#,
        )
        .expect("options");
        let (mut out, mut out_len) = (std::ptr::null_mut(), 0usize);
        // SAFETY: valid document, NUL-terminated options, writable out-pointers.
        let status = unsafe {
            kyso_sign_pdf(
                doc.as_ptr(),
                doc.len(),
                options.as_ptr(),
                &mut out,
                &mut out_len,
            )
        };
        assert_eq!(status, STATUS_ERROR);
        assert!(out.is_null());
        let message = last_error();
        let expected = if cfg!(feature = "pkcs11") {
            "PKCS#11: module /no/such/libvendor-pkcs11.so: no such file"
        } else {
            "no PKCS#11 support"
        };
        assert!(message.contains(expected), "{message}");
    }

    #[test]
    fn an_expired_prepared_state_is_refused() {
        let doc = read("docs/simple.pdf");
        let chain = text("pki/leader.pem") + &text("pki/gov-ca.pem");
        let options = serde_json::json!({"cert": chain, "expires_in": 0}).to_string();
        let options = CString::new(options).expect("options");
        let mut prepared: *mut c_char = std::ptr::null_mut();
        // SAFETY: valid document, NUL-terminated options, writable out-pointer.
        let status =
            unsafe { kyso_prepare(doc.as_ptr(), doc.len(), options.as_ptr(), &mut prepared) };
        assert_eq!(status, 0, "{}", last_error());
        // SAFETY: kyso returned a NUL-terminated string, freed once below.
        let json = unsafe { CStr::from_ptr(prepared) }.to_owned();
        // SAFETY: returned by kyso_prepare, not freed before.
        unsafe { kyso_free(prepared.cast()) };
        let (mut out, mut out_len) = (std::ptr::null_mut(), 0usize);
        let signature = [0u8; 256];
        // SAFETY: valid pointers and lengths throughout.
        let status = unsafe {
            kyso_finish(
                json.as_ptr(),
                doc.as_ptr(),
                doc.len(),
                signature.as_ptr(),
                signature.len(),
                &mut out,
                &mut out_len,
            )
        };
        assert_eq!(status, STATUS_ERROR);
        assert!(out.is_null());
        assert!(last_error().contains("expired"), "{}", last_error());
    }

    #[test]
    fn lengths_no_buffer_can_have_are_refused() {
        let mut report: *mut c_char = std::ptr::null_mut();
        let byte = 0u8;
        // SAFETY: kyso refuses the length before forming a slice from the pointer.
        let status = unsafe { kyso_verify(&byte, usize::MAX, std::ptr::null(), &mut report) };
        assert_eq!(status, STATUS_ERROR);
        assert!(report.is_null());
        assert!(
            last_error().contains("larger than any buffer"),
            "{}",
            last_error()
        );
    }

    #[test]
    fn errors_speak_the_language_of_the_options() {
        let mut report: *mut c_char = std::ptr::null_mut();
        let options = CString::new(r#"{"lang": "vi", "crl": ["/no/such.crl"]}"#).expect("no NUL");
        // SAFETY: valid buffers, a NUL-terminated string and a writable out-pointer.
        let status = unsafe { kyso_verify(b"x".as_ptr(), 1, options.as_ptr(), &mut report) };
        assert_eq!(status, STATUS_ERROR);
        let message = last_error();
        assert!(
            message.starts_with("tùy chọn không hợp lệ: --crl /no/such.crl"),
            "{message}"
        );
    }

    #[test]
    fn reports_render_in_vietnamese() {
        let (_, json) = c_verify(&read("docs/simple.pdf"), &serde_json::json!({}));
        let report = CString::new(json).expect("no NUL");
        let lang = CString::new("vi").expect("no NUL");
        let mut text: *mut c_char = std::ptr::null_mut();
        // SAFETY: NUL-terminated strings and a writable out-pointer.
        let status = unsafe { kyso_render(report.as_ptr(), lang.as_ptr(), &mut text) };
        assert_eq!(status, 0, "{}", last_error());
        // SAFETY: kyso wrote a NUL-terminated string, freed once here.
        let rendered = unsafe { CStr::from_ptr(text) }
            .to_string_lossy()
            .into_owned();
        // SAFETY: returned by kyso_render, not freed yet.
        unsafe { kyso_free(text.cast()) };
        assert!(rendered.contains("KHÔNG CÓ CHỮ KÝ"), "{rendered}");
        let bad = CString::new("fr").expect("no NUL");
        // SAFETY: as above.
        let status = unsafe { kyso_render(report.as_ptr(), bad.as_ptr(), &mut text) };
        assert_eq!(status, STATUS_ERROR);
        assert!(text.is_null());
    }

    unsafe extern "C" fn count_progress(user_data: *mut c_void, done: usize, total: usize) {
        // SAFETY: the test passes a pointer to its own Vec, alive for the call.
        let seen = unsafe { &mut *user_data.cast::<Vec<(usize, usize)>>() };
        seen.push((done, total));
    }

    #[test]
    fn a_directory_is_verified_as_json_lines_in_order_with_progress() {
        let dir = fixture("docs");
        let paths = [CString::new(dir.as_str()).expect("no NUL")];
        let pointers: Vec<*const c_char> = paths.iter().map(|p| p.as_ptr()).collect();
        let options = CString::new(r#"{"jobs": 2}"#).expect("no NUL");
        let mut seen: Vec<(usize, usize)> = Vec::new();
        let mut lines: *mut c_char = std::ptr::null_mut();
        // SAFETY: an array of NUL-terminated strings, a callback with its user data, and a
        // writable out-pointer, all alive for the call.
        let status = unsafe {
            kyso_verify_many(
                pointers.as_ptr(),
                pointers.len(),
                options.as_ptr(),
                Some(count_progress),
                (&mut seen as *mut Vec<(usize, usize)>).cast(),
                &mut lines,
            )
        };
        // SAFETY: kyso wrote a NUL-terminated string, freed once here.
        let jsonl = unsafe { CStr::from_ptr(lines) }
            .to_string_lossy()
            .into_owned();
        // SAFETY: returned by kyso_verify_many, not freed yet.
        unsafe { kyso_free(lines.cast()) };
        let expected = crate::batch::collect_files(&[dir]).expect("fixture documents");
        let files: Vec<String> = jsonl
            .lines()
            .map(|l| serde_json::from_str::<serde_json::Value>(l).expect(l)["file"].to_string())
            .collect();
        let expected_files: Vec<String> = expected
            .iter()
            .map(|p| serde_json::Value::from(p.display().to_string()).to_string())
            .collect();
        assert_eq!(files, expected_files);
        let n = expected.len();
        assert_eq!(seen, (1..=n).map(|d| (d, n)).collect::<Vec<_>>());
        // The fixture documents are unsigned.
        assert_eq!(status, 3, "{jsonl}");
    }
}
