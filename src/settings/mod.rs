//! What a caller asks for: the one settings model behind the CLI, the C ABI and Python.
//!
//! Field names are the CLI's long option names (`--no-pinned-roots` is `no_pinned_roots`).
//! The CLI maps its arguments onto these types, the C ABI deserializes its options JSON into
//! them, and Python passes keyword arguments through to that JSON; unknown keys are an error
//! that names the key. Everything a front end would otherwise repeat — opening a key,
//! building verification options, the B-B → B-LTA orchestration — is here, once.
//!
//! | type | for |
//! |---|---|
//! | [`VerifySettings`] | `verify` (and [`crate::batch`]) |
//! | [`InspectSettings`] | `inspect` |
//! | [`SignSettings`], [`KeySource`] | `sign pdf`, `sign xml`, prepare |
//! | [`sign_many`] | many documents with one key opened once (one token login), in parallel |
//! | [`prepare`], [`finish`], [`Prepared`] | `prepare`/`finish`: signing with a key held elsewhere |
//! | [`ExtendSettings`] | `extend pdf` |
//!
//! ```no_run
//! use kyso::settings::{self, SignSettings, VerifySettings};
//!
//! let sign: SignSettings = settings::from_json(
//!     r#"{"key": {"p12_path": "leader.p12", "password": "kyso-test"}, "reason": "Phê duyệt"}"#,
//! )?;
//! let signed = settings::sign_pdf(&std::fs::read("quyet-dinh.pdf")?, &sign, None)?;
//! let verify: VerifySettings = settings::from_json(r#"{"trust": ["root.pem"], "lang": "vi"}"#)?;
//! let report = kyso::verify(&signed, &verify.verify_options()?)?;
//! print!("{}", kyso::render::render_text(&report, verify.lang));
//! # Ok::<(), kyso::Error>(())
//! ```

mod key;
mod many;
mod sign;
mod two_phase;
mod value;
mod verify;

pub use key::{KeySource, list_tokens, open_signer, open_token};
pub use many::{sign_many, sign_many_with};
pub use sign::{
    AppearanceKind, ExtendSettings, Level, SignSettings, extend_pdf, sign_pdf, sign_xml,
};
pub use two_phase::{
    DEFAULT_EXPIRES_IN, HashToSign, Prepared, PreparedDocument, finish, finish_file, now, prepare,
    prepare_file, signature_from, signature_from_base64,
};
pub use verify::{InspectSettings, VerifySettings};

use crate::error::{Error, Format, Result};

/// Reads settings from JSON text; empty text means the defaults. A key the type does not
/// know is an error naming it.
pub fn from_json<T: serde::de::DeserializeOwned + Default>(text: &str) -> Result<T> {
    if text.trim().is_empty() {
        return Ok(T::default());
    }
    serde_json::from_str(text).map_err(|e| Error::malformed(Format::Json, e.to_string()))
}
