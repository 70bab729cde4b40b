//! The renderer the integration tests drive through the headless page
//! (`tests/fixtures/probe.html`): each button runs one probe and writes what
//! happened into `#result`, so tests observe everything through the DOM.

use serde::{Deserialize, Serialize};
use wasmtron_guest::{
    EventKind, HandlerError, IpcError, MessagePort, Payload, PortId, PortMessage, Push, Renderer,
    Request, UiEvent, bridge, dom, encode, log, ports,
};

#[derive(Deserialize, Serialize)]
struct Quota {
    limit: u32,
    used: u32,
}

#[derive(Default)]
struct Probe {
    channel: String,
    arg: String,
    pushes: Vec<String>,
    events: Vec<String>,
    /// The one port this window holds: the last one main pushed on channel
    /// "port", or the kept end of a `#port-pair`.
    port: Option<MessagePort>,
    /// What happened to ports, shown in `#port-log` joined by `,`.
    port_log: Vec<String>,
}

fn show(text: &str) {
    if let Err(err) = dom::set_text("#result", text) {
        log::error(&format!("cannot show a result: {err}"));
    }
}

/// Keeps the renderer busy for `ms` milliseconds.
fn spin(ms: u64) {
    let start = std::time::Instant::now();
    while start.elapsed().as_millis() < u128::from(ms) {
        std::hint::spin_loop();
    }
}

fn describe_error(err: &IpcError) -> String {
    let data = match err.decode_data::<Quota>() {
        Ok(Some(q)) => format!("limit={} used={}", q.limit, q.used),
        _ => "-".into(),
    };
    format!(
        "err:{}:{}:{}:{data}",
        err.code.as_str(),
        err.app_code.as_deref().unwrap_or("-"),
        err.message
    )
}

impl Probe {
    /// The argument as a payload: a number when it parses as one, else a string.
    fn arg_payload(&self) -> Vec<u8> {
        let encoded = match self.arg.parse::<u64>() {
            Ok(n) => encode(&n),
            Err(_) => encode(&self.arg),
        };
        encoded.unwrap_or_default()
    }

    fn invoke(&self) {
        let text = match bridge::invoke_raw(&self.channel, &self.arg_payload()) {
            Ok(reply) => match wasmtron_guest::decode::<String>(&reply) {
                Ok(s) => format!("ok:{s}"),
                Err(_) => match wasmtron_guest::decode::<Vec<String>>(&reply) {
                    Ok(list) => format!("ok:[{}]", list.join(",")),
                    Err(_) => match wasmtron_guest::decode::<u32>(&reply) {
                        Ok(n) => format!("ok:{n}"),
                        Err(_) => format!("ok:bytes:{}", reply.len()),
                    },
                },
            },
            Err(err) => describe_error(&err),
        };
        show(&text);
    }

    fn send_burst(&self) {
        let count: u32 = self.arg.parse().unwrap_or(0);
        for i in 0..count {
            if let Err(err) = bridge::send(&self.channel, &i) {
                show(&describe_error(&err));
                return;
            }
        }
        show(&format!("sent:{count}"));
    }

    fn big(&self) {
        let size: usize = self.arg.parse().unwrap_or(0);
        // A pattern, not one repeated byte, so that a reply with bytes out
        // of place does not pass for the payload.
        let payload: Vec<u8> = (0..size).map(|i| (i % 251) as u8).collect();
        match bridge::invoke_raw("echo", &payload) {
            Ok(reply) if reply == payload => show(&format!("ok:bytes:{}", reply.len())),
            Ok(reply) => show(&format!("corrupt:bytes:{}", reply.len())),
            Err(err) => show(&describe_error(&err)),
        }
    }

    fn dom_ops(&self) {
        let steps = [
            dom::set_html(
                "#list",
                "<li class=\"item\">one</li><li class=\"item\">two</li>",
            ),
            dom::set_attribute("#target", "data-state", "done"),
            dom::remove_attribute("#target", "title"),
            dom::add_class("#target", "b"),
            dom::remove_class("#target", "a"),
            dom::set_value("#arg", "reset"),
            dom::set_text(".item", "same"),
        ];
        match steps.into_iter().find_map(Result::err) {
            Some(err) => show(&format!("dom-err:{err}")),
            None => show("dom-ok"),
        }
    }

    fn log_port(&mut self, entry: String) {
        self.port_log.push(entry);
        let _ = dom::set_text("#port-log", &self.port_log.join(","));
    }

    fn port_start(&mut self) {
        let Some(port) = &self.port else {
            return show("port-err:none");
        };
        port.start();
        self.log_port("started".into());
    }

    fn port_post(&self) {
        let Some(port) = &self.port else {
            return show("port-err:none");
        };
        match port.post_message(&self.arg, Vec::new()) {
            Ok(()) => show("port-ok"),
            Err(err) => show(&format!("port-err:{}", err.as_str())),
        }
    }

    fn port_close(&mut self) {
        let Some(port) = self.port.take() else {
            return show("port-err:none");
        };
        port.close();
        self.log_port("closed-self".into());
    }

    /// Sends the held port, started or not, on to main.
    fn port_forward(&mut self) {
        let Some(port) = self.port.take() else {
            return show("port-err:none");
        };
        match bridge::post_message("port-from-renderer", &self.arg, vec![port]) {
            Ok(()) => show("forwarded"),
            Err(err) => show(&describe_error(&err)),
        }
    }

    /// Posts `#arg` on the held port with one end of a new channel in it;
    /// the other end is dropped (so the receiver's end closes).
    fn port_post_port(&self) {
        let Some(port) = &self.port else {
            return show("port-err:none");
        };
        let (_kept, sent) = ports::create_channel();
        match port.post_message(&self.arg, vec![sent]) {
            Ok(()) => show("port-ok"),
            Err(err) => show(&format!("port-err:{}", err.as_str())),
        }
    }

    /// Makes a channel here, sends one end to main and keeps the other.
    fn port_pair(&mut self) {
        let (kept, sent) = ports::create_channel();
        if let Err(err) = bridge::post_message("port-from-renderer", &self.arg, vec![sent]) {
            return show(&describe_error(&err));
        }
        kept.start();
        self.port = Some(kept);
        show("paired");
    }

    fn wasi_probe(&self) {
        println!("probe says hello on stdout");
        eprintln!("probe says hello on stderr");
        let env = std::env::vars().count();
        let args = std::env::args().count();
        let fs = match std::fs::read_dir("/") {
            Ok(_) => "open".to_owned(),
            Err(e) => format!("denied({:?})", e.kind()),
        };
        let file = match std::fs::read_to_string("/etc/passwd") {
            Ok(_) => "read".to_owned(),
            Err(e) => format!("denied({:?})", e.kind()),
        };
        let net = match std::net::TcpStream::connect(self.arg.as_str()) {
            Ok(_) => "connected".to_owned(),
            Err(e) => format!("denied({:?})", e.kind()),
        };
        let lookup = match std::net::ToSocketAddrs::to_socket_addrs(&("wasmtron.invalid", 80)) {
            Ok(_) => "resolved".to_owned(),
            Err(e) => format!("denied({:?})", e.kind()),
        };
        let stdin = match std::io::Read::read(&mut std::io::stdin(), &mut [0; 64]) {
            Ok(0) => "eof".to_owned(),
            Ok(n) => format!("read({n})"),
            Err(e) => format!("err({:?})", e.kind()),
        };
        show(&format!(
            "env={env} args={args} fs={fs} file={file} net={net} lookup={lookup} stdin={stdin}"
        ));
    }
}

impl Renderer for Probe {
    fn on_load(&mut self) {
        let _ = dom::set_text("#status", "loaded");
    }

    fn on_event(&mut self, event: UiEvent) {
        let fields: Vec<String> = event
            .fields
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect();
        self.events.push(format!(
            "{:?}:{}:{}:{}",
            event.kind,
            event.target,
            event.value.clone().unwrap_or_default(),
            fields.join("&")
        ));
        let _ = dom::set_text("#events", &self.events.join(" | "));
        match (event.kind, event.target.as_str()) {
            (EventKind::Input, "channel") => self.channel = event.value.unwrap_or_default(),
            (EventKind::Input, "arg") => self.arg = event.value.unwrap_or_default(),
            (EventKind::Click, "invoke") => self.invoke(),
            (EventKind::Click, "send-burst") => self.send_burst(),
            (EventKind::Click, "big") => self.big(),
            (EventKind::Click, "dom") => self.dom_ops(),
            (EventKind::Click, "bad-selector") => match dom::set_text("p[", "x") {
                Ok(()) => show("accepted"),
                Err(err) => show(&format!("dom-err:{err}")),
            },
            (EventKind::Click, "bad-name") => match dom::add_class("#target", "a b") {
                Ok(()) => show("accepted"),
                Err(err) => show(&format!("dom-err:{err}")),
            },
            (EventKind::Click, "spin") => {
                spin(self.arg.parse().unwrap_or(0));
                show("spun");
            }
            (EventKind::Click, "wasi") => self.wasi_probe(),
            (EventKind::Click, "crash") => panic!("renderer crashed on purpose"),
            (EventKind::Click, "port-start") => self.port_start(),
            (EventKind::Click, "port-post") => self.port_post(),
            (EventKind::Click, "port-close") => self.port_close(),
            (EventKind::Click, "port-pair") => self.port_pair(),
            (EventKind::Click, "port-forward") => self.port_forward(),
            (EventKind::Click, "port-post-port") => self.port_post_port(),
            _ => {}
        }
    }

    fn on_push(&mut self, push: Push) {
        let text = push.decode::<String>().unwrap_or_else(|_| "?".into());
        self.pushes.push(format!("{}={text}", push.channel));
        let _ = dom::set_text("#pushes", &self.pushes.join(","));
        // Main hands this window a port on "port"; it waits, unstarted, for
        // `#port-start`.
        if push.channel == "port"
            && let Some(port) = push.ports.into_iter().next()
        {
            self.port = Some(port);
            self.log_port("got-port".into());
        }
    }

    fn on_port_message(&mut self, message: PortMessage) {
        let text = message.decode::<String>().unwrap_or_else(|_| "?".into());
        // A long message is logged up to its first `:`: floods pad theirs
        // after one.
        let text = if text.len() > 1024 {
            text.split(':').next().unwrap_or_default()
        } else {
            &text
        };
        self.log_port(format!("msg:{text}"));
        if !message.ports.is_empty() {
            self.log_port(format!("+ports:{}", message.ports.len()));
        }
    }

    fn on_port_close(&mut self, _port: PortId) {
        self.log_port("peer-closed".into());
    }

    /// Main's invokes (`windows::invoke`), one behaviour per channel.
    fn handle(&mut self, request: Request) -> Result<Payload, HandlerError> {
        match request.channel.as_str() {
            "echo" => Ok(request.payload),
            // The renderer's own files, in the app folders its manifest
            // entry grants: "read:<text>" or "denied:<kind>".
            "fs-read" => {
                let path: String = request.decode()?;
                Request::reply(&match std::fs::read_to_string(&path) {
                    Ok(text) => format!("read:{text}"),
                    Err(err) => format!("denied:{}", err.kind()),
                })
            }
            "fs-write" => {
                let path: String = request.decode()?;
                Request::reply(&match std::fs::write(&path, "written by the renderer") {
                    Ok(()) => "written".to_owned(),
                    Err(err) => format!("denied:{}", err.kind()),
                })
            }
            "spin" => {
                spin(request.decode()?);
                Request::reply("spun")
            }
            "trap" => panic!("renderer trapped on purpose"),
            "fail" => Err(HandlerError::new("nope", "renderer said no")),
            // Sends `count` messages on "tick" as fast as it can, ignoring
            // refusals, and counts how each send went.
            "flood" => {
                let count: u32 = request.decode()?;
                let (mut ok, mut limited, mut other) = (0, 0, 0);
                for i in 0..count {
                    match bridge::send("tick", &i) {
                        Ok(()) => ok += 1,
                        Err(err) if err.code.as_str() == "limit-exceeded" => limited += 1,
                        Err(_) => other += 1,
                    }
                }
                Request::reply(&format!("ok={ok} limited={limited} other={other}"))
            }
            other => Err(HandlerError::new(
                "no-handler",
                format!("test-renderer has no handler for `{other}`"),
            )),
        }
    }
}

wasmtron_guest::export_renderer!(Probe);
