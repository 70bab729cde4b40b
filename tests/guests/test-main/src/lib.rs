//! The main component the integration tests run against. Each channel
//! exercises one behaviour of the host.

use serde::{Deserialize, Serialize};
use wasmtron_guest::{
    HandlerError, Main, Payload, Request, Sender, TimerId, app, ipc, log, timers, windows,
};

/// The data `fail` attaches to its error; the test checks it survives.
#[derive(Serialize, Deserialize)]
struct Quota {
    limit: u32,
    used: u32,
}

#[derive(Default)]
struct TestMain {
    /// Every `send` received, as "sender|channel|payload".
    messages: Vec<String>,
    timer_fired: u32,
}

fn sender_name(sender: &Sender) -> String {
    match sender {
        Sender::Main => "main".into(),
        Sender::Window(label) => format!("window:{label}"),
        Sender::Utility(name) => format!("utility:{name}"),
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
            "labels",
            "spin",
            "crash",
            "register",
            "unregister",
            "app-name",
            "quit",
            "timeout",
            "timer-count",
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
            "close" => {
                let label: String = request.decode()?;
                Request::reply(&format!("{:?}", windows::close(&label)))
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
                app::quit(3);
                Request::reply("quitting")
            }
            "timeout" => {
                timers::set_timeout(std::time::Duration::from_millis(10));
                Request::reply("set")
            }
            "timer-count" => Request::reply(&self.timer_fired),
            other => Request::reply(&format!("dynamic:{other}")),
        }
    }

    fn on_message(&mut self, message: Request) {
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
}

wasmtron_guest::export_main!(TestMain);
