//! The soak: a million invokes and a hundred thousand port messages through
//! real worker processes, in rounds, with every reply and echo checked and
//! the resident memory of the host and of both workers read after each
//! round. It passes when nothing was lost and no process grew after the
//! first round (the warm-up) by more than [`GROWTH_ALLOWED`].

use std::fmt::Write as _;
use std::path::Path;

use anyhow::Context as _;
use serde::Serialize;
use serde_json::json;
use wasmtron::Isolation;

use crate::app::BenchApp;

/// How much of the soak to do.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct SoakCounts {
    pub rounds: u32,
    pub invokes: u32,
    pub port_messages: u32,
    /// Bytes each invoke carries each way.
    pub invoke_bytes: usize,
}

pub const FULL: SoakCounts = SoakCounts {
    rounds: 10,
    invokes: 1_000_000,
    port_messages: 100_000,
    invoke_bytes: 64,
};

pub const QUICK: SoakCounts = SoakCounts {
    rounds: 4,
    invokes: 4_000,
    port_messages: 2_000,
    invoke_bytes: 64,
};

/// Growth of resident memory after the warm-up round that still counts as
/// flat: allocator and page-cache noise, not a leak (a leak of ten bytes an
/// invoke would be 9 MB over the soak).
pub const GROWTH_ALLOWED: u64 = 4 * 1024 * 1024;

/// The resident memory of the three processes after one round.
#[derive(Debug, Clone, Serialize)]
struct Round {
    invokes: u64,
    port_messages: u64,
    lost: u64,
    host_bytes: u64,
    renderer_bytes: u64,
    utility_bytes: u64,
}

impl Round {
    fn host(&self) -> u64 {
        self.host_bytes
    }

    fn renderer(&self) -> u64 {
        self.renderer_bytes
    }

    fn utility(&self) -> u64 {
        self.utility_bytes
    }
}

/// What the soak found.
#[derive(Debug, Serialize)]
pub struct Soak {
    pub counts: SoakCounts,
    rounds: Vec<Round>,
    pub lost: u64,
    first_error: String,
    /// The largest growth of any process after the first round, and whose.
    pub growth_bytes: u64,
    grew: String,
    elapsed_s: f64,
}

impl Soak {
    /// Whether the soak passed: nothing lost, memory flat (judged only on
    /// full runs; a quick run's few rounds say nothing about leaks).
    pub fn passed(&self, judge_memory: bool) -> bool {
        self.lost == 0 && (!judge_memory || self.growth_bytes <= GROWTH_ALLOWED)
    }

    pub fn render(&self) -> String {
        let mb = |b: u64| b as f64 / 1e6;
        let mut out = String::new();
        let _ = writeln!(
            out,
            "{:>5}  {:>10}  {:>13}  {:>5}  {:>9}  {:>12}  {:>11}",
            "round", "invokes", "port messages", "lost", "host MB", "renderer MB", "utility MB"
        );
        for (i, r) in self.rounds.iter().enumerate() {
            let _ = writeln!(
                out,
                "{:>5}  {:>10}  {:>13}  {:>5}  {:>9.1}  {:>12.1}  {:>11.1}",
                i + 1,
                r.invokes,
                r.port_messages,
                r.lost,
                mb(r.host_bytes),
                mb(r.renderer_bytes),
                mb(r.utility_bytes)
            );
        }
        let _ = writeln!(
            out,
            "\n{} invokes and {} port messages in {:.1} s; lost: {}{}; largest growth after round 1: {:.2} MB ({}; flat up to {:.1} MB)",
            self.counts.invokes,
            self.counts.port_messages,
            self.elapsed_s,
            self.lost,
            if self.first_error.is_empty() {
                String::new()
            } else {
                format!(" (first: {})", self.first_error)
            },
            mb(self.growth_bytes),
            if self.grew.is_empty() {
                "none"
            } else {
                &self.grew
            },
            mb(GROWTH_ALLOWED),
        );
        out
    }
}

/// Runs the soak with the bench guests in `guests`, workers running
/// `worker` (this program when `None`).
pub fn run(guests: &Path, worker: Option<&Path>, counts: SoakCounts) -> anyhow::Result<Soak> {
    let started = std::time::Instant::now();
    let bench = BenchApp::start(guests, Isolation::Process, worker)?;
    bench.run(&json!({ "scenario": "connect" }))?;
    let mut rounds: Vec<Round> = Vec::new();
    let (mut invokes, mut port_messages, mut lost) = (0u64, 0u64, 0u64);
    let mut first_error = String::new();
    for round in 0..counts.rounds {
        let share = |total: u32| total / counts.rounds + u32::from(round < total % counts.rounds);
        let asked = share(counts.invokes);
        let report = bench.run(&json!({
            "scenario": "soak-invoke", "size": counts.invoke_bytes,
            "iterations": asked, "first": invokes
        }))?;
        let ok = report["ok"].as_u64().context("no ok count")?;
        lost += u64::from(asked) - ok.min(u64::from(asked));
        if first_error.is_empty() {
            first_error = report["first_error"]
                .as_str()
                .unwrap_or_default()
                .to_owned();
            let mismatched = report["mismatched"].as_u64().unwrap_or_default();
            if first_error.is_empty() && mismatched > 0 {
                first_error = format!("{mismatched} replies differed from their invoke");
            }
        }
        invokes += u64::from(asked);

        let asked = share(counts.port_messages);
        match bench.run(&json!({
            "scenario": "soak-port", "iterations": asked, "first": port_messages
        })) {
            Ok(report) => {
                let received = report["received"].as_u64().context("no received count")?;
                let out_of_order = report["out_of_order"].as_u64().unwrap_or_default();
                lost += u64::from(asked).saturating_sub(received) + out_of_order;
                if first_error.is_empty() && out_of_order > 0 {
                    first_error = format!("{out_of_order} echoes out of order or altered");
                }
            }
            // No report: the echoes never all came back.
            Err(err) => {
                lost += u64::from(asked);
                if first_error.is_empty() {
                    first_error = format!("{err:#}");
                }
            }
        }
        port_messages += u64::from(asked);

        let memory = |name: &str| {
            bench
                .app
                .metrics()
                .into_iter()
                .find(|m| m.name == name)
                .map(|m| m.resident_bytes)
                .with_context(|| format!("no metrics for `{name}`"))
        };
        rounds.push(Round {
            invokes,
            port_messages,
            lost,
            host_bytes: memory("wasmtron-bench")?,
            renderer_bytes: memory("bench")?,
            utility_bytes: memory("echo")?,
        });
        eprintln!("soak: round {} of {} done", round + 1, counts.rounds);
    }
    let (growth_bytes, grew) = growth(&rounds);
    Ok(Soak {
        counts,
        rounds,
        lost,
        first_error,
        growth_bytes,
        grew,
        elapsed_s: started.elapsed().as_secs_f64(),
    })
}

/// The largest growth of any process past its size after the first round.
fn growth(rounds: &[Round]) -> (u64, String) {
    let Some(first) = rounds.first() else {
        return (0, String::new());
    };
    let mut largest = (0, String::new());
    for (name, bytes) in [
        ("host", Round::host as fn(&Round) -> u64),
        ("renderer", Round::renderer),
        ("utility", Round::utility),
    ] {
        let peak = rounds.iter().map(bytes).max().unwrap_or_default();
        let grown = peak.saturating_sub(bytes(first));
        if grown > largest.0 {
            largest = (grown, name.to_owned());
        }
    }
    largest
}

/// Runs the soak, prints its table, writes `json`, and says whether it
/// passed.
pub fn main(
    guests: &Path,
    worker: Option<&Path>,
    json: &Path,
    quick: bool,
) -> anyhow::Result<bool> {
    let counts = if quick { QUICK } else { FULL };
    let soak = run(guests, worker, counts)?;
    print!("{}", soak.render());
    if let Some(parent) = json.parent() {
        std::fs::create_dir_all(parent)?;
    }
    let report = json!({
        "quick": quick,
        "machine": crate::report::machine(),
        "soak": soak,
        "passed": soak.passed(!quick),
    });
    std::fs::write(json, serde_json::to_string_pretty(&report)?)
        .with_context(|| format!("cannot write {}", json.display()))?;
    eprintln!("wrote {}", json.display());
    if soak.lost > 0 {
        eprintln!("soak: FAILED: {} messages lost", soak.lost);
    } else if !soak.passed(!quick) {
        eprintln!(
            "soak: FAILED: {} grew by {:.2} MB after the first round",
            soak.grew,
            soak.growth_bytes as f64 / 1e6
        );
    } else {
        eprintln!("soak: passed");
    }
    Ok(soak.passed(!quick))
}
