//! Distinguished names: decoded once, written as RFC 4514 strings that keep Vietnamese text.

use serde::Serialize;

/// One attribute of a distinguished name.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct NameAttribute {
    /// Dotted object identifier of the attribute type.
    pub oid: String,
    /// The value as text (UTF-8), or `#` + hex of the DER value when it is not a string.
    pub value: String,
}

/// A distinguished name: relative distinguished names in DER order (most significant
/// first), each a set of one or more attributes.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Name {
    rdns: Vec<Vec<NameAttribute>>,
    der: Vec<u8>,
}

/// Short names for attribute types, as RFC 4514 and common practice (OpenSSL) write them.
const SHORT_NAMES: &[(&str, &str)] = &[
    ("2.5.4.3", "CN"),
    ("2.5.4.7", "L"),
    ("2.5.4.8", "ST"),
    ("2.5.4.10", "O"),
    ("2.5.4.11", "OU"),
    ("2.5.4.6", "C"),
    ("2.5.4.9", "STREET"),
    ("0.9.2342.19200300.100.1.25", "DC"),
    ("0.9.2342.19200300.100.1.1", "UID"),
    ("2.5.4.12", "title"),
    ("2.5.4.5", "serialNumber"),
    ("2.5.4.97", "organizationIdentifier"),
    ("2.5.4.4", "SN"),
    ("2.5.4.42", "GN"),
    ("2.5.4.17", "postalCode"),
    ("1.2.840.113549.1.9.1", "emailAddress"),
];

/// Object identifiers of the attribute types kyso reads.
pub mod attr {
    /// commonName.
    pub const CN: &str = "2.5.4.3";
    /// localityName.
    pub const L: &str = "2.5.4.7";
    /// stateOrProvinceName.
    pub const ST: &str = "2.5.4.8";
    /// organizationName.
    pub const O: &str = "2.5.4.10";
    /// organizationalUnitName.
    pub const OU: &str = "2.5.4.11";
    /// countryName.
    pub const C: &str = "2.5.4.6";
    /// userId (UID), where Vietnamese CAs put MST:, CCCD:, …
    pub const UID: &str = "0.9.2342.19200300.100.1.1";
    /// title.
    pub const TITLE: &str = "2.5.4.12";
    /// serialNumber (of the subject, not the certificate).
    pub const SERIAL_NUMBER: &str = "2.5.4.5";
    /// organizationIdentifier.
    pub const ORGANIZATION_IDENTIFIER: &str = "2.5.4.97";
    /// emailAddress (PKCS#9).
    pub const EMAIL: &str = "1.2.840.113549.1.9.1";
}

impl Name {
    /// Decodes a name parsed by x509-parser.
    pub(crate) fn from_x509(name: &x509_parser::x509::X509Name<'_>) -> Self {
        let rdns = name
            .iter()
            .map(|rdn| {
                rdn.iter()
                    .map(|atv| NameAttribute {
                        oid: atv.attr_type().to_id_string(),
                        value: decode_value(atv.attr_value()),
                    })
                    .collect()
            })
            .collect();
        Name {
            rdns,
            der: name.as_raw().to_vec(),
        }
    }

    /// The relative distinguished names in DER order.
    pub fn rdns(&self) -> &[Vec<NameAttribute>] {
        &self.rdns
    }

    /// The DER encoding, for exact comparison (issuer/subject matching).
    pub fn der(&self) -> &[u8] {
        &self.der
    }

    /// Every value of an attribute type (dotted OID), in DER order.
    pub fn values<'a>(&'a self, oid: &'a str) -> impl Iterator<Item = &'a str> + 'a {
        self.rdns
            .iter()
            .flatten()
            .filter(move |a| a.oid == oid)
            .map(|a| a.value.as_str())
    }

    /// The first value of an attribute type.
    pub fn first<'a>(&'a self, oid: &'a str) -> Option<&'a str> {
        self.values(oid).next()
    }

    /// RFC 4514 string: RDNs from last to first, `,` between RDNs, `+` inside a multi-valued
    /// RDN, special characters escaped, UTF-8 kept as is.
    ///
    /// ```text
    /// UID=MST:0101234567,CN=Công ty TNHH Kyso Việt Nam,O=Công ty TNHH Kyso Việt Nam,ST=HÀ NỘI,C=VN
    /// ```
    pub fn to_rfc4514(&self) -> String {
        let mut out = String::new();
        for (i, rdn) in self.rdns.iter().rev().enumerate() {
            if i > 0 {
                out.push(',');
            }
            for (j, a) in rdn.iter().enumerate() {
                if j > 0 {
                    out.push('+');
                }
                match SHORT_NAMES.iter().find(|(oid, _)| *oid == a.oid) {
                    Some((_, short)) => out.push_str(short),
                    None => out.push_str(&a.oid),
                }
                out.push('=');
                if a.value.starts_with('#') && a.value.len() > 1 && is_hex_form(&a.value) {
                    out.push_str(&a.value);
                } else {
                    escape_value(&a.value, &mut out);
                }
            }
        }
        out
    }
}

impl std::fmt::Display for Name {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.to_rfc4514())
    }
}

fn is_hex_form(v: &str) -> bool {
    v[1..].bytes().all(|b| b.is_ascii_hexdigit())
}

fn escape_value(value: &str, out: &mut String) {
    let last = value.chars().count().saturating_sub(1);
    for (i, c) in value.chars().enumerate() {
        match c {
            ',' | '+' | '"' | '\\' | '<' | '>' | ';' => {
                out.push('\\');
                out.push(c);
            }
            '#' if i == 0 => out.push_str("\\#"),
            ' ' if i == 0 || i == last => out.push_str("\\ "),
            '\0' => out.push_str("\\00"),
            c => out.push(c),
        }
    }
}

/// Decodes a directory string of any of the ASN.1 string types; a value that is not a string
/// is kept as `#` + hex of its DER (RFC 4514 §2.4), never dropped.
fn decode_value(any: &x509_parser::der_parser::asn1_rs::Any<'_>) -> String {
    use x509_parser::der_parser::asn1_rs::Tag;
    let data = any.data;
    let text = match any.tag() {
        Tag::Utf8String
        | Tag::PrintableString
        | Tag::Ia5String
        | Tag::NumericString
        | Tag::VisibleString => std::str::from_utf8(data).ok().map(str::to_owned),
        // T.61 in the wild is Latin-1.
        Tag::T61String => Some(data.iter().map(|&b| b as char).collect()),
        Tag::BmpString if data.len().is_multiple_of(2) => char::decode_utf16(
            data.chunks_exact(2)
                .map(|c| u16::from_be_bytes([c[0], c[1]])),
        )
        .collect::<Result<String, _>>()
        .ok(),
        Tag::UniversalString if data.len().is_multiple_of(4) => data
            .chunks_exact(4)
            .map(|c| char::from_u32(u32::from_be_bytes([c[0], c[1], c[2], c[3]])))
            .collect::<Option<String>>(),
        _ => None,
    };
    text.unwrap_or_else(|| format!("#{}", hex::encode(any_der(any))))
}

/// The DER of a parsed value (class, constructed bit and tag as read, a definite length),
/// written by the ASN.1 crate that parsed it.
pub(super) fn any_der(any: &x509_parser::der_parser::asn1_rs::Any<'_>) -> Vec<u8> {
    use x509_parser::der_parser::asn1_rs::ToDer;
    any.to_der_vec().unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use x509_parser::der_parser::asn1_rs::{Any, FromDer};

    use super::*;

    #[test]
    fn a_value_that_is_no_string_is_kept_as_the_hex_of_its_der() {
        // A SEQUENCE { INTEGER 5 } and a long OCTET STRING: the tag keeps its constructed bit,
        // the length its long form.
        let mut long = vec![0x04, 0x81, 0x80];
        long.extend_from_slice(&[0xab; 0x80]);
        for der in [vec![0x30, 0x03, 0x02, 0x01, 0x05], long] {
            let (_, any) = Any::from_der(&der).expect("DER");
            assert_eq!(decode_value(&any), format!("#{}", hex::encode(&der)));
        }
        let (_, utf8) = Any::from_der(b"\x0c\x03abc").expect("DER");
        assert_eq!(decode_value(&utf8), "abc");
    }
}
