//! Human-readable reports in English or Vietnamese (Circular 15/2025 asks for Vietnamese).
//!
//! The JSON reports (verification, inspection) are the contract; this is their translation
//! for people, and the translation of error messages.

use std::fmt::Write as _;

use crate::edxml::PackageListing;
use crate::error::Error;
use crate::inspect::InspectReport;
use crate::pki::builtin::{BuiltinEntry, BuiltinRole};
use crate::report::{
    CertificateSource, Coverage, Indication, Modifications, PackageHeader, PackageReport,
    RevocationStatus, SignatureReport, SubIndication, ValidationReport,
};

/// Language of a human report.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Lang {
    /// English.
    #[default]
    En,
    /// Tiếng Việt.
    Vi,
}

impl Lang {
    /// Parses `en` / `vi`.
    pub fn from_code(code: &str) -> Option<Lang> {
        match code.to_ascii_lowercase().as_str() {
            "en" => Some(Lang::En),
            "vi" => Some(Lang::Vi),
            _ => None,
        }
    }
}

/// The text of an indication.
pub fn indication_text(i: Indication, lang: Lang) -> &'static str {
    match (i, lang) {
        (Indication::TotalPassed, Lang::En) => "VALID",
        (Indication::TotalPassed, Lang::Vi) => "HỢP LỆ",
        (Indication::TotalFailed, Lang::En) => "INVALID",
        (Indication::TotalFailed, Lang::Vi) => "KHÔNG HỢP LỆ",
        (Indication::Indeterminate, Lang::En) => "INDETERMINATE",
        (Indication::Indeterminate, Lang::Vi) => "CHƯA XÁC ĐỊNH ĐƯỢC",
        (Indication::NoSignature, Lang::En) => "NO SIGNATURE",
        (Indication::NoSignature, Lang::Vi) => "KHÔNG CÓ CHỮ KÝ",
    }
}

/// The text of a sub-indication.
pub fn sub_indication_text(s: SubIndication, lang: Lang) -> &'static str {
    use SubIndication::*;
    match (s, lang) {
        (FormatFailure, Lang::En) => "the signature's structure is broken or unsafe",
        (FormatFailure, Lang::Vi) => "cấu trúc chữ ký bị lỗi hoặc không an toàn",
        (HashFailure, Lang::En) => "the signed content was changed (digest mismatch)",
        (HashFailure, Lang::Vi) => "nội dung đã ký bị thay đổi (sai giá trị băm)",
        (SigCryptoFailure, Lang::En) => "the signature value does not verify",
        (SigCryptoFailure, Lang::Vi) => "giá trị chữ ký không đúng",
        (Revoked, Lang::En) => "the signing certificate was revoked before signing",
        (Revoked, Lang::Vi) => "chứng thư số đã bị thu hồi trước thời điểm ký",
        (RevokedNoPoe, Lang::En) => {
            "the signing certificate is revoked and the signing time is not proven"
        }
        (RevokedNoPoe, Lang::Vi) => {
            "chứng thư số đã bị thu hồi và không chứng minh được thời điểm ký"
        }
        (RevokedCaNoPoe, Lang::En) => {
            "a CA certificate of the chain is revoked and the signing time is not proven"
        }
        (RevokedCaNoPoe, Lang::Vi) => {
            "chứng thư số của tổ chức cung cấp dịch vụ trong chuỗi đã bị thu hồi và không chứng minh được thời điểm ký"
        }
        (CertificateChainGeneralFailure, Lang::En) => {
            "the certificate chain is forged or broken (a link does not verify)"
        }
        (CertificateChainGeneralFailure, Lang::Vi) => {
            "chuỗi chứng thư bị giả mạo hoặc hỏng (một liên kết không xác thực được)"
        }
        (OutOfBoundsNoPoe, Lang::En) => {
            "a certificate has expired and no time-stamp proves the signature is older"
        }
        (OutOfBoundsNoPoe, Lang::Vi) => {
            "chứng thư số đã hết hạn và không có dấu thời gian chứng minh thời điểm ký"
        }
        (NotYetValid, Lang::En) => "a certificate is not yet valid",
        (NotYetValid, Lang::Vi) => "chứng thư số chưa có hiệu lực",
        (NoCertificateChainFound, Lang::En) => "no chain to a trusted root",
        (NoCertificateChainFound, Lang::Vi) => {
            "không xây dựng được chuỗi tới chứng thư gốc tin cậy"
        }
        (ChainConstraintsFailure, Lang::En) => "the certificate chain violates a constraint",
        (ChainConstraintsFailure, Lang::Vi) => "chuỗi chứng thư vi phạm ràng buộc",
        (CryptoConstraintsFailure, Lang::En) => "an algorithm or key size is not allowed",
        (CryptoConstraintsFailure, Lang::Vi) => "thuật toán hoặc độ dài khóa không được chấp nhận",
        (NoSigningCertificateFound, Lang::En) => {
            "the signing certificate is missing or does not match"
        }
        (NoSigningCertificateFound, Lang::Vi) => {
            "không tìm thấy hoặc không khớp chứng thư số của người ký"
        }
        (TryLater, Lang::En) => "revocation status could not be determined",
        (TryLater, Lang::Vi) => "chưa xác định được tình trạng thu hồi",
        (SignedDataNotFound, Lang::En) => "the signed data was not found",
        (SignedDataNotFound, Lang::Vi) => "không tìm thấy dữ liệu được ký",
        (ModifiedAfterSigning, Lang::En) => {
            "the document was changed after signing in a way that is not permitted"
        }
        (ModifiedAfterSigning, Lang::Vi) => {
            "tài liệu bị sửa đổi sau khi ký theo cách không được phép"
        }
        (SigConstraintsFailure, Lang::En) => "a rule of the signature profile is violated",
        (SigConstraintsFailure, Lang::Vi) => "vi phạm quy định của định dạng chữ ký",
    }
}

struct Labels {
    file: &'static str,
    signature: &'static str,
    result: &'static str,
    reason: &'static str,
    signer: &'static str,
    organization: &'static str,
    tax_code: &'static str,
    budget_code: &'static str,
    citizen_id: &'static str,
    issuer: &'static str,
    validity: &'static str,
    signing_time: &'static str,
    timestamp: &'static str,
    integrity: &'static str,
    coverage_whole: &'static str,
    coverage_revision: &'static str,
    coverage_partial: &'static str,
    changes_none: &'static str,
    changes_permitted: &'static str,
    changes_forbidden: &'static str,
    revocation: &'static str,
    good: &'static str,
    revoked: &'static str,
    unknown: &'static str,
    signed: &'static str,
    warning: &'static str,
    error: &'static str,
    chain: &'static str,
    none: &'static str,
    from_builtin: &'static str,
    from_network: &'static str,
}

const EN: Labels = Labels {
    file: "File",
    signature: "Signature",
    result: "Result",
    reason: "Reason",
    signer: "Signer",
    organization: "Organization",
    tax_code: "Tax code (MST)",
    budget_code: "Budget-unit code (MNS)",
    citizen_id: "Citizen ID (CCCD)",
    issuer: "Issued by",
    validity: "Certificate valid",
    signing_time: "Signing time (claimed)",
    timestamp: "Time-stamp",
    integrity: "Integrity",
    coverage_whole: "the signature covers the whole file",
    coverage_revision: "the signature covers its revision; later revisions follow",
    coverage_partial: "the signature covers only part of the file",
    changes_none: "no changes after signing",
    changes_permitted: "only permitted changes after signing",
    changes_forbidden: "changes after signing that are NOT permitted",
    revocation: "Revocation",
    good: "not revoked",
    revoked: "REVOKED",
    unknown: "unknown",
    signed: "Signed",
    warning: "Warning",
    error: "Error",
    chain: "Chain",
    from_builtin: "built-in",
    from_network: "fetched",
    none: "none",
};

const VI: Labels = Labels {
    file: "Tệp",
    signature: "Chữ ký",
    result: "Kết quả",
    reason: "Lý do",
    signer: "Người ký",
    organization: "Tổ chức",
    tax_code: "Mã số thuế (MST)",
    budget_code: "Mã ngân sách (MNS)",
    citizen_id: "Số CCCD",
    issuer: "Tổ chức cấp",
    validity: "Chứng thư có hiệu lực",
    signing_time: "Thời điểm ký (khai báo)",
    timestamp: "Dấu thời gian",
    integrity: "Toàn vẹn",
    coverage_whole: "chữ ký bao phủ toàn bộ tệp",
    coverage_revision: "chữ ký bao phủ phiên bản của nó; có các phiên bản sau",
    coverage_partial: "chữ ký chỉ bao phủ một phần tệp",
    changes_none: "không có thay đổi sau khi ký",
    changes_permitted: "chỉ có các thay đổi được phép sau khi ký",
    changes_forbidden: "có thay đổi KHÔNG được phép sau khi ký",
    revocation: "Tình trạng thu hồi",
    good: "chưa bị thu hồi",
    revoked: "ĐÃ BỊ THU HỒI",
    unknown: "chưa xác định",
    signed: "Nội dung được ký",
    warning: "Cảnh báo",
    error: "Lỗi",
    chain: "Chuỗi chứng thư",
    from_builtin: "có sẵn trong kyso",
    from_network: "tải về",
    none: "không có",
};

/// Renders a report as text for people.
pub fn render_text(report: &ValidationReport, lang: Lang) -> String {
    let l = match lang {
        Lang::En => &EN,
        Lang::Vi => &VI,
    };
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{}: {} — {}",
        l.file,
        report.file.as_deref().unwrap_or("-"),
        indication_text(report.indication, lang)
    );
    for s in &report.signatures {
        render_signature(&mut out, s, l, lang);
    }
    if let Some(package) = &report.package {
        render_package(&mut out, package, lang);
    }
    out
}

/// The words of a package report, apart from [`Labels`] so that the two grow independently.
struct PackageLabels {
    package: &'static str,
    sender: &'static str,
    number: &'static str,
    date: &'static str,
    subject: &'static str,
    header_signer: &'static str,
    attachment: &'static str,
    document: &'static str,
    not_signable: &'static str,
    not_in_manifest: &'static str,
    no_content: &'static str,
    envelope_signed: &'static str,
    warning: &'static str,
    error: &'static str,
}

const PACKAGE_EN: PackageLabels = PackageLabels {
    package: "edXML package",
    sender: "Sender",
    number: "Number",
    date: "Date",
    subject: "Subject",
    header_signer: "Signer (as the header says)",
    attachment: "Attachment",
    document: "Document",
    not_signable: "neither PDF nor XML: no signature kyso can check",
    not_in_manifest: "not in the manifest",
    no_content: "no content",
    envelope_signed: "the envelope carries an XML signature",
    warning: "Warning",
    error: "Error",
};

const PACKAGE_VI: PackageLabels = PackageLabels {
    package: "Gói tin edXML",
    sender: "Cơ quan ban hành",
    number: "Số, ký hiệu",
    date: "Ngày ban hành",
    subject: "Trích yếu",
    header_signer: "Người ký (theo gói tin)",
    attachment: "Tệp đính kèm",
    document: "Văn bản",
    not_signable: "không phải PDF hoặc XML: không có chữ ký để kiểm tra",
    not_in_manifest: "không có trong danh mục",
    no_content: "không có nội dung",
    envelope_signed: "gói tin có chữ ký XML",
    warning: "Cảnh báo",
    error: "Lỗi",
};

fn package_labels(lang: Lang) -> &'static PackageLabels {
    match lang {
        Lang::En => &PACKAGE_EN,
        Lang::Vi => &PACKAGE_VI,
    }
}

/// The header lines of a package: sender, number and notation, date, subject, signer.
fn render_header(out: &mut String, h: &PackageHeader, p: &PackageLabels) {
    let _ = writeln!(out, "{}", p.package);
    if let Some(sender) = &h.sender {
        let name = sender.name.as_deref().unwrap_or("-");
        match &sender.id {
            Some(id) => {
                let _ = writeln!(out, "  {}: {name} ({id})", p.sender);
            }
            None => {
                let _ = writeln!(out, "  {}: {name}", p.sender);
            }
        }
    }
    if h.code_number.is_some() || h.code_notation.is_some() {
        let _ = writeln!(
            out,
            "  {}: {}/{}",
            p.number,
            h.code_number.as_deref().unwrap_or("-"),
            h.code_notation.as_deref().unwrap_or("-")
        );
    }
    for (label, value) in [
        (p.date, &h.promulgation_date),
        (p.subject, &h.subject),
        (p.header_signer, &h.signer_name),
    ] {
        if let Some(v) = value {
            let _ = writeln!(out, "  {label}: {v}");
        }
    }
}

/// Renders the package part of a report: header, package findings, then each attachment with
/// its documents and their signatures (indented under it).
fn render_package(out: &mut String, package: &PackageReport, lang: Lang) {
    let p = package_labels(lang);
    let l = match lang {
        Lang::En => &EN,
        Lang::Vi => &VI,
    };
    render_header(out, &package.header, p);
    for e in &package.errors {
        let _ = writeln!(out, "  {}: {e}", p.error);
    }
    for w in &package.warnings {
        let _ = writeln!(out, "  {}: {w}", p.warning);
    }
    for a in &package.attachments {
        let _ = writeln!(
            out,
            "  {} {} ({}) — {}",
            p.attachment,
            a.content_id,
            a.name.as_deref().unwrap_or("-"),
            indication_text(a.indication, lang)
        );
        for e in &a.errors {
            let _ = writeln!(out, "    {}: {e}", p.error);
        }
        for d in &a.documents {
            let _ = writeln!(
                out,
                "    {} {} — {}",
                p.document,
                d.name,
                indication_text(d.indication, lang)
            );
            match &d.report {
                None => {
                    let _ = writeln!(out, "      {}", p.not_signable);
                }
                Some(r) => {
                    for s in &r.signatures {
                        let mut block = String::new();
                        render_signature(&mut block, s, l, lang);
                        for line in block.lines() {
                            let _ = writeln!(out, "    {line}");
                        }
                    }
                }
            }
        }
    }
}

/// Renders [`crate::inspect`]'s listing of a package: the header and the attachments, with
/// nothing verified.
pub fn render_package_listing(listing: &PackageListing, lang: Lang) -> String {
    let p = package_labels(lang);
    let mut out = String::new();
    render_header(&mut out, &listing.header, p);
    if listing.envelope_signed {
        let _ = writeln!(out, "  {}", p.envelope_signed);
    }
    for a in &listing.attachments {
        let mut notes = Vec::new();
        if !a.in_manifest {
            notes.push(p.not_in_manifest);
        }
        if !a.has_content {
            notes.push(p.no_content);
        }
        let _ = writeln!(
            out,
            "  {} {}: {} [{}, {} B base64]{}",
            p.attachment,
            a.content_id,
            a.name.as_deref().unwrap_or("-"),
            a.content_type.as_deref().unwrap_or("-"),
            a.encoded_bytes,
            if notes.is_empty() {
                String::new()
            } else {
                format!(" — {}", notes.join(", "))
            }
        );
    }
    out
}

fn render_signature(out: &mut String, s: &SignatureReport, l: &Labels, lang: Lang) {
    let _ = writeln!(out, "  {} {} ({})", l.signature, s.id, s.level);
    let _ = writeln!(
        out,
        "    {}: {}",
        l.result,
        indication_text(s.indication, lang)
    );
    if let Some(sub) = s.sub_indication {
        let _ = writeln!(out, "    {}: {}", l.reason, sub_indication_text(sub, lang));
    }
    if let Some(signer) = &s.signer {
        let _ = writeln!(
            out,
            "    {}: {}",
            l.signer,
            signer.common_name.as_deref().unwrap_or(&signer.subject)
        );
        if let Some(o) = &signer.organization {
            let _ = writeln!(out, "    {}: {o}", l.organization);
        }
        for (label, values) in [
            (l.tax_code, &signer.identity.mst),
            (l.budget_code, &signer.identity.mns),
            (l.citizen_id, &signer.identity.cccd),
        ] {
            if !values.is_empty() {
                let _ = writeln!(out, "    {label}: {}", values.join(", "));
            }
        }
        let _ = writeln!(out, "    {}: {}", l.issuer, signer.issuer);
        let _ = writeln!(
            out,
            "    {}: {} .. {}",
            l.validity, signer.not_before, signer.not_after
        );
    }
    if let Some(t) = &s.claimed_signing_time {
        let _ = writeln!(out, "    {}: {t}", l.signing_time);
    }
    if let Some(ts) = &s.timestamp {
        let _ = writeln!(
            out,
            "    {}: {} ({}, {})",
            l.timestamp,
            ts.time,
            ts.tsa,
            indication_text(ts.indication, lang)
        );
    }
    let mut integrity = Vec::new();
    if let Some(c) = s.coverage {
        integrity.push(match c {
            Coverage::EntireFile => l.coverage_whole,
            Coverage::EntireRevision => l.coverage_revision,
            Coverage::Partial => l.coverage_partial,
        });
    }
    if let Some(m) = s.modifications_after {
        integrity.push(match m {
            Modifications::None => l.changes_none,
            Modifications::Permitted => l.changes_permitted,
            Modifications::NotPermitted => l.changes_forbidden,
        });
    }
    if !integrity.is_empty() {
        let _ = writeln!(out, "    {}: {}", l.integrity, integrity.join("; "));
    }
    for r in &s.signed_references {
        let _ = writeln!(
            out,
            "    {}: {} → {}",
            l.signed,
            if r.uri.is_empty() { "\"\"" } else { &r.uri },
            r.element
        );
    }
    if let Some(rev) = &s.revocation {
        let status = match rev.status {
            RevocationStatus::Good => l.good,
            RevocationStatus::Revoked => l.revoked,
            RevocationStatus::Unknown => l.unknown,
        };
        let _ = writeln!(
            out,
            "    {}: {status}{}",
            l.revocation,
            rev.source
                .as_ref()
                .map(|s| format!(" ({s})"))
                .unwrap_or_default()
        );
    }
    if !s.chain.is_empty() {
        let chain: Vec<String> = s
            .chain
            .iter()
            .enumerate()
            .map(|(i, subject)| match s.chain_sources.get(i) {
                Some(CertificateSource::Builtin) => format!("{subject} [{}]", l.from_builtin),
                Some(CertificateSource::Network) => format!("{subject} [{}]", l.from_network),
                _ => subject.clone(),
            })
            .collect();
        let _ = writeln!(out, "    {}: {}", l.chain, chain.join(" → "));
    } else if s.signer.is_some() {
        let _ = writeln!(out, "    {}: {}", l.chain, l.none);
    }
    for w in &s.warnings {
        let _ = writeln!(out, "    {}: {w}", l.warning);
    }
    for e in &s.errors {
        let _ = writeln!(out, "    {}: {e}", l.error);
    }
}

/// One line for the first certificate of an inspection (the key's, for a PKCS#12 file): common
/// name, Vietnamese identifiers, whether its chain is valid (`kyso demo`).
pub fn certificate_line(report: &InspectReport) -> String {
    let Some(c) = report.certificates.first() else {
        return String::new();
    };
    let id = &c.identity;
    let mut ids = Vec::new();
    for (label, values) in [("MST", &id.mst), ("MNS", &id.mns), ("CCCD", &id.cccd)] {
        ids.extend(values.iter().map(|v| format!("{label} {v}")));
    }
    let cn = id.common_name.as_deref().unwrap_or("?");
    let valid = c.validation.as_ref().is_some_and(|v| v.valid);
    format!("{cn:<40} {:<32} chain valid: {valid}", ids.join(", "))
}

/// The built-in trust list (`kyso trust list`): one block per certificate, roots first.
pub fn render_builtin(entries: &[BuiltinEntry]) -> String {
    let mut out = String::new();
    for e in entries {
        let role = match e.role {
            BuiltinRole::Root => "root",
            BuiltinRole::LegacyRoot => "legacy root (SHA-1 generation; trusted with a warning)",
            BuiltinRole::Intermediate => "issuing CA (path building only, never an anchor)",
        };
        let _ = writeln!(out, "{}\n    {role}", e.subject);
        let _ = writeln!(out, "    issuer:  {}", e.issuer);
        let _ = writeln!(out, "    valid:   {} .. {}", e.not_before, e.not_after);
        let _ = writeln!(out, "    SHA-256: {}", e.sha256);
    }
    out
}

/// The tokens of a PKCS#11 module, their keys and certificates, as `kyso inspect
/// --pkcs11-module` prints them.
pub fn render_tokens(tokens: &[crate::crypto::TokenListing]) -> String {
    let mut out = String::new();
    if tokens.is_empty() {
        out.push_str("no token present\n");
    }
    for t in tokens {
        let _ = writeln!(
            out,
            "token {:?} serial {:?} (slot {})",
            t.label, t.serial, t.slot
        );
        let _ = writeln!(out, "    {} {}", t.manufacturer, t.model);
        if !t.pin_flags.is_empty() {
            let _ = writeln!(out, "    PIN: {}", t.pin_flags.join(", "));
        }
        for o in &t.objects {
            let detail = o.key_type.as_deref().or(o.subject.as_deref()).unwrap_or("");
            let _ = writeln!(
                out,
                "    {:<11} label {:?} id {} {detail}",
                o.class, o.label, o.id
            );
        }
    }
    out
}

/// An error's message in `lang`. The cause is translated; the detail (a file name, a PEM
/// block, a parser's words) stays as kyso's English, which is what support staff search for.
pub fn error_text(error: &Error, lang: Lang) -> String {
    if lang == Lang::En {
        return error.to_string();
    }
    match error {
        Error::Io(e) => format!("lỗi đọc/ghi tệp: {e}"),
        Error::Malformed { format, detail } => {
            format!("dữ liệu {format} không đúng định dạng: {detail}")
        }
        Error::Unsupported(d) => format!("chưa hỗ trợ: {d}"),
        Error::LimitExceeded { what, limit } => {
            format!("vượt giới hạn: {what} (giới hạn {limit})")
        }
        Error::WrongPassword => "sai mật khẩu, hoặc tệp chứa khóa bị hỏng".into(),
        Error::SigningRefused(d) => format!("từ chối ký: {d}"),
        Error::Signer(d) => format!("thiết bị hoặc dịch vụ ký bị lỗi: {d}"),
        Error::InvalidOption(d) => format!("tùy chọn không hợp lệ: {d}"),
        Error::AlgorithmKeyMismatch { algorithm, key } => {
            format!("không thể tạo {algorithm} bằng khóa ({key})")
        }
        Error::Network(d) => format!("lỗi mạng: {d}"),
        Error::Token(e) => format!("thiết bị ký (PKCS#11): {e}"),
        Error::State(e) => format!("không thể hoàn tất chữ ký: {e}"),
    }
}

struct InspectLabels {
    pkcs12: &'static str,
    subject: &'static str,
    issuer: &'static str,
    serial: &'static str,
    validity: &'static str,
    key: &'static str,
    ca: &'static str,
    key_usage: &'static str,
    chain: &'static str,
    chain_valid: &'static str,
    chain_invalid: &'static str,
    warning: &'static str,
}

const INSPECT_EN: InspectLabels = InspectLabels {
    pkcs12: "PKCS#12 with a private key:",
    subject: "Subject",
    issuer: "Issuer",
    serial: "Serial",
    validity: "Valid",
    key: "Key",
    ca: "CA",
    key_usage: "Key usage",
    chain: "Chain",
    chain_valid: "valid",
    chain_invalid: "NOT valid",
    warning: "Warning",
};

const INSPECT_VI: InspectLabels = InspectLabels {
    pkcs12: "Tệp PKCS#12 chứa khóa bí mật:",
    subject: "Chủ thể",
    issuer: "Tổ chức cấp",
    serial: "Số hiệu",
    validity: "Hiệu lực",
    key: "Khóa",
    ca: "CA",
    key_usage: "Mục đích khóa",
    chain: "Chuỗi chứng thư",
    chain_valid: "hợp lệ",
    chain_invalid: "KHÔNG hợp lệ",
    warning: "Cảnh báo",
};

/// Renders an inspection report (certificates, PKCS#12) as text for people.
pub fn render_inspect(report: &InspectReport, lang: Lang) -> String {
    let l = match lang {
        Lang::En => &INSPECT_EN,
        Lang::Vi => &INSPECT_VI,
    };
    let mut out = String::new();
    if let Some(package) = &report.package {
        out.push_str(&render_package_listing(package, lang));
    }
    if let Some(k) = &report.private_key {
        let _ = writeln!(out, "{} {k}", l.pkcs12);
    }
    for (i, c) in report.certificates.iter().enumerate() {
        if i > 0 {
            out.push('\n');
        }
        let mut line = |label: &str, value: &str| {
            let _ = writeln!(out, "{:<17} {value}", format!("{label}:"));
        };
        line(l.subject, &c.subject);
        line(l.issuer, &c.issuer);
        line(l.serial, &c.serial);
        line(l.validity, &format!("{} .. {}", c.not_before, c.not_after));
        line(
            l.key,
            &format!(
                "{}{}",
                c.key,
                if c.ca {
                    format!(" ({})", l.ca)
                } else {
                    String::new()
                }
            ),
        );
        if !c.key_usage.is_empty() {
            line(l.key_usage, &c.key_usage.join(", "));
        }
        let id = &c.identity;
        for (label, values) in [
            ("MST", &id.mst),
            ("MNS", &id.mns),
            ("CCCD", &id.cccd),
            ("CMND", &id.cmnd),
            ("Passport", &id.passport),
        ] {
            if !values.is_empty() {
                line(label, &values.join(", "));
            }
        }
        line("SHA-256", &c.sha256);
        if let Some(v) = &c.validation {
            if v.valid {
                line(
                    l.chain,
                    &format!("{}: {}", l.chain_valid, v.chain.join(" → ")),
                );
            } else {
                let reason = v
                    .sub_indication
                    .map(|s| sub_indication_text(s, lang))
                    .unwrap_or_default();
                let detail = v.message.as_deref().unwrap_or_default();
                line(
                    l.chain,
                    &format!("{} — {reason} ({detail})", l.chain_invalid),
                );
            }
            for w in &v.warnings {
                line(l.warning, w);
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_indication_has_both_languages() {
        for i in [
            Indication::TotalPassed,
            Indication::TotalFailed,
            Indication::Indeterminate,
            Indication::NoSignature,
        ] {
            assert_ne!(indication_text(i, Lang::En), indication_text(i, Lang::Vi));
        }
    }

    #[test]
    fn vietnamese_report_names_the_signer_and_reason() {
        let mut s = SignatureReport::new("Signature1", "PAdES-B-B");
        s.fail(
            Indication::TotalFailed,
            SubIndication::HashFailure,
            "digest mismatch",
        );
        let r = ValidationReport::new(crate::report::DocumentFormat::Pdf, vec![s]);
        let text = render_text(&r, Lang::Vi);
        assert!(text.contains("KHÔNG HỢP LỆ"), "{text}");
        assert!(text.contains("nội dung đã ký bị thay đổi"), "{text}");
        assert!(!render_text(&r, Lang::En).contains("KHÔNG"));
    }

    #[test]
    fn inspection_names_the_reason_a_chain_fails_in_words() {
        let fixture = |rel: &str| {
            std::fs::read(format!("{}/fixtures/{rel}", env!("CARGO_MANIFEST_DIR")))
                .unwrap_or_else(|e| panic!("{rel}: {e}"))
        };
        let mut trust = crate::pki::TrustStore::new();
        for c in crate::pki::Certificate::parse_any(&fixture("pki/root.pem")).expect("root") {
            trust.add(c);
        }
        let options = crate::inspect::InspectOptions {
            password: Some("kyso-test".into()),
            trust: Some(trust),
            policy: crate::policy::ValidationPolicy {
                validation_time: Some(time::macros::datetime!(2026-01-01 00:00 UTC)),
                ..Default::default()
            },
        };
        let report = crate::inspect::inspect(&fixture("pki/expired.p12"), &options).expect("p12");
        let en = render_inspect(&report, Lang::En);
        assert!(
            en.contains("Chain:            NOT valid — a certificate has expired"),
            "{en}"
        );
        assert!(en.contains("MST:              0100000001"), "{en}");
        assert!(!en.contains("Some("), "no debug text: {en}");
        let vi = render_inspect(&report, Lang::Vi);
        assert!(
            vi.contains("KHÔNG hợp lệ — chứng thư số đã hết hạn"),
            "{vi}"
        );
        assert!(
            vi.contains("Tệp PKCS#12 chứa khóa bí mật: RSA 2048"),
            "{vi}"
        );
    }
}
