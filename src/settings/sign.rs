//! What a caller asks of signing, and signing to a PAdES level or extending a signed PDF.
//!
//! The level orchestration lives here once: B-B signs; B-T adds a signature time-stamp from
//! `tsa`; B-LT then embeds validation material (`crl`, `ocsp`, `online`) in a DSS; B-LTA
//! adds a document time-stamp over it all.

use serde::{Deserialize, Serialize};

use super::key::{KeySource, open_signer};
use super::value::{decode_base64, invalid, load, load_all, parse_time, read_file};
use crate::crypto::{DigestAlgorithm, KeyKind, SignatureAlgorithm, SignatureScheme, Signer};
use crate::error::Result;
use crate::pdf::{Appearance, ExtendOptions, LtvLevel, PdfSignOptions, SubFilter};
use crate::pki::{Certificate, bundle};
use crate::policy::SigningPolicy;
use crate::xml::{Mode, Profile, XadesOptions, XmlSignOptions};

/// A PAdES baseline level.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub enum Level {
    /// Signature only.
    #[default]
    #[serde(rename = "B-B", alias = "b-b")]
    BB,
    /// With a signature time-stamp.
    #[serde(rename = "B-T", alias = "b-t")]
    BT,
    /// With validation material in a DSS.
    #[serde(rename = "B-LT", alias = "b-lt")]
    BLt,
    /// With a document time-stamp over the validation material.
    #[serde(rename = "B-LTA", alias = "b-lta")]
    BLta,
}

/// The visible appearance of a PDF signature (Decree 30/2020, Appendix I).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum AppearanceKind {
    /// The leader's signature image, fitted and centred in `rect`.
    Leader,
    /// The organization's seal image over the left third of `rect` (the leader's).
    Seal,
    /// A copy notice in the page's top-right corner: reason, organization, time.
    Copy,
    /// No visible appearance.
    #[default]
    None,
}

/// Signing settings, named as the CLI's `sign pdf` / `sign xml` options. Options of the
/// other format are refused rather than ignored.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SignSettings {
    /// `--key` (with `--password-env`, `--chain`): the signing key.
    pub key: Option<KeySource>,
    /// Certificates (signer first) for preparing a signature whose key is held elsewhere:
    /// a path, PEM text, or `base64:` DER.
    #[serde(alias = "certificates_pem")]
    pub cert: Option<String>,
    /// `--digest`: sha256 (default), sha384 or sha512.
    pub digest: Option<DigestAlgorithm>,
    /// `--pss`: RSASSA-PSS for RSA keys.
    pub pss: bool,
    /// `--signing-time`: claimed signing time (RFC 3339) instead of now.
    pub signing_time: Option<String>,
    /// `--tsa`: time-stamp authority URL (B-T and above; XAdES-B-T).
    pub tsa: Option<String>,
    /// `--level` (PDF): PAdES level.
    pub level: Level,
    /// `--crl` (PDF B-LT/B-LTA): CRLs to embed; every block of each.
    pub crl: Vec<String>,
    /// `--ocsp` (PDF B-LT/B-LTA): OCSP responses to embed; every block of each.
    pub ocsp: Vec<String>,
    /// `--online` (PDF B-LT/B-LTA): fetch the revocation data to embed.
    pub online: bool,
    /// `--appearance` (PDF).
    pub appearance: AppearanceKind,
    /// `--image` (PDF): PNG file for a leader or seal appearance.
    #[serde(alias = "image_path")]
    pub image: Option<String>,
    /// The PNG itself, base64, instead of `image`.
    pub image_base64: Option<String>,
    /// `--page` (PDF): 1-based page of a new signature field.
    pub page: Option<u32>,
    /// `--rect` (PDF): where a visible signature goes, in PDF points in the page's user
    /// space: `[x, y, w, h]`, or the command line's text `"x,y,w,h"`.
    #[serde(deserialize_with = "rect")]
    pub rect: Option<[f64; 4]>,
    /// `--field` (PDF): name of the signature field.
    pub field: Option<String>,
    /// `--reason` (PDF).
    pub reason: Option<String>,
    /// `--location` (PDF).
    pub location: Option<String>,
    /// `--certify` (PDF): DocMDP permissions 1, 2 or 3.
    pub certify: Option<u8>,
    /// `--pkcs7` (PDF): adbe.pkcs7.detached instead of ETSI.CAdES.detached.
    pub pkcs7: bool,
    /// `--profile` (XML): dsig, einvoice or xades.
    pub profile: Option<Profile>,
    /// `--mode` (XML): enveloped, enveloping or detached.
    pub mode: Option<Mode>,
    /// `--ref` (XML): Id of the element to sign.
    #[serde(rename = "ref")]
    pub reference: Option<String>,
    /// `--parent` (XML): path of the Signature's parent, such as `HDon/DSCKS/NBan`.
    pub parent: Option<String>,
    /// `--include-chain` (XML): the whole chain in KeyInfo.
    pub include_chain: bool,
    /// `--expires-in` (prepare): seconds the prepared state may be finished in; default
    /// [`super::two_phase::DEFAULT_EXPIRES_IN`].
    pub expires_in: Option<u64>,
}

/// Extension settings, named as the CLI's `extend pdf` options.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ExtendSettings {
    /// `--level`: B-LT or B-LTA.
    pub level: Level,
    /// `--tsa`: time-stamp authority (needed for B-LTA).
    pub tsa: Option<String>,
    /// `--crl`: CRLs to embed; every block of each.
    pub crl: Vec<String>,
    /// `--ocsp`: OCSP responses to embed; every block of each.
    pub ocsp: Vec<String>,
    /// `--online`: fetch the revocation data to embed.
    pub online: bool,
}

/// `rect` as four numbers or as `"x,y,w,h"`.
fn rect<'de, D: serde::Deserializer<'de>>(d: D) -> std::result::Result<Option<[f64; 4]>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Rect {
        Numbers([f64; 4]),
        Text(String),
    }
    let text = match Option::<Rect>::deserialize(d)? {
        None => return Ok(None),
        Some(Rect::Numbers(n)) => return Ok(Some(n)),
        Some(Rect::Text(text)) => text,
    };
    let numbers: std::result::Result<Vec<f64>, _> =
        text.split(',').map(|p| p.trim().parse()).collect();
    numbers
        .ok()
        .and_then(|n| <[f64; 4]>::try_from(n).ok())
        .map(Some)
        .ok_or_else(|| {
            serde::de::Error::custom(format!(
                "--rect {text}: expected X,Y,W,H (four numbers in points)"
            ))
        })
}

impl ExtendSettings {
    /// The options of [`crate::pdf::extend_pdf`], the revocation files read (every block)
    /// now.
    pub fn extend_options(&self) -> Result<ExtendOptions> {
        let level = match self.level {
            Level::BLt => LtvLevel::Lt,
            Level::BLta => LtvLevel::Lta,
            Level::BB | Level::BT => return Err(invalid("extend to --level B-LT or B-LTA")),
        };
        Ok(ExtendOptions {
            level,
            tsa_url: self.tsa.clone(),
            crls: load_all(&self.crl, "crl", bundle::crls_from)?
                .iter()
                .map(|c| c.der().to_vec())
                .collect(),
            ocsp: load_all(&self.ocsp, "ocsp", bundle::ocsp_responses_from)?
                .iter()
                .map(|o| o.der().to_vec())
                .collect(),
            online: self.online,
            ..ExtendOptions::default()
        })
    }
}

impl SignSettings {
    /// Opens [`SignSettings::key`].
    pub fn open_signer(&self) -> Result<Box<dyn Signer + Send + Sync>> {
        let key = self
            .key
            .as_ref()
            .ok_or_else(|| invalid("signing needs a --key"))?;
        open_signer(key, self.pss)
    }

    /// The signer's certificate chain and the signature algorithm of a signature prepared
    /// for a key held elsewhere: from `cert` (RSA keys sign PKCS#1 v1.5 unless `pss`) or,
    /// without it, from `key`.
    pub fn signer_certificates(&self) -> Result<(Vec<Certificate>, SignatureAlgorithm)> {
        if let Some(cert) = &self.cert {
            let (der, name) = load(cert, "cert", 0)?;
            let chain = bundle::certificates_from(&der, &name)?;
            let scheme = match chain.first().and_then(|c| c.key_kind()) {
                Some(KeyKind::Ec { .. }) => SignatureScheme::Ecdsa,
                _ if self.pss => SignatureScheme::RsaPss,
                _ => SignatureScheme::RsaPkcs1v15,
            };
            return Ok((chain, SignatureAlgorithm::new(scheme, self.digest())));
        }
        if self.key.is_none() {
            return Err(invalid(
                "preparing needs --cert (the signer's certificates) or --key",
            ));
        }
        let signer = self.open_signer()?;
        let chain = signer
            .certificate_chain()
            .iter()
            .map(|d| Certificate::from_der(d))
            .collect::<Result<Vec<_>>>()?;
        Ok((chain, signer.signature_algorithm(self.digest())))
    }

    /// The digest to sign with.
    pub fn digest(&self) -> DigestAlgorithm {
        self.digest.unwrap_or(DigestAlgorithm::Sha256)
    }

    fn policy(&self) -> Result<SigningPolicy> {
        Ok(SigningPolicy {
            digest: self.digest(),
            signing_time: parse_time(self.signing_time.as_deref(), "signing-time")?,
            ..SigningPolicy::default()
        })
    }

    /// The options of [`crate::pdf::sign_pdf`] (the B-B or B-T part of the level).
    pub fn pdf_options(&self) -> Result<PdfSignOptions> {
        self.refuse(&[
            ("profile", self.profile.is_some()),
            ("mode", self.mode.is_some()),
            ("ref", self.reference.is_some()),
            ("parent", self.parent.is_some()),
            ("include-chain", self.include_chain),
        ])?;
        if self.level != Level::BB && self.tsa.is_none() {
            return Err(invalid("--level B-T, B-LT and B-LTA need --tsa URL"));
        }
        Ok(PdfSignOptions {
            policy: self.policy()?,
            sub_filter: if self.pkcs7 {
                SubFilter::Pkcs7Detached
            } else {
                SubFilter::CadesDetached
            },
            field_name: self.field.clone(),
            page: self.page,
            appearance: self.appearance()?,
            rect: self.rect,
            reason: self.reason.clone(),
            location: self.location.clone(),
            certify: self.certify,
            timestamp_url: self.tsa.clone(),
            ..PdfSignOptions::default()
        })
    }

    /// The extension a B-LT or B-LTA level asks for after signing; `None` below B-LT.
    pub fn extension(&self) -> Result<Option<ExtendOptions>> {
        if matches!(self.level, Level::BB | Level::BT) {
            return Ok(None);
        }
        ExtendSettings {
            level: self.level,
            tsa: self.tsa.clone(),
            crl: self.crl.clone(),
            ocsp: self.ocsp.clone(),
            online: self.online,
        }
        .extend_options()
        .map(Some)
    }

    /// The options of [`crate::xml::sign_xml`].
    pub fn xml_options(&self) -> Result<XmlSignOptions> {
        self.refuse(&[
            ("level", self.level != Level::BB),
            ("crl", !self.crl.is_empty()),
            ("ocsp", !self.ocsp.is_empty()),
            ("online", self.online),
            ("appearance", self.appearance != AppearanceKind::None),
            ("image", self.image.is_some() || self.image_base64.is_some()),
            ("page", self.page.is_some()),
            ("rect", self.rect.is_some()),
            ("field", self.field.is_some()),
            ("reason", self.reason.is_some()),
            ("location", self.location.is_some()),
            ("certify", self.certify.is_some()),
            ("pkcs7", self.pkcs7),
        ])?;
        let policy = self.policy()?;
        Ok(XmlSignOptions {
            profile: self.profile.unwrap_or_default(),
            mode: self.mode.unwrap_or_default(),
            reference: self.reference.clone(),
            parent: self.parent.clone(),
            digest: policy.digest,
            signing_time: policy.signing_time,
            include_chain: self.include_chain,
            xades: XadesOptions {
                tsa_url: self.tsa.clone(),
                ..XadesOptions::default()
            },
            ..XmlSignOptions::default()
        })
    }

    /// An option of the other format is a mistake worth saying, not ignoring.
    fn refuse(&self, options: &[(&str, bool)]) -> Result<()> {
        match options.iter().find(|(_, given)| *given) {
            Some((name, _)) => Err(invalid(format!(
                "--{name} does not apply to this document format"
            ))),
            None => Ok(()),
        }
    }

    /// `appearance` with `image`: leader and seal need an image, copy and none take none.
    fn appearance(&self) -> Result<Appearance> {
        let image = match (&self.image, &self.image_base64) {
            (Some(_), Some(_)) => return Err(invalid("give --image or image_base64, not both")),
            (Some(path), None) => Some(read_file(path, "image")?),
            (None, Some(b64)) => Some(decode_base64(b64, "image_base64")?),
            (None, None) => None,
        };
        match (self.appearance, image) {
            (AppearanceKind::Leader, Some(image)) => Ok(Appearance::Leader { image }),
            (AppearanceKind::Seal, Some(image)) => Ok(Appearance::Seal { image }),
            (AppearanceKind::Leader | AppearanceKind::Seal, None) => {
                Err(invalid("--appearance leader and seal need --image PNG"))
            }
            (AppearanceKind::Copy | AppearanceKind::None, Some(_)) => {
                Err(invalid("--image goes with --appearance leader or seal"))
            }
            (AppearanceKind::Copy, None) => Ok(Appearance::Copy { lines: None }),
            (AppearanceKind::None, None) => Ok(Appearance::None),
        }
    }
}

/// Signs a PDF to the level of `settings`: B-B or B-T in one incremental update, then for
/// B-LT and B-LTA the validation material (and document time-stamp) in further updates.
/// `signer` is a key held elsewhere (a token, a service); `None` opens the settings' `key`.
/// Every option is checked and every option file read before the key is opened.
pub fn sign_pdf(
    document: &[u8],
    settings: &SignSettings,
    signer: Option<&dyn Signer>,
) -> Result<Vec<u8>> {
    let options = settings.pdf_options()?;
    let extension = settings.extension()?;
    let opened;
    let signer = match signer {
        Some(signer) => signer,
        None => {
            opened = settings.open_signer()?;
            opened.as_ref()
        }
    };
    let signed = crate::pdf::sign_pdf(document, signer, &options)?;
    match extension {
        Some(extension) => crate::pdf::extend_pdf(&signed, &extension),
        None => Ok(signed),
    }
}

/// Signs an XML document (XMLDSig, XAdES, Vietnamese e-invoice profiles); `signer` as for
/// [`sign_pdf`].
pub fn sign_xml(
    document: &[u8],
    settings: &SignSettings,
    signer: Option<&dyn Signer>,
) -> Result<Vec<u8>> {
    let options = settings.xml_options()?;
    match signer {
        Some(signer) => crate::xml::sign_xml(document, signer, &options),
        None => crate::xml::sign_xml(document, settings.open_signer()?.as_ref(), &options),
    }
}

/// Raises a signed PDF to B-LT or B-LTA.
pub fn extend_pdf(document: &[u8], settings: &ExtendSettings) -> Result<Vec<u8>> {
    crate::pdf::extend_pdf(document, &settings.extend_options()?)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings(json: serde_json::Value) -> SignSettings {
        serde_json::from_value(json).expect("settings")
    }

    #[test]
    fn levels_above_b_b_need_a_tsa() {
        let err = settings(serde_json::json!({"level": "B-LT"}))
            .pdf_options()
            .expect_err("no tsa");
        assert!(err.to_string().contains("need --tsa"), "{err}");
        let with_tsa =
            settings(serde_json::json!({"level": "b-lta", "tsa": "http://127.0.0.1:9/"}));
        assert!(with_tsa.pdf_options().is_ok());
        assert_eq!(
            with_tsa.extension().expect("extension").map(|e| e.level),
            Some(LtvLevel::Lta)
        );
        assert!(
            settings(serde_json::json!({"level": "B-T", "tsa": "x"}))
                .extension()
                .expect("b-t")
                .is_none()
        );
    }

    #[test]
    fn options_of_the_other_format_are_refused() {
        let err = settings(serde_json::json!({"profile": "einvoice"}))
            .pdf_options()
            .expect_err("xml option for pdf");
        assert!(err.to_string().contains("--profile"), "{err}");
        let err = settings(serde_json::json!({"reason": "x"}))
            .xml_options()
            .expect_err("pdf option for xml");
        assert!(err.to_string().contains("--reason"), "{err}");
    }

    #[test]
    fn appearance_and_image_go_together() {
        for (json, needle) in [
            (
                serde_json::json!({"rect": "1,2,3,4", "appearance": "copy"}),
                "",
            ),
            (serde_json::json!({"appearance": "leader"}), "need --image"),
            (
                serde_json::json!({"appearance": "copy", "image_base64": "AAAA"}),
                "goes with",
            ),
            (
                serde_json::json!({"appearance": "seal", "image_base64": "%%%"}),
                "image_base64",
            ),
        ] {
            let err = serde_json::from_value::<SignSettings>(json.clone())
                .map_err(|e| e.to_string())
                .and_then(|s| s.pdf_options().map_err(|e| e.to_string()));
            match err {
                Ok(options) => assert_eq!(options.rect, Some([1.0, 2.0, 3.0, 4.0]), "{json}"),
                Err(err) => assert!(!needle.is_empty() && err.contains(needle), "{json}: {err}"),
            }
        }
        assert!(
            serde_json::from_value::<SignSettings>(serde_json::json!({"appearance": "stamp"}))
                .is_err()
        );
    }

    #[test]
    fn extension_is_only_to_long_term_levels() {
        let err = extend_pdf(b"%PDF-1.7", &ExtendSettings::default()).expect_err("B-B");
        assert!(err.to_string().contains("B-LT or B-LTA"), "{err}");
    }
}
