//! Dates as kyso writes and reads them, in one place: RFC 3339 for reports, xsd:dateTime for
//! XAdES and e-invoices, ISO 8601 in Vietnam's zone for Decree 30 notices, and PDF dates
//! (ISO 32000-1 §7.9.4). Each text form is a `time` format description, so every writer is
//! the same call with a different layout and zone.

use time::format_description::BorrowedFormatItem;
use time::macros::{format_description, offset};
use time::{OffsetDateTime, UtcOffset};

/// Vietnam's time zone (UTC+07:00, no daylight saving): e-invoice signing times and the
/// times kyso writes into documents are in it.
pub const VIETNAM_OFFSET: UtcOffset = offset!(+7);

/// `2026-01-01T00:00:00Z`: xsd:dateTime in UTC without fractions (XAdES SigningTime).
const XSD_UTC: &[BorrowedFormatItem<'_>] =
    format_description!("[year]-[month]-[day]T[hour]:[minute]:[second]Z");
/// `2026-01-01T07:00:00`: xsd:dateTime without a zone (Circular 78/2021 SigningTime).
const XSD_LOCAL: &[BorrowedFormatItem<'_>] =
    format_description!("[year]-[month]-[day]T[hour]:[minute]:[second]");
/// `2026-01-01T07:00:00+07:00`: ISO 8601 with the zone (Decree 30 copy notices).
const ISO_ZONED: &[BorrowedFormatItem<'_>] = format_description!(
    "[year]-[month]-[day]T[hour]:[minute]:[second][offset_hour sign:mandatory]:[offset_minute]"
);
/// `D:20260101070000+07'00'`: a PDF date.
const PDF: &[BorrowedFormatItem<'_>] = format_description!(
    "D:[year][month][day][hour][minute][second][offset_hour sign:mandatory]'[offset_minute]'"
);

/// `t` in the zone `offset`, written by `layout`. The layouts above take only what every
/// `OffsetDateTime` has, so formatting cannot fail; `Debug` text would mark a broken layout.
fn write(t: OffsetDateTime, offset: UtcOffset, layout: &[BorrowedFormatItem<'_>]) -> String {
    let t = t.to_offset(offset);
    t.format(layout).unwrap_or_else(|_| format!("{t:?}"))
}

/// RFC 3339 text of a time, in the time's own zone (`Z` for UTC), with fractions of a second
/// when it has them.
pub fn rfc3339(t: OffsetDateTime) -> String {
    t.format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_else(|_| format!("{t:?}"))
}

/// RFC 3339 text of a time in UTC.
pub(crate) fn utc_rfc3339(t: OffsetDateTime) -> String {
    rfc3339(t.to_offset(UtcOffset::UTC))
}

/// xsd:dateTime in UTC without fractions: `2026-01-01T00:00:00Z`.
pub(crate) fn xsd_utc(t: OffsetDateTime) -> String {
    write(t, UtcOffset::UTC, XSD_UTC)
}

/// Local time in Vietnam without a zone: `2026-01-01T07:00:00`.
pub fn vietnam_local(t: OffsetDateTime) -> String {
    write(t, VIETNAM_OFFSET, XSD_LOCAL)
}

/// ISO 8601 in Vietnam's zone: `2026-01-01T07:00:00+07:00`.
pub(crate) fn vietnam_iso(t: OffsetDateTime) -> String {
    write(t, VIETNAM_OFFSET, ISO_ZONED)
}

/// A PDF date in Vietnam's zone: `D:20260101070000+07'00'`.
pub(crate) fn vietnam_pdf(t: OffsetDateTime) -> String {
    write(t, VIETNAM_OFFSET, PDF)
}

/// Parses an xsd:dateTime (`YYYY-MM-DDTHH:MM:SS[.fff][Z|±HH:MM]`); a time without a zone is
/// taken at `default_offset`.
pub(crate) fn parse_xsd(s: &str, default_offset: UtcOffset) -> Option<OffsetDateTime> {
    use time::format_description::well_known::Rfc3339;
    if let Ok(t) = OffsetDateTime::parse(s, &Rfc3339) {
        return Some(t);
    }
    let fmt = format_description!(
        "[year]-[month]-[day]T[hour]:[minute]:[second][optional [.[subsecond]]]"
    );
    time::PrimitiveDateTime::parse(s, &fmt)
        .ok()
        .map(|t| t.assume_offset(default_offset))
}

/// `D:YYYYMMDDHHmmSSOHH'mm'` (every part after the year optional) as RFC 3339 text; the parts
/// are taken as written, not checked against a calendar (the report shows the claim).
pub(crate) fn pdf_to_rfc3339(bytes: &[u8]) -> Option<String> {
    let s = std::str::from_utf8(bytes).ok()?;
    let s = s.strip_prefix("D:").unwrap_or(s);
    let digits: String = s.chars().take_while(|c| c.is_ascii_digit()).collect();
    if digits.len() < 4 {
        return None;
    }
    let part = |from: usize, len: usize, default: u32| -> u32 {
        digits
            .get(from..from + len)
            .and_then(|p| p.parse().ok())
            .unwrap_or(default)
    };
    let rest = &s[digits.len()..];
    let (sign, tz) = match rest.chars().next() {
        Some('+') => (1, &rest[1..]),
        Some('-') => (-1, &rest[1..]),
        _ => (0, ""),
    };
    let tz_digits: String = tz.chars().filter(|c| c.is_ascii_digit()).collect();
    let tz_part = |from: usize| -> i32 {
        tz_digits
            .get(from..from + 2)
            .and_then(|p| p.parse().ok())
            .unwrap_or(0)
    };
    let offset = if sign == 0 {
        String::from("Z")
    } else {
        let sign = if sign > 0 { '+' } else { '-' };
        format!("{sign}{:02}:{:02}", tz_part(0), tz_part(2))
    };
    Some(format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}{}",
        part(0, 4, 0),
        part(4, 2, 1),
        part(6, 2, 1),
        part(8, 2, 0),
        part(10, 2, 0),
        part(12, 2, 0),
        offset
    ))
}

#[cfg(test)]
mod tests {
    use time::macros::datetime;

    use super::*;

    #[test]
    fn every_form_of_one_instant() {
        let t = datetime!(2026-01-01 00:00:05 UTC);
        assert_eq!(rfc3339(t), "2026-01-01T00:00:05Z");
        assert_eq!(
            utc_rfc3339(t.to_offset(VIETNAM_OFFSET)),
            "2026-01-01T00:00:05Z"
        );
        assert_eq!(xsd_utc(t.to_offset(VIETNAM_OFFSET)), "2026-01-01T00:00:05Z");
        assert_eq!(vietnam_local(t), "2026-01-01T07:00:05");
        assert_eq!(vietnam_iso(t), "2026-01-01T07:00:05+07:00");
        assert_eq!(vietnam_pdf(t), "D:20260101070005+07'00'");
        // Early years keep four digits.
        let early = datetime!(0999-03-04 05:06:07 UTC);
        assert_eq!(xsd_utc(early), "0999-03-04T05:06:07Z");
    }

    #[test]
    fn xsd_datetimes() {
        let t = parse_xsd("2025-06-15T10:20:30", VIETNAM_OFFSET).expect("local");
        assert_eq!(utc_rfc3339(t), "2025-06-15T03:20:30Z");
        let t = parse_xsd("2025-06-15T10:20:30Z", VIETNAM_OFFSET).expect("UTC");
        assert_eq!(xsd_utc(t), "2025-06-15T10:20:30Z");
        let t = parse_xsd("2025-06-15T10:20:30.25+07:00", UtcOffset::UTC).expect("zoned");
        assert_eq!(utc_rfc3339(t), "2025-06-15T03:20:30.25Z");
        assert!(parse_xsd("15/06/2025", UtcOffset::UTC).is_none());
    }

    #[test]
    fn pdf_dates() {
        assert_eq!(
            pdf_to_rfc3339(b"D:20260101070000+07'00'").as_deref(),
            Some("2026-01-01T07:00:00+07:00")
        );
        assert_eq!(
            pdf_to_rfc3339(b"D:2025").as_deref(),
            Some("2025-01-01T00:00:00Z")
        );
        assert_eq!(
            pdf_to_rfc3339(b"D:20250615103000Z").as_deref(),
            Some("2025-06-15T10:30:00Z")
        );
        assert!(pdf_to_rfc3339(b"garbage").is_none());
        let written = vietnam_pdf(datetime!(2026-01-01 00:00:00 UTC));
        assert_eq!(
            pdf_to_rfc3339(written.as_bytes()).as_deref(),
            Some("2026-01-01T07:00:00+07:00")
        );
    }
}
