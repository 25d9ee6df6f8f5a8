//! Validation reports: plain data, serialised to the JSON contract of DESIGN.md.
//!
//! Field names are stable and snake_case; printing a report for people is the caller's job.

use serde::{Deserialize, Serialize};

/// The overall result of one signature or one document (ETSI EN 319 102-1 main indication).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Indication {
    /// Every check passed.
    TotalPassed,
    /// A check failed for certain: the signature is invalid.
    TotalFailed,
    /// The verifier could not decide (untrusted chain, missing revocation data, …).
    Indeterminate,
    /// The document holds no signature.
    NoSignature,
}

impl Indication {
    /// The CLI exit code / C ABI status of this indication.
    pub fn exit_code(self) -> i32 {
        match self {
            Indication::TotalPassed => 0,
            Indication::TotalFailed => 1,
            Indication::Indeterminate => 2,
            Indication::NoSignature => 3,
        }
    }

    /// The worse of two indications, for combining signatures into a document result
    /// (failed > indeterminate > no signature > passed).
    pub fn worst(self, other: Indication) -> Indication {
        fn rank(i: Indication) -> u8 {
            match i {
                Indication::TotalPassed => 0,
                Indication::NoSignature => 1,
                Indication::Indeterminate => 2,
                Indication::TotalFailed => 3,
            }
        }
        if rank(other) > rank(self) {
            other
        } else {
            self
        }
    }
}

/// Why a signature is not TOTAL_PASSED (ETSI EN 319 102-1 sub-indications, plus kyso's
/// `MODIFIED_AFTER_SIGNING` for disallowed PDF changes).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
#[non_exhaustive]
pub enum SubIndication {
    /// The signature's structure is broken or unsafe.
    FormatFailure,
    /// The signed data does not hash to the signed digest.
    HashFailure,
    /// The cryptographic signature does not verify.
    SigCryptoFailure,
    /// The signing certificate was revoked before the signing time.
    Revoked,
    /// The signing certificate is revoked and there is no proof the signature existed before.
    RevokedNoPoe,
    /// A CA certificate of the path was revoked, and there is no proof the signature existed
    /// before that.
    RevokedCaNoPoe,
    /// A path was found but cannot be trusted as a whole: a link's signature does not verify
    /// or its algorithm does not fit the issuer's key.
    CertificateChainGeneralFailure,
    /// The signing certificate is expired and there is no proof the signature existed while
    /// it was valid.
    OutOfBoundsNoPoe,
    /// The signing certificate is not yet valid.
    NotYetValid,
    /// No path to a trust anchor could be built.
    NoCertificateChainFound,
    /// A path exists but violates a constraint (basic constraints, key usage, …).
    ChainConstraintsFailure,
    /// An algorithm or key size is not allowed by the policy.
    CryptoConstraintsFailure,
    /// The signing certificate named by the signature is not in it.
    NoSigningCertificateFound,
    /// Revocation status is required but could not be determined.
    TryLater,
    /// The signature uses something the verifier does not support.
    SignedDataNotFound,
    /// The PDF was changed after signing in a way the rules do not permit.
    ModifiedAfterSigning,
    /// A policy constraint (profile rule) is violated.
    SigConstraintsFailure,
}

/// Which part of the file a PDF signature covers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Coverage {
    /// The signature covers every byte of the file.
    EntireFile,
    /// The signature covers its whole revision; later revisions follow.
    EntireRevision,
    /// The signature covers less than its revision.
    Partial,
}

/// What later revisions of a PDF did after a signature.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Modifications {
    /// Nothing was appended.
    None,
    /// Only changes the rules permit.
    Permitted,
    /// Changes the rules do not permit.
    NotPermitted,
}

/// Vietnamese identity values found in a certificate subject.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct IdentityReport {
    /// Tax code (`MST:`), enterprise or branch.
    #[serde(skip_serializing_if = "Vec::is_empty", default)]
    pub mst: Vec<String>,
    /// Budget-unit code (`MNS:`).
    #[serde(skip_serializing_if = "Vec::is_empty", default)]
    pub mns: Vec<String>,
    /// Citizen identity card number (`CCCD:`).
    #[serde(skip_serializing_if = "Vec::is_empty", default)]
    pub cccd: Vec<String>,
    /// Old identity card number (`CMND:`).
    #[serde(skip_serializing_if = "Vec::is_empty", default)]
    pub cmnd: Vec<String>,
    /// Passport number (`HC:`).
    #[serde(skip_serializing_if = "Vec::is_empty", default)]
    pub passport: Vec<String>,
}

/// The signer as the report shows it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SignerReport {
    /// Subject as an RFC 4514 string.
    pub subject: String,
    /// Common name.
    pub common_name: Option<String>,
    /// Organization.
    pub organization: Option<String>,
    /// Vietnamese identity values.
    pub identity: IdentityReport,
    /// Issuer as an RFC 4514 string.
    pub issuer: String,
    /// Serial number, hex.
    pub serial: String,
    /// Start of validity (RFC 3339).
    pub not_before: String,
    /// End of validity (RFC 3339).
    pub not_after: String,
    /// SHA-256 of the certificate's DER, hex.
    pub sha256: String,
}

/// A time-stamp on a signature.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TimestampReport {
    /// The time the TSA attests (RFC 3339).
    pub time: String,
    /// The TSA's subject.
    pub tsa: String,
    /// The indication for the time-stamp token itself.
    pub indication: Indication,
}

/// Revocation status of the signing certificate.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RevocationReport {
    /// `good`, `revoked` or `unknown`.
    pub status: RevocationStatus,
    /// Where the answer came from (`embedded`, `ocsp`, `crl`, file name, URL), if anywhere.
    pub source: Option<String>,
}

/// Where a certificate of a validated chain came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CertificateSource {
    /// The signature or document carried it.
    Document,
    /// The caller gave it (`--trust`, `--cert`).
    Caller,
    /// kyso's built-in roots and issuing CAs.
    Builtin,
    /// Fetched from the AIA caIssuers address of the certificate below it (`--online`).
    Network,
}

/// Revocation status of one certificate of a chain.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChainRevocationReport {
    /// The certificate's subject (RFC 4514).
    pub subject: String,
    /// `good`, `revoked` or `unknown`.
    pub status: RevocationStatus,
    /// Where the answer came from (`ocsp:embedded`, `crl:supplied`, …), if anywhere.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub source: Option<String>,
    /// When it was revoked, if it was (RFC 3339).
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub revoked_at: Option<String>,
}

/// Revocation status.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RevocationStatus {
    /// Not revoked.
    Good,
    /// Revoked.
    Revoked,
    /// Could not be determined.
    Unknown,
}

/// What an XML reference actually digested.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SignedReference {
    /// The Reference URI as written.
    pub uri: String,
    /// The element digested: a path such as `/HDon/DLHDon[@Id='data']`, or `document`.
    pub element: String,
}

/// The result for one signature.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SignatureReport {
    /// Identifier: the PDF field name or the XML Signature's Id / position.
    pub id: String,
    /// `PAdES-B-B`, `PKCS7`, `XMLDSig`, `XAdES-B-B`, …
    pub level: String,
    /// Main indication.
    pub indication: Indication,
    /// Sub-indication when not passed.
    pub sub_indication: Option<SubIndication>,
    /// The signer, when the signing certificate was found.
    pub signer: Option<SignerReport>,
    /// Signing time claimed by the signer (RFC 3339): reported, not trusted.
    pub claimed_signing_time: Option<String>,
    /// Signature time-stamp, if any.
    pub timestamp: Option<TimestampReport>,
    /// Digest algorithm of the document digest.
    pub digest_algorithm: Option<String>,
    /// Signature algorithm.
    pub signature_algorithm: Option<String>,
    /// Subjects of the validated chain, signer first.
    pub chain: Vec<String>,
    /// Where each certificate of `chain` came from, in the same order.
    #[serde(skip_serializing_if = "Vec::is_empty", default)]
    pub chain_sources: Vec<CertificateSource>,
    /// Revocation status of the signer.
    pub revocation: Option<RevocationReport>,
    /// Revocation status of every certificate of the validated chain but the trust anchor,
    /// signer first.
    #[serde(skip_serializing_if = "Vec::is_empty", default)]
    pub chain_revocation: Vec<ChainRevocationReport>,
    /// PDF only: what the signature covers.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub coverage: Option<Coverage>,
    /// PDF only: what happened after signing.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub modifications_after: Option<Modifications>,
    /// XML only: what exactly was signed.
    #[serde(skip_serializing_if = "Vec::is_empty", default)]
    pub signed_references: Vec<SignedReference>,
    /// Warnings (weak algorithm, unknown revocation, tax-code mismatch, …).
    pub warnings: Vec<String>,
    /// Errors that led to the indication.
    pub errors: Vec<String>,
}

impl SignatureReport {
    /// A report with the given id and level and nothing decided yet (INDETERMINATE until the
    /// checks say otherwise: fail closed).
    pub fn new(id: impl Into<String>, level: impl Into<String>) -> Self {
        SignatureReport {
            id: id.into(),
            level: level.into(),
            indication: Indication::Indeterminate,
            sub_indication: None,
            signer: None,
            claimed_signing_time: None,
            timestamp: None,
            digest_algorithm: None,
            signature_algorithm: None,
            chain: Vec::new(),
            chain_sources: Vec::new(),
            revocation: None,
            chain_revocation: Vec::new(),
            coverage: None,
            modifications_after: None,
            signed_references: Vec::new(),
            warnings: Vec::new(),
            errors: Vec::new(),
        }
    }

    /// Concludes the report: a signature on which no check recorded a failure passes. Call
    /// it once, after every check; until then the report stays INDETERMINATE (fail closed).
    pub fn conclude(&mut self) {
        if self.errors.is_empty() && self.sub_indication.is_none() {
            self.indication = Indication::TotalPassed;
        }
    }

    /// Sets a failing result, keeping the first failure: the earliest cause is the one to
    /// report, and a later check must not soften it.
    pub fn fail(&mut self, indication: Indication, sub: SubIndication, error: impl Into<String>) {
        self.errors.push(error.into());
        let worse = self.indication.worst(indication);
        if self.sub_indication.is_none() || worse != self.indication {
            self.sub_indication = Some(sub);
        }
        self.indication = worse;
    }
}

/// Document format of a report.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DocumentFormat {
    /// PDF.
    Pdf,
    /// XML.
    Xml,
}

/// The result for one document.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ValidationReport {
    /// File name as given, if any.
    pub file: Option<String>,
    /// Document format.
    pub format: DocumentFormat,
    /// Worst indication over all signatures; NO_SIGNATURE when there is none.
    pub indication: Indication,
    /// One entry per signature, in document order. For an edXML package: the signatures of
    /// the envelope itself; the attachments' signatures are in [`ValidationReport::package`].
    pub signatures: Vec<SignatureReport>,
    /// edXML packages only (QCVN 102:2016): the header, each attachment with its own report,
    /// and the package's cross-checks. Absent for a plain PDF or XML document.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub package: Option<PackageReport>,
}

impl ValidationReport {
    /// A report from its signatures; the document indication is derived, never set by hand.
    pub fn new(format: DocumentFormat, signatures: Vec<SignatureReport>) -> Self {
        let indication = signatures
            .iter()
            .map(|s| s.indication)
            .reduce(Indication::worst)
            .unwrap_or(Indication::NoSignature);
        ValidationReport {
            file: None,
            format,
            indication,
            signatures,
            package: None,
        }
    }

    /// The report of an edXML package: `signatures` are the envelope's own. The verdict is
    /// derived, never set by hand: TOTAL_FAILED when the package itself has an error (a
    /// manifest that does not match the attachments), otherwise the worst over the envelope's
    /// signatures and the attachments that hold a signature; NO_SIGNATURE only when no part
    /// is signed. An unsigned annex next to a signed letter does not make the letter's
    /// package unsigned: it is reported as unsigned in its own entry.
    pub fn package(signatures: Vec<SignatureReport>, package: PackageReport) -> Self {
        let parts = signatures
            .iter()
            .map(|s| s.indication)
            .chain(package.attachments.iter().map(|a| a.indication));
        let mut indication = signed_worst(parts);
        if !package.errors.is_empty() {
            indication = indication.worst(Indication::TotalFailed);
        }
        ValidationReport {
            file: None,
            format: DocumentFormat::Xml,
            indication,
            signatures,
            package: Some(package),
        }
    }

    /// The CLI exit code for this document.
    pub fn exit_code(&self) -> i32 {
        self.indication.exit_code()
    }
}

/// The worst indication over the parts that hold a signature; NO_SIGNATURE when none does
/// (and when there are no parts). The verdict of a package and of a zipped attachment.
pub fn signed_worst(parts: impl IntoIterator<Item = Indication>) -> Indication {
    parts
        .into_iter()
        .filter(|i| *i != Indication::NoSignature)
        .reduce(Indication::worst)
        .unwrap_or(Indication::NoSignature)
}

/// An organization as an edXML header names it (`From`, `To`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Organization {
    /// `OrganId`: the agency code of the document-exchange axis, such as `000.00.15.H26`.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub id: Option<String>,
    /// `OrganName`.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub name: Option<String>,
}

/// What the header of an edXML package says (`edXMLHeader/MessageHeader`), as written: the
/// sender's claims, which the cross-checks compare with the signatures.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PackageHeader {
    /// `From`: the issuing organization.
    pub sender: Option<Organization>,
    /// `To`: the receiving organizations.
    #[serde(skip_serializing_if = "Vec::is_empty", default)]
    pub receivers: Vec<Organization>,
    /// `DocumentId`.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub document_id: Option<String>,
    /// `Code/CodeNumber`: the document's number.
    pub code_number: Option<String>,
    /// `Code/CodeNotation`: the notation after the number, such as `STTTT-VP`.
    pub code_notation: Option<String>,
    /// `PromulgationInfo/PromulgationDate`.
    pub promulgation_date: Option<String>,
    /// `PromulgationInfo/Place`.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub promulgation_place: Option<String>,
    /// `DocumentType/TypeName`, such as `Công văn`.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub document_type: Option<String>,
    /// `Subject`.
    pub subject: Option<String>,
    /// `SignerInfo/FullName`: who the header says signed.
    pub signer_name: Option<String>,
    /// `SignerInfo/Competence`: on whose authority.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub signer_competence: Option<String>,
}

/// One document of an attachment: the attachment itself, or one entry of a zipped one.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PackagedDocument {
    /// The attachment's name, or the entry's name inside the archive (for display only:
    /// kyso never uses it as a path).
    pub name: String,
    /// Decoded size in bytes.
    pub size: u64,
    /// NO_SIGNATURE when the document holds none or is neither PDF nor XML; otherwise its
    /// report's indication.
    pub indication: Indication,
    /// The document's own report, in the same shape as for a file on its own; absent when
    /// the document is neither PDF nor XML.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub report: Option<ValidationReport>,
}

/// One attachment of an edXML package and what was found in it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AttachmentReport {
    /// `ContentId`, without a `cid:` prefix: the key the manifest uses.
    pub content_id: String,
    /// `AttachmentName` as written (the attachment's, or the manifest's when the content is
    /// missing).
    pub name: Option<String>,
    /// `ContentType` as written.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub content_type: Option<String>,
    /// `Description` as written.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub description: Option<String>,
    /// Whether the manifest lists this attachment.
    pub in_manifest: bool,
    /// Decoded size in bytes (before unzipping), when the content could be decoded.
    pub size: Option<u64>,
    /// Whether the content was a zip archive.
    pub archive: bool,
    /// TOTAL_FAILED when the attachment has an error; otherwise the worst over its signed
    /// documents, NO_SIGNATURE when none is signed.
    pub indication: Indication,
    /// The documents found: one for a plain attachment, one per file of a zip archive.
    pub documents: Vec<PackagedDocument>,
    /// Why the attachment could not be taken as it is (no content, not in the manifest,
    /// renamed, malformed base64, an archive over a limit, an unsafe entry name, …).
    pub errors: Vec<String>,
}

/// An edXML package: its header, its attachments and the package-level checks.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PackageReport {
    /// The header fields.
    pub header: PackageHeader,
    /// The attachments: the manifest's entries in manifest order, then any attachment the
    /// manifest does not list.
    pub attachments: Vec<AttachmentReport>,
    /// Cross-checks that did not hold but do not make the package invalid: the header's
    /// signer or sender differs from the main document's signatures, an unsigned main
    /// document.
    pub warnings: Vec<String>,
    /// Package-level errors (a duplicated content id, too many attachments); each makes the
    /// package TOTAL_FAILED. Errors of one attachment are in its own entry.
    pub errors: Vec<String>,
}
