//! Certificate revocation lists (RFC 5280 §5): parse once, verify the issuer's signature,
//! check freshness, look up serials.

use time::OffsetDateTime;
use x509_parser::prelude::FromDer;
use x509_parser::revocation_list::CertificateRevocationList;

use super::{Certificate, Name};
use crate::crypto::SignatureAlgorithm;
use crate::error::{Error, Format, Result};

/// An entry of a CRL.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RevokedEntry {
    /// Serial number bytes as encoded.
    pub serial: Vec<u8>,
    /// When the certificate was revoked.
    pub revocation_time: OffsetDateTime,
    /// CRLReason, as its RFC 5280 name (`keyCompromise`, …), if given.
    pub reason: Option<String>,
}

/// A parsed CRL.
#[derive(Debug, Clone)]
pub struct Crl {
    der: Vec<u8>,
    tbs_range: std::ops::Range<usize>,
    issuer: Name,
    this_update: OffsetDateTime,
    next_update: Option<OffsetDateTime>,
    signature_algorithm: std::result::Result<SignatureAlgorithm, String>,
    defects: Vec<String>,
    signature: Vec<u8>,
    revoked: Vec<RevokedEntry>,
}

fn crl_err(e: impl std::fmt::Display) -> Error {
    Error::malformed(Format::Crl, e.to_string())
}

impl Crl {
    /// Parses a DER CRL, or PEM text holding exactly one `X509 CRL` block.
    ///
    /// PEM with several blocks is refused rather than read in part: read bundles with
    /// [`crate::pki::bundle::crls_from`], which returns every CRL.
    pub fn parse(data: &[u8]) -> Result<Self> {
        if !data.trim_ascii_start().starts_with(b"-----BEGIN") {
            return Self::parse_der(data);
        }
        let blocks = super::bundle::pem_blocks(data)?;
        match blocks.as_slice() {
            [one] if super::bundle::is_crl_label(&one.label) => Self::parse_der(&one.contents),
            [one] => Err(Error::malformed(
                Format::Pem,
                format!("{} is not an X509 CRL", one.name()),
            )),
            many => Err(Error::malformed(
                Format::Pem,
                format!(
                    "{} blocks where one CRL was expected (read bundles with pki::bundle::crls_from)",
                    many.len()
                ),
            )),
        }
    }

    /// Parses one DER CRL. Trailing bytes are an error.
    pub fn parse_der(der: &[u8]) -> Result<Self> {
        let (rest, crl) = CertificateRevocationList::from_der(der).map_err(crl_err)?;
        if !rest.is_empty() {
            return Err(crl_err("trailing data after the CRL"));
        }
        let tbs = crl.tbs_cert_list.as_ref();
        let start = (tbs.as_ptr() as usize).wrapping_sub(der.as_ptr() as usize);
        let tbs_range = start..start + tbs.len();
        if der.get(tbs_range.clone()) != Some(tbs) {
            return Err(crl_err("cannot locate TBSCertList"));
        }
        let alg = &crl.signature_algorithm;
        let params = alg.parameters.as_ref().map(|p| {
            use x509_parser::der_parser::asn1_rs::ToDer;
            p.to_der_vec().unwrap_or_default()
        });
        let signature_algorithm = der::asn1::ObjectIdentifier::from_bytes(alg.algorithm.as_bytes())
            .map_err(|e| e.to_string())
            .and_then(|oid| {
                SignatureAlgorithm::from_algorithm_identifier(&oid, params.as_deref(), None)
                    .map_err(super::certificate::reason)
            });
        // RFC 5280 §5.2.3: every CRL carries a (non-critical) cRLNumber; §5.2: an unknown
        // critical extension makes the CRL unusable.
        let mut defects = Vec::new();
        let mut has_number = false;
        for ext in crl.extensions() {
            let oid = ext.oid.to_id_string();
            match oid.as_str() {
                "2.5.29.20" => {
                    has_number = true;
                    if ext.critical {
                        defects.push("a critical cRLNumber".to_owned());
                    }
                }
                "2.5.29.35" => {}
                _ if ext.critical => defects.push(format!("an unknown critical extension {oid}")),
                _ => {}
            }
        }
        if !has_number {
            defects.push("no cRLNumber".to_owned());
        }
        let revoked = crl
            .iter_revoked_certificates()
            .map(|r| RevokedEntry {
                serial: r.raw_serial().to_vec(),
                revocation_time: r.revocation_date.to_datetime(),
                reason: r
                    .reason_code()
                    .map(|(_, code)| reason_name(code.0).to_owned()),
            })
            .collect();
        Ok(Crl {
            defects,
            der: der.to_vec(),
            tbs_range,
            issuer: Name::from_x509(crl.issuer()),
            this_update: crl.last_update().to_datetime(),
            next_update: crl.next_update().map(|t| t.to_datetime()),
            signature_algorithm,
            signature: crl.signature_value.data.to_vec(),
            revoked,
        })
    }

    /// The DER encoding.
    pub fn der(&self) -> &[u8] {
        &self.der
    }
    /// The issuer's name.
    pub fn issuer(&self) -> &Name {
        &self.issuer
    }
    /// thisUpdate.
    pub fn this_update(&self) -> OffsetDateTime {
        self.this_update
    }
    /// nextUpdate, if any.
    pub fn next_update(&self) -> Option<OffsetDateTime> {
        self.next_update
    }
    /// The revoked entries.
    pub fn revoked(&self) -> &[RevokedEntry] {
        &self.revoked
    }

    /// What makes this CRL unusable as revocation evidence (RFC 5280 §5.2): no cRLNumber, a
    /// critical one, an unknown critical extension (delta CRLs and issuing distribution points
    /// among them, which kyso does not process). Empty for a usable CRL.
    pub fn defects(&self) -> &[String] {
        &self.defects
    }

    /// The algorithm the CRL is signed with, or why it is not accepted.
    pub fn signature_algorithm(&self) -> Result<SignatureAlgorithm> {
        self.signature_algorithm.clone().map_err(Error::Unsupported)
    }

    /// Whether `issuer` issued this CRL: names match and its key verifies the signature.
    pub fn is_signed_by(&self, issuer: &Certificate) -> Result<bool> {
        if issuer.subject().der() != self.issuer.der() {
            return Ok(false);
        }
        let alg = self
            .signature_algorithm
            .clone()
            .map_err(Error::Unsupported)?;
        issuer
            .public_key()?
            .verify(alg, &self.der[self.tbs_range.clone()], &self.signature)
    }

    /// Whether the CRL speaks for time `at`: issued at or before it, and not past nextUpdate.
    pub fn is_current_at(&self, at: OffsetDateTime) -> bool {
        self.this_update <= at && self.next_update.is_none_or(|n| at <= n)
    }

    /// The entry for a certificate, if it is listed.
    pub fn lookup(&self, cert: &Certificate) -> Option<&RevokedEntry> {
        if cert.issuer().der() != self.issuer.der() {
            return None;
        }
        self.revoked.iter().find(|r| r.serial == cert.serial())
    }
}

/// RFC 5280 CRLReason names.
pub fn reason_name(code: u8) -> &'static str {
    match code {
        0 => "unspecified",
        1 => "keyCompromise",
        2 => "cACompromise",
        3 => "affiliationChanged",
        4 => "superseded",
        5 => "cessationOfOperation",
        6 => "certificateHold",
        8 => "removeFromCRL",
        9 => "privilegeWithdrawn",
        10 => "aACompromise",
        _ => "unknown",
    }
}
