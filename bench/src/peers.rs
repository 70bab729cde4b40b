//! The reference peers, measured in the same run as wasmtron: the raw
//! floor (a Unix socket pair between this process and a child, in Rust) and
//! Node 20's `child_process.fork` IPC and `worker_threads` ports (the
//! scripts in `bench/peers/node`).

use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{Context as _, bail};
use serde_json::Value;

use crate::SIZES;
use crate::report::{Better, Column, Stats, Table};

/// If this process was started as the raw floor's echo child, serves and
/// returns true.
pub fn raw_child_if_requested() -> bool {
    wasmtron_raw_floor::child_main_if_requested()
}

pub fn measure(table: &mut Table, quick: bool) -> anyhow::Result<()> {
    raw(table, quick);
    for (script, column) in [
        ("fork-ipc.js", Column::NodeFork),
        ("worker-threads.js", Column::NodeWorker),
    ] {
        match node(script, quick) {
            Ok(figures) => put_node(table, column, &figures)?,
            Err(err) => eprintln!("peer {script} skipped: {err:#}"),
        }
    }
    Ok(())
}

fn raw(table: &mut Table, quick: bool) {
    let iterations = if quick { 20 } else { 2000 };
    for (size, stats) in wasmtron_raw_floor::socketpair_round_trips(&SIZES, iterations) {
        let stats = Stats {
            p50: stats.p50_us,
            p99: stats.p99_us,
        };
        for what in ["invoke", "port"] {
            table.round_trip_in(Column::Raw, what, size, stats);
        }
    }
    let total = if quick { 4 << 20 } else { 256 << 20 };
    let stream = wasmtron_raw_floor::socketpair_stream(1 << 20, total);
    table.put(
        "port stream, 1 MiB chunks",
        "MB/s",
        Better::Higher,
        Column::Raw,
        stream,
    );
    let spawns = if quick { 2 } else { 20 };
    let spawn = wasmtron_raw_floor::spawn_first_message(spawns);
    table.put(
        "fork → first message",
        "ms",
        Better::Lower,
        Column::Raw,
        spawn,
    );
}

fn scripts() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("peers/node")
}

fn node(script: &str, quick: bool) -> anyhow::Result<Value> {
    let mut command = Command::new("node");
    command.arg(scripts().join(script));
    if quick {
        command.arg("--quick");
    }
    let output = command.output().context("cannot run node")?;
    if !output.status.success() {
        bail!(
            "{script} failed ({}): {}",
            output.status,
            String::from_utf8_lossy(&output.stderr)
        );
    }
    serde_json::from_slice(&output.stdout).with_context(|| format!("{script} printed no JSON"))
}

fn put_node(table: &mut Table, column: Column, figures: &Value) -> anyhow::Result<()> {
    let round_trips = figures["round_trip_us"]
        .as_object()
        .context("no round_trip_us")?;
    for size in SIZES {
        let Some(entry) = round_trips.get(&size.to_string()) else {
            continue;
        };
        let stats = Stats {
            p50: entry["p50"].as_f64().unwrap_or(f64::NAN),
            p99: entry["p99"].as_f64().unwrap_or(f64::NAN),
        };
        for what in ["invoke", "port"] {
            table.round_trip_in(column, what, size, stats);
        }
    }
    if let Some(stream) = figures["stream_mb_s"].as_f64() {
        table.put(
            "port stream, 1 MiB chunks",
            "MB/s",
            Better::Higher,
            column,
            stream,
        );
    }
    if let Some(spawn) = figures["spawn_first_message_ms"].as_f64() {
        table.put("fork → first message", "ms", Better::Lower, column, spawn);
    }
    Ok(())
}
