//! Vietnamese profiles: e-invoices (Decree 123/2020, Circular 78/2021) and tax filings.
//!
//! **E-invoice.** An invoice is `HDon` (the document element, or inside `TDiep/DLieu`) with
//! the invoice data `DLHDon[@Id]` and the signatures under `DSCKS`: the seller's in `NBan`,
//! the buyer's in `NMua`, the tax authority's in `CQT`. The seller's signature uses C14N 1.0
//! and rsa-sha256, a Reference to `#<DLHDon Id>` (enveloped-signature + C14N) and a Reference
//! to a `ds:Object` holding `SignatureProperties/SignatureProperty/SigningTime` in Vietnam's
//! local time without a zone (`YYYY-MM-DDTHH:MM:SS`, +07:00); KeyInfo carries
//! `X509SubjectName` and `X509Certificate`.
//!
//! Verification pins what the signatures of an invoice may sign: each Reference must resolve
//! to the `DLHDon` child of the `HDon` that holds the signature's `DSCKS` (the tax authority
//! may also sign other children of that `HDon`, such as `MCCQT`), to something inside the
//! signature itself, or to the whole document (accepted with a warning); and one must cover
//! that `DLHDon`. A signed `DLHDon` moved or copied
//! elsewhere therefore never passes. The seller's certificate must carry the seller's tax
//! code (`DLHDon/NDHDon/NBan/MST`): a `tax_code_mismatch` warning, or SIG_CONSTRAINTS_FAILURE
//! under [`ValidationPolicy::strict_tax_code`]. The buyer's tax code, when the invoice has
//! one, is checked the same way but only ever warned about.
//!
//! **Tax filing.** A declaration such as `HSoThueDTu/HSoKhaiThue[@id]` carries its
//! Signature inside the signed element's parent (e.g. `HSoThueDTu/CKyDTu`); older filings use
//! C14N#WithComments and rsa-sha1, which verify with a `weak_algorithm` warning. A signed
//! element must have its parent among the Signature's ancestors, and the taxpayer's tax code
//! (`NNT/mst`) is compared with the signer's like the seller's.

use roxmltree::Node;
use time::OffsetDateTime;

use crate::error::{Error, Result};
use crate::pki::Certificate;
use crate::policy::ValidationPolicy;
use crate::report::{Indication, SignatureReport, SubIndication};
use crate::xml::XmlDocument;
use crate::xml::dsig::reference::{ParsedReference, PathNamer, Target};
use crate::xml::dsig::{DSIG_NS, children_named, element_children, escape_xml, is_element};

pub use crate::dates::{VIETNAM_OFFSET, vietnam_local as local_time};

/// A Vietnamese document profile.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum DocProfile {
    /// An e-invoice.
    Einvoice,
    /// A tax filing.
    TaxFiling,
}

/// Which profile a document calls for by its shape.
pub(crate) fn detect(doc: &XmlDocument<'_>) -> Option<DocProfile> {
    let root = doc.root_element();
    match root.tag_name().name() {
        "HDon" => Some(DocProfile::Einvoice),
        "TDiep" if !invoices(doc).is_empty() => Some(DocProfile::Einvoice),
        "HSoThueDTu" => Some(DocProfile::TaxFiling),
        _ => None,
    }
}

fn named<'a, 'i>(
    node: Node<'a, 'i>,
    local: &'static str,
) -> impl Iterator<Item = Node<'a, 'i>> + 'a {
    element_children(node).filter(move |c| c.tag_name().name() == local)
}

/// The invoices of a document: the `HDon` document element, or the `HDon`s of
/// `TDiep/DLieu`.
pub(crate) fn invoices<'a, 'i>(doc: &'a XmlDocument<'i>) -> Vec<Node<'a, 'i>> {
    let root = doc.root_element();
    match root.tag_name().name() {
        "HDon" => vec![root],
        "TDiep" => named(root, "DLieu")
            .flat_map(|d| named(d, "HDon"))
            .collect(),
        _ => Vec::new(),
    }
}

/// The role of an e-invoice signature, by where it stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Role {
    Seller,
    Buyer,
    TaxAuthority,
}

/// The invoice and role of a signature at `HDon/DSCKS/(NBan|NMua|CQT)/Signature`.
fn placement<'a, 'i>(sig: Node<'a, 'i>) -> Option<(Node<'a, 'i>, Role)> {
    let holder = sig.parent_element()?;
    let role = match holder.tag_name().name() {
        "NBan" => Role::Seller,
        "NMua" => Role::Buyer,
        "CQT" => Role::TaxAuthority,
        _ => return None,
    };
    let dscks = holder
        .parent_element()
        .filter(|n| n.tag_name().name() == "DSCKS")?;
    let hdon = dscks
        .parent_element()
        .filter(|n| n.tag_name().name() == "HDon")?;
    Some((hdon, role))
}

/// Text of the element at a relative path of local names.
fn text_at(node: Node<'_, '_>, path: &[&'static str]) -> Option<String> {
    let mut cur = node;
    for step in path {
        cur = named(cur, step).next()?;
    }
    Some(cur.text().unwrap_or_default().trim().to_owned())
}

/// One signature as the profile's rules see it, after core verification.
#[derive(Clone, Copy)]
pub(crate) struct Signed<'s, 'a, 'i> {
    /// The document.
    pub doc: &'a XmlDocument<'i>,
    /// The `ds:Signature` element.
    pub sig: Node<'a, 'i>,
    /// Its references, dereferenced.
    pub references: &'s [ParsedReference<'a, 'i>],
    /// The certificate whose key verified the signature value, if any did.
    pub signer: Option<&'s Certificate>,
    /// The validation policy.
    pub policy: &'s ValidationPolicy,
}

/// Applies the profile's rules to one signature.
pub(crate) fn check_signature(
    profile: DocProfile,
    signed: &Signed<'_, '_, '_>,
    namer: &mut PathNamer,
    report: &mut SignatureReport,
) {
    match profile {
        DocProfile::Einvoice => check_invoice_signature(signed, namer, report),
        DocProfile::TaxFiling => check_filing_signature(signed, namer, report),
    }
}

/// Whether `node` is an invoice of an e-invoice document (see [`invoices`]).
fn is_invoice(node: Node<'_, '_>) -> bool {
    if !node.is_element() || node.tag_name().name() != "HDon" {
        return false;
    }
    match node.parent_element() {
        None => true,
        Some(dlieu) => {
            dlieu.tag_name().name() == "DLieu"
                && dlieu
                    .parent_element()
                    .is_some_and(|t| t.tag_name().name() == "TDiep" && t.parent_element().is_none())
        }
    }
}
fn constraint(report: &mut SignatureReport, message: String) {
    report.fail(
        Indication::TotalFailed,
        SubIndication::SigConstraintsFailure,
        message,
    );
}

fn check_invoice_signature(
    signed: &Signed<'_, '_, '_>,
    namer: &mut PathNamer,
    report: &mut SignatureReport,
) {
    let Signed {
        doc,
        sig,
        references,
        signer,
        policy,
    } = *signed;
    let Some((hdon, role)) = placement(sig) else {
        let touches_invoice = references.iter().any(|r| match r.target {
            Some(Target::Element { node, .. }) => node.ancestors().any(is_invoice),
            _ => false,
        });
        if invoices(doc).is_empty() {
            constraint(
                report,
                "e-invoice profile: the document has no HDon invoice".into(),
            );
        } else if touches_invoice {
            constraint(
                report,
                "e-invoice profile: a signature outside HDon/DSCKS/(NBan|NMua|CQT) signs invoice \
                 content"
                    .into(),
            );
        } else {
            report.warnings.push(
                "e-invoice profile: a signature outside HDon/DSCKS, verified as plain XMLDSig"
                    .into(),
            );
        }
        return;
    };
    let mut data = named(hdon, "DLHDon");
    let (Some(dlhdon), None) = (data.next(), data.next()) else {
        constraint(
            report,
            "e-invoice profile: the invoice must have exactly one DLHDon".into(),
        );
        return;
    };
    let mut covers_data = false;
    for r in references {
        let uri = r.uri.unwrap_or_default();
        match r.target {
            None => {} // already failed on its own
            Some(Target::Document { .. }) => {
                // The whole document holds this invoice's data where it stands.
                covers_data = true;
                report.warnings.push(format!(
                    "e-invoice profile: reference {uri:?} signs the whole document rather than \
                     #{} (a later signature in DSCKS will break it)",
                    dlhdon.attribute("Id").unwrap_or("<DLHDon Id>")
                ));
            }
            Some(Target::Element { node, .. }) => {
                let inside_signature = node.ancestors().any(|a| a == sig);
                let other_invoice_part = role == Role::TaxAuthority
                    && node.parent_element() == Some(hdon)
                    && node.tag_name().name() != "DSCKS";
                if node == dlhdon {
                    covers_data = true;
                } else if !inside_signature && !other_invoice_part {
                    constraint(
                        report,
                        format!(
                            "e-invoice profile: reference {uri:?} resolves to {}, not to the \
                             DLHDon of the invoice that holds this signature ({})",
                            namer.path(node),
                            namer.path(dlhdon)
                        ),
                    );
                }
            }
        }
    }
    if !covers_data {
        constraint(
            report,
            format!(
                "e-invoice profile: the signature does not sign the invoice data {}",
                namer.path(dlhdon)
            ),
        );
    }
    let (who, path): (&str, &[&'static str]) = match role {
        Role::Seller => ("seller", &["NDHDon", "NBan", "MST"]),
        Role::Buyer => ("buyer", &["NDHDon", "NMua", "MST"]),
        Role::TaxAuthority => return,
    };
    let tax_code = text_at(dlhdon, path).filter(|t| !t.is_empty());
    check_tax_code(
        who,
        tax_code,
        signer,
        role == Role::Seller && policy.strict_tax_code,
        report,
    );
}

fn check_tax_code(
    who: &str,
    tax_code: Option<String>,
    signer: Option<&Certificate>,
    strict: bool,
    report: &mut SignatureReport,
) {
    let Some(signer) = signer else {
        return;
    };
    let Some(tax_code) = tax_code else {
        if who != "buyer" {
            report.warnings.push(format!(
                "tax_code_missing: the document names no {who} tax code (MST)"
            ));
        }
        return;
    };
    if signer.identity().has_tax_code(&tax_code) {
        return;
    }
    let message = format!(
        "tax_code_mismatch: the {who}'s tax code {tax_code} is not in the signer's certificate \
         (MST {:?})",
        signer.identity().mst
    );
    if strict {
        constraint(report, message);
    } else {
        report.warnings.push(message);
    }
}

fn check_filing_signature(
    signed: &Signed<'_, '_, '_>,
    namer: &mut PathNamer,
    report: &mut SignatureReport,
) {
    let Signed {
        sig,
        references,
        signer,
        policy,
        ..
    } = *signed;
    let mut signed: Option<Node<'_, '_>> = None;
    for r in references {
        let Some(Target::Element { node, .. }) = r.target else {
            continue;
        };
        if node.ancestors().any(|a| a == sig) {
            continue;
        }
        let parent_holds_signature = node
            .parent_element()
            .is_some_and(|p| sig.ancestors().any(|a| a == p));
        if !parent_holds_signature {
            constraint(
                report,
                format!(
                    "tax-filing profile: reference {:?} resolves to {}, whose parent does not hold \
                     the signature",
                    r.uri.unwrap_or_default(),
                    namer.path(node)
                ),
            );
        }
        signed.get_or_insert(node);
    }
    let scope = signed.or_else(|| sig.ancestors().filter(Node::is_element).last());
    let tax_code = scope.and_then(|s| {
        s.descendants()
            .take(MAX_SCAN)
            .filter(|n| n.is_element() && n.tag_name().name() == "NNT")
            .find_map(|nnt| text_at(nnt, &["mst"]))
            .filter(|t| !t.is_empty())
    });
    check_tax_code("taxpayer", tax_code, signer, policy.strict_tax_code, report);
}

/// The e-invoice SigningTime of a signature (`Object/SignatureProperties/SignatureProperty/
/// SigningTime`), local time taken at +07:00 when written without a zone.
pub(crate) fn signing_time(sig: Node<'_, '_>) -> Option<OffsetDateTime> {
    children_named(sig, DSIG_NS, "Object")
        .flat_map(|o| o.descendants())
        .filter(|n| n.is_element() && n.tag_name().name() == "SigningTime")
        .find(|n| {
            n.parent_element()
                .is_some_and(|p| is_element(p, DSIG_NS, "SignatureProperty"))
        })
        .and_then(|n| crate::dates::parse_xsd(n.text().unwrap_or_default().trim(), VIETNAM_OFFSET))
}

/// Most nodes searched for a taxpayer's tax code.
const MAX_SCAN: usize = 200_000;

/// Document-wide e-invoice rules: an invoice whose seller slot holds no signature while the
/// document is signed gets a warning on the first signature.
pub(crate) fn check_document(
    doc: &XmlDocument<'_>,
    namer: &mut PathNamer,
    reports: &mut [SignatureReport],
) {
    for hdon in invoices(doc) {
        let seller_signed = named(hdon, "DSCKS")
            .flat_map(|d| named(d, "NBan"))
            .any(|n| children_named(n, DSIG_NS, "Signature").next().is_some());
        if !seller_signed && let Some(first) = reports.first_mut() {
            first.warnings.push(format!(
                "e-invoice profile: {} has no seller signature in DSCKS/NBan",
                namer.path(hdon)
            ));
        }
    }
}

/// The signed element and the signature's parent that the e-invoice profile uses by default:
/// the first invoice's `DLHDon`, and `DSCKS/NBan` of the same `HDon`.
pub(crate) fn seller_defaults<'a, 'i>(
    doc: &'a XmlDocument<'i>,
    reference: Option<&str>,
) -> Result<(String, Node<'a, 'i>)> {
    let data = match reference {
        Some(id) => doc
            .element_by_id(id)?
            .ok_or_else(|| Error::InvalidOption(format!("no element has the Id {id:?}")))?,
        None => invoices(doc)
            .into_iter()
            .find_map(|h| named(h, "DLHDon").next())
            .ok_or_else(|| Error::InvalidOption("not an e-invoice: no HDon/DLHDon".into()))?,
    };
    let id = data
        .attribute("Id")
        .ok_or_else(|| Error::InvalidOption("the invoice's DLHDon has no Id".into()))?
        .to_owned();
    let slot = data
        .parent_element()
        .filter(|h| h.tag_name().name() == "HDon")
        .and_then(|h| named(h, "DSCKS").next())
        .and_then(|d| named(d, "NBan").next())
        .ok_or_else(|| Error::InvalidOption("the invoice has no HDon/DSCKS/NBan".into()))?;
    Ok((id, slot))
}

/// The `ds:Object` holding the e-invoice SigningTime. `p` is the dsig prefix with its colon.
pub(crate) fn signing_time_object(
    p: &str,
    object_id: &str,
    signature_id: &str,
    t: OffsetDateTime,
) -> String {
    format!(
        "<{p}Object Id=\"{}\"><{p}SignatureProperties><{p}SignatureProperty Target=\"#{}\">\
         <{p}SigningTime>{}</{p}SigningTime></{p}SignatureProperty></{p}SignatureProperties>\
         </{p}Object>",
        escape_xml(object_id),
        escape_xml(signature_id),
        local_time(t)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn local_time_is_vietnam_time_without_zone() {
        let t = time::macros::datetime!(2025-12-31 20:30:05 UTC);
        assert_eq!(local_time(t), "2026-01-01T03:30:05");
    }
}
