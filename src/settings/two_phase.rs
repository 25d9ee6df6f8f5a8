//! Signing in two phases for keys held elsewhere: [`prepare`] writes a state and the hash to
//! sign; a remote service or a token signs that hash; [`finish`] embeds the raw signature.
//!
//! The state ([`Prepared`], JSON) is a file the user carries between the two steps, so
//! `finish` trusts none of it without checking:
//!
//! - its `checksum` (SHA-256 over the rest of the state) must match, so a state edited by
//!   hand or damaged in transit is refused ([`StateError::Modified`]); the checksum is not a
//!   secret, so the checks below hold even for a state rewritten with a fresh checksum;
//! - the digest to sign is derived again from the state's own parts (PDF: the signed
//!   attributes), so the state cannot ask for a signature over one hash and embed another;
//! - the document must be the one prepared (SHA-256) ([`StateError::OtherDocument`]);
//! - the state expires `expires_in` seconds after prepare ([`StateError::Expired`]);
//! - the signature must have the length the certificate's key makes
//!   ([`StateError::SignatureLength`]) and verify with it over the prepared digest
//!   ([`StateError::SignatureMismatch`]),
//!
//! all before a byte of output exists.
//!
//! For RSA PKCS#1 v1.5 the raw signature is what `openssl pkeyutl -sign -pkeyopt
//! digest:sha256` returns over the hash; for ECDSA, DER (what openssl returns) or `r‖s` (what
//! tokens and most services return).

use base64::Engine;
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use super::sign::SignSettings;
use super::value::invalid;
use crate::crypto::{DigestAlgorithm, KeyKind, SignatureAlgorithm, SignatureScheme};
use crate::error::{Error, Format, Result, StateError};
use crate::pdf::PreparedPdf;
use crate::pki::Certificate;
use crate::xml::PreparedXml;

/// How long a state lives when `expires_in` is not given: long enough to confirm on a phone
/// (VNPT SmartCA and MySign ask within five minutes), short enough that a forgotten state is
/// not finished against a document nobody looks at any more.
pub const DEFAULT_EXPIRES_IN: u64 = 30 * 60;

/// The format-specific half of the state.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(tag = "format", content = "state", rename_all = "lowercase")]
pub enum PreparedDocument {
    /// A PDF signature laid out, `/Contents` still empty.
    Pdf(PreparedPdf),
    /// An XML Signature placed, `SignatureValue` still empty.
    Xml(PreparedXml),
}

/// The state between [`prepare`] and [`finish`]. Serialize it with `serde_json`; the field
/// names are a contract of the CLI's `--state` file and of `kyso_prepare`'s JSON.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Prepared {
    /// The document and its prepared signature.
    #[serde(flatten)]
    pub document: PreparedDocument,
    /// The hash to sign, hex.
    pub digest: String,
    /// The signature algorithm the signature must use.
    pub algorithm: SignatureAlgorithm,
    /// SHA-256 of the input document, hex.
    pub document_sha256: String,
    /// When prepare ran (RFC 3339).
    pub created_at: String,
    /// After this (RFC 3339) finish refuses the state.
    pub expires_at: String,
    /// SHA-256 (hex) over the JSON of every other field: edits show.
    pub checksum: String,
}

/// The hash a remote signer signs, as `kyso prepare --json` prints it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct HashToSign {
    /// The hash, hex.
    pub digest_hex: String,
    /// The hash, base64 (CSC's `hash` parameter, VNPT SmartCA's `data`).
    pub digest_base64: String,
    /// `sha256`, `sha384` or `sha512`.
    pub digest_algorithm: DigestAlgorithm,
    /// `sha256WithRSA`, `RSASSA-PSS-sha256` or `ecdsa-with-sha256`.
    pub signature_algorithm: String,
}

fn bad_json(e: serde_json::Error) -> Error {
    Error::malformed(Format::Json, e.to_string())
}

impl Prepared {
    /// The digest as bytes.
    pub fn digest_bytes(&self) -> Result<Vec<u8>> {
        hex::decode(&self.digest).map_err(|e| StateError::Modified(format!("digest: {e}")).into())
    }

    /// What to hand a signer.
    pub fn to_sign(&self) -> Result<HashToSign> {
        Ok(HashToSign {
            digest_hex: self.digest.clone(),
            digest_base64: base64::engine::general_purpose::STANDARD.encode(self.digest_bytes()?),
            digest_algorithm: self.algorithm.digest,
            signature_algorithm: self.algorithm.name(),
        })
    }

    /// Reads a state file's JSON.
    pub fn from_json(text: impl AsRef<[u8]>) -> Result<Self> {
        serde_json::from_slice(text.as_ref())
            .map_err(|e| StateError::Modified(format!("not a prepared state: {e}")).into())
    }

    /// The JSON of the state file.
    pub fn to_json(&self) -> Result<String> {
        serde_json::to_string_pretty(self).map_err(bad_json)
    }

    /// SHA-256 over the state without its checksum.
    fn compute_checksum(&self) -> Result<String> {
        let mut value = serde_json::to_value(self).map_err(bad_json)?;
        if let Some(map) = value.as_object_mut() {
            map.remove("checksum");
        }
        let bytes = serde_json::to_vec(&value).map_err(bad_json)?;
        Ok(hex::encode(DigestAlgorithm::Sha256.digest(&bytes)))
    }

    /// The signing certificate of the prepared signature.
    fn signer(&self) -> Result<Certificate> {
        match &self.document {
            PreparedDocument::Pdf(p) => {
                let der = p.chain.first().ok_or_else(|| {
                    StateError::Modified("no signing certificate in the state".into())
                })?;
                Certificate::from_der(der)
            }
            PreparedDocument::Xml(p) => Certificate::from_der(p.signer_certificate()),
        }
    }

    /// Checks that the parts of the state agree with each other and with its checksum.
    fn check_consistent(&self) -> Result<()> {
        if self.compute_checksum()? != self.checksum {
            return Err(StateError::Modified("checksum does not match".into()).into());
        }
        let digest = self.digest_bytes()?;
        let (inner_digest, inner_algorithm) = match &self.document {
            PreparedDocument::Pdf(p) => {
                // The digest signed is the hash of the signed attributes that are embedded.
                if p.digest_algorithm.digest(&p.signed_attributes) != p.digest {
                    return Err(StateError::Modified(
                        "the digest is not the hash of the signed attributes".into(),
                    )
                    .into());
                }
                (&p.digest, p.algorithm)
            }
            PreparedDocument::Xml(p) => (&p.digest, p.algorithm),
        };
        if *inner_digest != digest || inner_algorithm != self.algorithm {
            return Err(StateError::Modified(
                "the digest or algorithm differs between the state's parts".into(),
            )
            .into());
        }
        Ok(())
    }
}

/// Prepares `document` (PDF or XML, by its bytes) for a signature by the key of
/// `settings.cert` (or of `settings.key`), valid `settings.expires_in` seconds from `now`.
pub fn prepare(document: &[u8], settings: &SignSettings, now: OffsetDateTime) -> Result<Prepared> {
    let (chain, algorithm) = settings.signer_certificates()?;
    let prepared = match crate::detect_format(document) {
        Some(crate::Detected::Pdf) => {
            let options = settings.pdf_options()?;
            if settings.extension()?.is_some() {
                return Err(invalid(
                    "prepare signs to B-B or B-T; raise the result with `extend pdf`",
                ));
            }
            let p = crate::pdf::prepare_pdf(document, &chain, algorithm, &options)?;
            (p.digest.clone(), p.algorithm, PreparedDocument::Pdf(p))
        }
        Some(crate::Detected::Xml) => {
            let mut options = settings.xml_options()?;
            options.scheme = Some(algorithm.scheme);
            let p = crate::xml::prepare_xml(document, &chain, &options)?;
            (p.digest.clone(), p.algorithm, PreparedDocument::Xml(p))
        }
        None => {
            return Err(Error::Unsupported(
                "the document is neither PDF nor XML".into(),
            ));
        }
    };
    let (digest, algorithm, document_state) = prepared;
    let lifetime = time::Duration::seconds(
        i64::try_from(settings.expires_in.unwrap_or(DEFAULT_EXPIRES_IN))
            .map_err(|_| invalid("--expires-in is too large"))?,
    );
    let format_time = |t: OffsetDateTime| {
        t.format(&Rfc3339)
            .map_err(|e| invalid(format!("time: {e}")))
    };
    let mut state = Prepared {
        document: document_state,
        digest: hex::encode(digest),
        algorithm,
        document_sha256: hex::encode(DigestAlgorithm::Sha256.digest(document)),
        created_at: format_time(now)?,
        expires_at: format_time(now + lifetime)?,
        checksum: String::new(),
    };
    state.checksum = state.compute_checksum()?;
    Ok(state)
}

/// `kyso prepare`: prepares the file `input`, writes the state to `state` and returns the
/// hash to sign.
pub fn prepare_file(
    input: &std::path::Path,
    state: &std::path::Path,
    settings: &SignSettings,
) -> Result<HashToSign> {
    let document = super::value::read_file(input, "input")?;
    let prepared = prepare(&document, settings, now())?;
    std::fs::write(state, prepared.to_json()?)
        .map_err(|e| invalid(format!("--state {}: {e}", state.display())))?;
    prepared.to_sign()
}

/// `kyso finish`: finishes the file `input` with the state file `state` and `signature`,
/// and writes `output` only when every check has passed.
pub fn finish_file(
    state: &std::path::Path,
    signature: &[u8],
    input: &std::path::Path,
    output: &std::path::Path,
) -> Result<()> {
    let prepared = Prepared::from_json(super::value::read_file(state, "state")?)?;
    let document = super::value::read_file(input, "input")?;
    let signed = finish(&prepared, &document, signature, now())?;
    std::fs::write(output, signed).map_err(|e| invalid(format!("{}: {e}", output.display())))
}

/// The signature lengths a key makes: RSA the modulus's length; ECDSA `r‖s` or DER.
fn check_length(key: KeyKind, scheme: SignatureScheme, signature: &[u8]) -> Result<()> {
    let (fits, expected) = match (key, scheme) {
        (KeyKind::Rsa { bits }, _) => {
            let bytes = bits.div_ceil(8);
            (signature.len() == bytes, format!("{bytes} bytes"))
        }
        (kind, _) => {
            let half = kind.bits().div_ceil(8);
            let raw = signature.len() == 2 * half;
            // DER: SEQUENCE of two INTEGERs, each at most one byte longer than the field.
            let der = signature.first() == Some(&0x30) && signature.len() <= 2 * half + 9;
            (raw || der, format!("{} bytes (r||s) or DER", 2 * half))
        }
    };
    if fits {
        Ok(())
    } else {
        Err(StateError::SignatureLength {
            got: signature.len(),
            expected,
            key: key.to_string(),
        }
        .into())
    }
}

/// Embeds `signature` (raw, over the prepared hash) into `document` and returns the signed
/// document. Every check of the module's documentation runs first; `now` decides expiry.
pub fn finish(
    prepared: &Prepared,
    document: &[u8],
    signature: &[u8],
    now: OffsetDateTime,
) -> Result<Vec<u8>> {
    prepared.check_consistent()?;
    let expires = OffsetDateTime::parse(&prepared.expires_at, &Rfc3339)
        .map_err(|e| StateError::Modified(format!("expires_at: {e}")))?;
    if now >= expires {
        return Err(StateError::Expired {
            expired_at: prepared.expires_at.clone(),
        }
        .into());
    }
    if hex::encode(DigestAlgorithm::Sha256.digest(document)) != prepared.document_sha256 {
        return Err(StateError::OtherDocument.into());
    }
    let certificate = prepared.signer()?;
    let key = certificate.public_key()?;
    check_length(key.kind(), prepared.algorithm.scheme, signature)?;
    // `verify_digest` answers Err for a question it cannot ask; to the user both mean that
    // this signature is not one of this key over this hash.
    let verified = key.verify_digest(prepared.algorithm, &prepared.digest_bytes()?, signature);
    if !matches!(verified, Ok(true)) {
        return Err(StateError::SignatureMismatch.into());
    }
    match &prepared.document {
        PreparedDocument::Pdf(p) => crate::pdf::finish_pdf(p, document, signature),
        PreparedDocument::Xml(p) => {
            let signed = crate::xml::finish_xml(p.clone(), document, signature)?;
            check_finished_xml(&signed, &p.signature_id)?;
            Ok(signed)
        }
    }
}

/// The SignedInfo text an XML state carries is what the signature covers, and the digest
/// checked above is only the state's word for it: an edited state with a recomputed checksum
/// would pass. So the finished document's own signature must verify (its references and its
/// value; trust is the verifier's business later) before the bytes are handed back.
fn check_finished_xml(signed: &[u8], signature_id: &str) -> Result<()> {
    use crate::report::SubIndication;
    let report = crate::verify(signed, &crate::validation::VerifyOptions::default())?;
    let finished = report.signatures.iter().find(|s| s.id == signature_id);
    let Some(finished) = finished else {
        return Err(
            StateError::Modified(format!("no signature {signature_id} in the result")).into(),
        );
    };
    let broken = matches!(
        finished.sub_indication,
        Some(
            SubIndication::HashFailure
                | SubIndication::SigCryptoFailure
                | SubIndication::FormatFailure
        )
    );
    if broken {
        return Err(StateError::Modified(format!(
            "the finished signature does not verify: {}",
            finished.errors.join("; ")
        ))
        .into());
    }
    Ok(())
}

impl std::fmt::Display for HashToSign {
    /// `sha256 (sha256WithRSA): 9f86…`, one line.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let digest = self.digest_algorithm.name();
        writeln!(
            f,
            "{digest} ({}): {}",
            self.signature_algorithm, self.digest_hex
        )
    }
}

/// The signature of `finish`: a file's bytes, or base64 text; exactly one of them.
pub fn signature_from(file: Option<&std::path::Path>, base64: Option<&str>) -> Result<Vec<u8>> {
    match (file, base64) {
        (Some(file), None) => super::value::read_file(file, "signature"),
        (None, Some(text)) => signature_from_base64(text),
        _ => Err(invalid("give --signature FILE or --signature-b64 B64")),
    }
}

/// A signature given as base64 (standard or URL-safe alphabet, as services send it).
pub fn signature_from_base64(text: &str) -> Result<Vec<u8>> {
    let text = text.trim();
    base64::engine::general_purpose::STANDARD
        .decode(text)
        .or_else(|_| {
            base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(text.trim_end_matches('='))
        })
        .map_err(|e| invalid(format!("--signature-b64: {e}")))
}

/// The current time, for callers of [`prepare`] and [`finish`] that mean now.
pub fn now() -> OffsetDateTime {
    OffsetDateTime::now_utc()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fixture(rel: &str) -> String {
        format!("{}/fixtures/{rel}", env!("CARGO_MANIFEST_DIR"))
    }

    fn settings(extra: serde_json::Value) -> SignSettings {
        let mut json = serde_json::json!({
            "cert": fixture("pki/leader.pem"),
            "signing_time": "2026-01-01T00:00:00Z",
        });
        if let (Some(map), Some(extra)) = (json.as_object_mut(), extra.as_object()) {
            map.extend(extra.clone());
        }
        serde_json::from_value(json).expect("settings")
    }

    fn leader() -> crate::crypto::KeyFileSigner {
        let key = std::fs::read(fixture("pki/leader.key.pem")).expect("key");
        let cert = std::fs::read(fixture("pki/leader.pem")).expect("cert");
        crate::crypto::KeyFileSigner::from_pem(&key, None, &cert).expect("signer")
    }

    fn at(text: &str) -> OffsetDateTime {
        OffsetDateTime::parse(text, &Rfc3339).expect("time")
    }

    fn pdf() -> Vec<u8> {
        std::fs::read(fixture("docs/simple.pdf")).expect("pdf")
    }

    fn sign(prepared: &Prepared, signer: &dyn crate::crypto::Signer) -> Vec<u8> {
        signer
            .sign_digest(
                prepared.algorithm,
                &prepared.digest_bytes().expect("digest"),
            )
            .expect("sign")
    }

    #[test]
    fn a_state_round_trips_through_json_and_finishes() {
        let t0 = at("2026-06-01T08:00:00Z");
        let prepared = prepare(&pdf(), &settings(serde_json::json!({})), t0).expect("prepare");
        let read = Prepared::from_json(prepared.to_json().expect("json")).expect("read");
        let signature = sign(&read, &leader());
        let signed = finish(&read, &pdf(), &signature, t0).expect("finish");
        assert!(signed.starts_with(&pdf()));
        let hash = read.to_sign().expect("hash");
        assert_eq!(hash.signature_algorithm, "sha256WithRSA");
        assert_eq!(hash.digest_hex.len(), 64);
    }

    #[test]
    fn expired_edited_and_mismatched_states_are_refused() {
        let t0 = at("2026-06-01T08:00:00Z");
        let prepared =
            prepare(&pdf(), &settings(serde_json::json!({"expires_in": 60})), t0).expect("prepare");
        let signature = sign(&prepared, &leader());
        let late = t0 + time::Duration::seconds(60);
        let err = finish(&prepared, &pdf(), &signature, late).expect_err("expired");
        assert!(
            matches!(err, Error::State(StateError::Expired { .. })),
            "{err}"
        );

        let mut edited = prepared.clone();
        edited.expires_at = "2099-01-01T00:00:00Z".into();
        let err = finish(&edited, &pdf(), &signature, t0).expect_err("edited");
        assert!(
            matches!(err, Error::State(StateError::Modified(_))),
            "{err}"
        );
        // A rewritten checksum does not help: the digest no longer hashes the attributes.
        let mut forged = prepared.clone();
        forged.digest = hex::encode([7u8; 32]);
        if let PreparedDocument::Pdf(p) = &mut forged.document {
            p.digest = vec![7; 32];
        }
        forged.checksum = forged.compute_checksum().expect("checksum");
        let err = finish(&forged, &pdf(), &signature, t0).expect_err("forged");
        assert!(
            matches!(err, Error::State(StateError::Modified(_))),
            "{err}"
        );

        let mut other = pdf();
        other.extend_from_slice(b"\n% changed\n");
        let err = finish(&prepared, &other, &signature, t0).expect_err("other document");
        assert!(
            matches!(err, Error::State(StateError::OtherDocument)),
            "{err}"
        );

        let err = finish(&prepared, &pdf(), &signature[1..], t0).expect_err("short");
        assert!(
            matches!(err, Error::State(StateError::SignatureLength { .. })),
            "{err}"
        );
        let seal_key = std::fs::read(fixture("pki/seal.key.pem")).expect("key");
        let seal_cert = std::fs::read(fixture("pki/seal.pem")).expect("cert");
        let seal =
            crate::crypto::KeyFileSigner::from_pem(&seal_key, None, &seal_cert).expect("seal");
        let err = finish(&prepared, &pdf(), &sign(&prepared, &seal), t0).expect_err("other key");
        assert!(
            matches!(err, Error::State(StateError::SignatureMismatch)),
            "{err}"
        );
    }

    #[test]
    fn ecdsa_signatures_finish_as_der_or_raw() {
        let t0 = at("2026-06-01T08:00:00Z");
        let xml = std::fs::read(fixture("docs/einvoice.xml")).expect("xml");
        let settings: SignSettings = serde_json::from_value(serde_json::json!({
            "cert": fixture("pki/ecdsa.pem"), "profile": "einvoice",
            "signing_time": "2026-01-01T00:00:00Z",
        }))
        .expect("settings");
        let key = std::fs::read(fixture("pki/ecdsa.key.pem")).expect("key");
        let cert = std::fs::read(fixture("pki/ecdsa.pem")).expect("cert");
        let signer = crate::crypto::KeyFileSigner::from_pem(&key, None, &cert).expect("ecdsa");
        let prepared = prepare(&xml, &settings, t0).expect("prepare");
        let der = sign(&prepared, &signer);
        assert_eq!(der.first(), Some(&0x30));
        let public = signer.private_key().public_key().expect("public");
        let raw = crate::crypto::ecdsa_to_raw(&public, &der).expect("raw");
        assert_eq!(raw.len(), 64);
        let a = finish(&prepared, &xml, &der, t0).expect("der");
        let b = finish(&prepared, &xml, &raw, t0).expect("raw");
        assert_eq!(a, b);

        // The finished document's own signature is checked before it is handed back: the
        // same document with one signed character changed is refused.
        let PreparedDocument::Xml(p) = &prepared.document else {
            panic!("xml state");
        };
        check_finished_xml(&a, &p.signature_id).expect("the finished signature verifies");
        let text = String::from_utf8(a).expect("utf-8");
        let at = text.find("<DLHDon").expect("DLHDon");
        let changed = text[at..].find("</").expect("an element end") + at - 1;
        let mut tampered = text.into_bytes();
        tampered[changed] = if tampered[changed] == b'1' {
            b'2'
        } else {
            b'1'
        };
        let err = check_finished_xml(&tampered, &p.signature_id).expect_err("tampered");
        assert!(
            matches!(err, Error::State(StateError::Modified(ref why)) if why.contains("does not verify")),
            "{err}"
        );
    }

    #[test]
    fn base64_signatures_in_either_alphabet() {
        assert_eq!(
            signature_from_base64("+/8=").expect("std"),
            vec![0xfb, 0xff]
        );
        assert_eq!(signature_from_base64("-_8").expect("url"), vec![0xfb, 0xff]);
        assert!(signature_from_base64("%%").is_err());
    }
}
