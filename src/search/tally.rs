//! Counting a whole result set by section, year and period from the fast fields, without opening a stored document.

use std::collections::BTreeMap;

use chrono::DateTime;
use serde::Serialize;
use tantivy::collector::{Collector, SegmentCollector};
use tantivy::columnar::{Column, StrColumn};
use tantivy::{DocId, Score, SegmentOrdinal, SegmentReader};

use super::filter::{bucket, bucket_label, next_bucket, Period};

/// Counts matches by section, by year and (when asked) by `period`, and
/// finds the earliest and latest dates. Undated articles and those without
/// a section are counted too, so every count adds up to the total.
pub struct Tally {
    pub period: Option<Period>,
}

/// What a `Tally` found.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Counts {
    pub total: u64,
    /// By section as indexed (lower case); `None`: no section.
    pub sections: BTreeMap<Option<String>, u64>,
    /// By year; `None`: undated.
    pub years: BTreeMap<Option<i64>, u64>,
    /// By bucket of the period asked for (undated ones are in `years[None]`).
    pub buckets: BTreeMap<i64, u64>,
    /// Earliest and latest publication times, in seconds.
    pub earliest: Option<i64>,
    pub latest: Option<i64>,
}

impl Counts {
    pub fn undated(&self) -> u64 {
        self.years.get(&None).copied().unwrap_or(0)
    }

    /// Sections by count (most first), then name; no section last.
    pub fn section_rows(&self) -> Vec<SectionCount> {
        let mut rows: Vec<SectionCount> = self
            .sections
            .iter()
            .map(|(name, count)| SectionCount {
                name: name.clone(),
                count: *count,
            })
            .collect();
        rows.sort_by(|a, b| {
            a.name
                .is_none()
                .cmp(&b.name.is_none())
                .then(b.count.cmp(&a.count))
                .then(a.name.cmp(&b.name))
        });
        rows
    }

    /// Years in order; undated last.
    pub fn year_rows(&self) -> Vec<YearCount> {
        let mut rows: Vec<YearCount> = self
            .years
            .iter()
            .filter(|(y, _)| y.is_some())
            .map(|(year, count)| YearCount {
                year: *year,
                count: *count,
            })
            .collect();
        if let Some(n) = self.years.get(&None) {
            rows.push(YearCount {
                year: None,
                count: *n,
            });
        }
        rows
    }

    /// The histogram: every period from the first to the last with a match,
    /// empty ones included (a gap in the news is news).
    pub fn histogram(&self, period: Period) -> Histogram {
        let mut buckets = Vec::new();
        if let (Some(&first), Some(&last)) = (self.buckets.keys().next(), self.buckets.keys().next_back()) {
            let mut key = first;
            while key <= last {
                buckets.push(Bucket {
                    period: bucket_label(period, key),
                    count: self.buckets.get(&key).copied().unwrap_or(0),
                });
                key = next_bucket(period, key);
            }
        }
        Histogram {
            interval: period.as_str(),
            buckets,
            undated: self.undated(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SectionCount {
    /// `null` for articles without a section.
    pub name: Option<String>,
    pub count: u64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct YearCount {
    /// `null` for undated articles.
    pub year: Option<i64>,
    pub count: u64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Histogram {
    pub interval: &'static str,
    pub buckets: Vec<Bucket>,
    pub undated: u64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Bucket {
    pub period: String,
    pub count: u64,
}

impl Collector for Tally {
    type Fruit = Counts;
    type Child = SegmentTally;

    fn for_segment(&self, _: SegmentOrdinal, segment: &SegmentReader) -> tantivy::Result<SegmentTally> {
        let fast = segment.fast_fields();
        let sections = fast.str("section")?;
        let section_counts = vec![0; sections.as_ref().map_or(0, |s| s.num_terms())];
        Ok(SegmentTally {
            period: self.period,
            sections,
            published: fast.date("published").ok(),
            section_counts,
            counts: Counts::default(),
        })
    }

    fn requires_scoring(&self) -> bool {
        false
    }

    fn merge_fruits(&self, fruits: Vec<Counts>) -> tantivy::Result<Counts> {
        let mut all = Counts::default();
        for c in fruits {
            all.total += c.total;
            for (k, n) in c.sections {
                *all.sections.entry(k).or_default() += n;
            }
            for (k, n) in c.years {
                *all.years.entry(k).or_default() += n;
            }
            for (k, n) in c.buckets {
                *all.buckets.entry(k).or_default() += n;
            }
            all.earliest = all.earliest.into_iter().chain(c.earliest).min();
            all.latest = all.latest.into_iter().chain(c.latest).max();
        }
        Ok(all)
    }
}

pub struct SegmentTally {
    period: Option<Period>,
    sections: Option<StrColumn>,
    published: Option<Column<tantivy::DateTime>>,
    /// By section term ordinal; names are looked up once, at the end.
    section_counts: Vec<u64>,
    counts: Counts,
}

impl SegmentCollector for SegmentTally {
    type Fruit = Counts;

    fn collect(&mut self, doc: DocId, _: Score) {
        let c = &mut self.counts;
        c.total += 1;
        match self.sections.as_ref().and_then(|s| s.term_ords(doc).next()) {
            Some(ord) => {
                if let Some(n) = self.section_counts.get_mut(ord as usize) {
                    *n += 1;
                }
            }
            None => *c.sections.entry(None).or_default() += 1,
        }
        let date = self
            .published
            .as_ref()
            .and_then(|p| p.first(doc))
            .and_then(|d| DateTime::from_timestamp(d.into_timestamp_secs(), 0));
        match date {
            None => *c.years.entry(None).or_default() += 1,
            Some(d) => {
                *c.years.entry(Some(bucket(Period::Year, &d))).or_default() += 1;
                if let Some(period) = self.period {
                    *c.buckets.entry(bucket(period, &d)).or_default() += 1;
                }
                let t = d.timestamp();
                c.earliest = Some(c.earliest.map_or(t, |e| e.min(t)));
                c.latest = Some(c.latest.map_or(t, |l| l.max(t)));
            }
        }
    }

    fn harvest(mut self) -> Counts {
        if let Some(sections) = &self.sections {
            let mut name = String::new();
            for (ord, n) in self.section_counts.iter().enumerate() {
                if *n > 0 && sections.ord_to_str(ord as u64, &mut name).unwrap_or(false) {
                    *self.counts.sections.entry(Some(name.clone())).or_default() += n;
                }
            }
        }
        self.counts
    }
}
