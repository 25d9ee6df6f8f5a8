//! Option values that name material: a file path, PEM text, or DER as `base64:…`.
//!
//! The CLI passes paths, the C ABI and Python may pass the text itself; one reader serves
//! both so that every front end reads every PEM block the same way (see `pki::bundle`).

use std::path::Path;

use base64::Engine;

use crate::error::{Error, Result};

/// Whether a value is given inline (PEM text or `base64:` DER) rather than as a path.
pub(crate) fn is_inline(value: &str) -> bool {
    value.contains("-----BEGIN") || value.starts_with("base64:")
}

/// The bytes of one value and the name messages give it: the path, or `--option[i]` for an
/// inline value (which has no name of its own).
pub(crate) fn load(value: &str, option: &str, index: usize) -> Result<(Vec<u8>, String)> {
    let inline_name = || format!("--{option}[{index}]");
    if value.contains("-----BEGIN") {
        Ok((value.as_bytes().to_vec(), inline_name()))
    } else if let Some(b64) = value.strip_prefix("base64:") {
        let der = base64::engine::general_purpose::STANDARD
            .decode(b64.trim())
            .map_err(|e| invalid(format!("{}: base64: {e}", inline_name())))?;
        Ok((der, inline_name()))
    } else {
        let data = read_file(value, option)?;
        Ok((data, format!("--{option} {value}")))
    }
}

/// Reads a file named by an option; the message names the option and the path.
pub(crate) fn read_file(path: impl AsRef<Path>, option: &str) -> Result<Vec<u8>> {
    let path = path.as_ref();
    std::fs::read(path).map_err(|e| invalid(format!("--{option} {}: {e}", path.display())))
}

/// Decodes a `…_base64` option.
pub(crate) fn decode_base64(text: &str, option: &str) -> Result<Vec<u8>> {
    base64::engine::general_purpose::STANDARD
        .decode(text.trim())
        .map_err(|e| invalid(format!("{option}: {e}")))
}

/// Every object of every value of an option, each value read whole: every PEM block must
/// parse as the option's kind, and the first that does not is an error naming the value
/// and the block.
pub(crate) fn load_all<T>(
    values: &[String],
    option: &str,
    read: impl Fn(&[u8], &str) -> Result<Vec<T>>,
) -> Result<Vec<T>> {
    let mut all = Vec::new();
    for (i, value) in values.iter().enumerate() {
        let (data, name) = load(value, option, i)?;
        all.extend(read(&data, &name)?);
    }
    Ok(all)
}

/// Parses an RFC 3339 time given to `--option`.
pub(crate) fn parse_time(text: Option<&str>, option: &str) -> Result<Option<time::OffsetDateTime>> {
    text.map(|s| {
        time::OffsetDateTime::parse(s, &time::format_description::well_known::Rfc3339)
            .map_err(|e| invalid(format!("--{option} {s}: {e}")))
    })
    .transpose()
}

/// Shorthand for [`Error::InvalidOption`].
pub(crate) fn invalid(message: impl Into<String>) -> Error {
    Error::InvalidOption(message.into())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn inline_values_are_named_by_option_and_index() {
        let (_, name) = load("-----BEGIN X-----\n-----END X-----\n", "crl", 2).expect("pem");
        assert_eq!(name, "--crl[2]");
        let err = load("base64:%%%", "ocsp", 0).expect_err("bad base64");
        assert!(err.to_string().contains("--ocsp[0]: base64"), "{err}");
        let err = load("/no/such/file.crl", "crl", 0).expect_err("missing");
        assert!(
            err.to_string().contains("--crl /no/such/file.crl: "),
            "{err}"
        );
    }

    #[test]
    fn times_are_rfc3339_and_errors_name_the_option() {
        assert!(parse_time(Some("2026-01-01T00:00:00Z"), "at").is_ok());
        let err = parse_time(Some("yesterday"), "at").expect_err("not a time");
        assert!(err.to_string().contains("--at yesterday"), "{err}");
    }
}
