//! Publication dates: from article metadata in the formats news exports use, and from archive paths.

use std::collections::HashMap;
use std::sync::LazyLock;

use chrono::{DateTime, FixedOffset, NaiveDate, NaiveDateTime, NaiveTime, Offset, TimeZone, Utc};
use regex::Regex;

/// Parses dates, knowing the zone abbreviations of the mapping.
#[derive(Debug, Clone)]
pub struct DateParser {
    /// Upper-case abbreviation -> minutes east of UTC.
    zones: HashMap<String, i32>,
}

const OFFSET_FORMATS: &[&str] = &[
    "%Y-%m-%dT%H:%M:%S%.f%z",
    "%Y-%m-%d %H:%M:%S%.f%z",
    "%Y-%m-%dT%H:%M%z",
    "%Y-%m-%d %H:%M%z",
    // ISO 8601 basic format, as NITF writes `norm` dates: 20061127T143200-0500.
    "%Y%m%dT%H%M%S%z",
    "%Y%m%dT%H%M%z",
];

const NAIVE_FORMATS: &[&str] = &[
    "%Y-%m-%dT%H:%M:%S%.f",
    "%Y-%m-%d %H:%M:%S%.f",
    "%Y-%m-%dT%H:%M",
    "%Y-%m-%d %H:%M",
    "%Y/%m/%d %H:%M:%S",
    "%Y/%m/%d %H:%M",
    "%Y%m%dT%H%M%S",
    "%Y%m%dT%H%M",
];

const DATE_FORMATS: &[&str] = &["%Y-%m-%d", "%Y/%m/%d", "%Y%m%d", "%Y.%m.%d"];

/// "Mon Nov 27, 2006 2:32pm EST", "November 27, 2006", "Nov. 27, 2006 at 14:32 GMT"
static MONTH_FIRST: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?ix)^
        (?:[a-z]{3,9}\.?,?\s+)??               # weekday
        ([a-z]{3,9})\.?\s+(\d{1,2})(?:st|nd|rd|th)?,?\s+(\d{4})
        (?:,?\s+(?:at\s+)?(\d{1,2})(?:[:.](\d{2}))?(?::(\d{2}))?\s*([ap])\.?m\.?)?  # 12-hour time
        (?:,?\s+(?:at\s+)?(\d{1,2}):(\d{2})(?::(\d{2}))?)?                          # 24-hour time
        (?:\s+\(?([a-z]{1,5})\)?)?$",
    )
    .expect("valid regex")
});

/// "27 November 2006", "Monday 27 Nov 2006 14:32 GMT", "27 Nov 2006 2:32pm"
static DAY_FIRST: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?ix)^
        (?:[a-z]{3,9}\.?,?\s+)?                # weekday
        (\d{1,2})(?:st|nd|rd|th)?\s+([a-z]{3,9})\.?,?\s+(\d{4})
        (?:,?\s+(?:at\s+)?(\d{1,2})(?:[:.](\d{2}))?(?::(\d{2}))?\s*([ap])\.?m\.?)?
        (?:,?\s+(?:at\s+)?(\d{1,2}):(\d{2})(?::(\d{2}))?)?
        (?:\s+\(?([a-z]{1,5})\)?)?$",
    )
    .expect("valid regex")
});

/// A trailing zone abbreviation after an ISO date: "2025-03-03 16:40:00 UTC".
static TRAILING_ZONE: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^(.*\d)\s+([A-Za-z]{1,5})$").expect("valid regex"));

/// Dates in archive paths: 2024/03/15, 2024-03-15, 20240315 as whole path parts.
static PATH_DATE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?x)
        (?:^|[^0-9])((?:1[89]|2[01])\d{2})/(0[1-9]|1[0-2])/(0[1-9]|[12]\d|3[01])(?:[^0-9]|$)
        |(?:^|[^0-9])((?:1[89]|2[01])\d{2})-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])(?:[^0-9]|$)
        |(?:^|[^0-9])((?:1[89]|2[01])\d{2})(0[1-9]|1[0-2])(0[1-9]|[12]\d|3[01])(?:[^0-9]|$)",
    )
    .expect("valid regex")
});

impl DateParser {
    pub fn new(zones: &HashMap<String, i32>) -> Self {
        DateParser {
            zones: zones.iter().map(|(k, v)| (k.to_uppercase(), *v)).collect(),
        }
    }

    /// A date as written in article metadata, in any of the usual formats;
    /// `None` when it is not a plausible date.
    pub fn parse(&self, text: &str) -> Option<DateTime<Utc>> {
        let text = text.trim();
        if text.is_empty() || text.len() > 64 {
            return None;
        }
        let parsed = self
            .parse_iso(text)
            .or_else(|| {
                DateTime::parse_from_rfc2822(text)
                    .ok()
                    .map(|d| d.with_timezone(&Utc))
            })
            .or_else(|| self.parse_words(text));
        parsed.filter(plausible)
    }

    /// A JSON number as a Unix timestamp, in seconds or milliseconds.
    pub fn from_timestamp(&self, n: f64) -> Option<DateTime<Utc>> {
        if !n.is_finite() || n <= 0.0 {
            return None;
        }
        let secs = if n > 1e11 { n / 1000.0 } else { n };
        DateTime::from_timestamp(secs as i64, 0).filter(plausible)
    }

    fn parse_iso(&self, text: &str) -> Option<DateTime<Utc>> {
        if let Ok(d) = DateTime::parse_from_rfc3339(text) {
            return Some(d.with_timezone(&Utc));
        }
        if !text.starts_with(|c: char| c.is_ascii_digit()) {
            return None;
        }
        for fmt in OFFSET_FORMATS {
            if let Ok(d) = DateTime::parse_from_str(text, fmt) {
                return Some(d.with_timezone(&Utc));
            }
        }
        let (body, offset) = match TRAILING_ZONE.captures(text) {
            Some(c) => match self.zone(&c[2]) {
                Some(offset) => (c.get(1).map_or(text, |m| m.as_str()), offset),
                None => (text, utc()),
            },
            None => (text.strip_suffix('Z').unwrap_or(text), utc()),
        };
        for fmt in NAIVE_FORMATS {
            if let Ok(d) = NaiveDateTime::parse_from_str(body, fmt) {
                return local(offset, d);
            }
        }
        for fmt in DATE_FORMATS {
            if let Ok(d) = NaiveDate::parse_from_str(body, fmt) {
                return local(offset, d.and_time(NaiveTime::MIN));
            }
        }
        None
    }

    fn parse_words(&self, text: &str) -> Option<DateTime<Utc>> {
        let (c, month_first) = match MONTH_FIRST.captures(text) {
            Some(c) => (c, true),
            None => (DAY_FIRST.captures(text)?, false),
        };
        let (month, day) = if month_first {
            (&c[1], &c[2])
        } else {
            (&c[2], &c[1])
        };
        let month = month_number(month)?;
        let day: u32 = day.parse().ok()?;
        let year: i32 = c[3].parse().ok()?;
        let date = NaiveDate::from_ymd_opt(year, month, day)?;
        let num = |i: usize| c.get(i).and_then(|m| m.as_str().parse::<u32>().ok());
        let time = if let Some(hour12) = num(4) {
            let pm = c.get(7).is_some_and(|m| m.as_str().eq_ignore_ascii_case("p"));
            if !(1..=12).contains(&hour12) {
                return None;
            }
            let hour = (hour12 % 12) + if pm { 12 } else { 0 };
            NaiveTime::from_hms_opt(hour, num(5).unwrap_or(0), num(6).unwrap_or(0))?
        } else if let Some(hour) = num(8) {
            NaiveTime::from_hms_opt(hour, num(9).unwrap_or(0), num(10).unwrap_or(0))?
        } else {
            NaiveTime::MIN
        };
        let offset = match c.get(11) {
            // An abbreviation we do not know is read as UTC rather than
            // losing the date.
            Some(zone) => self.zone(zone.as_str()).unwrap_or_else(utc),
            None => utc(),
        };
        local(offset, date.and_time(time))
    }

    fn zone(&self, abbreviation: &str) -> Option<FixedOffset> {
        let minutes = *self.zones.get(&abbreviation.to_uppercase())?;
        FixedOffset::east_opt(minutes * 60)
    }
}

/// The date a path carries (folders `2024/03/15`, names with `2024-03-15` or
/// `20240315`), nearest the file name first; midnight UTC.
pub fn date_from_path(relative: &str) -> Option<DateTime<Utc>> {
    let mut best = None;
    let mut at = 0;
    // Matches consume their delimiters, so step one byte past each match start
    // to see overlapping candidates such as "2024/03/15/20240316".
    while let Some(c) = PATH_DATE.captures_at(relative, at) {
        let whole = c.get(0)?;
        let group = |i: usize| c.get(i).map(|m| m.as_str());
        let parts = (1..=3)
            .map(group)
            .collect::<Option<Vec<_>>>()
            .or_else(|| (4..=6).map(group).collect())
            .or_else(|| (7..=9).map(group).collect());
        if let Some(p) = parts {
            let ymd = (p[0].parse().ok(), p[1].parse().ok(), p[2].parse().ok());
            if let (Some(y), Some(m), Some(d)) = ymd {
                if let Some(date) = NaiveDate::from_ymd_opt(y, m, d) {
                    best = Some(Utc.from_utc_datetime(&date.and_time(NaiveTime::MIN)));
                }
            }
        }
        at = whole.start() + 1;
        if at >= relative.len() {
            break;
        }
        // Skip to the next char boundary.
        while !relative.is_char_boundary(at) {
            at += 1;
        }
    }
    best
}

fn utc() -> FixedOffset {
    Utc.fix()
}

fn local(offset: FixedOffset, naive: NaiveDateTime) -> Option<DateTime<Utc>> {
    offset
        .from_local_datetime(&naive)
        .single()
        .map(|d| d.with_timezone(&Utc))
}

fn plausible(d: &DateTime<Utc>) -> bool {
    use chrono::Datelike;
    (1800..=2200).contains(&d.year())
}

fn month_number(name: &str) -> Option<u32> {
    const MONTHS: [&str; 12] = [
        "jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec",
    ];
    let lower = name.to_ascii_lowercase();
    let prefix = lower.get(..3)?;
    let n = MONTHS.iter().position(|m| *m == prefix)?;
    // Accept "Sept" and full names, reject words that only share a prefix.
    const FULL: [&str; 12] = [
        "january",
        "february",
        "march",
        "april",
        "may",
        "june",
        "july",
        "august",
        "september",
        "october",
        "november",
        "december",
    ];
    let ok = lower.len() == 3 || FULL[n].starts_with(&lower) || lower == "sept";
    ok.then_some(n as u32 + 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parser() -> DateParser {
        crate::ingest::rules::test_rules().dates
    }

    fn iso(d: Option<DateTime<Utc>>) -> String {
        d.map(|d| d.to_rfc3339_opts(chrono::SecondsFormat::Secs, true))
            .unwrap_or_else(|| "none".into())
    }

    #[test]
    fn wire_dates_use_their_zone() {
        let p = parser();
        assert_eq!(
            iso(p.parse("Mon Nov 27, 2006 2:32pm EST")),
            "2006-11-27T19:32:00Z"
        );
        assert_eq!(
            iso(p.parse("Fri Oct 20, 2006 4:25pm EDT")),
            "2006-10-20T20:25:00Z"
        );
        assert_eq!(
            iso(p.parse("Tue Mar 4, 2025 10:12am EST")),
            "2025-03-04T15:12:00Z"
        );
        assert_eq!(
            iso(p.parse("Thu Jan 1, 2009 12:05am GMT")),
            "2009-01-01T00:05:00Z"
        );
        assert_eq!(
            iso(p.parse("Thu Jan 1, 2009 12:05pm XYZ")),
            "2009-01-01T12:05:00Z"
        );
    }

    #[test]
    fn iso_and_other_formats() {
        let p = parser();
        assert_eq!(iso(p.parse("2025-02-14T09:30:00Z")), "2025-02-14T09:30:00Z");
        assert_eq!(iso(p.parse("2024-11-06T22:15:00+01:00")), "2024-11-06T21:15:00Z");
        assert_eq!(iso(p.parse("2025-03-03 16:40:00")), "2025-03-03T16:40:00Z");
        assert_eq!(iso(p.parse("2025-03-03 16:40:00 CET")), "2025-03-03T15:40:00Z");
        assert_eq!(iso(p.parse("2024-09-18")), "2024-09-18T00:00:00Z");
        assert_eq!(iso(p.parse("20061020")), "2006-10-20T00:00:00Z");
        // ISO 8601 basic format (NITF `norm` attributes).
        assert_eq!(iso(p.parse("20061127T143200-0500")), "2006-11-27T19:32:00Z");
        assert_eq!(iso(p.parse("20061127T143200+01:00")), "2006-11-27T13:32:00Z");
        assert_eq!(iso(p.parse("20061127T143200Z")), "2006-11-27T14:32:00Z");
        assert_eq!(iso(p.parse("20061127T1432")), "2006-11-27T14:32:00Z");
        assert_eq!(
            iso(p.parse("Tue, 04 Mar 2025 10:12:00 +0000")),
            "2025-03-04T10:12:00Z"
        );
        assert_eq!(iso(p.parse("4 March 2025")), "2025-03-04T00:00:00Z");
        assert_eq!(iso(p.parse("March 4, 2025")), "2025-03-04T00:00:00Z");
        assert_eq!(
            iso(p.parse("Tuesday 4 March 2025 14:05 GMT")),
            "2025-03-04T14:05:00Z"
        );
        assert_eq!(iso(p.parse("2025-02-30")), "none");
        assert_eq!(iso(p.parse("Politics")), "none");
        assert_eq!(iso(p.parse("Mayday 4, 2025")), "none");
        assert_eq!(iso(p.from_timestamp(1_700_000_000.0)), "2023-11-14T22:13:20Z");
        assert_eq!(iso(p.from_timestamp(1_700_000_000_000.0)), "2023-11-14T22:13:20Z");
    }

    #[test]
    fn dates_in_paths() {
        assert_eq!(
            iso(date_from_path("2024/07/26/opening.txt")),
            "2024-07-26T00:00:00Z"
        );
        assert_eq!(
            iso(date_from_path("politics/2025-01-20-inauguration.txt")),
            "2025-01-20T00:00:00Z"
        );
        assert_eq!(
            iso(date_from_path("20250312/bank-rate.txt")),
            "2025-03-12T00:00:00Z"
        );
        assert_eq!(
            iso(date_from_path(
                "20061020/businesspro-google-dc-idUSN2036351320061020"
            )),
            "2006-10-20T00:00:00Z"
        );
        assert_eq!(iso(date_from_path("2024/13/40/x.txt")), "none");
        assert_eq!(iso(date_from_path("business/001.txt")), "none");
        assert_eq!(iso(date_from_path("v12345678.txt")), "none");
    }
}
