//! The polyglot app's main component, in Rust.
//!
//! Main sets the app up and then stays out of the way:
//!
//! - at start it forks the Python utility `words` and the C utility
//!   `checksum`, and gives them the two ends of a message port, so `words`
//!   can ask `checksum` directly;
//! - on `connect` from a window it gives that window and `words` the two
//!   ends of another port: the window's text goes straight to `words`;
//! - on `about` it asks each utility which language runs it (main invoking
//!   the utilities' handlers) and answers the window.
//!
//! Whenever a utility ends, the windows are told, and the next `connect`
//! forks it again.

use wasmtron_guest::processes::ProcessKind;
use wasmtron_guest::{
    HandlerError, Main, Payload, ProcessGone, Request, Sender, UtilityProcess, ipc, log, ports,
    utilities, windows,
};

/// The utilities declared in `wasmtron.toml`.
const WORDS: &str = "words";
const CHECKSUM: &str = "checksum";

#[derive(Default)]
struct Polyglot {
    /// `words` and `checksum`, forked and linked; `None` before the first
    /// start and after either ended.
    utilities: Option<(UtilityProcess, UtilityProcess)>,
    /// Names of utilities main killed because their partner ended: their
    /// own end is expected, and says nothing about the pair running now.
    retiring: Vec<String>,
}

impl Polyglot {
    /// The running utilities, forked and linked on first use.
    fn utilities(&mut self) -> Result<&(UtilityProcess, UtilityProcess), HandlerError> {
        if self.utilities.is_none() {
            let words = utilities::fork(WORDS)?;
            let checksum = match utilities::fork(CHECKSUM) {
                Ok(checksum) => checksum,
                Err(err) => {
                    words.kill();
                    return Err(err.into());
                }
            };
            // The line between them: `words` sends text, `checksum` answers.
            let (to_checksum, to_words) = ports::create_channel();
            let linked = words
                .post_message_with_ports("checksum-port", vec![to_checksum])
                .and_then(|()| checksum.post_message_with_ports("words-port", vec![to_words]));
            if let Err(err) = linked {
                // Dropping a handle does not end a utility: a pair that
                // cannot talk is ended here.
                words.kill();
                checksum.kill();
                return Err(err.into());
            }
            log::info(&format!(
                "forked {WORDS} (pid {:?}) and {CHECKSUM} (pid {:?}), linked by a port",
                words.pid(),
                checksum.pid()
            ));
            self.utilities = Some((words, checksum));
        }
        self.utilities
            .as_ref()
            .ok_or_else(|| HandlerError::new("not-running", "the utilities did not start"))
    }

    /// Gives the asking window a port to `words`.
    fn connect(&mut self, request: &Request) -> Result<Payload, HandlerError> {
        let Sender::Window(window) = &request.sender else {
            return Err(HandlerError::new("bad-sender", "only a window can connect"));
        };
        let (words, _) = self.utilities()?;
        let (window_end, words_end) = ports::create_channel();
        words.post_message_with_ports("window-port", vec![words_end])?;
        windows::post_message(window, "words-port", "", vec![window_end])?;
        log::info(&format!("{window} connected to {WORDS}"));
        Request::reply("connected")
    }

    /// Which language runs each utility, in their own words.
    fn about(&mut self) -> Result<Payload, HandlerError> {
        let (words, checksum) = self.utilities()?;
        let words_lang: String = words.invoke("lang", "")?;
        let checksum_lang: String = checksum.invoke("lang", "")?;
        Request::reply(&format!(
            "main: Rust · renderer: JavaScript · {WORDS}: {words_lang} · {CHECKSUM}: {checksum_lang}"
        ))
    }
}

impl Main for Polyglot {
    fn on_ready(&mut self) {
        for channel in ["connect", "about"] {
            ipc::handle(channel);
        }
        if let Err(err) = self.utilities() {
            log::warn(&format!("cannot start the utilities: {}", err.message));
        }
    }

    fn handle(&mut self, request: Request) -> Result<Payload, HandlerError> {
        match request.channel.as_str() {
            "connect" => self.connect(&request),
            "about" => self.about(),
            other => Err(HandlerError::new(
                "no-handler",
                format!("main has no handler for `{other}`"),
            )),
        }
    }

    fn on_process_gone(&mut self, gone: ProcessGone) {
        if let Some(at) = self.retiring.iter().position(|name| *name == gone.name) {
            self.retiring.swap_remove(at);
            return;
        }
        let ours = matches!(gone.kind, ProcessKind::Utility)
            && self.utilities.as_ref().is_some_and(|(words, checksum)| {
                gone.name == words.name() || gone.name == checksum.name()
            });
        if !ours {
            return;
        }
        // The other one is useless alone: end it, and start both afresh on
        // the next `connect`.
        if let Some((words, checksum)) = self.utilities.take() {
            for partner in [words, checksum] {
                if partner.name() != gone.name && partner.kill() {
                    self.retiring.push(partner.name());
                }
            }
        }
        let text = format!("{} ended: {}", gone.name, gone.reason);
        log::info(&text);
        for label in windows::labels() {
            if let Err(err) = windows::push(&label, "utility-gone", &text) {
                log::warn(&format!("cannot tell {label} that {text}: {err}"));
            }
        }
    }
}

wasmtron_guest::export_main!(Polyglot);
