//! Inspection: what a certificate, PKCS#12 file, PDF or XML document holds, without signing
//! anything.

use serde::Serialize;

use crate::crypto::read_pkcs12;
use crate::error::{Error, Result};
use crate::pki::{Certificate, Identity, TrustStore, Usage, rfc3339, validate_path};
use crate::policy::ValidationPolicy;
use crate::report::SubIndication;

/// Options for [`inspect`].
#[derive(Debug, Clone, Default)]
pub struct InspectOptions {
    /// Password for PKCS#12 input.
    pub password: Option<String>,
    /// When set, each certificate's chain is validated against this store.
    pub trust: Option<TrustStore>,
    /// Validation policy (time, limits).
    pub policy: ValidationPolicy,
}

/// What kind of input was inspected.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum InputKind {
    /// One or more certificates (PEM bundle or DER).
    Certificates,
    /// A PKCS#12 container.
    Pkcs12,
    /// An edXML package (QCVN 102:2016): see [`InspectReport::package`].
    Edxml,
}

/// The result of path validation for one certificate.
#[derive(Debug, Clone, Serialize)]
pub struct ChainInfo {
    /// Whether the chain validates at the validation time.
    pub valid: bool,
    /// Subjects of the chain, certificate first.
    pub chain: Vec<String>,
    /// Sub-indication when not valid.
    pub sub_indication: Option<SubIndication>,
    /// Why not valid.
    pub message: Option<String>,
    /// Warnings (weak algorithms).
    pub warnings: Vec<String>,
}

/// What one certificate says.
#[derive(Debug, Clone, Serialize)]
pub struct CertificateInfo {
    /// Subject (RFC 4514).
    pub subject: String,
    /// Issuer (RFC 4514).
    pub issuer: String,
    /// Serial number, hex.
    pub serial: String,
    /// Vietnamese identity and other subject fields.
    pub identity: Identity,
    /// Start of validity.
    pub not_before: String,
    /// End of validity.
    pub not_after: String,
    /// Key type and size, such as `RSA 2048` or `EC P-256`.
    pub key: String,
    /// Whether this is a CA certificate.
    pub ca: bool,
    /// keyUsage bits set.
    pub key_usage: Vec<&'static str>,
    /// extendedKeyUsage OIDs.
    pub extended_key_usage: Vec<String>,
    /// Signature algorithm of the issuer.
    pub signature_algorithm: String,
    /// SHA-256 fingerprint, upper-case hex.
    pub sha256: String,
    /// Chain validation, when a trust store was given.
    pub validation: Option<ChainInfo>,
}

/// The inspection report.
#[derive(Debug, Clone, Serialize)]
pub struct InspectReport {
    /// Input kind.
    pub kind: InputKind,
    /// Certificates, in file order (for PKCS#12: the key's certificate first).
    pub certificates: Vec<CertificateInfo>,
    /// For PKCS#12: the private key's type.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub private_key: Option<String>,
    /// For an edXML package: its header and attachments, listed without verifying.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub package: Option<crate::edxml::PackageListing>,
}

impl InspectReport {
    /// CLI exit code: 0 when every chain asked for validates, 2 when one does not.
    pub fn exit_code(&self) -> i32 {
        let any_invalid = self
            .certificates
            .iter()
            .any(|c| c.validation.as_ref().is_some_and(|v| !v.valid));
        if any_invalid { 2 } else { 0 }
    }
}

fn looks_like_pkcs12(data: &[u8]) -> bool {
    // PFX ::= SEQUENCE { version INTEGER (v3), authSafe ContentInfo, … }: a certificate
    // starts with SEQUENCE { SEQUENCE …, so the INTEGER 3 right inside tells them apart.
    let body = match data {
        [0x30, 0x80, rest @ ..] => rest,
        [0x30, l, rest @ ..] if *l < 0x80 => rest,
        [0x30, l, rest @ ..] if (0x81..=0x84).contains(l) => {
            rest.get((*l as usize - 0x80)..).unwrap_or(&[])
        }
        _ => return false,
    };
    body.starts_with(&[0x02, 0x01, 0x03])
}

/// Inspects certificates (PEM/DER, bundles), a PKCS#12 file, or an edXML package (its
/// header and attachments, nothing decoded or verified).
pub fn inspect(data: &[u8], options: &InspectOptions) -> Result<InspectReport> {
    if crate::edxml::is_edxml(data) {
        let listing = crate::edxml::inspect_package(data, &options.policy.limits)?;
        return Ok(InspectReport {
            kind: InputKind::Edxml,
            certificates: Vec::new(),
            private_key: None,
            package: Some(listing),
        });
    }
    let (kind, certs, private_key) = if looks_like_pkcs12(data) {
        let password = options.password.as_deref().unwrap_or("");
        let (key, ders) = read_pkcs12(data, password)?;
        let signer = crate::crypto::KeyFileSigner::new(key.clone(), ders)?;
        use crate::crypto::Signer;
        let certs = signer
            .certificate_chain()
            .iter()
            .map(|d| Certificate::from_der(d))
            .collect::<Result<Vec<_>>>()?;
        (InputKind::Pkcs12, certs, Some(key.kind().to_string()))
    } else {
        (InputKind::Certificates, Certificate::parse_any(data)?, None)
    };
    if certs.is_empty() {
        return Err(Error::InvalidOption("no certificate in the input".into()));
    }
    let at = options.policy.time();
    let infos = certs
        .iter()
        .map(|c| {
            let validation = options.trust.as_ref().map(|trust| {
                let v = validate_path(c, &certs, trust, at, Usage::Any, &options.policy);
                ChainInfo {
                    valid: v.result.is_ok(),
                    chain: v.chain_subjects(),
                    sub_indication: v.result.as_ref().err().map(|f| f.sub_indication),
                    message: v.result.as_ref().err().map(|f| f.message.clone()),
                    warnings: v.warnings,
                }
            });
            certificate_info(c, validation)
        })
        .collect();
    Ok(InspectReport {
        kind,
        certificates: infos,
        private_key,
        package: None,
    })
}

fn certificate_info(c: &Certificate, validation: Option<ChainInfo>) -> CertificateInfo {
    CertificateInfo {
        subject: c.subject().to_rfc4514(),
        issuer: c.issuer().to_rfc4514(),
        serial: c.serial_hex(),
        identity: c.identity().clone(),
        not_before: rfc3339(c.not_before()),
        not_after: rfc3339(c.not_after()),
        key: c
            .key_kind()
            .map(|k| k.to_string())
            .unwrap_or_else(|| "unsupported".into()),
        ca: c.is_ca(),
        key_usage: c.key_usage().map(|k| k.names()).unwrap_or_default(),
        extended_key_usage: c
            .extended_key_usage()
            .map(<[String]>::to_vec)
            .unwrap_or_default(),
        signature_algorithm: c
            .signature_algorithm()
            .map(|a| a.name())
            .unwrap_or_else(|e| e.to_string()),
        sha256: hex::encode_upper(c.sha256()),
        validation,
    }
}
