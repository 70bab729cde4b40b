//! A component's stdout and stderr, turned into host log lines tagged with
//! the component's name.

use std::io;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use tokio::io::AsyncWrite;

use crate::bucket::TokenBucket;
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
#[derive(Clone, Default)]
pub struct OutputSink {
    to_host:
        Arc<std::sync::OnceLock<tokio::sync::mpsc::UnboundedSender<wasmtron_wire::WorkerToHost>>>,
    rate: Arc<std::sync::Mutex<OutputRate>>,
}

/// What a line costs beyond its bytes.
const LINE_COST: f64 = 128.0;

/// The output allowance (a byte a token), with what it dropped.
#[derive(Debug)]
struct OutputRate {
    bytes: TokenBucket,
    dropped_lines: u64,
    dropped_bytes: u64,
}

impl Default for OutputRate {
    fn default() -> Self {
        OutputRate {
            bytes: TokenBucket::new(OUTPUT_BYTES_PER_SECOND as f64),
            dropped_lines: 0,
            dropped_bytes: 0,
        }
    }
}

impl OutputRate {
    /// Takes a line of `bytes` from the allowance: `Ok` with what was
    /// dropped before (to be told first), or `Err` when the line is dropped.
    fn take(&mut self, bytes: usize) -> Result<Option<(u64, u64)>, ()> {
        // Each line costs its bytes and a share for being a line (a log
        // record, or a call into main), so empty lines are no cheaper flood.
        if !self.bytes.take(bytes as f64 + LINE_COST) {
            self.dropped_lines += 1;
            self.dropped_bytes += bytes as u64;
            return Err(());
        }
        Ok(match self.dropped_lines {
            0 => None,
            lines => {
                let bytes = std::mem::take(&mut self.dropped_bytes);
                self.dropped_lines = 0;
                Some((lines, bytes))
            }
        })
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
        let taken = match self.rate.lock() {
            Ok(mut rate) => rate.take(line.len()),
            Err(_) => Ok(None),
        };
        match taken {
            Err(()) => {}
            Ok(dropped) => {
                if let Some((lines, bytes)) = dropped {
                    let notice = format!(
                        "wasmtron: {lines} output lines ({bytes} bytes) dropped: over the \
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

    fn write_bytes(&mut self, mut bytes: &[u8]) {
        while let Some(newline) = bytes.iter().position(|&b| b == b'\n') {
            self.pending.extend_from_slice(&bytes[..newline]);
            let line = std::mem::take(&mut self.pending);
            self.emit(&line);
            bytes = &bytes[newline + 1..];
        }
        self.pending.extend_from_slice(bytes);
        if self.pending.len() >= MAX_LINE {
            let line = std::mem::take(&mut self.pending);
            self.emit(&line);
        }
    }
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
