//! What narrows and orders a result set besides the query: sections, date ranges, sort orders, histogram periods.

use std::ops::Bound;

use chrono::{DateTime, Datelike, NaiveDate, Utc};
use tantivy::query::{BooleanQuery, ConstScoreQuery, Occur, Query, RangeQuery};
use tantivy::Term;

use super::QueryError;
use crate::index::NewsIndex;

/// How hits are ordered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sort {
    Relevance,
    /// Latest first; undated articles last.
    Newest,
    /// Earliest first; undated articles last.
    Oldest,
}

impl Sort {
    /// The order when none is asked for: by relevance when there are words
    /// to rank by, else the newest articles first.
    pub fn default_for(query: &str) -> Sort {
        if query.trim().is_empty() {
            Sort::Newest
        } else {
            Sort::Relevance
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Sort::Relevance => "relevance",
            Sort::Newest => "newest",
            Sort::Oldest => "oldest",
        }
    }
}

/// The buckets of a histogram.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Period {
    Year,
    Month,
    Day,
}

impl Period {
    pub fn as_str(self) -> &'static str {
        match self {
            Period::Year => "year",
            Period::Month => "month",
            Period::Day => "day",
        }
    }
}

/// Conditions every hit meets besides the query.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Filters {
    /// Any of these sections (case does not matter).
    pub sections: Vec<String>,
    /// Published at or after.
    pub since: Option<DateTime<Utc>>,
    /// Published before (the end of the period the user named).
    pub until: Option<DateTime<Utc>>,
}

impl Filters {
    /// The filters as a user gives them: sections, and dates `YYYY`,
    /// `YYYY-MM` or `YYYY-MM-DD`, `until` taking in the whole period it
    /// names. `names` are what the user calls the two dates (`--since`, or
    /// `since` in a URL), for the message of a bad one.
    pub fn parse(
        sections: Vec<String>,
        since: Option<&str>,
        until: Option<&str>,
        names: [&str; 2],
    ) -> Result<Filters, QueryError> {
        Ok(Filters {
            sections,
            since: since.map(|d| parse_date(d, End::Start, names[0])).transpose()?,
            until: until.map(|d| parse_date(d, End::After, names[1])).transpose()?,
        })
    }

    pub fn is_empty(&self) -> bool {
        self.sections.is_empty() && self.since.is_none() && self.until.is_none()
    }

    /// The filters as queries that must match and do not score.
    pub(crate) fn queries(
        &self,
        index: &NewsIndex,
        section_terms: impl Fn(&str) -> Option<Box<dyn Query>>,
    ) -> Result<Vec<Box<dyn Query>>, QueryError> {
        let mut out: Vec<Box<dyn Query>> = Vec::new();
        if !self.sections.is_empty() {
            let mut any = Vec::new();
            for name in &self.sections {
                let q = section_terms(name).ok_or_else(|| QueryError {
                    message: format!("--section '{name}' has no letters to look for"),
                    column: None,
                })?;
                any.push((Occur::Should, q));
            }
            out.push(Box::new(ConstScoreQuery::new(
                Box::new(BooleanQuery::new(any)),
                0.0,
            )));
        }
        if self.since.is_some() || self.until.is_some() {
            let field = index.fields().published;
            let term = |d: &DateTime<Utc>| {
                Term::from_field_date(field, tantivy::DateTime::from_timestamp_secs(d.timestamp()))
            };
            let lower = self
                .since
                .as_ref()
                .map_or(Bound::Unbounded, |d| Bound::Included(term(d)));
            let upper = self
                .until
                .as_ref()
                .map_or(Bound::Unbounded, |d| Bound::Excluded(term(d)));
            out.push(Box::new(ConstScoreQuery::new(
                Box::new(RangeQuery::new(lower, upper)),
                0.0,
            )));
        }
        Ok(out)
    }
}

/// Which end of a period a date names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum End {
    /// `--since`: the period's first moment.
    Start,
    /// `--until`: the moment after the period (so the period is included).
    After,
}

/// `YYYY`, `YYYY-MM` or `YYYY-MM-DD` as the start of that period, or the
/// moment after it.
pub fn parse_date(text: &str, end: End, option: &str) -> Result<DateTime<Utc>, QueryError> {
    let bad = || QueryError {
        message: format!("{option} '{text}' is not a date (YYYY, YYYY-MM or YYYY-MM-DD)"),
        column: None,
    };
    let parts: Vec<&str> = text.trim().split('-').collect();
    let number = |s: &str, digits: usize| -> Result<u32, QueryError> {
        if s.len() == digits && s.bytes().all(|b| b.is_ascii_digit()) {
            s.parse().map_err(|_| bad())
        } else {
            Err(bad())
        }
    };
    let year = number(parts[0], 4)? as i32;
    let (start, next) = match parts.len() {
        1 => (
            NaiveDate::from_ymd_opt(year, 1, 1),
            NaiveDate::from_ymd_opt(year + 1, 1, 1),
        ),
        2 => {
            let month = number(parts[1], 2)?;
            let start = NaiveDate::from_ymd_opt(year, month, 1);
            let next = start.and_then(|d| d.checked_add_months(chrono::Months::new(1)));
            (start, next)
        }
        3 => {
            let start = NaiveDate::from_ymd_opt(year, number(parts[1], 2)?, number(parts[2], 2)?);
            (start, start.and_then(|d| d.succ_opt()))
        }
        _ => return Err(bad()),
    };
    let day = match end {
        End::Start => start,
        End::After => start.and(next),
    }
    .ok_or_else(bad)?;
    Ok(day.and_hms_opt(0, 0, 0).ok_or_else(bad)?.and_utc())
}

/// The bucket of a date: 2025, 202503 or 20250315.
pub(crate) fn bucket(period: Period, d: &DateTime<Utc>) -> i64 {
    let (y, m, day) = (i64::from(d.year()), i64::from(d.month()), i64::from(d.day()));
    match period {
        Period::Year => y,
        Period::Month => y * 100 + m,
        Period::Day => y * 10_000 + m * 100 + day,
    }
}

/// How a bucket is written: "2025", "2025-03", "2025-03-15".
pub(crate) fn bucket_label(period: Period, key: i64) -> String {
    match period {
        Period::Year => format!("{key:04}"),
        Period::Month => format!("{:04}-{:02}", key / 100, key % 100),
        Period::Day => format!("{:04}-{:02}-{:02}", key / 10_000, key / 100 % 100, key % 100),
    }
}

/// The bucket after `key`, to fill the gaps of a histogram.
pub(crate) fn next_bucket(period: Period, key: i64) -> i64 {
    match period {
        Period::Year => key + 1,
        Period::Month => {
            if key % 100 == 12 {
                (key / 100 + 1) * 100 + 1
            } else {
                key + 1
            }
        }
        Period::Day => {
            let date = NaiveDate::from_ymd_opt(
                (key / 10_000) as i32,
                (key / 100 % 100) as u32,
                (key % 100) as u32,
            );
            match date.and_then(|d| d.succ_opt()) {
                Some(d) => bucket(Period::Day, &d.and_hms_opt(0, 0, 0).unwrap_or_default().and_utc()),
                None => i64::MAX,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ymd(y: i32, m: u32, d: u32) -> DateTime<Utc> {
        NaiveDate::from_ymd_opt(y, m, d)
            .unwrap()
            .and_hms_opt(0, 0, 0)
            .unwrap()
            .and_utc()
    }

    #[test]
    fn dates_name_whole_periods() {
        let since = |t| parse_date(t, End::Start, "--since");
        let until = |t| parse_date(t, End::After, "--until");
        assert_eq!(since("2025").unwrap(), ymd(2025, 1, 1));
        assert_eq!(until("2025").unwrap(), ymd(2026, 1, 1));
        assert_eq!(since("2024-02").unwrap(), ymd(2024, 2, 1));
        assert_eq!(until("2024-12").unwrap(), ymd(2025, 1, 1));
        assert_eq!(until("2024-02-29").unwrap(), ymd(2024, 3, 1));
        for bad in ["2025-13", "2023-02-29", "25", "2025/03", "2025-3", "", "march"] {
            let err = until(bad).unwrap_err().to_string();
            assert_eq!(
                err,
                format!("--until '{bad}' is not a date (YYYY, YYYY-MM or YYYY-MM-DD)")
            );
        }
    }

    #[test]
    fn buckets_step_over_ends_of_months_and_years() {
        assert_eq!(next_bucket(Period::Month, 202412), 202501);
        assert_eq!(next_bucket(Period::Day, 20240228), 20240229);
        assert_eq!(next_bucket(Period::Day, 20241231), 20250101);
        assert_eq!(bucket_label(Period::Day, 20250305), "2025-03-05");
        assert_eq!(
            bucket_label(Period::Month, bucket(Period::Month, &ymd(2025, 3, 9))),
            "2025-03"
        );
    }
}
