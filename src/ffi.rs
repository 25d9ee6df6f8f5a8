//! The C ABI: buffers in, buffers out, options and reports as UTF-8 JSON.
//!
//! Every entry point returns the CLI's exit codes as its status (0 passed/ok, 1 failed,
//! 2 indeterminate, 3 no signature, 4 error), catches panics, and leaves a message for
//! `kyso_last_error()` on this thread. Memory kyso returns through an out-pointer is freed
//! with `kyso_free`. No global mutable state: the last error is thread-local.

use std::cell::RefCell;
use std::ffi::{CStr, CString, c_char, c_int, c_void};
use std::panic::{AssertUnwindSafe, catch_unwind};

use serde::Deserialize;

use crate::crypto::{KeyFileSigner, Signer};
use crate::error::{Error, Format};
use crate::pdf::{Appearance, PdfSignOptions, PreparedPdf, SubFilter};
use crate::pki::{Certificate, TrustStore, bundle};
use crate::policy::{RevocationMode, SigningPolicy, ValidationPolicy};
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

/// Runs an entry point: clears the last error, catches panics, maps errors to status 4.
fn guard(f: impl FnOnce() -> Result<c_int, Error>) -> c_int {
    set_last_error("");
    match catch_unwind(AssertUnwindSafe(f)) {
        Ok(Ok(status)) => status,
        Ok(Err(e)) => {
            set_last_error(&e.to_string());
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

/// Borrows a caller's buffer; null with a non-zero length is an error.
///
/// # Safety
/// `ptr` must point to `len` readable bytes for the duration of the call.
unsafe fn input<'a>(ptr: *const u8, len: usize, what: &str) -> Result<&'a [u8], Error> {
    if ptr.is_null() {
        return if len == 0 {
            Ok(&[])
        } else {
            Err(bad(&format!("{what} is a null pointer")))
        };
    }
    // SAFETY: the caller promises `len` readable bytes at `ptr`, alive for this call.
    Ok(unsafe { std::slice::from_raw_parts(ptr, len) })
}

/// Reads an optional NUL-terminated UTF-8 string (null means empty options).
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

fn write_string(out: *mut *mut c_char, s: &str) -> Result<(), Error> {
    if out.is_null() {
        return Err(bad("the output pointer is null"));
    }
    let p = export(s.as_bytes(), true)?;
    // SAFETY: `out` is non-null and the caller promises it is writable.
    unsafe { *out = p as *mut c_char };
    Ok(())
}

fn write_bytes(out: *mut *mut u8, out_len: *mut usize, bytes: &[u8]) -> Result<(), Error> {
    if out.is_null() || out_len.is_null() {
        return Err(bad("an output pointer is null"));
    }
    let p = export(bytes, false)?;
    // SAFETY: both pointers are non-null and the caller promises they are writable.
    unsafe {
        *out = p;
        *out_len = bytes.len();
    }
    Ok(())
}

/// Verify and inspect options (the CLI's long option names).
#[derive(Deserialize, Default)]
#[serde(default, deny_unknown_fields)]
struct VerifyJson {
    trust: Vec<String>,
    crl: Vec<String>,
    ocsp: Vec<String>,
    at: Option<String>,
    revocation: Option<RevocationMode>,
    online: bool,
    lang: Option<String>,
    no_pinned_roots: bool,
    password: Option<String>,
    /// Intermediate certificates that may complete chains (not trusted by themselves).
    certificates: Vec<String>,
    /// SHA-1 fails and e-invoice tax-code mismatches fail.
    strict: bool,
}

fn parse_json<'a, T: Deserialize<'a> + Default>(text: Option<&'a str>) -> Result<T, Error> {
    match text {
        None => Ok(T::default()),
        Some(t) if t.trim().is_empty() => Ok(T::default()),
        Some(t) => {
            serde_json::from_str(t).map_err(|e| Error::malformed(Format::Json, e.to_string()))
        }
    }
}

/// Whether an option value is given inline (PEM text or `base64:` DER) rather than a path.
fn is_inline(value: &str) -> bool {
    value.contains("-----BEGIN") || value.starts_with("base64:")
}

/// An option value given as PEM text, base64 DER (prefixed `base64:`), or a file path, and
/// the name messages give it: the path, or `field[i]` for an inline value.
fn load_value(value: &str, field: &str, index: usize) -> Result<(Vec<u8>, String), Error> {
    use base64::Engine;
    let inline_name = || format!("{field}[{index}]");
    if value.contains("-----BEGIN") {
        Ok((value.as_bytes().to_vec(), inline_name()))
    } else if let Some(b64) = value.strip_prefix("base64:") {
        let der = base64::engine::general_purpose::STANDARD
            .decode(b64.trim())
            .map_err(|e| bad(&format!("{}: base64: {e}", inline_name())))?;
        Ok((der, inline_name()))
    } else {
        let data = std::fs::read(value).map_err(|e| bad(&format!("{value}: {e}")))?;
        Ok((data, value.to_string()))
    }
}

/// Every object of every value of an option array, each value read whole (every PEM block
/// must parse as the option's kind; see `pki::bundle`).
fn load_all<T>(
    values: &[String],
    field: &str,
    read: impl Fn(&[u8], &str) -> Result<Vec<T>, Error>,
) -> Result<Vec<T>, Error> {
    let mut all = Vec::new();
    for (i, value) in values.iter().enumerate() {
        let (data, name) = load_value(value, field, i)?;
        all.extend(read(&data, &name)?);
    }
    Ok(all)
}

fn parse_time(at: Option<&str>) -> Result<Option<time::OffsetDateTime>, Error> {
    at.map(|s| {
        time::OffsetDateTime::parse(s, &time::format_description::well_known::Rfc3339)
            .map_err(|e| bad(&format!("at {s}: {e}")))
    })
    .transpose()
}

fn verify_options(j: &VerifyJson) -> Result<VerifyOptions, Error> {
    let mut trust = TrustStore::new();
    trust.set_pinned_roots(!j.no_pinned_roots);
    for (i, t) in j.trust.iter().enumerate() {
        if is_inline(t) {
            let (data, name) = load_value(t, "trust", i)?;
            bundle::certificates_from(&data, &name)?
                .into_iter()
                .for_each(|c| trust.add(c));
        } else {
            trust.add_path(t)?;
        }
    }
    Ok(VerifyOptions {
        trust,
        policy: ValidationPolicy {
            validation_time: parse_time(j.at.as_deref())?,
            revocation: j.revocation.unwrap_or_default(),
            online: j.online,
            weak_algorithms: if j.strict {
                crate::WeakAlgorithms::Reject
            } else {
                crate::WeakAlgorithms::Warn
            },
            strict_tax_code: j.strict,
            ..ValidationPolicy::default()
        },
        certificates: load_all(&j.certificates, "certificates", bundle::certificates_from)?,
        crls: load_all(&j.crl, "crl", bundle::crls_from)?,
        ocsp: load_all(&j.ocsp, "ocsp", bundle::ocsp_responses_from)?,
        fetch_cache: Default::default(),
    })
}

/// Reads verify options, checking what `VerifyOptions` does not hold.
fn parse_verify_options(options_json: Option<&str>) -> Result<VerifyOptions, Error> {
    let opts: VerifyJson = parse_json(options_json)?;
    if let Some(l) = &opts.lang
        && crate::render::Lang::from_code(l).is_none()
    {
        return Err(bad(&format!("lang {l}")));
    }
    verify_options(&opts)
}

/// Verifies `doc` and hands its JSON report to the caller.
fn verify_into(
    doc: &[u8],
    options: &VerifyOptions,
    report_json: *mut *mut c_char,
) -> Result<c_int, Error> {
    let report = crate::verify(doc, options)?;
    let json = serde_json::to_string(&report).map_err(|e| bad(&e.to_string()))?;
    write_string(report_json, &json)?;
    Ok(report.exit_code())
}

/// Verifies a PDF or XML document. `report_json` receives the JSON report (free it with
/// `kyso_free`). Returns the worst indication as an exit code.
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
    guard(|| {
        // SAFETY: forwarded caller guarantees (see the function's safety section).
        let doc = unsafe { input(doc, doc_len, "doc") }?;
        // SAFETY: as above.
        let options = parse_verify_options(unsafe { text(options_json, "options_json") }?)?;
        verify_into(doc, &options, report_json)
    })
}

/// Verify options read once — trust anchors, intermediates, CRLs, OCSP responses, policy —
/// for many documents. Made by `kyso_verifier_new`, used by `kyso_verifier_verify` (from any
/// number of threads at once), released by `kyso_verifier_free`.
pub struct KysoVerifier {
    options: VerifyOptions,
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
    guard(|| {
        if verifier.is_null() {
            return Err(bad("verifier is null"));
        }
        // SAFETY: the caller passes null or a NUL-terminated string.
        let options = parse_verify_options(unsafe { text(options_json, "options_json") }?)?;
        let boxed = Box::into_raw(Box::new(KysoVerifier { options }));
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
    guard(|| {
        // SAFETY: the caller passes null or a live verifier from kyso_verifier_new.
        let verifier = unsafe { verifier.as_ref() }.ok_or_else(|| bad("verifier is null"))?;
        // SAFETY: forwarded caller guarantee.
        let doc = unsafe { input(doc, doc_len, "doc") }?;
        verify_into(doc, &verifier.options, report_json)
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
        // SAFETY: made by Box::into_raw in kyso_verifier_new and given back once.
        drop(unsafe { Box::from_raw(verifier) });
    }
}

/// The verifier is shared between threads by reference.
const _: () = {
    const fn shareable<T: Send + Sync>() {}
    shareable::<KysoVerifier>();
};

/// Inspects a certificate, bundle or PKCS#12 (`{"password": …, "trust": […], "at": …}`).
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
    guard(|| {
        // SAFETY: forwarded caller guarantees.
        let data = unsafe { input(data, len, "data") }?;
        // SAFETY: as above.
        let opts: VerifyJson = parse_json(unsafe { text(options_json, "options_json") }?)?;
        let options = crate::inspect::InspectOptions {
            password: opts.password.clone(),
            trust: if opts.trust.is_empty() {
                None
            } else {
                Some(verify_options(&opts)?.trust)
            },
            policy: ValidationPolicy {
                validation_time: parse_time(opts.at.as_deref())?,
                ..ValidationPolicy::default()
            },
        };
        let report = crate::inspect::inspect(data, &options)?;
        let json = serde_json::to_string(&report).map_err(|e| bad(&e.to_string()))?;
        write_string(report_json, &json)?;
        Ok(report.exit_code())
    })
}

/// The key of a sign call.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct KeyJson {
    p12_path: Option<String>,
    p12_base64: Option<String>,
    key_pem: Option<String>,
    chain_pem: Option<String>,
    password: Option<String>,
}

/// Sign options (the CLI's long option names).
#[derive(Deserialize, Default)]
#[serde(default, deny_unknown_fields)]
struct SignJson {
    key: Option<KeyJson>,
    /// Certificates (PEM, signer first) for `kyso_prepare` without a key.
    certificates_pem: Option<String>,
    level: Option<String>,
    tsa: Option<String>,
    appearance: Option<String>,
    /// PNG for a leader or seal appearance: a file path, or the file in base64.
    image_path: Option<String>,
    image_base64: Option<String>,
    /// `[x, y, w, h]` of a visible signature, in PDF points.
    rect: Option<[f64; 4]>,
    reason: Option<String>,
    location: Option<String>,
    field: Option<String>,
    page: Option<u32>,
    certify: Option<u8>,
    pkcs7: bool,
    digest: Option<String>,
    pss: bool,
    signing_time: Option<String>,
    /// XML: dsig, einvoice or xades.
    profile: Option<crate::xml::Profile>,
    /// XML: enveloped, enveloping or detached.
    mode: Option<crate::xml::Mode>,
    /// XML: Id of the element to sign.
    #[serde(rename = "ref")]
    reference: Option<String>,
    /// XML: path of the Signature's parent.
    parent: Option<String>,
    /// XML: the whole chain in KeyInfo.
    include_chain: bool,
    /// PDF B-LT/B-LTA: CRLs and OCSP responses to embed (paths, PEM or base64:).
    crl: Vec<String>,
    /// See `crl`.
    ocsp: Vec<String>,
    /// PDF B-LT/B-LTA: fetch revocation data over the network.
    online: bool,
}

fn signer_from(j: &SignJson) -> Result<KeyFileSigner, Error> {
    use base64::Engine;
    let key = j.key.as_ref().ok_or_else(|| bad("options need a key"))?;
    let password = key.password.as_deref();
    let signer = if let Some(path) = &key.p12_path {
        KeyFileSigner::from_pkcs12(&std::fs::read(path)?, password.unwrap_or(""))?
    } else if let Some(b64) = &key.p12_base64 {
        let der = base64::engine::general_purpose::STANDARD
            .decode(b64.trim())
            .map_err(|e| bad(&format!("p12_base64: {e}")))?;
        KeyFileSigner::from_pkcs12(&der, password.unwrap_or(""))?
    } else if let Some(pem) = &key.key_pem {
        KeyFileSigner::from_pem(
            pem.as_bytes(),
            password,
            key.chain_pem.as_deref().unwrap_or("").as_bytes(),
        )?
    } else {
        return Err(bad("key needs p12_path, p12_base64 or key_pem"));
    };
    Ok(if j.pss { signer.with_rsa_pss() } else { signer })
}

fn xml_options(j: &SignJson) -> Result<crate::xml::XmlSignOptions, Error> {
    Ok(crate::xml::XmlSignOptions {
        profile: j.profile.unwrap_or_default(),
        mode: j.mode.unwrap_or_default(),
        reference: j.reference.clone(),
        parent: j.parent.clone(),
        digest: match &j.digest {
            Some(d) => crate::DigestAlgorithm::from_name(d)?,
            None => crate::DigestAlgorithm::Sha256,
        },
        signing_time: parse_time(j.signing_time.as_deref())?,
        include_chain: j.include_chain,
        xades: crate::xml::XadesOptions {
            tsa_url: j.tsa.clone(),
            ..Default::default()
        },
        ..Default::default()
    })
}

/// `appearance` with `image_path` / `image_base64`: leader and seal need an image.
fn appearance_from(j: &SignJson) -> Result<Appearance, Error> {
    use base64::Engine;
    let image = match (&j.image_path, &j.image_base64) {
        (Some(_), Some(_)) => return Err(bad("give image_path or image_base64, not both")),
        (Some(path), None) => Some(std::fs::read(path)?),
        (None, Some(b64)) => Some(
            base64::engine::general_purpose::STANDARD
                .decode(b64.trim())
                .map_err(|e| bad(&format!("image_base64: {e}")))?,
        ),
        (None, None) => None,
    };
    match (j.appearance.as_deref(), image) {
        (Some("leader"), Some(image)) => Ok(Appearance::Leader { image }),
        (Some("seal"), Some(image)) => Ok(Appearance::Seal { image }),
        (Some("leader" | "seal"), None) => Err(bad(
            "appearance leader and seal need image_path or image_base64",
        )),
        (None | Some("none" | "copy"), Some(_)) => {
            Err(bad("an image goes with appearance leader or seal"))
        }
        (Some("copy"), None) => Ok(Appearance::Copy { lines: None }),
        (None | Some("none"), None) => Ok(Appearance::None),
        (Some(other), _) => Err(bad(&format!(
            "appearance {other} (leader, seal, copy or none)"
        ))),
    }
}

fn pdf_options(j: &SignJson) -> Result<PdfSignOptions, Error> {
    let appearance = appearance_from(j)?;
    match j.level.as_deref() {
        None | Some("B-B") => {}
        Some("B-T" | "B-LT" | "B-LTA") if j.tsa.is_some() => {}
        Some("B-T" | "B-LT" | "B-LTA") => return Err(bad("levels B-T, B-LT and B-LTA need tsa")),
        Some(other) => return Err(bad(&format!("level {other} (B-B, B-T, B-LT or B-LTA)"))),
    }
    Ok(PdfSignOptions {
        policy: SigningPolicy {
            digest: match &j.digest {
                Some(d) => crate::DigestAlgorithm::from_name(d)?,
                None => crate::DigestAlgorithm::Sha256,
            },
            signing_time: parse_time(j.signing_time.as_deref())?,
            ..SigningPolicy::default()
        },
        sub_filter: if j.pkcs7 {
            SubFilter::Pkcs7Detached
        } else {
            SubFilter::CadesDetached
        },
        field_name: j.field.clone(),
        page: j.page,
        appearance,
        rect: j.rect,
        reason: j.reason.clone(),
        location: j.location.clone(),
        certify: j.certify,
        timestamp_url: j.tsa.clone(),
        ..PdfSignOptions::default()
    })
}

/// Signs a PDF. `out`/`out_len` receive the signed document (free with `kyso_free`).
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
    unsafe {
        sign_call(
            doc,
            doc_len,
            options_json,
            out,
            out_len,
            |doc, opts, signer| {
                let options = pdf_options(opts)?;
                // The revocation data to embed is read (every block) before anything is signed.
                let level = match opts.level.as_deref() {
                    Some("B-LT") => crate::pdf::LtvLevel::Lt,
                    Some("B-LTA") => crate::pdf::LtvLevel::Lta,
                    _ => return crate::pdf::sign_pdf(doc, signer, &options),
                };
                let extend = crate::pdf::ExtendOptions {
                    level,
                    tsa_url: opts.tsa.clone(),
                    crls: load_all(&opts.crl, "crl", bundle::crls_from)?
                        .iter()
                        .map(|c| c.der().to_vec())
                        .collect(),
                    ocsp: load_all(&opts.ocsp, "ocsp", bundle::ocsp_responses_from)?
                        .iter()
                        .map(|o| o.der().to_vec())
                        .collect(),
                    online: opts.online,
                    ..Default::default()
                };
                let signed = crate::pdf::sign_pdf(doc, signer, &options)?;
                crate::pdf::extend_pdf(&signed, &extend)
            },
        )
    }
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
    unsafe {
        sign_call(
            doc,
            doc_len,
            options_json,
            out,
            out_len,
            |doc, opts, signer| crate::xml::sign_xml(doc, signer, &xml_options(opts)?),
        )
    }
}

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
    sign: impl FnOnce(&[u8], &SignJson, &KeyFileSigner) -> Result<Vec<u8>, Error>,
) -> c_int {
    guard(|| {
        // SAFETY: forwarded caller guarantees.
        let doc = unsafe { input(doc, doc_len, "doc") }?;
        // SAFETY: as above.
        let opts: SignJson = parse_json(unsafe { text(options_json, "options_json") }?)?;
        let signer = signer_from(&opts)?;
        let signed = sign(doc, &opts, &signer)?;
        write_bytes(out, out_len, &signed)?;
        Ok(0)
    })
}

/// Prepares a signature for a key held elsewhere: `prepared_json` receives
/// `{"format": "pdf", "digest": hex, "algorithm": …, "state": …}`; sign `digest` and call
/// `kyso_finish`. Options give `certificates_pem` (or a key, whose certificates are used).
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
    guard(|| {
        // SAFETY: forwarded caller guarantees.
        let doc = unsafe { input(doc, doc_len, "doc") }?;
        // SAFETY: as above.
        let opts: SignJson = parse_json(unsafe { text(options_json, "options_json") }?)?;
        let digest = match &opts.digest {
            Some(d) => crate::DigestAlgorithm::from_name(d)?,
            None => crate::DigestAlgorithm::Sha256,
        };
        let (chain, algorithm) = match (&opts.certificates_pem, &opts.key) {
            (Some(pem), _) => {
                let chain = bundle::certificates_from(pem.as_bytes(), "certificates_pem")?;
                let kind = chain.first().and_then(|c| c.key_kind());
                let scheme = match kind {
                    Some(crate::crypto::KeyKind::Ec { .. }) => {
                        crate::crypto::SignatureScheme::Ecdsa
                    }
                    _ if opts.pss => crate::crypto::SignatureScheme::RsaPss,
                    _ => crate::crypto::SignatureScheme::RsaPkcs1v15,
                };
                let alg = crate::crypto::SignatureAlgorithm::new(scheme, digest);
                (chain, alg)
            }
            (None, Some(_)) => {
                let signer = signer_from(&opts)?;
                let chain = signer
                    .certificate_chain()
                    .iter()
                    .map(|d| Certificate::from_der(d))
                    .collect::<Result<Vec<_>, _>>()?;
                (chain, signer.signature_algorithm(digest))
            }
            (None, None) => return Err(bad("options need certificates_pem or a key")),
        };
        match crate::detect_format(doc) {
            Some(crate::Detected::Pdf) => {
                let prepared =
                    crate::pdf::prepare_pdf(doc, &chain, algorithm, &pdf_options(&opts)?)?;
                write_prepared(
                    prepared_json,
                    "pdf",
                    &prepared.digest,
                    prepared.algorithm,
                    &prepared,
                )
            }
            Some(crate::Detected::Xml) => {
                let mut xml = xml_options(&opts)?;
                xml.scheme = Some(algorithm.scheme);
                let prepared = crate::xml::prepare_xml(doc, &chain, &xml)?;
                write_prepared(
                    prepared_json,
                    "xml",
                    &prepared.digest,
                    prepared.algorithm,
                    &prepared,
                )
            }
            None => Err(Error::Unsupported(
                "the document is neither PDF nor XML".into(),
            )),
        }
    })
}

/// Writes the prepared state as `{"format", "digest" (hex), "algorithm", "state"}`.
fn write_prepared(
    out: *mut *mut c_char,
    format: &str,
    digest: &[u8],
    algorithm: crate::crypto::SignatureAlgorithm,
    state: &impl serde::Serialize,
) -> Result<c_int, Error> {
    let json = serde_json::json!({
        "format": format,
        "digest": hex::encode(digest),
        "algorithm": algorithm,
        "state": state,
    });
    write_string(out, &json.to_string())?;
    Ok(0)
}

/// Finishes a prepared signature with a raw signature value over the prepared digest
/// (PKCS#1 for RSA; DER or r‖s for ECDSA).
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
    guard(|| {
        // SAFETY: forwarded caller guarantees.
        let prepared = unsafe { text(prepared_json, "prepared_json") }?
            .ok_or_else(|| bad("prepared_json is null"))?;
        // SAFETY: as above.
        let doc = unsafe { input(doc, doc_len, "doc") }?;
        // SAFETY: as above.
        let signature = unsafe { input(signature, signature_len, "signature") }?;
        #[derive(Deserialize)]
        struct Envelope {
            format: String,
            state: serde_json::Value,
        }
        let env: Envelope = serde_json::from_str(prepared)
            .map_err(|e| Error::malformed(Format::Json, e.to_string()))?;
        match env.format.as_str() {
            "pdf" => {
                let state: PreparedPdf = serde_json::from_value(env.state)
                    .map_err(|e| Error::malformed(Format::Json, e.to_string()))?;
                let signed = crate::pdf::finish_pdf(&state, doc, signature)?;
                write_bytes(out, out_len, &signed)?;
                Ok(0)
            }
            "xml" => {
                let state: crate::xml::PreparedXml = serde_json::from_value(env.state)
                    .map_err(|e| Error::malformed(Format::Json, e.to_string()))?;
                let signed = crate::xml::finish_xml(state, doc, signature)?;
                write_bytes(out, out_len, &signed)?;
                Ok(0)
            }
            other => Err(Error::Unsupported(format!("prepared format {other}"))),
        }
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
                "certificates[0]: empty",
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
}
