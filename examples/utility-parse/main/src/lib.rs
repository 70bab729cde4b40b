//! The utility-parse app's main component.
//!
//! On `parse`, main forks the `parser` utility (once; later parses reuse it),
//! makes a message port and hands one end to the asking window and the other
//! to the parser. The parser's progress then flows over that port straight to
//! the window's renderer: main only set the line up, and the parse itself runs
//! in the utility's worker, so main goes on answering `ping` throughout.
//! `stop` kills the parser, busy or idle; whenever the parser ends, the
//! windows are told why.

use serde::{Deserialize, Serialize};
use wasmtron_guest::processes::ProcessKind;
use wasmtron_guest::{
    HandlerError, Main, Payload, ProcessGone, Request, Sender, UtilityProcess, ipc, log, ports,
    utilities, windows,
};

/// The utility declared in `wasmtron.toml`, granted read access to `data/`.
const PARSER: &str = "parser";

/// What the renderer sends on `parse`.
#[derive(Deserialize)]
struct Parse {
    /// A file name inside `data/`.
    file: String,
}

/// What the parser receives with its end of the port: the file to read,
/// relative to its `data/` grant.
#[derive(Serialize)]
struct ParseRequest<'a> {
    file: &'a str,
}

#[derive(Default)]
struct ParseApp {
    /// The running parser, kept between parses; `None` before the first parse
    /// and after it ended.
    parser: Option<UtilityProcess>,
    pings: u64,
}

impl ParseApp {
    fn parse(&mut self, request: &Request) -> Result<Payload, HandlerError> {
        let Parse { file } = request.decode()?;
        check_file_name(&file)?;
        let Sender::Window(window) = &request.sender else {
            return Err(HandlerError::new(
                "bad-sender",
                "only a window can ask for a parse",
            ));
        };
        let parser = self.parser()?;
        let (window_end, parser_end) = ports::create_channel();
        windows::post_message(window, "progress-port", &file, vec![window_end])?;
        // If this fails, the window's end hears `on_port_close` at once: the
        // parser's end is dropped with the failed message.
        parser.post_message_with_ports(&ParseRequest { file: &file }, vec![parser_end])?;
        log::info(&format!("{window} asked {} to parse {file}", parser.name()));
        Request::reply("started")
    }

    /// The running parser, forked on first use.
    fn parser(&mut self) -> Result<&UtilityProcess, HandlerError> {
        let parser = match self.parser.take() {
            Some(parser) => parser,
            None => {
                let parser = utilities::fork(PARSER)?;
                log::info(&format!(
                    "forked {} (pid {:?})",
                    parser.name(),
                    parser.pid()
                ));
                parser
            }
        };
        Ok(self.parser.insert(parser))
    }

    fn stop(&mut self) -> Result<Payload, HandlerError> {
        // The parser's end is reported by `on_process_gone`, like any other.
        let killed = self.parser.as_ref().is_some_and(UtilityProcess::kill);
        Request::reply(if killed { "stopped" } else { "not-running" })
    }
}

impl Main for ParseApp {
    fn on_ready(&mut self) {
        for channel in ["parse", "stop", "ping"] {
            ipc::handle(channel);
        }
    }

    fn handle(&mut self, request: Request) -> Result<Payload, HandlerError> {
        match request.channel.as_str() {
            "parse" => self.parse(&request),
            "stop" => self.stop(),
            "ping" => {
                self.pings += 1;
                Request::reply(&format!("pong {}", self.pings))
            }
            other => Err(HandlerError::new(
                "no-handler",
                format!("main has no handler for `{other}`"),
            )),
        }
    }

    fn on_process_gone(&mut self, gone: ProcessGone) {
        let ours = matches!(gone.kind, ProcessKind::Utility)
            && self
                .parser
                .as_ref()
                .is_some_and(|parser| parser.name() == gone.name);
        if !ours {
            return;
        }
        self.parser = None;
        let text = format!("parser ended: {}", gone.reason);
        log::info(&text);
        for label in windows::labels() {
            if let Err(err) = windows::push(&label, "parser-gone", &text) {
                log::warn(&format!("cannot tell {label} the parser ended: {err}"));
            }
        }
    }
}

/// Accepts a plain file name. The grant already keeps the parser inside
/// `data/`; refusing paths here gives the window a clear answer instead of a
/// file-system error from the utility.
fn check_file_name(file: &str) -> Result<(), HandlerError> {
    let plain = !file.is_empty() && file != "." && file != ".." && !file.contains(['/', '\\']);
    if plain {
        Ok(())
    } else {
        Err(HandlerError::new(
            "bad-file",
            format!("`{file}` is not a file name inside data/"),
        ))
    }
}

wasmtron_guest::export_main!(ParseApp);
