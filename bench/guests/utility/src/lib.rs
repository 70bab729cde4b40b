//! The benchmark's utility: answers main's `ping` with `pong` (fork → first
//! message), and on the port main gives it, echoes round trips and streams
//! chunks on request.
//!
//! Port messages are raw bytes with a one-byte tag: `E` + payload is echoed
//! back as it is; `S` + a little-endian `u32` count asks for that many
//! 1 MiB `D` chunks, then one `F`.

use wasmtron_guest::{MessagePort, ParentMessage, PortMessage, Utility, log, parent_port};

const CHUNK: usize = 1024 * 1024;

#[derive(Default)]
struct BenchUtility {
    port: Option<MessagePort>,
}

impl BenchUtility {
    fn stream(port: &MessagePort, count: u32) {
        let mut chunk = vec![0u8; CHUNK];
        chunk[0] = b'D';
        for _ in 0..count {
            if let Err(err) = port.post_raw(&chunk, Vec::new()) {
                log::warn(&format!("cannot stream: {err}"));
                return;
            }
        }
        if let Err(err) = port.post_raw(b"F", Vec::new()) {
            log::warn(&format!("cannot end the stream: {err}"));
        }
    }
}

impl Utility for BenchUtility {
    fn on_message(&mut self, message: ParentMessage) {
        let ping = message.decode::<String>().is_ok_and(|text| text == "ping");
        if let Some(port) = message.ports.into_iter().next() {
            port.start();
            self.port = Some(port);
            return;
        }
        if ping && let Err(err) = parent_port::post_message(&"pong") {
            log::warn(&format!("cannot answer ping: {err}"));
        }
    }

    fn on_port_message(&mut self, message: PortMessage) {
        let Some(port) = &self.port else {
            return;
        };
        match message.data.first() {
            Some(b'E') => {
                if let Err(err) = port.post_raw(&message.data, Vec::new()) {
                    log::warn(&format!("cannot echo: {err}"));
                }
            }
            Some(b'S') if message.data.len() >= 5 => {
                let mut count = [0u8; 4];
                count.copy_from_slice(&message.data[1..5]);
                Self::stream(port, u32::from_le_bytes(count));
            }
            _ => log::warn("an unknown port message"),
        }
    }
}

wasmtron_guest::export_utility!(BenchUtility);
