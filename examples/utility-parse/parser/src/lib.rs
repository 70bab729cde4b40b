//! The utility-parse app's parser: a utility granted read access to `data/`.
//!
//! Main posts it a file name together with one end of a message port. The
//! parser reads `data/<file>` as a stream, posts its progress on the port as
//! it goes, then the result (or what went wrong), and closes the port. The
//! window's renderer holds the other end, so none of this passes through
//! main.

mod summary;

use std::fs::File;
use std::time::Instant;

use serde::{Deserialize, Serialize};
use wasmtron_guest::{MessagePort, ParentMessage, PortError, Utility, log};

use crate::summary::{Summary, summarize};

/// The folder the manifest grants (`read-dirs = ["data"]`); it is the only
/// part of the file system this component can see.
const DATA: &str = "data";

/// What main posts with the port.
#[derive(Deserialize)]
struct ParseRequest {
    /// A file name inside `data/`.
    file: String,
}

/// What the parser posts on the port, as a map tagged by `kind`.
#[derive(Serialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
enum Report<'a> {
    /// `done` of `total` bytes read.
    Progress {
        done: u64,
        total: u64,
    },
    Result {
        records: u64,
        mean_score: f64,
        top_tag: &'a str,
        top_tag_count: u64,
        bytes: u64,
        elapsed_ms: u64,
    },
    Error {
        message: String,
    },
}

#[derive(Default)]
struct Parser;

impl Utility for Parser {
    fn on_message(&mut self, message: ParentMessage) {
        let request = match message.decode::<ParseRequest>() {
            Ok(request) => request,
            Err(err) => {
                log::warn(&format!("not a parse request: {err}"));
                return;
            }
        };
        // The port only carries reports out, so it is never started: a port
        // needs starting to receive, not to post.
        let Some(port) = message.ports.into_iter().next() else {
            log::warn(&format!(
                "a request to parse {} came without a port",
                request.file
            ));
            return;
        };
        let path = format!("{DATA}/{}", request.file);
        let started = Instant::now();
        let report = match parse(&path, &port) {
            Ok(summary) => {
                let elapsed = started.elapsed();
                log::info(&format!(
                    "{path}: {} records, {} bytes in {elapsed:?}",
                    summary.records, summary.bytes
                ));
                post(
                    &port,
                    &Report::Result {
                        records: summary.records,
                        mean_score: summary.mean_score,
                        top_tag: &summary.top_tag,
                        top_tag_count: summary.top_tag_count,
                        bytes: summary.bytes,
                        elapsed_ms: u64::try_from(elapsed.as_millis()).unwrap_or(u64::MAX),
                    },
                )
            }
            Err(message) => {
                log::warn(&message);
                post(&port, &Report::Error { message })
            }
        };
        if let Err(err) = report {
            log::warn(&format!("cannot report on {path}: {err}"));
        }
        port.close();
    }
}

/// Parses the file at `path`, posting its progress on `port`.
fn parse(path: &str, port: &MessagePort) -> Result<Summary, String> {
    let file = File::open(path).map_err(|err| format!("cannot open {path}: {err}"))?;
    let total = file
        .metadata()
        .map_err(|err| format!("cannot read the size of {path}: {err}"))?
        .len();
    summarize(file, total, |done| {
        // A window that closed its end has stopped listening: stop parsing.
        post(port, &Report::Progress { done, total }).map_err(|err| match err {
            PortError::Closed => "the window stopped listening".to_owned(),
            other => format!("cannot report progress: {other}"),
        })
    })
    .map_err(|err| format!("{path}: {err}"))
}

fn post(port: &MessagePort, report: &Report<'_>) -> Result<(), PortError> {
    port.post_message(report, Vec::new())
}

wasmtron_guest::export_utility!(Parser);
