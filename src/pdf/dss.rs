//! The Document Security Store (PAdES, ISO 32000-2 §12.8.4.3) as a verifier reads it: the
//! certificates, CRLs and OCSP responses a document carries for its signatures' validation.
//! Writing one is [`super::ltv`]'s job.

use super::{RevisionView, Source};
use crate::error::Result;
use crate::pki::{Certificate, Crl, OcspResponse};

/// Validation material read from a document's DSS.
#[derive(Debug, Clone, Default)]
pub struct Dss {
    /// Certificates.
    pub certificates: Vec<Certificate>,
    /// CRLs.
    pub crls: Vec<Crl>,
    /// OCSP responses.
    pub ocsp: Vec<OcspResponse>,
}

/// Reads the DSS of the newest revision; entries that do not parse are skipped.
pub fn read_dss<S: Source>(view: &RevisionView<'_, S>) -> Result<Dss> {
    let (_, catalog) = view.catalog()?;
    let mut dss = Dss::default();
    let Some(d) = catalog
        .get("DSS")
        .map(|d| view.resolve_dict(d, "/DSS"))
        .transpose()?
        .flatten()
    else {
        return Ok(dss);
    };
    for (key, kind) in [("Certs", 0), ("CRLs", 1), ("OCSPs", 2)] {
        let Some(list) = d.get(key).map(|l| view.resolve(l)).transpose()? else {
            continue;
        };
        let Some(list) = list.as_array() else {
            continue;
        };
        for item in list
            .iter()
            .take(view.document().limits().max_pdf_objects as usize)
        {
            let Some(r) = item.as_ref() else { continue };
            let Some(obj) = view.get(r)? else { continue };
            let Some(stream) = obj.object.as_stream() else {
                continue;
            };
            let Ok(data) = view.document().stream_data_decoded(stream) else {
                continue;
            };
            match kind {
                0 => dss.certificates.extend(Certificate::from_der(&data).ok()),
                1 => dss.crls.extend(Crl::parse(&data).ok()),
                _ => dss.ocsp.extend(OcspResponse::parse(&data).ok()),
            }
        }
    }
    Ok(dss)
}
