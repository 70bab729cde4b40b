//! The main component the integration tests run against. Each channel
//! exercises one behaviour of the host.

use std::collections::HashMap;

use serde::{Deserialize, Serialize};
use wasmtron_guest::{
    HandlerError, IpcError, Main, MessagePort, Payload, PortId, PortMessage, ProcessGone, Request,
    Sender, TimerId, UtilityMessage, UtilityProcess, app, decode, dialogs, encode, ipc, log, ports,
    processes, timers, utilities, windows,
};

/// The data `fail` attaches to its error; the test checks it survives.
#[derive(Serialize, Deserialize)]
struct Quota {
    limit: u32,
    used: u32,
}

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
    keep_open: std::collections::HashSet<String>,
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

/// Window options from `key=value` pairs separated by commas: `title`,
/// `width`, `height`, `min` and `max` (`WxH`), `x`, `y`, `resizable`,
/// `visible`.
fn window_options(text: &str) -> Result<windows::WindowOptions, HandlerError> {
    let bad = |what: &str| HandlerError::new("bad-payload", format!("bad window option `{what}`"));
    let pair = |value: &str| -> Option<(u32, u32)> {
        let (w, h) = value.split_once('x')?;
        Some((w.parse().ok()?, h.parse().ok()?))
    };
    let mut options = windows::WindowOptions::default();
    for item in text.split(',').filter(|item| !item.is_empty()) {
        let (key, value) = item.split_once('=').ok_or_else(|| bad(item))?;
        match key {
            "title" => options.title = Some(value.to_owned()),
            "width" => options.width = Some(value.parse().map_err(|_| bad(item))?),
            "height" => options.height = Some(value.parse().map_err(|_| bad(item))?),
            "min" => options.min_size = Some(pair(value).ok_or_else(|| bad(item))?),
            "max" => options.max_size = Some(pair(value).ok_or_else(|| bad(item))?),
            "x" => options.position = Some((value.parse().map_err(|_| bad(item))?, 0)),
            "y" => {
                let x = options.position.map_or(0, |p| p.0);
                options.position = Some((x, value.parse().map_err(|_| bad(item))?));
            }
            "resizable" => options.resizable = Some(value == "true"),
            "visible" => options.visible = Some(value == "true"),
            _ => return Err(bad(item)),
        }
    }
    Ok(options)
}

impl TestMain {
    fn record(&mut self, event: String) {
        log::info(&format!("lifecycle {event}"));
        self.lifecycle.push(event);
    }
}

/// A window event as main records it.
fn window_event_name(event: &windows::WindowEvent) -> String {
    match event {
        windows::WindowEvent::ReadyToShow => "ready-to-show".into(),
        windows::WindowEvent::Focus => "focus".into(),
        windows::WindowEvent::Blur => "blur".into(),
        windows::WindowEvent::Resized((w, h)) => format!("resized:{w}x{h}"),
        windows::WindowEvent::Shown => "shown".into(),
        windows::WindowEvent::Hidden => "hidden".into(),
    }
}

fn sender_name(sender: &Sender) -> String {
    match sender {
        Sender::Main => "main".into(),
        Sender::Window(label) => format!("window:{label}"),
        Sender::Utility(name) => format!("utility:{name}"),
    }
}

/// Decodes `N` strings: a MessagePack array such as a `(String, String)`
/// tuple, or one string with the fields separated by `|` (the probe page can
/// only send a single string). The last field keeps any further `|`.
fn fields<const N: usize>(request: &Request) -> Result<[String; N], HandlerError> {
    let parts: Vec<String> = match decode::<Vec<String>>(&request.payload) {
        Ok(list) => list,
        Err(_) => {
            let joined: String = request.decode()?;
            joined.splitn(N, '|').map(str::to_owned).collect()
        }
    };
    parts.try_into().map_err(|_| {
        HandlerError::new(
            "bad-payload",
            format!("`{}` expects {N} fields", request.channel),
        )
    })
}

/// An argument as the probe page encodes it: a number when it parses as a
/// `u64`, else a string.
fn arg_payload(arg: &str) -> Result<Payload, IpcError> {
    match arg.parse::<u64>() {
        Ok(n) => encode(&n),
        Err(_) => encode(arg),
    }
}

fn describe_ipc_error(err: &IpcError) -> String {
    format!("err:{}:{}", err.code.as_str(), err.message)
}

/// An invoke's outcome as "ok:<reply>" or "err:<code>:<message>".
fn describe_reply(result: Result<Payload, IpcError>) -> String {
    match result {
        Ok(reply) => match decode::<String>(&reply) {
            Ok(text) => format!("ok:{text}"),
            Err(_) => match decode::<u64>(&reply) {
                Ok(n) => format!("ok:{n}"),
                Err(_) => format!("ok:bytes:{}", reply.len()),
            },
        },
        Err(err) => describe_ipc_error(&err),
    }
}

impl TestMain {
    fn utility(&self, request: &Request) -> Result<Option<&UtilityProcess>, HandlerError> {
        let name: String = request.decode()?;
        Ok(self.utilities.get(&name))
    }

    fn fork(&mut self, request: &Request) -> Result<Payload, HandlerError> {
        let name: String = request.decode()?;
        self.fork_with(&name, &utilities::ForkOptions::default())
    }

    /// `fork-with`: "name|key=value;key=value" with keys `args` (space
    /// separated), `env` (`K=V,K=V`), `cwd`, `stdio` (pipe, inherit,
    /// ignore), `service`, `mem` (bytes) and `restart` (`max:backoff-ms`).
    fn fork_options(&mut self, request: &Request) -> Result<Payload, HandlerError> {
        let [name, spec] = fields(request)?;
        let mut options = utilities::ForkOptions::default();
        for setting in spec.split(';').filter(|s| !s.is_empty()) {
            let (key, value) = setting.split_once('=').unwrap_or((setting, ""));
            match key {
                "args" => options.args = value.split(' ').map(str::to_owned).collect(),
                "env" => {
                    options.env = value
                        .split(',')
                        .filter_map(|kv| kv.split_once(':'))
                        .map(|(k, v)| (k.to_owned(), v.to_owned()))
                        .collect();
                }
                "cwd" => options.cwd = Some(value.to_owned()),
                "stdio" => {
                    options.stdio = match value {
                        "pipe" => utilities::Stdio::Pipe,
                        "ignore" => utilities::Stdio::Ignore,
                        _ => utilities::Stdio::Inherit,
                    };
                }
                "service" => options.service_name = Some(value.to_owned()),
                "mem" => options.max_memory_bytes = value.parse().ok(),
                "restart" => {
                    let (max, backoff) = value.split_once(':').unwrap_or((value, "0"));
                    options.restart_on_failure =
                        Some((max.parse().unwrap_or(0), backoff.parse().unwrap_or(0)));
                }
                _ => {}
            }
        }
        self.fork_with(&name, &options)
    }

    fn fork_with(
        &mut self,
        name: &str,
        options: &utilities::ForkOptions,
    ) -> Result<Payload, HandlerError> {
        match utilities::fork_with(name, options) {
            Ok(utility) => {
                let instance = utility.name();
                self.utilities.insert(instance.clone(), utility);
                Request::reply(&instance)
            }
            Err(err) => Request::reply(&format!("fork-error:{err}")),
        }
    }

    fn utility_post(&self, request: &Request) -> Result<Payload, HandlerError> {
        let [name, text] = fields(request)?;
        let Some(utility) = self.utilities.get(&name) else {
            return Request::reply("unknown");
        };
        match utility.post_message(&text) {
            Ok(()) => Request::reply("posted"),
            Err(err) => Request::reply(&describe_ipc_error(&err)),
        }
    }

    fn utility_invoke(&self, request: &Request) -> Result<Payload, HandlerError> {
        let [name, channel, arg] = fields(request)?;
        let Some(utility) = self.utilities.get(&name) else {
            return Request::reply("unknown");
        };
        let reply = utility.invoke_raw(&channel, &arg_payload(&arg)?);
        Request::reply(&describe_reply(reply))
    }

    /// Makes a channel and hands its ends to two windows, on channel "port".
    fn connect(request: &Request) -> Result<Payload, HandlerError> {
        let [a, b] = fields(request)?;
        let (p1, p2) = ports::create_channel();
        let posted = windows::post_message(&a, "port", "", vec![p1])
            .and_then(|()| windows::post_message(&b, "port", "", vec![p2]));
        match posted {
            Ok(()) => Request::reply("connected"),
            Err(err) => Request::reply(&describe_ipc_error(&err)),
        }
    }

    /// Makes a channel and hands one end to a utility (message "port") and
    /// the other to a window (channel "port").
    fn connect_utility(&self, request: &Request) -> Result<Payload, HandlerError> {
        let [name, label] = fields(request)?;
        let Some(utility) = self.utilities.get(&name) else {
            return Request::reply("unknown");
        };
        let (p1, p2) = ports::create_channel();
        let posted = utility
            .post_message_with_ports(&"port".to_string(), vec![p1])
            .and_then(|()| windows::post_message(&label, "port", "", vec![p2]));
        match posted {
            Ok(()) => Request::reply("connected"),
            Err(err) => Request::reply(&describe_ipc_error(&err)),
        }
    }

    /// Tries to move a port's own peer over it, which the host refuses.
    fn self_transfer() -> Result<Payload, HandlerError> {
        let (p1, p2) = ports::create_channel();
        let outcome = match p1.post_message("x", vec![p2]) {
            Ok(()) => "ok".to_owned(),
            Err(err) => format!("err:{}", err.as_str()),
        };
        Request::reply(&outcome)
    }

    /// Posts the text on every port main holds; replies how many took it.
    fn port_post(&self, request: &Request) -> Result<Payload, HandlerError> {
        let text: String = request.decode()?;
        let posted = self
            .ports
            .iter()
            .filter(|port| port.post_message(&text, Vec::new()).is_ok())
            .count();
        Request::reply(&format!("posted:{posted}"))
    }

    /// Keeps ports sent to main and starts them.
    fn keep(&mut self, ports: Vec<MessagePort>) {
        for port in ports {
            port.start();
            self.ports.push(port);
        }
    }

    fn metrics() -> Result<Payload, HandlerError> {
        let lines: Vec<String> = processes::metrics()
            .into_iter()
            .map(|m| {
                format!(
                    "{}|{}|{}|{}|{}|{}",
                    m.pid, m.kind, m.name, m.state, m.cpu_time_us, m.resident_bytes
                )
            })
            .collect();
        Request::reply(&lines)
    }
}

impl Main for TestMain {
    fn on_ready(&mut self) {
        for channel in [
            "echo",
            "fail",
            "whoami",
            "messages",
            "push-back",
            "open",
            "close",
            "ask-close",
            "create",
            "window-do",
            "find",
            "keep-open",
            "window-events",
            "set-menu",
            "dialog",
            "app-exit",
            "lifecycle",
            "prevent-quit",
            "stay-when-closed",
            "labels",
            "spin",
            "crash",
            "register",
            "unregister",
            "app-name",
            "quit",
            "timeout",
            "timer-count",
            "fork",
            "fork-with",
            "utility-post",
            "utility-invoke",
            "utility-kill",
            "utility-pid",
            "window-invoke",
            "reload",
            "metrics",
            "gone",
            "connect",
            "connect-utility",
            "self-transfer",
            "main-port-post",
            "port-pass",
        ] {
            ipc::handle(channel);
        }
        log::info("test-main ready");
    }

    fn handle(&mut self, request: Request) -> Result<Payload, HandlerError> {
        match request.channel.as_str() {
            "echo" => Ok(request.payload),
            "fail" => {
                Err(HandlerError::new("quota", "over quota")
                    .with_data(&Quota { limit: 3, used: 4 }))
            }
            "whoami" => Request::reply(&sender_name(&request.sender)),
            "messages" => Request::reply(&self.messages),
            "push-back" => {
                let text: String = request.decode()?;
                let Some(label) = request.sender.name() else {
                    return Err(HandlerError::new("no-window", "sender has no window"));
                };
                windows::push(label, "pushed", &text)?;
                Request::reply("pushed")
            }
            "open" => {
                let label: String = request.decode()?;
                Request::reply(&format!("{:?}", windows::open(&label)))
            }
            // Closes at once (`destroy`); `ask-close` asks first.
            "close" => {
                let label: String = request.decode()?;
                Request::reply(&format!("{:?}", windows::destroy(&label)))
            }
            "ask-close" => {
                let label: String = request.decode()?;
                Request::reply(&format!("{:?}", windows::close(&label)))
            }
            "create" => {
                let [label, options] = fields(&request)?;
                let options = window_options(&options)?;
                Request::reply(&format!("{:?}", windows::create(&label, &options)))
            }
            "window-do" => {
                // `label|focus`, `label|show`, `label|hide`, `label|title=T`,
                // `label|size=WxH`.
                let [label, action] = fields(&request)?;
                let done = match action.split_once('=') {
                    Some(("title", title)) => windows::set_title(&label, title),
                    Some(("size", size)) => {
                        let (w, h) = size.split_once('x').unwrap_or_default();
                        windows::set_size(&label, w.parse().unwrap_or(0), h.parse().unwrap_or(0))
                    }
                    _ => match action.as_str() {
                        "focus" => windows::focus(&label),
                        "show" => windows::show(&label),
                        "hide" => windows::hide(&label),
                        other => return Err(HandlerError::new("bad-payload", other)),
                    },
                };
                Request::reply(&format!("{done:?}"))
            }
            "find" => {
                let label: String = request.decode()?;
                Request::reply(&match windows::find(&label) {
                    Some(s) => format!(
                        "{}|{}|{}x{}|visible={}|focused={}|resizable={}",
                        s.label, s.title, s.width, s.height, s.visible, s.focused, s.resizable
                    ),
                    None => "none".to_owned(),
                })
            }
            "window-events" => Request::reply(&self.window_events),
            "set-menu" => {
                // `label|good` or `label|twice` (an id used twice).
                let [label, which] = fields(&request)?;
                let item = |id: &str, accelerator: Option<&str>, enabled: bool| {
                    windows::MenuEntry::Item(windows::MenuItem {
                        id: id.into(),
                        label: id.into(),
                        accelerator: accelerator.map(Into::into),
                        enabled,
                    })
                };
                let mut entries = vec![
                    item("new", Some("CmdOrCtrl+N"), true),
                    item("save", Some("Ctrl+S"), true),
                    windows::MenuEntry::Separator,
                    item("print", None, false),
                ];
                if which == "twice" {
                    entries.push(item("save", None, true));
                }
                let menu = [windows::Submenu {
                    label: "File".into(),
                    entries,
                }];
                Request::reply(&format!("{:?}", windows::set_menu(&label, &menu)))
            }
            "dialog" => {
                // `what|window|arg`, window `-` for none: `open|w|many` or
                // `open|w|one`, `save|w|default path`, `box|w|B1,B2,...`,
                // `bad-box|w|`, `bad-open|w|`.
                let [what, window, arg] = fields(&request)?;
                let window = (window != "-").then_some(window.as_str());
                let text = dialogs::filter("Text", &["txt", "md"]);
                let asked = match what.as_str() {
                    "open" => format!(
                        "{:?}",
                        dialogs::open_file(
                            window,
                            &dialogs::OpenOptions {
                                title: Some("Pick a note".into()),
                                default_path: Some("/tmp".into()),
                                filters: vec![text],
                                multiple: arg == "many",
                                ..Default::default()
                            },
                        )
                    ),
                    "save" => format!(
                        "{:?}",
                        dialogs::save_file(
                            window,
                            &dialogs::SaveOptions {
                                default_path: Some(arg),
                                filters: vec![text],
                                ..Default::default()
                            },
                        )
                    ),
                    "box" | "bad-box" => format!(
                        "{:?}",
                        dialogs::message_box(
                            window,
                            &dialogs::MessageOptions {
                                kind: dialogs::MessageKind::Question,
                                title: Some("Unsaved".into()),
                                message: "Save the note?".into(),
                                detail: Some("It changed since it was saved.".into()),
                                buttons: arg
                                    .split(',')
                                    .filter(|b| !b.is_empty())
                                    .map(str::to_owned)
                                    .collect(),
                                cancel_id: (what == "bad-box").then_some(7),
                                ..Default::default()
                            },
                        )
                    ),
                    _ => format!(
                        "{:?}",
                        dialogs::open_file(
                            window,
                            &dialogs::OpenOptions {
                                default_path: Some("relative/folder".into()),
                                ..Default::default()
                            },
                        )
                    ),
                };
                Request::reply(&asked)
            }
            "keep-open" => {
                let [label, keep] = fields(&request)?;
                if keep == "yes" {
                    self.keep_open.insert(label);
                } else {
                    self.keep_open.remove(&label);
                }
                Request::reply("kept")
            }
            "labels" => Request::reply(&windows::labels()),
            "spin" => {
                // A slow handler: busy for the given number of milliseconds.
                let ms: u64 = request.decode()?;
                let start = std::time::Instant::now();
                while start.elapsed().as_millis() < u128::from(ms) {
                    std::hint::spin_loop();
                }
                Request::reply("spun")
            }
            "crash" => panic!("main crashed on purpose"),
            "register" => {
                let channel: String = request.decode()?;
                ipc::handle(&channel);
                Request::reply("registered")
            }
            "unregister" => {
                let channel: String = request.decode()?;
                ipc::remove_handler(&channel);
                Request::reply("unregistered")
            }
            "app-name" => Request::reply(&app::name()),
            "quit" => {
                app::quit(request.decode::<i32>().unwrap_or(3));
                Request::reply("quitting")
            }
            "app-exit" => {
                app::exit(request.decode::<i32>().unwrap_or(3));
                Request::reply("exiting")
            }
            "lifecycle" => Request::reply(&self.lifecycle),
            "prevent-quit" => {
                self.prevent_quit = request.decode::<String>()? == "yes";
                Request::reply("set")
            }
            "stay-when-closed" => {
                self.stay_when_closed = request.decode::<String>()? == "yes";
                Request::reply("set")
            }
            "timeout" => {
                timers::set_timeout(std::time::Duration::from_millis(10));
                Request::reply("set")
            }
            "timer-count" => Request::reply(&self.timer_fired),
            "fork" => self.fork(&request),
            "fork-with" => self.fork_options(&request),
            "utility-post" => self.utility_post(&request),
            "utility-invoke" => self.utility_invoke(&request),
            "utility-kill" => match self.utility(&request)? {
                Some(utility) => Request::reply(&format!("{}", utility.kill())),
                None => Request::reply("unknown"),
            },
            "utility-pid" => match self.utility(&request)?.and_then(UtilityProcess::pid) {
                Some(pid) => Request::reply(&pid.to_string()),
                None => Request::reply("none"),
            },
            "window-invoke" => {
                let [label, channel, arg] = fields(&request)?;
                let reply = windows::invoke_raw(&label, &channel, &arg_payload(&arg)?);
                Request::reply(&describe_reply(reply))
            }
            "reload" => {
                let label: String = request.decode()?;
                Request::reply(&format!("{:?}", windows::reload(&label)))
            }
            "metrics" => Self::metrics(),
            "gone" => Request::reply(&self.gone),
            "connect" => Self::connect(&request),
            "connect-utility" => self.connect_utility(&request),
            "self-transfer" => Self::self_transfer(),
            "main-port-post" => self.port_post(&request),
            "port-pass" => {
                // Hands the port main got last to the window named.
                let label = request.decode::<String>().unwrap_or_default();
                let Some(port) = self.ports.pop() else {
                    return Request::reply("none");
                };
                match windows::post_message(&label, "port", "", vec![port]) {
                    Ok(()) => Request::reply("passed"),
                    Err(err) => Request::reply(&describe_ipc_error(&err)),
                }
            }
            other => Request::reply(&format!("dynamic:{other}")),
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

    fn on_window_event(&mut self, label: &str, event: windows::WindowEvent) {
        self.window_events
            .push(format!("{label}|{}", window_event_name(&event)));
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
