//! Dates as newsidx shows them to people and scripts: RFC 3339 in UTC with a `Z`, to the second.

use chrono::{DateTime, SecondsFormat, Utc};
use serde::Serializer;

/// "2006-11-27T19:32:00Z".
pub fn format(d: &DateTime<Utc>) -> String {
    d.to_rfc3339_opts(SecondsFormat::Secs, true)
}

/// For `#[serde(serialize_with)]`: the date as `format` writes it, or `null`.
pub fn serialize_opt<S: Serializer>(d: &Option<DateTime<Utc>>, s: S) -> Result<S::Ok, S::Error> {
    match d {
        Some(d) => s.serialize_str(&format(d)),
        None => s.serialize_none(),
    }
}
