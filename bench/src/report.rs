//! Figures, the rows that put them side by side, and the table.

use std::fmt::Write as _;

use anyhow::Context as _;
use serde::Serialize;
use serde_json::Value;

/// Percentiles of a set of samples.
#[derive(Debug, Clone, Copy)]
pub struct Stats {
    pub p50: f64,
    pub p99: f64,
}

impl Stats {
    pub fn of(samples: &[f64]) -> Self {
        let mut sorted = samples.to_vec();
        sorted.sort_by(f64::total_cmp);
        let at = |q: f64| -> f64 {
            if sorted.is_empty() {
                return f64::NAN;
            }
            let index = ((sorted.len() - 1) as f64 * q).round() as usize;
            sorted[index]
        };
        Stats {
            p50: at(0.5),
            p99: at(0.99),
        }
    }
}

/// The samples a report carries under `key`.
pub fn samples(report: &Value, key: &str) -> anyhow::Result<Vec<f64>> {
    report[key]
        .as_array()
        .with_context(|| format!("the report has no `{key}`: {report}"))?
        .iter()
        .map(|v| v.as_f64().context("a sample is not a number"))
        .collect()
}

/// Messages per second from a `send` report, which must have counted all.
pub fn per_second(report: &Value, sent: u32) -> anyhow::Result<f64> {
    let count = report["count"].as_u64().context("no count")?;
    anyhow::ensure!(
        count == u64::from(sent),
        "main counted {count} of {sent} messages"
    );
    let elapsed = report["elapsed_us"].as_f64().context("no elapsed_us")?;
    Ok(f64::from(sent) / (elapsed / 1e6))
}

/// MB/s (10^6 bytes) from a stream report.
pub fn megabytes_per_second(report: &Value) -> anyhow::Result<f64> {
    let bytes = report["bytes"].as_f64().context("no bytes")?;
    let elapsed = report["elapsed_us"].as_f64().context("no elapsed_us")?;
    Ok(bytes / elapsed)
}

/// Whether a smaller figure is the better one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Better {
    Lower,
    Higher,
}

/// One measured shape: wasmtron's figure and the peers' for the same shape.
#[derive(Debug, Clone, Serialize)]
pub struct Row {
    pub metric: String,
    pub unit: &'static str,
    pub better: Better,
    pub wasmtron: Option<f64>,
    pub raw: Option<f64>,
    pub node_fork: Option<f64>,
    pub node_worker: Option<f64>,
    /// The target from DESIGN.md §9, in words, and the bound as a number in
    /// `unit` (or as a multiple of `raw` when `target_times_raw`).
    pub target: Option<String>,
    pub target_bound: Option<f64>,
    pub target_times_raw: bool,
}

impl Row {
    /// wasmtron's figure over the raw floor's, the way round that makes
    /// 1.0 "as fast as the floor" and more "slower".
    pub fn versus_raw(&self) -> Option<f64> {
        let (ours, raw) = (self.wasmtron?, self.raw?);
        Some(match self.better {
            Better::Lower => ours / raw,
            Better::Higher => raw / ours,
        })
    }

    /// Whether the target is met, if there is one and the figures exist.
    pub fn target_met(&self) -> Option<bool> {
        let ours = self.wasmtron?;
        let bound = if self.target_times_raw {
            self.target_bound? * self.raw?
        } else {
            self.target_bound?
        };
        Some(match self.better {
            Better::Lower => ours <= bound,
            Better::Higher => ours >= bound,
        })
    }
}

/// Which column a figure goes in.
#[derive(Debug, Clone, Copy)]
pub enum Column {
    Wasmtron,
    Raw,
    NodeFork,
    NodeWorker,
}

#[derive(Debug, Default)]
pub struct Table {
    rows: Vec<Row>,
}

pub fn size_name(size: usize) -> String {
    match size {
        s if s >= 1024 * 1024 => format!("{} MiB", s / (1024 * 1024)),
        s if s >= 1024 => format!("{} KiB", s / 1024),
        s => format!("{s} B"),
    }
}

impl Table {
    pub fn rows(&self) -> impl Iterator<Item = &Row> {
        self.rows.iter()
    }

    fn row(&mut self, metric: &str, unit: &'static str, better: Better) -> &mut Row {
        if let Some(index) = self.rows.iter().position(|r| r.metric == metric) {
            return &mut self.rows[index];
        }
        self.rows.push(Row {
            metric: metric.to_owned(),
            unit,
            better,
            wasmtron: None,
            raw: None,
            node_fork: None,
            node_worker: None,
            target: None,
            target_bound: None,
            target_times_raw: false,
        });
        let last = self.rows.len() - 1;
        &mut self.rows[last]
    }

    /// Puts `value` in `column` of the row `metric`.
    pub fn put(
        &mut self,
        metric: &str,
        unit: &'static str,
        better: Better,
        column: Column,
        value: f64,
    ) -> &mut Row {
        let row = self.row(metric, unit, better);
        let slot = match column {
            Column::Wasmtron => &mut row.wasmtron,
            Column::Raw => &mut row.raw,
            Column::NodeFork => &mut row.node_fork,
            Column::NodeWorker => &mut row.node_worker,
        };
        *slot = Some(value);
        row
    }

    /// A round trip's p50 and p99 rows (µs) for `what` at `size`.
    pub fn round_trip_in(&mut self, column: Column, what: &str, size: usize, stats: Stats) {
        let name = size_name(size);
        for (quantile, value) in [("p50", stats.p50), ("p99", stats.p99)] {
            let metric = format!("{what} round trip {name} {quantile}");
            let row = self.put(&metric, "µs", Better::Lower, column, value);
            if what == "invoke" && size == 16 && quantile == "p50" {
                row.target = Some("≤ 1.5 × raw".into());
                row.target_bound = Some(1.5);
                row.target_times_raw = true;
            }
            if size == 1024 * 1024 && quantile == "p50" {
                row.target = Some("≤ 600 µs".into());
                row.target_bound = Some(600.0);
            }
        }
    }

    pub fn round_trip(&mut self, what: &str, size: usize, stats: Stats) {
        self.round_trip_in(Column::Wasmtron, what, size, stats);
    }

    pub fn rate(&mut self, metric: &str, per_second: f64) {
        self.put(
            metric,
            "msg/s",
            Better::Higher,
            Column::Wasmtron,
            per_second,
        );
    }

    pub fn throughput(&mut self, metric: &str, megabytes: f64) {
        let row = self.put(metric, "MB/s", Better::Higher, Column::Wasmtron, megabytes);
        row.target = Some("≥ 2000 MB/s".into());
        row.target_bound = Some(2000.0);
    }

    pub fn latency_ms(&mut self, metric: &str, ms: f64) {
        let row = self.put(metric, "ms", Better::Lower, Column::Wasmtron, ms);
        if metric == "fork → first message" {
            row.target = Some("≤ 5 ms".into());
            row.target_bound = Some(5.0);
        }
    }

    pub fn first_paint(&mut self, ms: f64) {
        let row = self.put(
            "launch → first window painted (compile cache warm)",
            "ms",
            Better::Lower,
            Column::Wasmtron,
            ms,
        );
        row.target = Some("≤ 250 ms".into());
        row.target_bound = Some(250.0);
    }

    pub fn memory(&mut self, metric: &str, bytes: u64) {
        let row = self.put(
            metric,
            "MB",
            Better::Lower,
            Column::Wasmtron,
            bytes as f64 / 1e6,
        );
        row.target = Some("≤ 10 MB".into());
        row.target_bound = Some(10.0);
    }

    /// The table as text, one row per line.
    pub fn render(&self) -> String {
        let cell = |v: Option<f64>| v.map_or_else(|| "—".to_owned(), format_figure);
        let mut lines = vec![[
            "metric".to_owned(),
            "unit".to_owned(),
            "wasmtron".to_owned(),
            "raw socketpair".to_owned(),
            "node fork".to_owned(),
            "node worker".to_owned(),
            "vs raw".to_owned(),
            "target".to_owned(),
        ]];
        for row in &self.rows {
            let target = match (&row.target, row.target_met()) {
                (Some(target), Some(true)) => format!("{target}: met"),
                (Some(target), Some(false)) => format!("{target}: MISSED"),
                (Some(target), None) => target.clone(),
                (None, _) => String::new(),
            };
            lines.push([
                row.metric.clone(),
                row.unit.to_owned(),
                cell(row.wasmtron),
                cell(row.raw),
                cell(row.node_fork),
                cell(row.node_worker),
                row.versus_raw()
                    .map_or_else(|| "—".to_owned(), |r| format!("{r:.2}×")),
                target,
            ]);
        }
        let mut widths = [0usize; 8];
        for line in &lines {
            for (width, text) in widths.iter_mut().zip(line) {
                *width = (*width).max(text.chars().count());
            }
        }
        let mut out = String::new();
        for line in &lines {
            for (i, (width, text)) in widths.iter().zip(line).enumerate() {
                let pad = width - text.chars().count();
                if i == 0 || i == 7 {
                    let _ = write!(out, "{text}{} ", " ".repeat(pad));
                } else {
                    let _ = write!(out, "{}{text} ", " ".repeat(pad));
                }
            }
            out.truncate(out.trim_end().len());
            out.push('\n');
        }
        out
    }
}

fn format_figure(value: f64) -> String {
    if value >= 100.0 {
        format!("{value:.0}")
    } else if value >= 10.0 {
        format!("{value:.1}")
    } else {
        format!("{value:.2}")
    }
}

/// The memory only process `pid` has (private clean and dirty pages), from
/// `/proc/<pid>/smaps_rollup`: what one more such process costs, where the
/// resident set also counts pages it shares with the host and other workers.
pub fn private_bytes(pid: u32) -> Option<u64> {
    let rollup = std::fs::read_to_string(format!("/proc/{pid}/smaps_rollup")).ok()?;
    let kilobytes: u64 = rollup
        .lines()
        .filter(|l| l.starts_with("Private_Clean:") || l.starts_with("Private_Dirty:"))
        .filter_map(|l| l.split_whitespace().nth(1)?.parse::<u64>().ok())
        .sum();
    Some(kilobytes * 1024)
}

/// What the figures were measured on.
pub fn machine() -> Value {
    let cpu = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|info| {
            info.lines()
                .find(|l| l.starts_with("model name"))
                .and_then(|l| l.split(':').nth(1))
                .map(|m| m.trim().to_owned())
        })
        .unwrap_or_default();
    let cores = std::thread::available_parallelism().map_or(0, usize::from);
    serde_json::json!({ "cpu": cpu, "cores": cores, "os": std::env::consts::OS })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentiles_pick_the_nearest_rank() {
        let samples: Vec<f64> = (1..=100).map(f64::from).collect();
        let stats = Stats::of(&samples);
        assert_eq!(stats.p50, 51.0);
        assert_eq!(stats.p99, 99.0);
    }

    #[test]
    fn rows_compare_to_the_floor_the_right_way_round() {
        let mut table = Table::default();
        table.round_trip(
            "invoke",
            16,
            Stats {
                p50: 30.0,
                p99: 50.0,
            },
        );
        table.round_trip_in(
            Column::Raw,
            "invoke",
            16,
            Stats {
                p50: 20.0,
                p99: 25.0,
            },
        );
        let row = table.rows().next().expect("a row");
        assert_eq!(row.versus_raw(), Some(1.5));
        assert_eq!(row.target_met(), Some(true));
        table.throughput("stream", 1000.0);
        table.put("stream", "MB/s", Better::Higher, Column::Raw, 4000.0);
        let row = table.rows().last().expect("a row");
        assert_eq!(row.versus_raw(), Some(4.0));
        assert_eq!(row.target_met(), Some(false));
        assert!(table.render().contains("MISSED"));
    }
}
