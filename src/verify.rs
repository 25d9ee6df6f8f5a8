//! One entry point for every format: sniff the document, verify it, and turn unreadable or
//! unsafe input into a failed report (exit code 1) rather than an error.

use std::path::Path;

use crate::error::{Error, Result};
use crate::report::{DocumentFormat, Indication, SignatureReport, SubIndication, ValidationReport};
use crate::validation::VerifyOptions;

/// A document format kyso can verify.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Detected {
    /// A PDF file.
    Pdf,
    /// An XML document.
    Xml,
}

/// Guesses the format from the first bytes: `%PDF-` within the first KiB (as readers
/// accept), `<` after an optional byte order mark and white space, or UTF-16 XML (a UTF-16
/// byte order mark, or `<?` encoded in UTF-16).
pub fn detect_format(head: &[u8]) -> Option<Detected> {
    let window = &head[..head.len().min(1024)];
    if window.windows(5).any(|w| w == b"%PDF-") {
        return Some(Detected::Pdf);
    }
    // UTF-16 XML (a byte order mark, or `<?` in UTF-16), as some .NET tools write it.
    if crate::xml::parse::utf16_of(window).is_some() {
        return Some(Detected::Xml);
    }
    let text = window.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(window);
    if text.trim_ascii_start().starts_with(b"<") {
        return Some(Detected::Xml);
    }
    None
}

/// Verifies a PDF or XML document held in memory. An edXML package (QCVN 102:2016) is
/// verified as one, attachments included ([`crate::edxml::verify_package`]).
///
/// ```no_run
/// use kyso::validation::VerifyOptions;
/// let report = kyso::verify(&std::fs::read("signed.pdf")?, &VerifyOptions::default())?;
/// println!("{}", serde_json::to_string_pretty(&report)?);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn verify(document: &[u8], options: &VerifyOptions) -> Result<ValidationReport> {
    match detect_format(document) {
        Some(Detected::Pdf) => failed_on_bad_input(
            DocumentFormat::Pdf,
            crate::pdf::verify_pdf(document, options),
        ),
        Some(Detected::Xml) if crate::edxml::is_edxml(document) => {
            crate::edxml::verify_package(document, options)
        }
        Some(Detected::Xml) => {
            failed_on_bad_input(DocumentFormat::Xml, verify_xml(document, options))
        }
        None => Err(Error::Unsupported(
            "the input is neither PDF nor XML".into(),
        )),
    }
}

/// Verifies a file. PDFs are read in place (only the needed objects and the signed ranges,
/// in chunks), so memory does not grow with the file's size.
pub fn verify_file(path: &Path, options: &VerifyOptions) -> Result<ValidationReport> {
    let file = std::fs::File::open(path)?;
    let mut head = vec![0u8; 1024];
    let n = crate::pdf::Source::read_at(&file, 0, &mut head)?;
    head.truncate(n);
    let mut report = match detect_format(&head) {
        Some(Detected::Pdf) => {
            failed_on_bad_input(DocumentFormat::Pdf, crate::pdf::verify_pdf(file, options))?
        }
        Some(Detected::Xml) => {
            let len = file.metadata()?.len();
            if len > options.policy.limits.max_document_bytes {
                return Err(Error::LimitExceeded {
                    what: "document size",
                    limit: options.policy.limits.max_document_bytes,
                });
            }
            let bytes = std::fs::read(path)?;
            if crate::edxml::is_edxml(&bytes) {
                crate::edxml::verify_package(&bytes, options)?
            } else {
                failed_on_bad_input(DocumentFormat::Xml, verify_xml(&bytes, options))?
            }
        }
        None => {
            return Err(Error::Unsupported(format!(
                "{}: neither PDF nor XML",
                path.display()
            )));
        }
    };
    report.file = Some(path.display().to_string());
    Ok(report)
}

fn verify_xml(document: &[u8], options: &VerifyOptions) -> Result<ValidationReport> {
    crate::xml::verify_xml(document, options, &crate::xml::XmlVerifyOptions::default())
}

/// Malformed, oversized or unsafe input is a failed document, not an error: a verifier that
/// cannot read a signed file must say it is not valid.
fn failed_on_bad_input(
    format: DocumentFormat,
    result: Result<ValidationReport>,
) -> Result<ValidationReport> {
    match result {
        Err(e @ (Error::Malformed { .. } | Error::LimitExceeded { .. })) => {
            let mut s = SignatureReport::new("document", "unreadable");
            s.fail(
                Indication::TotalFailed,
                SubIndication::FormatFailure,
                e.to_string(),
            );
            Ok(ValidationReport::new(format, vec![s]))
        }
        other => other,
    }
}
