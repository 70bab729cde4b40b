//! A component's stdout and stderr, turned into host log lines tagged with
//! the component's name.

use std::io;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use tokio::io::AsyncWrite;

use crate::bucket::{Allowance, Dropped};
use wasmtime_wasi::cli::{IsTerminal, StdoutStream};

/// A partial line longer than this is logged as it is, so a guest that never
/// writes a newline cannot grow host memory.
const MAX_LINE: usize = 16 * 1024;

/// The bytes of output a component may write per second, stdout and stderr
/// together, in bursts of as many; lines beyond it are dropped and counted,
/// and the next line that fits is preceded by a line saying how many were.
/// Far more than a log is read at; far less than a guest writing in a loop
/// (which put 600–950 MB into the host's log in 20 s).
pub const OUTPUT_BYTES_PER_SECOND: usize = 1024 * 1024;

#[derive(Debug, Clone)]
pub(crate) struct LogStream {
    component: Arc<str>,
    stream: &'static str,
    tail: Option<OutputTail>,
    sink: OutputSink,
}

/// Where a worker's guest output goes once the worker is connected: to the
/// host, which routes it by the utility's `stdio` option. Until it is set
/// (and for main) lines go straight to the log.
#[derive(Clone)]
pub struct OutputSink {
    to_host:
        Arc<std::sync::OnceLock<tokio::sync::mpsc::UnboundedSender<wasmtron_wire::WorkerToHost>>>,
    /// A byte a token.
    rate: Arc<std::sync::Mutex<Allowance>>,
}

/// What a line costs beyond its bytes.
const LINE_COST: f64 = 128.0;

impl Default for OutputSink {
    fn default() -> Self {
        OutputSink {
            to_host: Arc::default(),
            rate: Arc::new(std::sync::Mutex::new(Allowance::new(
                OUTPUT_BYTES_PER_SECOND as f64,
            ))),
        }
    }
}

impl std::fmt::Debug for OutputSink {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OutputSink")
            .field("connected", &self.to_host.get().is_some())
            .finish()
    }
}

impl OutputSink {
    /// Sends every later line to the host.
    pub(crate) fn connect(
        &self,
        to_host: tokio::sync::mpsc::UnboundedSender<wasmtron_wire::WorkerToHost>,
    ) {
        let _ = self.to_host.set(to_host);
    }

    fn emit(&self, component: &str, stream: &str, line: &str) {
        // Each line costs its bytes and a share for being a line (a log
        // record, or a call into main), so empty lines are no cheaper flood.
        let taken = match self.rate.lock() {
            Ok(mut rate) => rate.take(line.len() as f64 + LINE_COST, line.len() as u64),
            Err(_) => Ok(None),
        };
        match taken {
            Err(()) => {}
            Ok(dropped) => {
                if let Some(Dropped { count, size }) = dropped {
                    let notice = format!(
                        "wasmtron: {count} output lines ({size} bytes) dropped: over the \
                         output rate of {OUTPUT_BYTES_PER_SECOND} bytes a second"
                    );
                    self.send(component, stream, &notice);
                }
                self.send(component, stream, line);
            }
        }
    }

    /// Tells the host what `component` was refused (already rate-limited).
    pub(super) fn refused(&self, component: &str, what: &str) {
        if let Some(to_host) = self.to_host.get() {
            let sent = to_host.send(wasmtron_wire::WorkerToHost::Refused {
                what: what.to_owned(),
            });
            if sent.is_ok() {
                return;
            }
        }
        wasmtron_wire::log::refused(component, what);
    }

    fn send(&self, component: &str, stream: &str, line: &str) {
        if let Some(to_host) = self.to_host.get() {
            let sent = to_host.send(wasmtron_wire::WorkerToHost::Output {
                stream: stream.to_owned(),
                line: line.to_owned(),
            });
            if sent.is_ok() {
                return;
            }
        }
        wasmtron_wire::log::guest_output(component, stream, line);
    }
}

/// The last lines a component wrote to a stream: a trapped Rust guest
/// prints its panic message to stderr just before the trap, and a crash
/// report is much clearer with it.
#[derive(Debug, Clone, Default)]
pub struct OutputTail {
    lines: Arc<std::sync::Mutex<std::collections::VecDeque<String>>>,
}

/// Lines an [`OutputTail`] keeps.
const TAIL_LINES: usize = 4;
/// Characters kept of each of those lines.
const TAIL_LINE_CHARS: usize = 512;

impl OutputTail {
    fn push(&self, line: &str) {
        if line.is_empty() {
            return;
        }
        if let Ok(mut lines) = self.lines.lock() {
            if lines.len() == TAIL_LINES {
                lines.pop_front();
            }
            lines.push_back(line.chars().take(TAIL_LINE_CHARS).collect());
        }
    }

    /// The kept lines, joined with ` | `; empty when nothing was written.
    pub fn text(&self) -> String {
        self.lines
            .lock()
            .map(|lines| lines.iter().cloned().collect::<Vec<_>>().join(" | "))
            .unwrap_or_default()
    }
}

impl LogStream {
    pub(super) fn stdout(component: &str, sink: OutputSink) -> Self {
        LogStream {
            component: component.into(),
            stream: "stdout",
            tail: None,
            sink,
        }
    }

    pub(super) fn stderr(component: &str, tail: OutputTail, sink: OutputSink) -> Self {
        LogStream {
            component: component.into(),
            stream: "stderr",
            tail: Some(tail),
            sink,
        }
    }
}

impl IsTerminal for LogStream {
    fn is_terminal(&self) -> bool {
        false
    }
}

impl StdoutStream for LogStream {
    fn async_stream(&self) -> Box<dyn AsyncWrite + Send + Sync> {
        Box::new(LineWriter {
            stream: self.clone(),
            pending: Vec::new(),
        })
    }
}

/// Buffers bytes until a newline, then logs the line.
struct LineWriter {
    stream: LogStream,
    pending: Vec<u8>,
}

impl LineWriter {
    fn emit(&self, line: &[u8]) {
        let text = String::from_utf8_lossy(line);
        let text = text.trim_end();
        if let Some(tail) = &self.stream.tail {
            tail.push(text);
        }
        self.stream
            .sink
            .emit(&self.stream.component, self.stream.stream, text);
    }

    /// Logs each line written; a line longer than [`MAX_LINE`] goes out in
    /// pieces of at most [`MAX_LINE`] bytes, cut between characters, as soon
    /// as each is complete.
    fn write_bytes(&mut self, mut bytes: &[u8]) {
        while !bytes.is_empty() {
            let room = MAX_LINE - self.pending.len();
            match bytes.iter().take(room + 1).position(|&b| b == b'\n') {
                Some(newline) => {
                    self.pending.extend_from_slice(&bytes[..newline]);
                    let line = std::mem::take(&mut self.pending);
                    self.emit(&line);
                    bytes = &bytes[newline + 1..];
                }
                None => {
                    let taken = bytes.len().min(room);
                    self.pending.extend_from_slice(&bytes[..taken]);
                    bytes = &bytes[taken..];
                    if self.pending.len() == MAX_LINE {
                        self.emit_piece();
                    }
                }
            }
        }
    }

    /// Logs the full buffer of a long line, keeping a character it cuts
    /// for the next piece.
    fn emit_piece(&mut self) {
        let cut = char_boundary_before_end(&self.pending);
        let rest = self.pending.split_off(cut);
        let piece = std::mem::replace(&mut self.pending, rest);
        self.emit(&piece);
    }
}

/// Where the last character of `bytes` starts when it is cut short (its
/// lead byte announces more bytes than follow), else the end.
fn char_boundary_before_end(bytes: &[u8]) -> usize {
    let end = bytes.len();
    // A UTF-8 character is at most four bytes: its lead byte is among the
    // last four.
    for start in (end.saturating_sub(4)..end).rev() {
        let byte = bytes[start];
        if byte & 0xC0 == 0x80 {
            continue;
        }
        let length = match byte {
            0x00..=0x7F => 1,
            0xC0..=0xDF => 2,
            0xE0..=0xEF => 3,
            _ => 4,
        };
        return if start + length > end { start } else { end };
    }
    end
}

impl AsyncWrite for LineWriter {
    fn poll_write(
        mut self: Pin<&mut Self>,
        _cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        self.write_bytes(buf);
        Poll::Ready(Ok(buf.len()))
    }

    fn poll_flush(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Poll::Ready(Ok(()))
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        if !self.pending.is_empty() {
            let line = std::mem::take(&mut self.pending);
            self.emit(&line);
        }
        Poll::Ready(Ok(()))
    }
}

impl Drop for LineWriter {
    fn drop(&mut self) {
        if !self.pending.is_empty() {
            self.emit(&self.pending);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use wasmtron_wire::WorkerToHost;

    /// A stdout writer whose lines come out of the returned receiver, as
    /// they would go to the host.
    fn stdout() -> (
        LineWriter,
        tokio::sync::mpsc::UnboundedReceiver<WorkerToHost>,
    ) {
        let (tx, rx) = tokio::sync::mpsc::unbounded_channel();
        let sink = OutputSink::default();
        sink.connect(tx);
        let writer = LineWriter {
            stream: LogStream::stdout("probe", sink),
            pending: Vec::new(),
        };
        (writer, rx)
    }

    fn lines(rx: &mut tokio::sync::mpsc::UnboundedReceiver<WorkerToHost>) -> Vec<String> {
        let mut lines = Vec::new();
        while let Ok(message) = rx.try_recv() {
            match message {
                WorkerToHost::Output { stream, line } => {
                    assert_eq!(stream, "stdout");
                    lines.push(line);
                }
                other => panic!("{other:?}"),
            }
        }
        lines
    }

    #[test]
    fn each_line_written_is_one_log_line() {
        let (mut writer, mut rx) = stdout();
        writer.write_bytes(b"first\nsec");
        writer.write_bytes(b"ond\n\nthird");
        assert_eq!(lines(&mut rx), ["first", "second", ""]);
        drop(writer);
        assert_eq!(lines(&mut rx), ["third"]);
    }

    #[test]
    fn a_line_without_a_newline_is_logged_each_time_16_kib_of_it_waits() {
        let (mut writer, mut rx) = stdout();
        // 40 KiB without a newline, in writes of 4 KiB (the most one
        // blocking write to a WASI 0.2 stream takes at a time).
        let text: Vec<u8> = (0..40 * 1024).map(|i| b'a' + (i % 26) as u8).collect();
        for (i, chunk) in text.chunks(4096).enumerate() {
            writer.write_bytes(chunk);
            // Nothing comes out until 16 KiB have gathered.
            if i == 2 {
                assert!(lines(&mut rx).is_empty());
            }
        }
        let pieces = lines(&mut rx);
        assert_eq!(
            pieces.iter().map(String::len).collect::<Vec<_>>(),
            [MAX_LINE, MAX_LINE]
        );
        // The rest waits for its newline, or for the stream's end.
        drop(writer);
        let mut all = pieces;
        all.extend(lines(&mut rx));
        assert_eq!(all.len(), 3);
        assert_eq!(all.concat().as_bytes(), text.as_slice());
    }

    #[test]
    fn a_long_line_goes_out_in_pieces_of_16_kib_whatever_the_writes() {
        // Writes of 1000 bytes do not land on 16 KiB, and one write may
        // bring more than 16 KiB: each piece is still 16 KiB, the last one
        // ends with the line, and nothing is lost.
        let (mut writer, mut rx) = stdout();
        for _ in 0..40 {
            writer.write_bytes(&[b'y'; 1000]);
        }
        writer.write_bytes(&[b'z'; 40 * 1024]);
        writer.write_bytes(b"\n");
        let pieces = lines(&mut rx);
        let lengths: Vec<usize> = pieces.iter().map(String::len).collect();
        let total = 40 * 1000 + 40 * 1024;
        assert!(
            lengths[..lengths.len() - 1].iter().all(|&l| l == MAX_LINE),
            "{lengths:?}"
        );
        assert_eq!(lengths.iter().sum::<usize>(), total);
    }

    #[test]
    fn a_piece_is_cut_between_characters() {
        // `é` is two bytes; an odd number of ASCII bytes first puts one
        // across the 16 KiB mark.
        let (mut writer, mut rx) = stdout();
        writer.write_bytes(b"a");
        writer.write_bytes("é".repeat(MAX_LINE).as_bytes());
        writer.write_bytes(b"\n");
        let pieces = lines(&mut rx);
        assert!(pieces.iter().all(|p| p.len() <= MAX_LINE));
        assert!(
            pieces.iter().all(|p| !p.contains('\u{FFFD}')),
            "no character was broken"
        );
        assert_eq!(pieces.concat(), format!("a{}", "é".repeat(MAX_LINE)));
    }
}
