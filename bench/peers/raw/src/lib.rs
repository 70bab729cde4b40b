//! The floor of wasmtron's IPC benchmarks: what a bare Unix socket pair
//! between two processes costs on this machine, measured in the same run as
//! wasmtron's own figures so that their ratio holds on a noisy machine.
//!
//! Every figure comes from this process and a child process joined by a
//! socket pair. The child is the current executable started again with a
//! hidden first argument, so a binary that uses this crate must call
//! [`child_main_if_requested`] first thing in `main`:
//!
//! ```no_run
//! // The first lines of the benchmark binary's `main`:
//! if wasmtron_raw_floor::child_main_if_requested() {
//!     return;
//! }
//! for (size, stats) in wasmtron_raw_floor::socketpair_round_trips(&[16, 1 << 20], 1000) {
//!     println!("{size} B: p50 {:.1} µs", stats.p50_us);
//! }
//! println!("{:.0} MB/s", wasmtron_raw_floor::socketpair_stream(1 << 20, 256 << 20));
//! println!("{:.2} ms", wasmtron_raw_floor::spawn_first_message(10));
//! ```
//!
//! The child is spawned like wasmtron spawns a worker: its end of the pair is
//! its stdin, and it answers on that same socket.

#[cfg(not(unix))]
compile_error!("wasmtron-raw-floor measures Unix socket pairs and builds on Unix only");

mod child;
mod measure;
mod peer;
mod stats;

pub use child::child_main_if_requested;
pub use measure::{socketpair_round_trips, socketpair_stream, spawn_first_message};
pub use stats::Stats;
