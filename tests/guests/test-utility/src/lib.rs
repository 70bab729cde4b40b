//! The utility worker the integration tests fork from the test main
//! component. Messages and channels each exercise one behaviour of the host:
//! replies, bursts, slow handlers, traps, unbounded memory growth and
//! message ports.

use wasmtron_guest::{
    HandlerError, MessagePort, ParentMessage, Payload, PortId, PortMessage, Request, Utility, log,
    parent_port, ports,
};

/// How much `grow` allocates per step.
const CHUNK_BYTES: usize = 1 << 20;

#[derive(Default)]
struct TestUtility {
    /// Ports from main or made here, all started; each echoes what it gets.
    ports: Vec<MessagePort>,
    /// A port whose other end was closed, for posting to in a loop.
    orphan: Option<MessagePort>,
    /// Both ends of a channel flooded from one end: what came out of the
    /// other, as `(received, out of order)`.
    flooded: Option<(MessagePort, MessagePort)>,
    flood_heard: (u32, u32),
    /// Both ends of a channel posted to on one end and not read on the
    /// other (not started) until `read-unread`; what came out, as above.
    unread: Option<(MessagePort, MessagePort)>,
    unread_heard: (u32, u32),
    /// What the last `flood-unread:N` message reported.
    unread_result: Option<String>,
}

/// Posts `text` to main, logging when the post fails.
fn post(text: &str) {
    if let Err(err) = parent_port::post_message(text) {
        log::error(&format!("cannot post to main: {err}"));
    }
}

/// Keeps the worker busy for `ms` milliseconds.
fn spin(ms: u64) {
    let start = std::time::Instant::now();
    while start.elapsed().as_millis() < u128::from(ms) {
        std::hint::spin_loop();
    }
}

/// Allocates 1 MiB after 1 MiB and never frees any, until the host's memory
/// limit stops the worker.
fn grow() -> ! {
    let mut chunks: Vec<Vec<u8>> = Vec::new();
    loop {
        // Non-zero bytes, so every page is really written.
        chunks.push(vec![0xA5; CHUNK_BYTES]);
        // Keeps the optimiser from proving the chunks unused.
        std::hint::black_box(&mut chunks);
    }
}

/// Spins until the host stops it: the CPU-time limit, or a kill.
fn spin_forever() -> ! {
    loop {
        std::hint::spin_loop();
    }
}

/// Recurses until the stack runs out.
#[inline(never)]
#[expect(unconditional_recursion, reason = "the host must stop it")]
fn recurse(depth: u64) -> u64 {
    // A frame with some weight, kept from being optimised away.
    let frame = std::hint::black_box([depth; 16]);
    recurse(depth + 1).wrapping_add(frame[(depth % 16) as usize])
}

/// The part of a clock reading below a millisecond, in nanoseconds.
fn sub_ms(nanos: u128) -> u128 {
    nanos % 1_000_000
}

/// What a hostile guest reaches that it was not granted: the host's files,
/// the environment, the network, and how fine the clocks are.
fn reach() -> String {
    let file = match std::fs::read_to_string("/etc/passwd") {
        Ok(_) => "read".to_owned(),
        Err(err) => format!("denied({:?})", err.kind()),
    };
    let env = std::env::vars().count();
    let net = match std::net::TcpStream::connect("127.0.0.1:9") {
        Ok(_) => "connected".to_owned(),
        Err(err) => format!("denied({:?})", err.kind()),
    };
    // Many readings, so that one landing on a millisecond by chance proves
    // nothing; every one must.
    let wall = (0..64)
        .map(|_| {
            let since = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .unwrap_or_default();
            sub_ms(since.as_nanos())
        })
        .max()
        .unwrap_or(0);
    let start = std::time::Instant::now();
    let mono = (0..64)
        .map(|_| sub_ms(start.elapsed().as_nanos()))
        .max()
        .unwrap_or(0);
    format!("file={file} env={env} net={net} wall-sub-ms={wall} mono-sub-ms={mono}")
}

/// Tries to post `count` messages to main as fast as it can, ignoring
/// refusals, and counts how each post went. The accepted ones are numbered
/// from 0, so main can tell whether any went missing.
fn flood(count: u32) -> String {
    let (mut ok, mut limited, mut other) = (0, 0, 0);
    for _ in 0..count {
        match parent_port::post_message(&format!("flood:{ok}")) {
            Ok(()) => ok += 1,
            Err(err) if err.code.as_str() == "limit-exceeded" => limited += 1,
            Err(_) => other += 1,
        }
    }
    format!("ok={ok} limited={limited} other={other}")
}

impl TestUtility {
    /// The first time, makes a channel and closes one end; then posts on
    /// the other `count` times and counts the posts refused as closed.
    fn post_to_closed(&mut self, count: u32) -> String {
        let port = self.orphan.get_or_insert_with(|| {
            let (kept, closed) = ports::create_channel();
            closed.close();
            kept
        });
        let mut refused = 0;
        for i in 0..count {
            if let Err(err) = port.post_message(&i, Vec::new())
                && err.as_str() == "closed"
            {
                refused += 1;
            }
        }
        format!("closed={refused}")
    }

    /// Makes a channel and posts `count` numbered messages on one end as
    /// fast as it can; the other end counts what arrives (`flood-heard`).
    fn flood_port(&mut self, count: u32) -> String {
        let (from, to) = self.flooded.get_or_insert_with(|| {
            let (from, to) = ports::create_channel();
            to.start();
            (from, to)
        });
        let _ = to;
        let (mut ok, mut limited, mut other) = (0u32, 0u32, 0u32);
        for _ in 0..count {
            match from.post_message(&ok, Vec::new()) {
                Ok(()) => ok += 1,
                Err(err) if err.as_str() == "limit-exceeded" => limited += 1,
                Err(_) => other += 1,
            }
        }
        format!("ok={ok} limited={limited} other={other}")
    }

    /// Posts up to `count` numbered messages on a channel whose other end is
    /// not started, stopping at the first refusal, which it names.
    fn flood_unread(&mut self, count: u32) -> String {
        let (from, _) = self.unread.get_or_insert_with(ports::create_channel);
        let mut ok = self.unread_heard.0;
        let mut refused = String::from("none");
        for _ in 0..count {
            match from.post_message(&ok, Vec::new()) {
                Ok(()) => ok += 1,
                Err(err) => {
                    refused = format!("{}: {}", err.as_str(), err);
                    break;
                }
            }
        }
        format!("ok={ok} refused={refused}")
    }

    /// Makes a channel, keeps one end and sends the other to main.
    fn make_port(&mut self) -> Result<Payload, HandlerError> {
        let (kept, sent) = ports::create_channel();
        parent_port::post_message_with_ports(&"made-port".to_string(), vec![sent])?;
        kept.start();
        self.ports.push(kept);
        Request::reply("made")
    }
}

impl Utility for TestUtility {
    fn on_message(&mut self, message: ParentMessage) {
        let text: String = match message.decode() {
            Ok(text) => text,
            Err(err) => {
                log::error(&format!(
                    "test-utility got a message that is not text: {err}"
                ));
                return;
            }
        };
        if text == "port" && !message.ports.is_empty() {
            for port in message.ports {
                port.start();
                self.ports.push(port);
            }
            post("echo:port-received");
            return;
        }
        if text == "trap" {
            panic!("utility trapped on purpose");
        }
        if text == "spin-forever" {
            spin_forever();
        }
        if let Some(count) = text.strip_prefix("flood-held:") {
            // Floods the last port main gave it: "f0:xxxx…", "f1:xxxx…",
            // 4 KiB each, until the first refusal.
            let count: u32 = count.parse().unwrap_or(0);
            let filler = "x".repeat(4096);
            let mut ok = 0;
            let mut refused = String::from("none");
            if let Some(port) = self.ports.last() {
                for _ in 0..count {
                    match port.post_message(&format!("f{ok}:{filler}"), Vec::new()) {
                        Ok(()) => ok += 1,
                        Err(err) => {
                            refused = format!("{}: {}", err.as_str(), err);
                            break;
                        }
                    }
                }
            }
            self.unread_result = Some(format!("ok={ok} refused={refused}"));
            return;
        }
        if let Some(count) = text.strip_prefix("flood-unread:") {
            // A message, not an invoke: the flood ends in a wait as long as
            // an invoke may take.
            let result = self.flood_unread(count.parse().unwrap_or(0));
            self.unread_result = Some(result);
            return;
        }
        if let Some(count) = text.strip_prefix("burst:") {
            let count: u32 = count.parse().unwrap_or(0);
            for i in 1..=count {
                post(&i.to_string());
            }
            return;
        }
        post(&format!("echo:{text}"));
    }

    /// Echoes on the same port, or closes it on "close".
    fn on_port_message(&mut self, message: PortMessage) {
        if let Some((_, to)) = &self.unread
            && to.id() == message.port
        {
            let (received, out_of_order) = self.unread_heard;
            let in_order = message.decode::<u32>().ok() == Some(received);
            self.unread_heard = (received + 1, out_of_order + u32::from(!in_order));
            return;
        }
        if let Some((_, to)) = &self.flooded
            && to.id() == message.port
        {
            let (received, out_of_order) = self.flood_heard;
            let in_order = message.decode::<u32>().ok() == Some(received);
            self.flood_heard = (received + 1, out_of_order + u32::from(!in_order));
            return;
        }
        let Some(index) = self.ports.iter().position(|p| p.id() == message.port) else {
            log::warn(&format!(
                "a message on port {} this utility does not hold",
                message.port
            ));
            return;
        };
        let text = message.decode::<String>().unwrap_or_else(|_| "?".into());
        if text == "close" {
            self.ports.swap_remove(index).close();
            return;
        }
        if let Err(err) = self.ports[index].post_message(&format!("echo:{text}"), Vec::new()) {
            log::warn(&format!("cannot echo on port {}: {err}", message.port));
        }
    }

    fn on_port_close(&mut self, port: PortId) {
        // A port whose other end is gone can only fail; let it go.
        self.ports.retain(|p| p.id() != port);
        post("port-closed");
    }

    fn handle(&mut self, request: Request) -> Result<Payload, HandlerError> {
        match request.channel.as_str() {
            "echo" => Ok(request.payload),
            "spin" => {
                spin(request.decode()?);
                Request::reply("spun")
            }
            "trap" => panic!("utility trapped on purpose"),
            "grow" => grow(),
            "spin-forever" => spin_forever(),
            "recurse" => Request::reply(&recurse(1)),
            "reach" => Request::reply(&reach()),
            "flood" => Request::reply(&flood(request.decode()?)),
            "oversized" => {
                let size: u64 = request.decode()?;
                let payload = vec![b'x'; usize::try_from(size).unwrap_or(usize::MAX)];
                Request::reply(&match parent_port::post_raw(&payload) {
                    Ok(()) => "posted".to_owned(),
                    Err(err) => format!("err:{}", err.code.as_str()),
                })
            }
            "flood-port" => {
                let count = request.decode()?;
                Request::reply(&self.flood_port(count))
            }
            "flood-unread" => {
                let count = request.decode()?;
                Request::reply(&self.flood_unread(count))
            }
            "unread-result" => Request::reply(self.unread_result.as_deref().unwrap_or("pending")),
            "read-unread" => {
                if let Some((_, to)) = &self.unread {
                    to.start();
                }
                Request::reply("started")
            }
            "unread-heard" => {
                let (received, out_of_order) = self.unread_heard;
                Request::reply(&format!("received={received} out-of-order={out_of_order}"))
            }
            "flood-heard" => {
                let (received, out_of_order) = self.flood_heard;
                Request::reply(&format!("received={received} out-of-order={out_of_order}"))
            }
            "post-to-closed" => {
                let count = request.decode()?;
                Request::reply(&self.post_to_closed(count))
            }
            "make-port" => self.make_port(),
            // What the fork options gave it.
            "env" => {
                let args: Vec<String> = std::env::args().collect();
                let env: Vec<String> = std::env::vars().map(|(k, v)| format!("{k}={v}")).collect();
                Request::reply(&format!("args={} env={}", args.join(" "), env.join(",")))
            }
            "spew" => {
                // Lines of 1 KiB on stdout, as fast as it can.
                let count: u32 = request.decode()?;
                let line = "s".repeat(1023);
                for _ in 0..count {
                    println!("{line}");
                }
                Request::reply("spewed")
            }
            "print" => {
                let text: String = request.decode()?;
                println!("{text}");
                eprintln!("{text}");
                Request::reply("printed")
            }
            // File access through WASI: only granted folders are there.
            "read" => {
                let path: String = request.decode()?;
                Request::reply(&match std::fs::read_to_string(&path) {
                    Ok(text) => format!("read:{text}"),
                    Err(err) => format!("denied:{}", err.kind()),
                })
            }
            "write" => {
                let path: String = request.decode()?;
                Request::reply(&match std::fs::write(&path, "written by the utility") {
                    Ok(()) => "written".to_owned(),
                    Err(err) => format!("denied:{}", err.kind()),
                })
            }
            other => Err(HandlerError::new(
                "no-handler",
                format!("test-utility has no handler for `{other}`"),
            )),
        }
    }
}

wasmtron_guest::export_utility!(TestUtility);
