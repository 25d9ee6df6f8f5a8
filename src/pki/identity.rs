//! Vietnamese identity values in certificate subjects.
//!
//! Vietnamese CAs put the holder's identifiers into the multi-valued `UID` attribute with a
//! prefix: `MST:` tax code, `MNS:` budget-unit code, `CCCD:` citizen identity card, `CMND:`
//! old identity card, `HC:` passport. Spacing and case of the prefix vary between CAs, so the
//! reader is lenient there, and it never drops a value it does not recognise.

use serde::Serialize;

use super::name::{Name, attr};
use crate::report::IdentityReport;

/// The identity of a certificate's subject.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Identity {
    /// Tax codes (`MST:`): 10 digits, or 10-3 for a branch.
    pub mst: Vec<String>,
    /// Budget-unit codes (`MNS:`).
    pub mns: Vec<String>,
    /// Citizen identity card numbers (`CCCD:`, 12 digits).
    pub cccd: Vec<String>,
    /// Old identity card numbers (`CMND:`).
    pub cmnd: Vec<String>,
    /// Passport numbers (`HC:`).
    pub passport: Vec<String>,
    /// UID values without a known prefix, kept verbatim.
    pub other_uid: Vec<String>,
    /// Subject serialNumber (2.5.4.5) values.
    pub serial_number: Vec<String>,
    /// organizationIdentifier (2.5.4.97) values.
    pub organization_identifier: Vec<String>,
    /// Common name.
    pub common_name: Option<String>,
    /// Title (chức danh).
    pub title: Option<String>,
    /// Organization.
    pub organization: Option<String>,
    /// Organizational units.
    pub organizational_unit: Vec<String>,
    /// Locality.
    pub locality: Option<String>,
    /// State or province.
    pub province: Option<String>,
    /// E-mail addresses.
    pub email: Vec<String>,
    /// Values whose prefix is known but whose form is not what the law prescribes (for
    /// example an MST that is not 10 or 10-3 digits); they are still listed above.
    pub irregular: Vec<String>,
}

/// Which identifier a UID prefix names.
#[derive(Clone, Copy)]
enum Kind {
    Mst,
    Mns,
    Cccd,
    Cmnd,
    Passport,
}

const PREFIXES: &[(&str, Kind)] = &[
    ("MST", Kind::Mst),
    ("MNS", Kind::Mns),
    ("CCCD", Kind::Cccd),
    ("CMND", Kind::Cmnd),
    ("HC", Kind::Passport),
];

impl Identity {
    /// Reads the identity from a subject name.
    pub fn from_name(name: &Name) -> Self {
        let mut id = Identity {
            common_name: name.first(attr::CN).map(str::to_owned),
            title: name.first(attr::TITLE).map(str::to_owned),
            organization: name.first(attr::O).map(str::to_owned),
            organizational_unit: name.values(attr::OU).map(str::to_owned).collect(),
            locality: name.first(attr::L).map(str::to_owned),
            province: name.first(attr::ST).map(str::to_owned),
            email: name.values(attr::EMAIL).map(str::to_owned).collect(),
            serial_number: name
                .values(attr::SERIAL_NUMBER)
                .map(str::to_owned)
                .collect(),
            organization_identifier: name
                .values(attr::ORGANIZATION_IDENTIFIER)
                .map(str::to_owned)
                .collect(),
            ..Identity::default()
        };
        for uid in name.values(attr::UID) {
            id.add_uid(uid);
        }
        // Some CAs put the prefixed identifier into serialNumber instead of UID.
        for sn in name.values(attr::SERIAL_NUMBER) {
            if split_prefix(sn).is_some() {
                id.add_uid(sn);
            }
        }
        id
    }

    fn add_uid(&mut self, raw: &str) {
        let Some((kind, value)) = split_prefix(raw) else {
            self.other_uid.push(raw.trim().to_owned());
            return;
        };
        let regular = match kind {
            Kind::Mst => is_tax_code(&value),
            Kind::Cccd => value.len() == 12 && value.bytes().all(|b| b.is_ascii_digit()),
            Kind::Cmnd => {
                matches!(value.len(), 9 | 12) && value.bytes().all(|b| b.is_ascii_digit())
            }
            Kind::Mns => !value.is_empty() && value.bytes().all(|b| b.is_ascii_alphanumeric()),
            Kind::Passport => !value.is_empty(),
        };
        if !regular {
            self.irregular.push(raw.trim().to_owned());
        }
        let list = match kind {
            Kind::Mst => &mut self.mst,
            Kind::Mns => &mut self.mns,
            Kind::Cccd => &mut self.cccd,
            Kind::Cmnd => &mut self.cmnd,
            Kind::Passport => &mut self.passport,
        };
        if !list.contains(&value) {
            list.push(value);
        }
    }

    /// The part of the identity that the validation report shows.
    pub fn to_report(&self) -> IdentityReport {
        IdentityReport {
            mst: self.mst.clone(),
            mns: self.mns.clone(),
            cccd: self.cccd.clone(),
            cmnd: self.cmnd.clone(),
            passport: self.passport.clone(),
        }
    }

    /// Whether any of the subject's tax codes equals `tax_code` (spaces ignored; a branch code
    /// `0101234567-001` matches only itself).
    pub fn has_tax_code(&self, tax_code: &str) -> bool {
        let wanted: String = tax_code.chars().filter(|c| !c.is_whitespace()).collect();
        self.mst.contains(&wanted)
    }
}

/// Splits `" mst : 0101234567 "` into (MST, "0101234567"). Accepts `:` or `-`... only `:` is
/// used by CAs, but spacing and case vary.
fn split_prefix(raw: &str) -> Option<(Kind, String)> {
    let (prefix, value) = raw.split_once(':')?;
    let prefix = prefix.trim().to_ascii_uppercase();
    let (_, kind) = PREFIXES.iter().find(|(p, _)| *p == prefix)?;
    let value: String = value.chars().filter(|c| !c.is_whitespace()).collect();
    Some((*kind, value))
}

/// 10 digits, or 10 digits, `-`, 3 digits (a branch).
fn is_tax_code(v: &str) -> bool {
    let digits = |s: &str, n: usize| s.len() == n && s.bytes().all(|b| b.is_ascii_digit());
    match v.split_once('-') {
        None => digits(v, 10),
        Some((main, branch)) => digits(main, 10) && digits(branch, 3),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prefixes_are_lenient_about_case_and_spacing() {
        let (k, v) = split_prefix(" mst : 0101234567 ").expect("prefix");
        assert!(matches!(k, Kind::Mst));
        assert_eq!(v, "0101234567");
        assert!(split_prefix("XYZ:1").is_none());
        assert!(split_prefix("no prefix").is_none());
    }

    #[test]
    fn tax_code_forms() {
        assert!(is_tax_code("0101234567"));
        assert!(is_tax_code("0101234567-001"));
        assert!(!is_tax_code("010123456"));
        assert!(!is_tax_code("0101234567-01"));
    }

    #[test]
    fn irregular_values_are_kept_and_flagged() {
        let mut id = Identity::default();
        id.add_uid("MST:12345");
        id.add_uid("something else");
        assert_eq!(id.mst, vec!["12345"]);
        assert_eq!(id.irregular, vec!["MST:12345"]);
        assert_eq!(id.other_uid, vec!["something else"]);
    }
}
