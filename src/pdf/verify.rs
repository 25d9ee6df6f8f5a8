//! Verification of PDF signatures: find them through the form, check the byte ranges
//! strictly, verify the CMS, the signer and everything that was appended afterwards.

use std::sync::Arc;

use super::diff::{self, Permissions};
use super::object::{Dictionary, IndirectObject, Location, ObjRef, Object};
use super::{Document, Source};
use crate::cms::{ParsedSignedData, TimestampToken, parse_signed_data};
use crate::error::{Error, Result};
use crate::pki::rfc3339;
use crate::report::{
    Coverage, DocumentFormat, Indication, Modifications, SignatureReport, SubIndication,
    TimestampReport, ValidationReport,
};
use crate::validation::{Evidence, VerifyOptions, raise_to_lt, record_algorithm, validate_signer};

/// One signature field with a value, as found through the form.
struct Found {
    name: String,
    sig_ref: ObjRef,
}

/// Verifies every signature of a PDF.
///
/// Signatures are found through the AcroForm field tree of the newest revision, never by
/// scanning bytes. A file that cannot be read as a PDF is an `Err`; everything about a
/// signature goes into its report entry.
pub fn verify_pdf<S: Source>(source: S, options: &VerifyOptions) -> Result<ValidationReport> {
    let doc = Document::open(source, &options.policy.limits)?;
    let view = doc.latest();
    let fields = view.fields()?;
    let found: Vec<Found> = fields
        .iter()
        .filter(|f| f.is_signature())
        .filter_map(|f| match &f.value {
            Some(Object::Ref(r)) => Some(Found {
                name: f.name.clone(),
                sig_ref: *r,
            }),
            _ => None,
        })
        .take(options.policy.limits.max_signatures as usize)
        .collect();
    // Inline (direct) signature values cannot be located in the file: they are reported as
    // broken rather than skipped, so that they cannot hide.
    let inline: Vec<String> = fields
        .iter()
        .filter(|f| f.is_signature() && matches!(f.value, Some(Object::Dict(_))))
        .map(|f| f.name.clone())
        .collect();

    // A signature value in a field that is not a signature field (its /FT changed after
    // signing, or missing) would vanish from the report while the update that carries it
    // passes as an added widget: it is reported as a failed signature under its name.
    let disguised: Vec<(String, String)> = fields
        .iter()
        .filter(|f| !f.is_signature())
        .filter_map(|f| {
            let value = view
                .resolve_dict(f.value.as_ref()?, "a field value")
                .ok()
                .flatten()?;
            let signature_value = value.contains_key("ByteRange")
                || value.is_name("Type", "Sig")
                || value.is_name("Type", "DocTimeStamp");
            let field_type = f.field_type.as_ref().map_or_else(
                || "no /FT".to_owned(),
                |t| format!("/FT /{}", String::from_utf8_lossy(t.as_bytes())),
            );
            signature_value.then(|| (f.name.clone(), field_type))
        })
        .take(options.policy.limits.max_signatures as usize)
        .collect();
    let mut found = found;
    if !found.is_empty() {
        // Every field's value, signature field or not (a disguised one is reported above).
        let named: std::collections::HashSet<ObjRef> = fields
            .iter()
            .filter_map(|f| f.value.as_ref().and_then(Object::as_ref))
            .collect();
        let room = (options.policy.limits.max_signatures as usize).saturating_sub(found.len());
        found.extend(unreferenced_signatures(&doc, &named).into_iter().take(room));
    }
    let certification = certification_level(&doc)?;
    // Validation material kept in the Document Security Store (PAdES B-LT) serves every
    // signature; a DSS that cannot be read is no evidence at all.
    let dss = super::read_dss(&view).unwrap_or_default();
    let mut reports = Vec::new();
    let mut locks = Permissions::default();
    let mut checked: Vec<(usize, SignatureReport)> = Vec::new();
    let mut hashes = PrefixHashes::default();
    for f in &found {
        let (revision, report, sig_locks) = match verify_one(&doc, f, options, &dss, &mut hashes) {
            Ok(checked) => checked,
            // A signature whose own objects cannot be read fails by itself, under its name;
            // the others are still reported.
            Err(e @ (Error::Malformed { .. } | Error::LimitExceeded { .. })) => {
                let mut report = SignatureReport::new(f.name.clone(), "PDF");
                fail(&mut report, SubIndication::FormatFailure, e.to_string());
                (None, report, None)
            }
            Err(e) => return Err(e),
        };
        if let Some(l) = sig_locks {
            locks.all_fields_locked |= l.all_fields_locked;
            locks.locked_fields.extend(l.locked_fields);
        }
        checked.push((revision.unwrap_or(usize::MAX), report));
    }
    let tail = unaccounted_tail(&doc)?;
    // A valid document time-stamp over a signature's revision and the DSS raises it to LTA.
    let newest_doc_timestamp = checked
        .iter()
        .filter(|(_, r)| {
            r.level == "DocTimeStamp"
                && r.timestamp
                    .as_ref()
                    .is_some_and(|t| t.indication == Indication::TotalPassed)
        })
        .map(|(rev, _)| *rev)
        .max();
    // Revision analysis needs every signature's locks, so it runs after the first pass. Each
    // revision after the oldest signed one is analysed once, for all signatures.
    let oldest = checked
        .iter()
        .map(|(rev, _)| *rev)
        .filter(|rev| *rev != usize::MAX)
        .min();
    let mut history = match oldest {
        Some(from) => Some(diff::History::new(&doc, from, &locks)?),
        None => None,
    };
    for (revision, mut report) in checked {
        if let Some(why) = &tail {
            report.fail(
                Indication::TotalFailed,
                SubIndication::ModifiedAfterSigning,
                why.clone(),
            );
        }
        if report.level == "PAdES-B-LT" && newest_doc_timestamp.is_some_and(|ts| ts > revision) {
            report.level = "PAdES-B-LTA".into();
        }
        if revision != usize::MAX
            && let Some(history) = history.as_mut()
        {
            let docmdp = certification
                .filter(|(_, rev)| *rev <= revision)
                .map(|(p, _)| p);
            match history.outcome(revision, docmdp) {
                Ok(outcome) => {
                    report.modifications_after = Some(if !outcome.changed {
                        Modifications::None
                    } else if outcome.forbidden.is_empty() {
                        Modifications::Permitted
                    } else {
                        Modifications::NotPermitted
                    });
                    report.warnings.extend(outcome.notes);
                    for why in outcome.forbidden {
                        report.fail(
                            Indication::TotalFailed,
                            SubIndication::ModifiedAfterSigning,
                            why,
                        );
                    }
                }
                Err(e) => report.fail(
                    Indication::TotalFailed,
                    SubIndication::FormatFailure,
                    format!("cannot analyse the changes after signing: {e}"),
                ),
            }
        }
        report.conclude();
        reports.push(report);
    }
    for (name, field_type) in disguised {
        let mut r = SignatureReport::new(name, "PDF");
        r.fail(
            Indication::TotalFailed,
            SubIndication::FormatFailure,
            format!(
                "the field holds a signature value but is not a signature field ({field_type})"
            ),
        );
        reports.push(r);
    }
    for name in inline {
        let mut r = SignatureReport::new(name, "PDF");
        r.fail(
            Indication::TotalFailed,
            SubIndication::FormatFailure,
            "the signature value is a direct object, so its byte range cannot be checked",
        );
        reports.push(r);
    }
    Ok(ValidationReport::new(DocumentFormat::Pdf, reports))
}

/// Signature dictionaries that the newest revision still holds but that no field's value
/// refers to: a signature whose field was cleared or rewritten after signing. Each is verified
/// like a field's signature (named after its object), so that a signed revision cannot drop
/// out of the report while the update that dropped it passes as permitted.
fn unreferenced_signatures<S: Source>(
    doc: &Document<S>,
    named: &std::collections::HashSet<ObjRef>,
) -> Vec<Found> {
    let view = doc.latest();
    let mut out = Vec::new();
    for (k, revision) in doc.revisions().iter().enumerate() {
        for (num, entry) in revision.entries() {
            let super::XrefEntry::InUse { generation, .. } = *entry else {
                continue;
            };
            // Only the version the newest revision sees, once.
            if !matches!(view.entry(*num), Some((writer, _)) if writer == k) {
                continue;
            }
            let r = ObjRef::new(*num, generation);
            if named.contains(&r) {
                continue;
            }
            let Ok(Some(object)) = view.get(r) else {
                continue;
            };
            let Some(d) = object.object.as_dict() else {
                continue;
            };
            let signature = d.contains_key("ByteRange")
                && d.contains_key("Contents")
                && (d.is_name("Type", "Sig")
                    || d.is_name("Type", "DocTimeStamp")
                    || d.contains_key("SubFilter"));
            if signature {
                out.push(Found {
                    name: format!("unreferenced signature {r}"),
                    sig_ref: r,
                });
            }
        }
    }
    out
}

/// Bytes after the newest revision's `%%EOF` that are not white space: data that no
/// cross-reference section accounts for, such as objects appended without an xref section
/// (an incremental saving attack that repairing readers fall for). `None` when there are none.
fn unaccounted_tail<S: Source>(doc: &Document<S>) -> Result<Option<String>> {
    let end = doc.latest_revision().end();
    let len = doc.len();
    if end >= len {
        return Ok(None);
    }
    // `open` found the last `startxref` within the file's tail, so this is short.
    let n = usize::try_from(len - end)
        .unwrap_or(usize::MAX)
        .min(64 * 1024);
    let mut rest = vec![0u8; n];
    doc.source().read_exact_at(end, &mut rest)?;
    let Some(first) = rest
        .iter()
        .position(|&b| !matches!(b, b' ' | b'\t' | b'\r' | b'\n' | b'\x0c' | 0))
    else {
        return Ok(None);
    };
    let preview: String = rest[first..]
        .iter()
        .take(40)
        .map(|&b| {
            if b.is_ascii_graphic() || b == b' ' {
                b as char
            } else {
                ' '
            }
        })
        .collect();
    Ok(Some(format!(
        "{} bytes after the last %%EOF (from byte {}) belong to no revision: \"{}\"",
        len - end,
        end + first as u64,
        preview.trim_end()
    )))
}

/// DocMDP P of a certification signature and the revision it signed, from the catalog's
/// /Perms.
fn certification_level<S: Source>(doc: &Document<S>) -> Result<Option<(u8, usize)>> {
    let view = doc.latest();
    let (_, catalog) = view.catalog()?;
    let Some(perms) = catalog
        .get("Perms")
        .map(|p| view.resolve_dict(p, "/Perms"))
        .transpose()?
        .flatten()
    else {
        return Ok(None);
    };
    let Some(sig_ref) = perms.get_ref("DocMDP") else {
        return Ok(None);
    };
    let Some(sig) = view.get(sig_ref)? else {
        return Ok(None);
    };
    let Some(dict) = sig.object.as_dict() else {
        return Ok(None);
    };
    let p = docmdp_p(&view, dict).unwrap_or(2);
    let revision = dict
        .get("ByteRange")
        .and_then(Object::as_array)
        .and_then(|a| Some(a.get(2)?.as_int()? + a.get(3)?.as_int()?))
        .and_then(|end| signed_revision(doc, end as u64))
        .unwrap_or(0);
    Ok(Some((p, revision)))
}

pub(crate) fn docmdp_p<S: Source>(
    view: &super::RevisionView<'_, S>,
    sig: &Dictionary,
) -> Option<u8> {
    let refs = view.resolve(sig.get("Reference")?).ok()?;
    for r in refs.as_array()?.iter() {
        let d = view.resolve_dict(r, "a signature reference").ok()??;
        if d.is_name("TransformMethod", "DocMDP") {
            let params = view
                .resolve_dict(d.get("TransformParams")?, "TransformParams")
                .ok()??;
            return Some(params.get_int("P").unwrap_or(2).clamp(1, 3) as u8);
        }
    }
    None
}

fn field_locks<S: Source>(
    view: &super::RevisionView<'_, S>,
    sig: &Dictionary,
) -> Option<Permissions> {
    let refs = view.resolve(sig.get("Reference")?).ok()?;
    let mut perms = Permissions::default();
    let mut any = false;
    for r in refs.as_array()?.iter() {
        let Some(d) = view.resolve_dict(r, "a signature reference").ok().flatten() else {
            continue;
        };
        if !d.is_name("TransformMethod", "FieldMDP") {
            continue;
        }
        let Some(params) = d
            .get("TransformParams")
            .and_then(|p| view.resolve_dict(p, "TransformParams").ok().flatten())
        else {
            continue;
        };
        any = true;
        let names: Vec<String> = params
            .get("Fields")
            .and_then(Object::as_array)
            .map(|a| {
                a.iter()
                    .filter_map(|o| o.as_string().map(|s| s.to_text()))
                    .collect()
            })
            .unwrap_or_default();
        if params.is_name("Action", "Include") {
            perms.locked_fields.extend(names);
        } else {
            // /All, and /Exclude taken as /All: locking more than asked fails closed.
            perms.all_fields_locked = true;
        }
    }
    any.then_some(perms)
}

/// The revision whose end is `end` (after `%%EOF`, with or without its end-of-line).
fn signed_revision<S: Source>(doc: &Document<S>, end: u64) -> Option<usize> {
    doc.revisions()
        .iter()
        .position(|r| r.end() == end || r.marker_end() == end)
}

fn fail(report: &mut SignatureReport, sub: SubIndication, why: impl Into<String>) {
    report.fail(Indication::TotalFailed, sub, why);
}

/// Checks one signature; returns the revision it covers (when its ranges are sound), its
/// report, and the fields it locks.
fn verify_one<S: Source>(
    doc: &Document<S>,
    found: &Found,
    options: &VerifyOptions,
    dss: &super::Dss,
    hashes: &mut PrefixHashes,
) -> Result<(Option<usize>, SignatureReport, Option<Permissions>)> {
    let mut report = SignatureReport::new(found.name.clone(), "PDF");
    let Some(obj) = doc.get(found.sig_ref)? else {
        fail(
            &mut report,
            SubIndication::FormatFailure,
            "the signature value does not exist",
        );
        return Ok((None, report, None));
    };
    let Some(sig) = obj.object.as_dict() else {
        fail(
            &mut report,
            SubIndication::FormatFailure,
            "the signature value is not a dictionary",
        );
        return Ok((None, report, None));
    };
    let sub_filter = sig
        .get_name("SubFilter")
        .and_then(|n| n.as_str())
        .unwrap_or("")
        .to_owned();
    report.level = match sub_filter.as_str() {
        "ETSI.CAdES.detached" => "PAdES-B-B",
        "adbe.pkcs7.detached" | "adbe.pkcs7.sha1" => "PKCS7",
        "ETSI.RFC3161" => "DocTimeStamp",
        _ => "PDF",
    }
    .into();
    report.claimed_signing_time = sig
        .get("M")
        .and_then(Object::as_string)
        .and_then(|s| crate::dates::pdf_to_rfc3339(&s.bytes));
    let locks = field_locks(&doc.latest(), sig);

    let ranges = match check_byte_range(doc, &obj, sig) {
        Ok(r) => r,
        Err(why) => {
            fail(&mut report, SubIndication::FormatFailure, why);
            return Ok((None, report, locks));
        }
    };
    let covered_end = ranges[2] + ranges[3];
    let Some(revision) = signed_revision(doc, covered_end) else {
        fail(
            &mut report,
            SubIndication::FormatFailure,
            "the signed byte ranges do not end where a revision ends",
        );
        return Ok((None, report, locks));
    };
    // The signature dictionary must be the one the signed revision defines, unchanged since.
    match doc.get_in_revision(revision, found.sig_ref)? {
        Some(o) if o.location == obj.location => {}
        _ => {
            fail(
                &mut report,
                SubIndication::FormatFailure,
                "the signature dictionary was replaced after signing",
            );
            return Ok((None, report, locks));
        }
    }
    report.coverage = Some(if covered_end == doc.len() {
        Coverage::EntireFile
    } else {
        Coverage::EntireRevision
    });

    let Some(contents) = sig.get("Contents").and_then(Object::as_string) else {
        fail(
            &mut report,
            SubIndication::FormatFailure,
            "/Contents is not a string",
        );
        return Ok((Some(revision), report, locks));
    };
    if sub_filter == "ETSI.RFC3161" {
        verify_doc_timestamp(doc, &ranges, &contents.bytes, options, &mut report, hashes)?;
        return Ok((Some(revision), report, locks));
    }
    let cms = match parse_signed_data(&contents.bytes) {
        Ok(c) => c,
        Err(e) => {
            fail(
                &mut report,
                SubIndication::FormatFailure,
                format!("/Contents: {e}"),
            );
            return Ok((Some(revision), report, locks));
        }
    };
    report.digest_algorithm = Some(cms.digest_algorithm.name().into());
    report.signature_algorithm = Some(cms.signature_algorithm.name());
    report.warnings.extend(cms.warnings.iter().cloned());
    if report.claimed_signing_time.is_none() {
        report.claimed_signing_time = cms.signing_time.map(rfc3339);
    }
    if sub_filter == "ETSI.CAdES.detached" && !cms.has_signing_certificate_attribute() {
        fail(
            &mut report,
            SubIndication::FormatFailure,
            "PAdES signature without a signing-certificate attribute",
        );
    }
    check_algorithms(&cms, options, &mut report);

    let content_digest = hashes.digest(doc, &ranges, cms.digest_algorithm)?;
    let verified = if sub_filter == "adbe.pkcs7.sha1" {
        // The signed content is the SHA-1 digest of the ranges, encapsulated.
        let sha1 = hashes.digest(doc, &ranges, crate::DigestAlgorithm::Sha1)?;
        if cms.content.as_deref() != Some(sha1.as_slice()) {
            Err(crate::cms::CmsFailure {
                sub_indication: SubIndication::HashFailure,
                message: "the encapsulated SHA-1 digest does not match the signed ranges".into(),
            })
        } else {
            cms.verify(&cms.digest_algorithm.digest(&sha1))
        }
    } else if cms.content.is_some() {
        Err(crate::cms::CmsFailure {
            sub_indication: SubIndication::FormatFailure,
            message: "a detached signature must not encapsulate content".into(),
        })
    } else {
        cms.verify(&content_digest)
    };
    if let Some(signer) = &cms.signer {
        report.signer = Some(signer.to_signer_report());
    }
    if let Err(f) = verified {
        fail(&mut report, f.sub_indication, f.message);
        return Ok((Some(revision), report, locks));
    }
    let (proof_of_existence, timestamp_chain) =
        match signature_timestamp(&cms, options, &mut report) {
            Some((time, chain)) => (Some(time), chain),
            None => (None, Vec::new()),
        };
    if proof_of_existence.is_some() && report.level == "PAdES-B-B" {
        report.level = "PAdES-B-T".into();
    }
    if let Some(signer) = &cms.signer {
        let mut crls: Vec<crate::pki::Crl> = cms
            .crls
            .iter()
            .filter_map(|d| crate::pki::Crl::parse(d).ok())
            .collect();
        crls.extend(dss.crls.iter().cloned());
        let mut ocsp = dss.ocsp.clone();
        if let Some(archive) = &cms.adobe_revocation_info {
            crls.extend(
                archive
                    .crls
                    .iter()
                    .filter_map(|d| crate::pki::Crl::parse(d).ok()),
            );
            ocsp.extend(
                archive
                    .ocsp
                    .iter()
                    .filter_map(|d| crate::pki::OcspResponse::parse(d).ok()),
            );
        }
        let mut certificates = cms.certificates.clone();
        certificates.extend(dss.certificates.iter().cloned());
        let evidence = Evidence {
            signer,
            certificates: &certificates,
            crls: &crls,
            ocsp: &ocsp,
            proof_of_existence,
            timestamp_chain: &timestamp_chain,
        };
        validate_signer(&evidence, options, &mut report);
        let carried = !dss.crls.is_empty() || !dss.ocsp.is_empty();
        raise_to_lt(&mut report, carried, ("PAdES-B-T", "PAdES-B-LT"));
    }
    Ok((Some(revision), report, locks))
}

/// The signature's algorithm and the signer's key under the one algorithm policy.
fn check_algorithms(cms: &ParsedSignedData, options: &VerifyOptions, report: &mut SignatureReport) {
    // The digest that is signed is the CMS digestAlgorithm, whatever the signature algorithm
    // names.
    let algorithm = cms.signature_algorithm.with_digest(cms.digest_algorithm);
    let Some(key) = cms.signer.as_ref().and_then(|s| s.key_kind()) else {
        return;
    };
    record_algorithm(
        report,
        "the signature",
        options.policy.check_algorithm(algorithm, key),
    );
}

/// Verifies the signature time-stamp (unsigned attribute) and returns its time and the TSA's
/// chain when valid.
fn signature_timestamp(
    cms: &ParsedSignedData,
    options: &VerifyOptions,
    report: &mut SignatureReport,
) -> Option<(time::OffsetDateTime, Vec<crate::pki::Certificate>)> {
    let token = cms.timestamp_token.as_ref()?;
    let parsed = match TimestampToken::parse(token) {
        Ok(t) => t,
        Err(e) => {
            report.warnings.push(format!("timestamp_invalid: {e}"));
            return None;
        }
    };
    let tsa = parsed
        .tsa_certificate()
        .map(|c| c.subject().to_rfc4514())
        .unwrap_or_default();
    let result = parsed.verify(
        &cms.signature,
        &cms.certificates,
        &options.trust,
        options.policy.time(),
        &options.policy,
    );
    let ok = result.is_ok();
    let chain = match result {
        Ok(chain) => chain,
        Err(e) => {
            report
                .warnings
                .push(format!("timestamp_invalid: {}", e.message));
            Vec::new()
        }
    };
    report.timestamp = Some(TimestampReport {
        time: rfc3339(parsed.gen_time),
        tsa,
        indication: if ok {
            Indication::TotalPassed
        } else {
            Indication::Indeterminate
        },
    });
    ok.then_some((parsed.gen_time, chain))
}

fn verify_doc_timestamp<S: Source>(
    doc: &Document<S>,
    ranges: &[u64; 4],
    contents: &[u8],
    options: &VerifyOptions,
    report: &mut SignatureReport,
    hashes: &mut PrefixHashes,
) -> Result<()> {
    let token = match TimestampToken::parse(contents) {
        Ok(t) => t,
        Err(e) => {
            fail(
                report,
                SubIndication::FormatFailure,
                format!("document time-stamp: {e}"),
            );
            return Ok(());
        }
    };
    let digest = hashes.digest(doc, ranges, token.imprint_algorithm)?;
    if let Some(tsa) = token.tsa_certificate() {
        report.signer = Some(tsa.to_signer_report());
    }
    report.claimed_signing_time = Some(rfc3339(token.gen_time));
    match token.verify_imprint(
        &digest,
        &[],
        &options.trust,
        options.policy.time(),
        &options.policy,
    ) {
        Ok(_) => {
            report.timestamp = Some(TimestampReport {
                time: rfc3339(token.gen_time),
                tsa: report
                    .signer
                    .as_ref()
                    .map(|s| s.subject.clone())
                    .unwrap_or_default(),
                indication: Indication::TotalPassed,
            });
        }
        Err(e) => {
            let indication = match e.sub_indication {
                SubIndication::HashFailure | SubIndication::SigCryptoFailure => {
                    Indication::TotalFailed
                }
                _ => Indication::Indeterminate,
            };
            report.fail(indication, e.sub_indication, e.message);
        }
    }
    Ok(())
}

/// The strict /ByteRange rules: four non-negative integers starting at 0; the gap is exactly
/// this dictionary's /Contents hex string; everything lies in the file; the dictionary itself
/// is inside the signed bytes and not in an object stream.
fn check_byte_range<S: Source>(
    doc: &Document<S>,
    obj: &Arc<IndirectObject>,
    sig: &Dictionary,
) -> std::result::Result<[u64; 4], String> {
    let Some(Object::Array(br)) = sig.get("ByteRange") else {
        return Err("/ByteRange is missing or not an array".into());
    };
    if br.len() != 4 {
        return Err(format!("/ByteRange has {} numbers, not 4", br.len()));
    }
    let mut v = [0u64; 4];
    for (i, o) in br.iter().enumerate() {
        match o {
            Object::Int(n) if *n >= 0 => v[i] = *n as u64,
            _ => return Err("/ByteRange holds something other than non-negative integers".into()),
        }
    }
    if v[0] != 0 {
        return Err("/ByteRange does not start at 0".into());
    }
    let (gap_start, gap_end) = (v[1], v[2]);
    let end = gap_end.checked_add(v[3]).ok_or("/ByteRange overflows")?;
    if gap_start >= gap_end {
        return Err("/ByteRange ranges overlap or are out of order".into());
    }
    if end > doc.len() {
        return Err("/ByteRange points outside the file".into());
    }
    let Location::Offset(_) = obj.location else {
        return Err("the signature dictionary is in an object stream".into());
    };
    let Some(contents) = sig.entry("Contents") else {
        return Err("/Contents is missing".into());
    };
    let Object::String(s) = &contents.value else {
        return Err("/Contents is not a string".into());
    };
    if !s.hex {
        return Err("/Contents is not a hex string".into());
    }
    if s.bytes.is_empty() {
        return Err("/Contents is empty".into());
    }
    let Some(span) = contents.span else {
        return Err("/Contents has no position in the file".into());
    };
    if span.start != gap_start || span.end != gap_end {
        return Err(format!(
            "the /ByteRange gap {gap_start}..{gap_end} is not this signature's /Contents ({}..{})",
            span.start, span.end
        ));
    }
    match obj.span {
        Some(s) if s.end <= end => {}
        _ => return Err("the signature dictionary lies outside the signed bytes".into()),
    }
    // An odd number of hex digits is a damaged value, even though the parser pads it.
    let mut digits = vec![0u8; (span.end - span.start) as usize];
    doc.source()
        .read_exact_at(span.start, &mut digits)
        .map_err(|e| e.to_string())?;
    let hex_digits = digits.iter().filter(|b| b.is_ascii_hexdigit()).count();
    if hex_digits % 2 != 0 {
        return Err("/Contents has an odd number of hex digits".into());
    }
    Ok(v)
}

/// Digests of checked byte ranges (`[0, a)` and `[b, b + n)`), sharing one running hash of
/// the file's start per algorithm.
///
/// The first range of every signature starts at 0, and sequential signatures sign ever longer
/// prefixes of the file: hashing each from the start costs the square of the number of
/// signatures. Instead the running hash is carried forward to each signature's gap, copied,
/// and the copy finishes with the signature's second range. A request behind the running hash
/// (signatures found out of file order) starts a fresh one: slower, never wrong.
#[derive(Default)]
struct PrefixHashes {
    running: Vec<(crate::DigestAlgorithm, crate::crypto::Hasher, u64)>,
}

impl PrefixHashes {
    fn digest<S: Source>(
        &mut self,
        doc: &Document<S>,
        ranges: &[u64; 4],
        alg: crate::DigestAlgorithm,
    ) -> Result<Vec<u8>> {
        let gap = ranges[1];
        let (_, mut running, pos) = match self
            .running
            .iter()
            .position(|(a, _, pos)| *a == alg && *pos <= gap)
        {
            Some(i) => self.running.swap_remove(i),
            None => {
                self.running.retain(|(a, _, _)| *a != alg);
                (alg, alg.hasher(), 0)
            }
        };
        hash_span(doc, &mut running, pos, gap)?;
        let mut hasher = running.clone();
        self.running.push((alg, running, gap));
        let end = ranges[2].saturating_add(ranges[3]);
        hash_span(doc, &mut hasher, ranges[2], end)?;
        Ok(hasher.finish())
    }
}

/// Feeds bytes `start..end` of the source to `hasher` in chunks.
fn hash_span<S: Source>(
    doc: &Document<S>,
    hasher: &mut crate::crypto::Hasher,
    start: u64,
    end: u64,
) -> Result<()> {
    const CHUNK: usize = 1 << 20;
    // A buffer the size of the span, up to the chunk: most signed PDFs are far smaller than a
    // chunk, and zeroing a megabyte per signature costs more than hashing them (and crowds
    // the cache of a core that verifies files in parallel with another).
    let longest = usize::try_from(end.saturating_sub(start)).unwrap_or(CHUNK);
    let mut buf = vec![0u8; CHUNK.min(longest)];
    let mut pos = start;
    while pos < end {
        let n = buf
            .len()
            .min(usize::try_from(end - pos).unwrap_or(usize::MAX));
        doc.source().read_exact_at(pos, &mut buf[..n])?;
        hasher.update(&buf[..n]);
        pos += n as u64;
    }
    Ok(())
}
