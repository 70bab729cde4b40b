//! Reads a JSON array of records as a stream and sums it up.
//!
//! The records are visited one at a time as serde_json reads them, so the
//! file is never held in memory whole, and how far the reading has got is
//! known after every record.

use std::cell::Cell;
use std::collections::HashMap;
use std::fmt;
use std::io::{self, BufReader, Read};
use std::rc::Rc;

use serde::Deserialize;
use serde::de::{self, Deserializer as _, SeqAccess, Visitor};

/// Progress is reported each time another hundredth of the input is read.
const STEPS: u64 = 100;

/// One element of the array. Only what the summary needs is decoded; the
/// other fields (`id`, `name`, `note`) are checked as JSON and skipped.
#[derive(Deserialize)]
struct Record {
    score: f64,
    #[serde(default)]
    tags: Vec<String>,
}

/// What the parse found.
#[derive(Debug, Clone, PartialEq)]
pub struct Summary {
    pub records: u64,
    /// The mean of the records' scores; 0 when there are none.
    pub mean_score: f64,
    /// The tag carried by most records (the first in alphabetical order on a
    /// tie); empty when no record has a tag.
    pub top_tag: String,
    pub top_tag_count: u64,
    /// The size of the input.
    pub bytes: u64,
}

/// Why the parse stopped.
#[derive(Debug)]
pub enum ParseError {
    /// The input is not a JSON array of records, or could not be read.
    Input(serde_json::Error),
    /// `report` asked to stop.
    Stopped(String),
}

impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ParseError::Input(err) => write!(f, "not a list of records: {err}"),
            ParseError::Stopped(why) => f.write_str(why),
        }
    }
}

/// Parses `input`, a JSON array of `{"score": number, "tags": [string]}`
/// objects of `total` bytes, and sums it up.
///
/// `report(done)` is called with the number of bytes read so far each time
/// another hundredth of `total` has been read, and once more at the end. An
/// `Err` from it stops the parse with [`ParseError::Stopped`].
///
/// # Errors
/// [`ParseError::Input`] when the input cannot be read or is not such an
/// array, [`ParseError::Stopped`] when `report` fails.
pub fn summarize(
    input: impl Read,
    total: u64,
    mut report: impl FnMut(u64) -> Result<(), String>,
) -> Result<Summary, ParseError> {
    let read = Rc::new(Cell::new(0));
    let counted = Counted {
        inner: input,
        read: Rc::clone(&read),
    };
    let mut deserializer =
        serde_json::Deserializer::from_reader(BufReader::with_capacity(64 * 1024, counted));
    let mut tally = Tally::default();
    let mut reported = 0;
    let mut stopped = None;
    let visited = deserializer.deserialize_seq(EachRecord(|record: Record| {
        tally.add(record);
        let step = read.get().saturating_mul(STEPS) / total.max(1);
        if step > reported {
            reported = step;
            report(read.get()).inspect_err(|why| stopped = Some(why.clone()))?;
        }
        Ok(())
    }));
    if let Some(why) = stopped {
        return Err(ParseError::Stopped(why));
    }
    visited
        .and_then(|()| deserializer.end())
        .map_err(ParseError::Input)?;
    report(read.get()).map_err(ParseError::Stopped)?;
    Ok(tally.finish(read.get()))
}

/// Running totals over the records seen so far.
#[derive(Default)]
struct Tally {
    records: u64,
    score_sum: f64,
    tags: HashMap<String, u64>,
}

impl Tally {
    fn add(&mut self, record: Record) {
        self.records += 1;
        self.score_sum += record.score;
        for tag in record.tags {
            *self.tags.entry(tag).or_default() += 1;
        }
    }

    fn finish(self, bytes: u64) -> Summary {
        let (top_tag, top_tag_count) = self
            .tags
            .into_iter()
            .max_by(|(a, a_count), (b, b_count)| a_count.cmp(b_count).then_with(|| b.cmp(a)))
            .unwrap_or_default();
        Summary {
            records: self.records,
            mean_score: if self.records == 0 {
                0.0
            } else {
                self.score_sum / self.records as f64
            },
            top_tag,
            top_tag_count,
            bytes,
        }
    }
}

/// Visits the elements of a JSON array one by one, handing each to the
/// closure instead of collecting them.
struct EachRecord<F>(F);

impl<'de, F> Visitor<'de> for EachRecord<F>
where
    F: FnMut(Record) -> Result<(), String>,
{
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an array of records")
    }

    fn visit_seq<A: SeqAccess<'de>>(mut self, mut seq: A) -> Result<(), A::Error> {
        while let Some(record) = seq.next_element()? {
            (self.0)(record).map_err(de::Error::custom)?;
        }
        Ok(())
    }
}

/// A reader that counts the bytes read through it.
struct Counted<R> {
    inner: R,
    read: Rc<Cell<u64>>,
}

impl<R: Read> Read for Counted<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.read.set(self.read.get() + n as u64);
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn records(count: usize) -> String {
        let items: Vec<String> = (0..count)
            .map(|i| {
                let tag = if i % 3 == 0 { "rare" } else { "common" };
                format!(
                    r#"{{"id":{i},"name":"r{i}","score":{},"tags":["{tag}"]}}"#,
                    i % 10
                )
            })
            .collect();
        format!("[\n{}\n]\n", items.join(",\n"))
    }

    #[test]
    fn sums_up_every_record_and_reports_up_to_the_whole_input() {
        let text = records(3000);
        let total = text.len() as u64;
        let mut reports = Vec::new();
        let summary = summarize(text.as_bytes(), total, |done| {
            reports.push(done);
            Ok(())
        })
        .expect("the records parse");
        assert_eq!(summary.records, 3000);
        assert!((summary.mean_score - 4.5).abs() < 1e-9);
        assert_eq!(
            (summary.top_tag.as_str(), summary.top_tag_count),
            ("common", 2000)
        );
        assert_eq!(summary.bytes, total);
        assert!(reports.windows(2).all(|pair| pair[0] <= pair[1]));
        assert_eq!(reports.last(), Some(&total));
    }

    #[test]
    fn an_empty_array_has_no_tag_and_a_zero_mean() {
        let summary = summarize(&b"[]"[..], 2, |_| Ok(())).expect("an empty array parses");
        assert_eq!(
            summary,
            Summary {
                records: 0,
                mean_score: 0.0,
                top_tag: String::new(),
                top_tag_count: 0,
                bytes: 2,
            }
        );
    }

    #[test]
    fn a_tie_goes_to_the_first_tag_in_alphabetical_order() {
        let text = r#"[{"score":1,"tags":["b","a"]}]"#;
        let summary = summarize(text.as_bytes(), text.len() as u64, |_| Ok(())).expect("parses");
        assert_eq!(summary.top_tag, "a");
    }

    #[test]
    fn what_is_not_an_array_of_records_is_refused() {
        for text in [r#"{"score":1}"#, r#"[{"tags":[]}]"#, "[1,2", "[] trailing"] {
            let err = summarize(text.as_bytes(), text.len() as u64, |_| Ok(()))
                .expect_err("not an array of records");
            assert!(matches!(err, ParseError::Input(_)), "{text}: {err}");
        }
    }

    #[test]
    fn a_failing_report_stops_the_parse() {
        let text = records(3000);
        let mut calls = 0;
        let err = summarize(text.as_bytes(), text.len() as u64, |_| {
            calls += 1;
            Err("the window hung up".to_owned())
        })
        .expect_err("the report stops it");
        assert_eq!(calls, 1);
        assert_eq!(err.to_string(), "the window hung up");
    }
}
