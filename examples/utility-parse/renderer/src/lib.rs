//! The utility-parse window: asks main for a parse, keeps the port main hands
//! it, and shows the parser's reports as they arrive on that port. Its Ping
//! button shows main answering at once while the parse runs.

use std::time::Instant;

use serde::{Deserialize, Serialize};
use wasmtron_guest::{
    DomError, EventKind, MessagePort, PortId, PortMessage, Push, Renderer, UiEvent, bridge, dom,
    log,
};

/// The file asked for until the user types another name.
const DEFAULT_FILE: &str = "records.json";

/// What main receives on `parse`.
#[derive(Serialize)]
struct Parse<'a> {
    file: &'a str,
}

/// What the parser posts on the port (its `Report`), a map tagged by `kind`.
#[derive(Deserialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
enum Report {
    Progress {
        done: u64,
        total: u64,
    },
    Result {
        records: u64,
        mean_score: f64,
        top_tag: String,
        top_tag_count: u64,
        bytes: u64,
        elapsed_ms: u64,
    },
    Error {
        message: String,
    },
}

#[derive(Default)]
struct ParseWindow {
    /// The file name typed in `#file`; `None` until the user types.
    file: Option<String>,
    /// This window's end of the current parse's port.
    port: Option<MessagePort>,
    /// A parse was asked for and has not ended yet.
    busy: bool,
}

impl ParseWindow {
    fn parse(&mut self) {
        let file = self
            .file
            .as_deref()
            .unwrap_or(DEFAULT_FILE)
            .trim()
            .to_owned();
        self.set_busy(true);
        show_progress(0);
        show("#result", "");
        show_class("#result", "error", false);
        show("#status", &format!("asking main to parse {file}…"));
        match bridge::invoke::<_, String>("parse", &Parse { file: &file }) {
            // The port main sent is already queued to this window; its
            // reports follow.
            Ok(_) => show("#status", "waiting for the parser…"),
            Err(err) => self.failed(&err.message),
        }
    }

    fn stop() {
        match bridge::invoke::<_, String>("stop", &()) {
            // Main's push `parser-gone` follows and says how the parser ended.
            Ok(reply) if reply == "stopped" => show("#status", "stopping the parser…"),
            Ok(_) => show("#status", "no parser is running"),
            Err(err) => show(
                "#status",
                &format!("cannot stop the parser: {}", err.message),
            ),
        }
    }

    fn ping() {
        let sent = Instant::now();
        let text = match bridge::invoke::<_, String>("ping", &()) {
            Ok(reply) => format!("{reply} after {:.1} ms", sent.elapsed().as_secs_f64() * 1e3),
            Err(err) => format!("no pong: {}", err.message),
        };
        show("#pong", &text);
    }

    fn report(&mut self, report: Report) {
        match report {
            Report::Progress { done, total } => {
                let percent = (done.saturating_mul(100) / total.max(1)).min(100);
                show_progress(percent);
                show("#status", &format!("parsing… {percent}%"));
            }
            Report::Result {
                records,
                mean_score,
                top_tag,
                top_tag_count,
                bytes,
                elapsed_ms,
            } => {
                self.port = None;
                self.set_busy(false);
                show_progress(100);
                show("#status", "done");
                let megabytes = bytes as f64 / 1e6;
                show(
                    "#result",
                    &format!(
                        "{records} records, mean score {mean_score:.2}, most common tag \
                         “{top_tag}” ({top_tag_count}); {megabytes:.1} MB in {elapsed_ms} ms"
                    ),
                );
            }
            Report::Error { message } => {
                self.port = None;
                self.failed(&message);
            }
        }
    }

    fn failed(&mut self, message: &str) {
        self.set_busy(false);
        show("#status", "failed");
        show("#result", message);
        show_class("#result", "error", true);
    }

    /// Whether `port` is this window's end of the current parse's port.
    fn holds(&self, port: PortId) -> bool {
        self.port.as_ref().is_some_and(|ours| ours.id() == port)
    }

    /// Parse is disabled while a parse runs.
    fn set_busy(&mut self, busy: bool) {
        self.busy = busy;
        warn_on(if busy {
            dom::set_attribute("#parse", "disabled", "")
        } else {
            dom::remove_attribute("#parse", "disabled")
        });
    }
}

impl Renderer for ParseWindow {
    fn on_load(&mut self) {
        self.set_busy(false);
        show("#status", "ready");
    }

    fn on_event(&mut self, event: UiEvent) {
        match (event.kind, event.target.as_str()) {
            (EventKind::Input, "file") => self.file = event.value,
            (EventKind::Click, "parse") => self.parse(),
            (EventKind::Click, "stop") => Self::stop(),
            (EventKind::Click, "ping") => Self::ping(),
            _ => {}
        }
    }

    fn on_push(&mut self, push: Push) {
        match push.channel.as_str() {
            "progress-port" => {
                let Some(port) = push.ports.into_iter().next() else {
                    log::warn("progress-port came without a port");
                    return;
                };
                // Reports waited on the port until now; they arrive in order.
                port.start();
                // A port still held from an earlier parse closes as it drops.
                self.port = Some(port);
                show("#status", "parsing… 0%");
            }
            "parser-gone" => {
                self.set_busy(false);
                let text = push.decode::<String>().unwrap_or_else(|err| err.message);
                show("#status", &text);
            }
            other => log::warn(&format!("unexpected push on `{other}`")),
        }
    }

    fn on_port_message(&mut self, message: PortMessage) {
        // Reports from an earlier parse's port, if any were still on their
        // way, are stale.
        if !self.holds(message.port) {
            return;
        }
        match message.decode::<Report>() {
            Ok(report) => self.report(report),
            Err(err) => log::warn(&format!("not a parser report: {}", err.message)),
        }
    }

    fn on_port_close(&mut self, port: PortId) {
        if self.holds(port) {
            self.port = None;
            // Without a result first, the parser went away mid-parse; main's
            // `parser-gone` push, if it comes, says why.
            if self.busy {
                self.failed("the parser hung up before it finished");
            }
        }
    }
}

fn show_progress(percent: u64) {
    let shown = dom::set_attribute("#bar", "value", &percent.to_string())
        .and_then(|()| dom::set_text("#percent", &format!("{percent}%")));
    warn_on(shown);
}

fn show(selector: &str, text: &str) {
    warn_on(dom::set_text(selector, text));
}

fn show_class(selector: &str, class: &str, on: bool) {
    warn_on(if on {
        dom::add_class(selector, class)
    } else {
        dom::remove_class(selector, class)
    });
}

fn warn_on(result: Result<(), DomError>) {
    if let Err(err) = result {
        log::warn(&format!("cannot update the page: {err}"));
    }
}

wasmtron_guest::export_renderer!(ParseWindow);
