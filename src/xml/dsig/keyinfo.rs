//! KeyInfo (XMLDSig 1.1 §4.5): which certificate signed, read and written.
//!
//! Reading keeps everything a verifier may use: the certificates and CRLs of `X509Data`,
//! the selectors that name the signer (`X509IssuerSerial`, `X509SubjectName`, `X509SKI`,
//! `dsig11:X509Digest`) and a bare key (`RSAKeyValue`, `dsig11:ECKeyValue`,
//! `dsig11:DEREncodedKeyValue`). A selector picks a certificate among those of the document
//! and those the caller supplies; a key value must be the key of the certificate that signed.
//! `KeyName` and `RetrievalMethod` are not followed.

use roxmltree::Node;

use super::{
    DSIG_NS, DSIG11_NS, Problem, child_named, decode_base64, digest_from_uri, element_children,
    encode_base64, escape_xml, text_content,
};
use crate::crypto::PublicKey;
use crate::pki::{Certificate, Crl, Name, attr};

/// Most certificates or CRLs read from one KeyInfo.
const MAX_ITEMS: usize = 32;

/// Something in KeyInfo that names the signing certificate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Selector {
    /// `X509SubjectName`.
    SubjectName(String),
    /// `X509IssuerSerial`: issuer DN text and decimal serial.
    IssuerSerial(String, String),
    /// `X509SKI`.
    Ski(Vec<u8>),
    /// `dsig11:X509Digest`: digest of the certificate's DER.
    Digest(crate::DigestAlgorithm, Vec<u8>),
}

impl Selector {
    fn matches(&self, cert: &Certificate) -> bool {
        match self {
            Selector::SubjectName(dn) => dn_matches(dn, cert.subject()),
            Selector::IssuerSerial(dn, serial) => {
                dn_matches(dn, cert.issuer()) && decimal(cert.serial()) == serial.trim()
            }
            Selector::Ski(ski) => cert.subject_key_id() == Some(ski.as_slice()),
            Selector::Digest(alg, d) => alg.digest(cert.der()) == *d,
        }
    }
}

/// What a KeyInfo says about the signer.
#[derive(Debug, Default)]
pub(crate) struct KeyInfoData {
    /// `X509Certificate` values, in document order.
    pub certificates: Vec<Certificate>,
    /// `X509CRL` values.
    pub crls: Vec<Crl>,
    /// Selectors naming the signer.
    pub selectors: Vec<Selector>,
    /// A bare public key.
    pub key_value: Option<PublicKey>,
    /// Whether KeyInfo has a RetrievalMethod (not followed).
    pub retrieval_method: bool,
}

impl KeyInfoData {
    /// Reads a `ds:KeyInfo` (or nothing).
    pub fn read(key_info: Option<Node<'_, '_>>) -> Result<Self, Problem> {
        let mut data = KeyInfoData::default();
        let Some(key_info) = key_info else {
            return Ok(data);
        };
        for child in element_children(key_info) {
            let ns = child.tag_name().namespace();
            match (ns, child.tag_name().name()) {
                (Some(DSIG_NS), "X509Data") => data.read_x509_data(child)?,
                (Some(DSIG_NS), "KeyValue") => {
                    if let Some(inner) = element_children(child).next() {
                        data.set_key(read_key_value(inner)?)?;
                    }
                }
                (Some(DSIG_NS), "RetrievalMethod") => data.retrieval_method = true,
                (Some(DSIG11_NS), "DEREncodedKeyValue") => {
                    let der = decode_base64(&text_content(child), "DEREncodedKeyValue")?;
                    data.set_key(Some(PublicKey::from_spki_der(&der)?))?;
                }
                _ => {}
            }
        }
        Ok(data)
    }

    fn set_key(&mut self, key: Option<PublicKey>) -> Result<(), Problem> {
        if let Some(key) = key {
            if self.key_value.is_some() {
                return Err(Problem::format("KeyInfo carries more than one key value"));
            }
            self.key_value = Some(key);
        }
        Ok(())
    }

    fn read_x509_data(&mut self, x509: Node<'_, '_>) -> Result<(), Problem> {
        for child in element_children(x509) {
            let ns = child.tag_name().namespace();
            let name = child.tag_name().name();
            if self.certificates.len() + self.crls.len() + self.selectors.len() >= MAX_ITEMS {
                return Err(Problem::format(format!(
                    "KeyInfo holds more than {MAX_ITEMS} items"
                )));
            }
            match (ns, name) {
                (Some(DSIG_NS), "X509Certificate") => {
                    let der = decode_base64(&text_content(child), "X509Certificate")?;
                    let cert = Certificate::from_der(&der)
                        .map_err(|e| Problem::format(format!("X509Certificate: {e}")))?;
                    if !self.certificates.contains(&cert) {
                        self.certificates.push(cert);
                    }
                }
                (Some(DSIG_NS), "X509CRL") => {
                    let der = decode_base64(&text_content(child), "X509CRL")?;
                    self.crls.push(
                        Crl::parse(&der).map_err(|e| Problem::format(format!("X509CRL: {e}")))?,
                    );
                }
                (Some(DSIG_NS), "X509SubjectName") => {
                    self.selectors
                        .push(Selector::SubjectName(text_content(child).trim().to_owned()));
                }
                (Some(DSIG_NS), "X509IssuerSerial") => {
                    let issuer = child_named(child, DSIG_NS, "X509IssuerName")
                        .map(text_content)
                        .ok_or_else(|| {
                            Problem::format("X509IssuerSerial without X509IssuerName")
                        })?;
                    let serial = child_named(child, DSIG_NS, "X509SerialNumber")
                        .map(text_content)
                        .ok_or_else(|| {
                            Problem::format("X509IssuerSerial without X509SerialNumber")
                        })?;
                    self.selectors.push(Selector::IssuerSerial(
                        issuer.trim().to_owned(),
                        serial.trim().to_owned(),
                    ));
                }
                (Some(DSIG_NS), "X509SKI") => {
                    let ski = decode_base64(&text_content(child), "X509SKI")?;
                    self.selectors.push(Selector::Ski(ski));
                }
                (Some(DSIG11_NS), "X509Digest") => {
                    let uri = child.attribute("Algorithm").unwrap_or_default();
                    if let Ok(alg) = digest_from_uri(uri) {
                        let d = decode_base64(&text_content(child), "X509Digest")?;
                        self.selectors.push(Selector::Digest(alg, d));
                    }
                }
                _ => {}
            }
        }
        Ok(())
    }

    /// The certificates that may have signed, most likely first, warnings about selectors
    /// that named nothing, and whether the candidates are a guess (KeyInfo names no key, so
    /// all of `supplied`, the caller's certificates, are tried).
    pub fn candidates(&self, supplied: &[Certificate]) -> (Vec<Certificate>, Vec<String>, bool) {
        let mut warnings = Vec::new();
        let pool: Vec<&Certificate> = self.certificates.iter().chain(supplied.iter()).collect();
        let mut out: Vec<Certificate> = Vec::new();
        if !self.selectors.is_empty() {
            for cert in &pool {
                if self.selectors.iter().any(|s| s.matches(cert)) && !out.contains(cert) {
                    out.push((*cert).clone());
                }
            }
            if out.is_empty() && !self.certificates.is_empty() {
                warnings.push(
                    "key_info: no certificate matches X509SubjectName / X509IssuerSerial / \
                     X509SKI; the certificates of X509Data were tried instead"
                        .to_owned(),
                );
            }
        }
        if out.is_empty() {
            out = self.certificates.clone();
        }
        if out.is_empty()
            && let Some(key) = &self.key_value
        {
            out = supplied
                .iter()
                .filter(|c| c.public_key().is_ok_and(|k| same_key(k, key)))
                .cloned()
                .collect();
        }
        let guessed = out.is_empty() && self.key_value.is_none() && self.selectors.is_empty();
        if guessed {
            // KeyInfo names no key (absent, KeyName, empty X509Data): the application knows
            // it, so the caller's certificates are tried.
            out = supplied.iter().take(MAX_ITEMS).cloned().collect();
        }
        // End entities before CAs, and a certificate that issued another one last.
        out.sort_by_key(|c| {
            let issued_other = self
                .certificates
                .iter()
                .any(|o| o != c && o.issuer().der() == c.subject().der());
            (c.is_ca(), issued_other)
        });
        (out, warnings, guessed)
    }
}

/// Reads `RSAKeyValue` or `dsig11:ECKeyValue`; `None` for key types kyso does not verify
/// (DSA), which leaves the certificate to name the key.
fn read_key_value(node: Node<'_, '_>) -> Result<Option<PublicKey>, Problem> {
    let ns = node.tag_name().namespace();
    match (ns, node.tag_name().name()) {
        (Some(DSIG_NS), "RSAKeyValue") => {
            let part = |local: &'static str| -> Result<Vec<u8>, Problem> {
                let el = child_named(node, DSIG_NS, local)
                    .ok_or_else(|| Problem::format(format!("RSAKeyValue without {local}")))?;
                Ok(decode_base64(&text_content(el), local)?)
            };
            let (n, e) = (part("Modulus")?, part("Exponent")?);
            rsa_key(&n, &e).map(Some)
        }
        (Some(DSIG11_NS), "ECKeyValue") => {
            let curve = child_named(node, DSIG11_NS, "NamedCurve")
                .and_then(|c| c.attribute("URI"))
                .ok_or_else(|| Problem::unsupported_data("ECKeyValue without a NamedCurve"))?;
            let point = child_named(node, DSIG11_NS, "PublicKey")
                .map(text_content)
                .ok_or_else(|| Problem::format("ECKeyValue without PublicKey"))?;
            let point = decode_base64(&point, "ECKeyValue PublicKey")?;
            match curve.trim_start_matches("urn:oid:") {
                "1.2.840.10045.3.1.7" => p256::ecdsa::VerifyingKey::from_sec1_bytes(&point)
                    .map(|k| Some(PublicKey::P256(k)))
                    .map_err(|e| Problem::format(format!("ECKeyValue: {e}"))),
                "1.3.132.0.34" => p384::ecdsa::VerifyingKey::from_sec1_bytes(&point)
                    .map(|k| Some(PublicKey::P384(k)))
                    .map_err(|e| Problem::format(format!("ECKeyValue: {e}"))),
                other => Err(Problem::unsupported_data(format!("elliptic curve {other}"))),
            }
        }
        _ => Ok(None),
    }
}

/// An RSA public key from its modulus and exponent (big-endian).
fn rsa_key(n: &[u8], e: &[u8]) -> Result<PublicKey, Problem> {
    crate::crypto::RsaPublicKey::from_components(n, e)
        .map(PublicKey::Rsa)
        .map_err(|e| Problem::format(format!("RSAKeyValue: {e}")))
}

/// Whether two public keys are the same key.
pub(crate) fn same_key(a: &PublicKey, b: &PublicKey) -> bool {
    match (a, b) {
        (PublicKey::Rsa(x), PublicKey::Rsa(y)) => {
            x.modulus() == y.modulus() && x.exponent() == y.exponent()
        }
        (PublicKey::P256(x), PublicKey::P256(y)) => x == y,
        (PublicKey::P384(x), PublicKey::P384(y)) => x == y,
        _ => false,
    }
}

/// A big-endian unsigned integer in decimal.
pub(crate) fn decimal(bytes: &[u8]) -> String {
    let mut num: Vec<u8> = bytes.iter().copied().skip_while(|&b| b == 0).collect();
    if num.is_empty() {
        return "0".to_owned();
    }
    let mut digits = Vec::new();
    // Serial numbers are at most 20 bytes (RFC 5280); the bound keeps this loop small anyway.
    num.truncate(128);
    while !num.is_empty() {
        let mut rem = 0u32;
        for b in num.iter_mut() {
            let cur = (rem << 8) | u32::from(*b);
            *b = (cur / 10) as u8;
            rem = cur % 10;
        }
        digits.push(b'0' + rem as u8);
        let skip = num.iter().take_while(|&&b| b == 0).count();
        num.drain(..skip);
    }
    digits.reverse();
    String::from_utf8(digits).unwrap_or_default()
}

/// Attribute type names that X509SubjectName / X509IssuerName writers use, by OID.
const DN_TYPES: &[(&str, &str)] = &[
    ("CN", attr::CN),
    ("C", attr::C),
    ("O", attr::O),
    ("OU", attr::OU),
    ("L", attr::L),
    ("ST", attr::ST),
    ("S", attr::ST),
    ("STREET", "2.5.4.9"),
    ("DC", "0.9.2342.19200300.100.1.25"),
    ("UID", attr::UID),
    ("USERID", attr::UID),
    ("T", attr::TITLE),
    ("TITLE", attr::TITLE),
    ("SERIALNUMBER", attr::SERIAL_NUMBER),
    ("SN", "2.5.4.4"),
    ("SURNAME", "2.5.4.4"),
    ("G", "2.5.4.42"),
    ("GN", "2.5.4.42"),
    ("GIVENNAME", "2.5.4.42"),
    ("E", attr::EMAIL),
    ("EMAIL", attr::EMAIL),
    ("EMAILADDRESS", attr::EMAIL),
    ("ORGANIZATIONIDENTIFIER", attr::ORGANIZATION_IDENTIFIER),
    ("POSTALCODE", "2.5.4.17"),
];

/// Whether a DN string (RFC 2253/4514 in either RDN order, as XMLDSig producers write it)
/// names the same attributes as `name`. Types are compared by OID, values without regard to
/// case and runs of spaces; `#hex` values never match.
pub(crate) fn dn_matches(text: &str, name: &Name) -> bool {
    let Some(mut parsed) = parse_dn(text) else {
        return false;
    };
    let mut have: Vec<(String, String)> = name
        .rdns()
        .iter()
        .flatten()
        .map(|a| (a.oid.clone(), normalize_value(&a.value)))
        .collect();
    parsed.sort();
    have.sort();
    !parsed.is_empty() && parsed == have
}

fn normalize_value(v: &str) -> String {
    v.split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .to_lowercase()
}

/// Splits a DN string into (OID, normalized value) pairs; `None` when it cannot be read.
fn parse_dn(text: &str) -> Option<Vec<(String, String)>> {
    let mut out = Vec::new();
    let mut chars = text.chars().peekable();
    loop {
        // Type.
        let mut ty = String::new();
        for c in chars.by_ref() {
            if c == '=' {
                break;
            }
            ty.push(c);
        }
        let ty = ty.trim();
        if ty.is_empty() {
            return if out.is_empty() { None } else { Some(out) };
        }
        let upper = ty.to_ascii_uppercase();
        let upper = upper.strip_prefix("OID.").unwrap_or(&upper);
        let oid = match DN_TYPES.iter().find(|(n, _)| *n == upper) {
            Some((_, oid)) => (*oid).to_owned(),
            None if upper.chars().all(|c| c.is_ascii_digit() || c == '.') => upper.to_owned(),
            None => return None,
        };
        // Value, with RFC 4514 escapes and optional quotes.
        let mut value: Vec<u8> = Vec::new();
        let mut quoted = false;
        while let Some(&c) = chars.peek() {
            if c == ' ' && value.is_empty() && !quoted {
                chars.next();
            } else {
                break;
            }
        }
        if chars.peek() == Some(&'"') {
            quoted = true;
            chars.next();
        }
        while let Some(c) = chars.next() {
            match c {
                '"' if quoted => {
                    quoted = false;
                }
                '\\' => {
                    let a = chars.next()?;
                    if a.is_ascii_hexdigit() && chars.peek().is_some_and(char::is_ascii_hexdigit) {
                        let b = chars.next()?;
                        let byte = u8::from_str_radix(&format!("{a}{b}"), 16).ok()?;
                        value.push(byte);
                    } else {
                        let mut buf = [0u8; 4];
                        value.extend_from_slice(a.encode_utf8(&mut buf).as_bytes());
                    }
                }
                ',' | ';' | '+' if !quoted => break,
                c => {
                    let mut buf = [0u8; 4];
                    value.extend_from_slice(c.encode_utf8(&mut buf).as_bytes());
                }
            }
        }
        let value = String::from_utf8(value).ok()?;
        out.push((oid, normalize_value(&value)));
        if out.len() > 64 {
            return None;
        }
    }
}

/// Writes a KeyInfo with `X509Data`: the signer's subject name, then its certificate, then
/// (with `include_chain`) the rest of the chain. `p` is the dsig prefix with its colon.
pub(crate) fn write_key_info(p: &str, chain: &[Certificate], include_chain: bool) -> String {
    let mut s = format!("<{p}KeyInfo><{p}X509Data>");
    if let Some(signer) = chain.first() {
        s.push_str(&format!(
            "<{p}X509SubjectName>{}</{p}X509SubjectName>",
            escape_xml(&signer.subject().to_rfc4514())
        ));
    }
    let count = if include_chain { chain.len() } else { 1 };
    for cert in chain.iter().take(count) {
        s.push_str(&format!(
            "<{p}X509Certificate>{}</{p}X509Certificate>",
            encode_base64(cert.der())
        ));
    }
    s.push_str(&format!("</{p}X509Data></{p}KeyInfo>"));
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decimal_serials() {
        assert_eq!(decimal(&[0]), "0");
        assert_eq!(decimal(&[0x01, 0x00]), "256");
        assert_eq!(
            decimal(&[0x4B, 0x59, 0x53, 0x4F, 0x00, 0x00, 0x20, 0x01]),
            u64::from_be_bytes([0x4B, 0x59, 0x53, 0x4F, 0x00, 0x00, 0x20, 0x01]).to_string()
        );
    }

    #[test]
    fn dn_parsing_handles_escapes_and_order() {
        let got = parse_dn(r#"CN=A\, B,O="X+Y",C=VN"#).unwrap();
        assert_eq!(
            got,
            vec![
                (attr::CN.to_owned(), "a, b".to_owned()),
                (attr::O.to_owned(), "x+y".to_owned()),
                (attr::C.to_owned(), "vn".to_owned()),
            ]
        );
        assert!(parse_dn("nonsense").is_none());
        assert!(parse_dn("FOO=bar").is_none());
        assert_eq!(
            parse_dn(r"CN=\C4\90").unwrap(),
            vec![(attr::CN.to_owned(), "đ".to_owned())]
        );
    }
}
