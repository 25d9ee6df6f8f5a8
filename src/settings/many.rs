//! Signing many documents with one key: the key is opened once (one token login, one PIN
//! prompt), and documents are signed by several workers at once. A PKCS#11 signer hands each
//! worker its own session, up to what the token allows, so a token that signs one thing at a
//! time makes the workers wait rather than fail.

use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};

use super::sign::{SignSettings, sign_pdf, sign_xml};
use crate::crypto::Signer;
use crate::error::{Error, Result};

/// Signs each document (PDF or XML, told by its bytes) with the key of `settings`, opened
/// once, `workers` at a time. The outer error is the key's (nothing was signed); each
/// document has its own result, in input order.
pub fn sign_many(
    documents: &[Vec<u8>],
    settings: &SignSettings,
    workers: usize,
) -> Result<Vec<Result<Vec<u8>>>> {
    let signer = settings.open_signer()?;
    Ok(sign_many_with(
        documents,
        settings,
        signer.as_ref(),
        workers,
    ))
}

/// [`sign_many`] with a signer already open (a token opened with a PIN callback).
pub fn sign_many_with(
    documents: &[Vec<u8>],
    settings: &SignSettings,
    signer: &(dyn Signer + Sync),
    workers: usize,
) -> Vec<Result<Vec<u8>>> {
    let results: Vec<Mutex<Option<Result<Vec<u8>>>>> =
        documents.iter().map(|_| Mutex::new(None)).collect();
    let next = AtomicUsize::new(0);
    std::thread::scope(|scope| {
        for _ in 0..workers.clamp(1, documents.len().max(1)) {
            scope.spawn(|| {
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    let Some(document) = documents.get(i) else {
                        break;
                    };
                    let signed = sign_one(document, settings, signer);
                    if let Some(slot) = results.get(i)
                        && let Ok(mut slot) = slot.lock()
                    {
                        *slot = Some(signed);
                    }
                }
            });
        }
    });
    results
        .into_iter()
        .map(|slot| {
            slot.into_inner()
                .ok()
                .flatten()
                .unwrap_or_else(|| Err(Error::Signer("a signing worker stopped".into())))
        })
        .collect()
}

fn sign_one(document: &[u8], settings: &SignSettings, signer: &dyn Signer) -> Result<Vec<u8>> {
    match crate::detect_format(document) {
        Some(crate::Detected::Pdf) => sign_pdf(document, settings, Some(signer)),
        Some(crate::Detected::Xml) => sign_xml(document, settings, Some(signer)),
        None => Err(Error::Unsupported(
            "the document is neither PDF nor XML".into(),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn results_come_back_in_input_order_with_their_own_errors() {
        let dir = format!("{}/fixtures", env!("CARGO_MANIFEST_DIR"));
        let settings: SignSettings = serde_json::from_value(serde_json::json!({
            "key": {"p12_path": format!("{dir}/pki/leader.p12"), "password": "kyso-test"},
            "signing_time": "2026-01-01T00:00:00Z",
        }))
        .expect("settings");
        let pdf = std::fs::read(format!("{dir}/docs/simple.pdf")).expect("pdf");
        let xml = std::fs::read(format!("{dir}/docs/generic.xml")).expect("xml");
        let documents = vec![pdf.clone(), b"neither".to_vec(), xml.clone(), pdf.clone()];
        let results = sign_many(&documents, &settings, 3).expect("key opens");
        assert_eq!(results.len(), 4);
        assert!(results[0].as_ref().is_ok_and(|d| d.starts_with(&pdf)));
        assert!(matches!(results[1], Err(Error::Unsupported(_))));
        assert!(
            results[2]
                .as_ref()
                .is_ok_and(|d| d.windows(9).any(|w| w == b"Signature"))
        );
        assert!(results[3].as_ref().is_ok_and(|d| d.starts_with(&pdf)));
    }
}
