//! A component's quotas, as the manifest sets them and a worker enforces
//! them.

/// A component's quotas. `[limits]` sets them for every component, and a
/// window's or utility's own `limits` table overrides them for it. Every
/// limit ends in a named error or exit reason, never a hang.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Limits {
    /// The largest payload an invoke, send, push or reply may carry.
    pub max_message_bytes: usize,
    /// How long an invoke may wait for its reply.
    pub invoke_timeout_ms: u64,
    /// How long an outbound HTTP request may take, from connecting to the
    /// last byte of its response (`wasi:http`, with `allowed-hosts`).
    pub http_timeout_ms: u64,
    /// The most linear memory a renderer or utility component may grow to;
    /// beyond it the worker ends with reason `oom`.
    pub max_memory_bytes: usize,
    /// The CPU time one call into the component (a handler, an event) may
    /// take; beyond it the component ends with reason `timeout`.
    pub cpu_ms_per_call: u64,
    /// Invokes the component may have waiting for replies at once; one more
    /// fails at once with `limit-exceeded`.
    pub max_pending_invokes: usize,
    /// Messages from the component that may wait in main's queue; a sender
    /// that outruns main by more ends with reason `limit-exceeded`.
    pub max_queued_messages: usize,
    /// Messages (invokes, sends, posts, port messages, log lines) the
    /// component may send per second, in bursts of as many; one more fails
    /// with `limit-exceeded`.
    pub max_messages_per_second: u32,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_message_bytes: 16 * 1024 * 1024,
            invoke_timeout_ms: 30_000,
            http_timeout_ms: 30_000,
            max_memory_bytes: 1024 * 1024 * 1024,
            cpu_ms_per_call: 30_000,
            max_pending_invokes: 1024,
            max_queued_messages: 10_000,
            max_messages_per_second: 100_000,
        }
    }
}
