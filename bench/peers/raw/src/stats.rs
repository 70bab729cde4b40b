//! Summaries of timed samples.

use std::time::Duration;

/// Latency percentiles and mean of a set of timed samples, in microseconds.
///
/// Percentiles are nearest-rank, the same as the Node peers compute, so the
/// figures of both compare directly.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Stats {
    /// The median.
    pub p50_us: f64,
    /// The 99th percentile.
    pub p99_us: f64,
    /// The arithmetic mean.
    pub mean_us: f64,
}

impl Stats {
    /// Summarizes `samples`, which must not be empty.
    pub(crate) fn from_samples(samples: &[Duration]) -> Self {
        let mut us: Vec<f64> = samples.iter().map(|d| d.as_secs_f64() * 1e6).collect();
        us.sort_by(f64::total_cmp);
        Self {
            p50_us: percentile(&us, 50.0),
            p99_us: percentile(&us, 99.0),
            mean_us: us.iter().sum::<f64>() / us.len() as f64,
        }
    }
}

/// Nearest-rank percentile of ascending, non-empty `sorted`.
pub(crate) fn percentile(sorted: &[f64], p: f64) -> f64 {
    let rank = (p / 100.0 * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentiles_are_nearest_rank() {
        let samples: Vec<Duration> = (1..=100).map(Duration::from_micros).collect();
        let stats = Stats::from_samples(&samples);
        assert_eq!(stats.p50_us, 50.0);
        assert_eq!(stats.p99_us, 99.0);
        assert!((stats.mean_us - 50.5).abs() < 1e-9);

        let one = Stats::from_samples(&[Duration::from_micros(7)]);
        assert_eq!((one.p50_us, one.p99_us), (7.0, 7.0));
    }
}
