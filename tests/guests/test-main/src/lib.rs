//! The main component the integration tests run against. Each channel
//! exercises one behaviour of the host; `channels.rs` lists them by the
//! suite that uses them, and each suite's handlers live in a module of that
//! name. Main also records what it hears (sends, window, utility, port and
//! process events) for the channels that report it.

use std::collections::{HashMap, HashSet};

use wasmtron_guest::{
    HandlerError, Main, MessagePort, Payload, PortId, PortMessage, ProcessGone, Request, TimerId,
    UtilityMessage, UtilityProcess, log,
};

mod dialogs;
mod files;
mod ipc;
mod lifecycle;
mod ports;
mod probe;
mod timers;
mod utilities;
mod windows;

use probe::sender_name;

/// What a channel runs: main's state and the request, to the reply.
type Handler = fn(&mut TestMain, Request) -> Result<Payload, HandlerError>;

/// Reads `channels.rs` as the dispatch table. (The harness reads the same
/// file as the list of channels to grant.)
macro_rules! read_channels {
    (
        handled [$($channel:literal => $handler:path,)*]
        granted_only [$($granted_only:literal,)*]
    ) => {
        /// Every channel main handles from the start, with its handler.
        const HANDLERS: &[(&str, Handler)] = &[$(($channel, $handler),)*];
    };
}

include!("channels.rs");

#[derive(Default)]
struct TestMain {
    /// Every `send` received, as "sender|channel|payload", window closes as
    /// "closed|label|" and utility posts as "utility|name|text". Messages
    /// that carried ports are "port-from:sender" (from a renderer) or
    /// "utility-port:name"; port traffic is "port-msg:text" and
    /// "port-close".
    messages: Vec<String>,
    timer_fired: u32,
    /// The forked utilities, by instance name.
    utilities: HashMap<String, UtilityProcess>,
    /// Every process gone event, as "kind|name|reason".
    gone: Vec<String>,
    /// The ports renderers and utilities sent to main, all started.
    ports: Vec<MessagePort>,
    /// Windows main refuses to close when asked (`keep-open`).
    keep_open: HashSet<String>,
    /// Window events as "label|event", and close requests as
    /// "label|close-asked" (the `window-events` channel).
    window_events: Vec<String>,
    /// App lifecycle events, in order (the `lifecycle` channel); each is
    /// also logged as "lifecycle <event>", since the last come as the app
    /// ends.
    lifecycle: Vec<String>,
    /// `on-before-quit` answers no (`prevent-quit`).
    prevent_quit: bool,
    /// `on-window-all-closed` answers no (`stay-when-closed`).
    stay_when_closed: bool,
}

impl TestMain {
    fn record(&mut self, event: String) {
        log::info(&format!("lifecycle {event}"));
        self.lifecycle.push(event);
    }

    /// Keeps ports sent to main and starts them.
    fn keep(&mut self, ports: Vec<MessagePort>) {
        for port in ports {
            port.start();
            self.ports.push(port);
        }
    }
}

impl Main for TestMain {
    fn on_ready(&mut self) {
        for (channel, _) in HANDLERS {
            wasmtron_guest::ipc::handle(channel);
        }
        log::info("test-main ready");
    }

    fn handle(&mut self, request: Request) -> Result<Payload, HandlerError> {
        let handler = HANDLERS
            .iter()
            .find(|(channel, _)| *channel == request.channel)
            .map(|(_, handler)| handler);
        match handler {
            Some(handler) => handler(self, request),
            // A channel added at run time with `register`.
            None => Request::reply(&format!("dynamic:{}", request.channel)),
        }
    }

    fn on_message(&mut self, message: Request) {
        if !message.ports.is_empty() {
            self.messages
                .push(format!("port-from:{}", sender_name(&message.sender)));
            self.keep(message.ports);
            return;
        }
        let payload = message
            .decode::<u32>()
            .map(|n| n.to_string())
            .unwrap_or_else(|_| "?".into());
        self.messages.push(format!(
            "{}|{}|{payload}",
            sender_name(&message.sender),
            message.channel
        ));
    }

    fn on_timer(&mut self, _timer: TimerId) {
        self.timer_fired += 1;
    }

    fn on_window_closed(&mut self, label: &str) {
        self.messages.push(format!("closed|{label}|"));
    }

    fn on_window_event(&mut self, label: &str, event: wasmtron_guest::windows::WindowEvent) {
        self.window_events
            .push(format!("{label}|{}", windows::event_name(&event)));
    }

    fn on_window_all_closed(&mut self) -> bool {
        self.record("window-all-closed".into());
        !self.stay_when_closed
    }

    fn on_before_quit(&mut self) -> bool {
        self.record("before-quit".into());
        !self.prevent_quit
    }

    fn on_will_quit(&mut self) {
        self.record("will-quit".into());
    }

    fn on_quit(&mut self, code: i32) {
        self.record(format!("quit:{code}"));
    }

    fn on_second_instance(&mut self, args: Vec<String>, cwd: &str) {
        self.record(format!("second-instance:{}@{cwd}", args.join(" ")));
    }

    fn on_menu(&mut self, label: &str, id: &str) {
        self.window_events.push(format!("{label}|menu:{id}"));
    }

    fn on_window_close(&mut self, label: &str) -> bool {
        self.window_events.push(format!("{label}|close-asked"));
        !self.keep_open.contains(label)
    }

    fn on_utility_spawn(&mut self, name: &str, _pid: Option<u32>, restarts: u32) {
        self.messages.push(format!("spawn|{name}|{restarts}"));
    }

    fn on_utility_output(&mut self, name: &str, stream: &str, line: &str) {
        self.messages.push(format!("output|{name}|{stream}|{line}"));
    }

    fn on_utility_message(&mut self, message: UtilityMessage) {
        if !message.ports.is_empty() {
            self.messages.push(format!("utility-port:{}", message.name));
            self.keep(message.ports);
            return;
        }
        let text = message.decode::<String>().unwrap_or_else(|_| "?".into());
        self.messages
            .push(format!("utility|{}|{text}", message.name));
    }

    /// Logs the text and echoes it back as "echo:<text>" (an echo is not
    /// echoed again).
    fn on_port_message(&mut self, message: PortMessage) {
        let text = message.decode::<String>().unwrap_or_else(|_| "?".into());
        self.messages.push(format!("port-msg:{text}"));
        if text.starts_with("echo:") {
            return;
        }
        let Some(port) = self.ports.iter().find(|port| port.id() == message.port) else {
            log::warn(&format!(
                "a message on port {} main does not hold",
                message.port
            ));
            return;
        };
        if let Err(err) = port.post_message(&format!("echo:{text}"), Vec::new()) {
            log::warn(&format!("cannot echo on port {}: {err}", message.port));
        }
    }

    fn on_port_close(&mut self, _port: PortId) {
        self.messages.push("port-close".into());
    }

    fn on_process_gone(&mut self, gone: ProcessGone) {
        self.gone
            .push(format!("{}|{}|{}", gone.kind, gone.name, gone.reason));
    }
}

wasmtron_guest::export_main!(TestMain);
