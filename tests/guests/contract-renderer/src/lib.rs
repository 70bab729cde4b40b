//! The renderer of the typed-call tests: it imports `probe:contracts/echo`
//! (bound to main or a utility by each test's manifest) and, driven through
//! the probe page, makes one call per click and writes what came back into
//! `#result`.

/// The app interface's bindings; the glue wit-bindgen generates is unsafe
/// code.
#[allow(unsafe_code)]
mod bindings {
    wit_bindgen::generate!({
        path: ["../../../wit", "../contracts-wit"],
        world: "probe:contracts/echo-user",
        with: {
            "wasmtron:app/types@0.1.0": wasmtron_guest::interfaces::types,
            "wasmtron:app/ports@0.1.0": wasmtron_guest::interfaces::ports,
        },
        additional_derives: [PartialEq, Clone],
    });
}

use bindings::probe::contracts::echo::{
    self as typed, Access, Colour, Everything, Failure, Point, Shape,
};
use wasmtron_guest::{
    EventKind, IpcError, MessagePort, PortMessage, Renderer, UiEvent, bridge, dom, ports,
};

#[derive(Default)]
struct Probe {
    channel: String,
    arg: String,
    /// The end of a channel whose other end a typed call moved.
    port: Option<MessagePort>,
}

/// A value with every kind in it, made from `text`.
fn everything(text: &str) -> Everything {
    Everything {
        yes: true,
        small: -128,
        byte: 255,
        short: -32768,
        ushort: 65535,
        int: i32::MIN,
        uint: u32::MAX,
        long: i64::MIN,
        ulong: u64::MAX,
        single: 1.5,
        double: -0.1,
        letter: '🦀',
        text: text.to_owned(),
        bytes: (0..=255).collect(),
        words: vec![
            vec![],
            vec!["ünïcödé".into(), String::new()],
            vec![text.to_owned()],
        ],
        at: Point {
            x: -1,
            y: 2,
            label: "here".into(),
        },
        shapes: vec![
            Shape::Circle(2.25),
            Shape::Rect(Point {
                x: 3,
                y: 4,
                label: "box".into(),
            }),
            Shape::Empty,
        ],
        tint: Colour::Blue,
        rights: Access::READ | Access::RUN,
        maybe: Some("some".into()),
        none: None,
        outcome: Err("no".into()),
        pair: (7, "seven".into()),
        nothing: Vec::new(),
    }
}

fn failure(name: &str) -> Failure {
    match name {
        "trap" => Failure::Trap,
        "spin" => Failure::Spin,
        "sleep" => Failure::Sleep,
        _ => Failure::Huge,
    }
}

fn error(err: &IpcError) -> String {
    format!("err:{}:{}", err.code.as_str(), err.message)
}

impl Probe {
    /// Posts `text` on the port kept last; the echo shows in `#result`.
    fn ping(&self, text: &str) -> String {
        match &self.port {
            Some(port) => match port.post_raw(text.as_bytes(), Vec::new()) {
                Ok(()) => String::new(),
                Err(err) => format!("post:{err:?}"),
            },
            None => "no port".into(),
        }
    }

    fn run(&mut self) -> String {
        let arg = self.arg.clone();
        let arg = arg.as_str();
        match self.channel.as_str() {
            "echo" => {
                let sent = everything(arg);
                let back = typed::echo(&sent);
                if back == sent {
                    "ok:same".into()
                } else {
                    format!("diff:{back:?}")
                }
            }
            "bytes" => {
                let size: usize = arg.parse().unwrap_or(0);
                let sent: Vec<u8> = (0..size).map(|i| (i % 251) as u8).collect();
                match typed::echo_bytes(&sent) {
                    Ok(back) if back == sent => format!("ok:{}", back.len()),
                    Ok(back) => format!("diff:{}", back.len()),
                    Err(err) => error(&err),
                }
            }
            "text" => format!("ok:{}", typed::echo_text(arg)),
            "caller" => format!("ok:{}", typed::caller()),
            "fail" => match typed::fail(failure(arg)) {
                Ok(text) => format!("ok:{}", text.len()),
                Err(err) => error(&err),
            },
            "fail-bare" => format!("ok:{}", typed::fail_bare(failure(arg)).len()),
            "burst" => {
                let count: u32 = arg.parse().unwrap_or(0);
                for i in 0..count {
                    let sent = format!("{i}");
                    let back = typed::echo_text(&sent);
                    if back != sent {
                        return format!("bad:{i}:{back}");
                    }
                }
                format!("ok:{count}")
            }
            // The other end moves to the provider, which echoes on it.
            "port-keep" => {
                let (mine, theirs) = ports::create_channel();
                mine.start();
                self.port = Some(mine);
                match typed::keep_port(theirs.into_handle()) {
                    Ok(()) => self.ping(arg),
                    Err(err) => error(&err),
                }
            }
            // The provider keeps one end of a channel and gives the other.
            "port-new" => {
                let port = MessagePort::from_handle(typed::new_port());
                port.start();
                self.port = Some(port);
                self.ping(arg)
            }
            "relay" => match bridge::invoke::<_, String>("relay", &arg) {
                Ok(reply) => format!("ok:{reply}"),
                Err(err) => error(&err),
            },
            other => format!("unknown:{other}"),
        }
    }
}

impl Renderer for Probe {
    fn on_port_message(&mut self, message: PortMessage) {
        Self::heard(&message);
    }

    fn on_load(&mut self) {
        let _ = dom::set_text("#status", "loaded");
    }

    fn on_event(&mut self, event: UiEvent) {
        match (event.kind, event.target.as_str()) {
            (EventKind::Input, "channel") => self.channel = event.value.unwrap_or_default(),
            (EventKind::Input, "arg") => self.arg = event.value.unwrap_or_default(),
            (EventKind::Click, "invoke") => {
                let shown = self.run();
                // A port's echo shows when it comes.
                if !shown.is_empty() {
                    let _ = dom::set_text("#result", &shown);
                }
            }
            _ => {}
        }
    }
}

impl Probe {
    fn heard(message: &PortMessage) {
        let text = String::from_utf8_lossy(&message.data);
        let _ = dom::set_text("#result", &format!("echo:{text}"));
    }
}

wasmtron_guest::export_renderer!(Probe);
