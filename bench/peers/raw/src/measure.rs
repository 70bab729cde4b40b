//! The three figures: round trips, a one-way stream, and spawn → first
//! message.

use std::io::{self, Read, Write};
use std::time::{Duration, Instant};

use crate::child::Role;
use crate::peer::{Peer, context};
use crate::stats::{Stats, percentile};

/// Untimed round trips before the timed ones, the same count as the Node
/// peers use: enough for caches, the allocator and the scheduler to settle.
fn warmup(iterations: usize) -> usize {
    iterations.div_ceil(10).max(20)
}

/// Round trips with a child over a Unix socket pair: for each size, write a
/// message of a 4-byte length and `size` bytes, and read the child's copy of
/// it back whole. Gives the latency of `iterations` timed round trips per
/// size, after untimed warm-up ones; one child serves every size.
///
/// # Panics
///
/// If `iterations` is zero, a size does not fit in 32 bits, or the child
/// cannot be spawned, fails, answers wrongly or goes 30 s without answering.
pub fn socketpair_round_trips(sizes: &[usize], iterations: usize) -> Vec<(usize, Stats)> {
    assert!(
        iterations > 0,
        "socketpair_round_trips needs at least one iteration"
    );
    round_trips(sizes, iterations)
        .unwrap_or_else(|err| panic!("socket pair round trips failed: {err}"))
}

fn round_trips(sizes: &[usize], iterations: usize) -> io::Result<Vec<(usize, Stats)>> {
    let mut peer = Peer::spawn(Role::Echo)?;
    let mut results = Vec::with_capacity(sizes.len());
    for &size in sizes {
        let len = u32::try_from(size)
            .map_err(|_| io::Error::other(format!("{size} B does not fit a 4-byte length")))?;
        let mut message: Vec<u8> = len.to_le_bytes().into_iter().collect();
        message.extend((0..size).map(|i| i as u8));
        let mut reply = vec![0; message.len()];

        round_trip(&mut peer, &message, &mut reply)?;
        if reply != message {
            return Err(io::Error::other(format!(
                "the child echoed {size} B wrongly"
            )));
        }
        for _ in 1..warmup(iterations) {
            round_trip(&mut peer, &message, &mut reply)?;
        }
        let mut samples = Vec::with_capacity(iterations);
        for _ in 0..iterations {
            let started = Instant::now();
            round_trip(&mut peer, &message, &mut reply)?;
            samples.push(started.elapsed());
        }
        results.push((size, Stats::from_samples(&samples)));
    }
    peer.finish()?;
    Ok(results)
}

fn round_trip(peer: &mut Peer, message: &[u8], reply: &mut [u8]) -> io::Result<()> {
    let socket = peer.socket();
    socket
        .write_all(message)
        .map_err(|err| context(err, "sending a round trip"))?;
    socket
        .read_exact(reply)
        .map_err(|err| context(err, "reading a round trip's echo"))
}

/// One-way throughput to a child over a Unix socket pair, in MB/s (10^6
/// bytes a second): `total` bytes written in writes of `chunk` bytes, timed
/// until the child acknowledges having read them all. An untimed stream of up
/// to 8 chunks goes first.
///
/// # Panics
///
/// If `chunk` or `total` is zero, or the child cannot be spawned, fails,
/// miscounts or goes 30 s without answering.
pub fn socketpair_stream(chunk: usize, total: usize) -> f64 {
    assert!(
        chunk > 0 && total > 0,
        "socketpair_stream needs a chunk and a total above zero"
    );
    stream(chunk, total).unwrap_or_else(|err| panic!("socket pair stream failed: {err}"))
}

fn stream(chunk: usize, total: usize) -> io::Result<f64> {
    let mut peer = Peer::spawn(Role::Sink)?;
    let bytes = vec![0x61; chunk];
    send_stream(&mut peer, &bytes, total.min(8 * chunk))?;
    let started = Instant::now();
    send_stream(&mut peer, &bytes, total)?;
    let seconds = started.elapsed().as_secs_f64();
    peer.finish()?;
    Ok(total as f64 / 1e6 / seconds)
}

fn send_stream(peer: &mut Peer, chunk: &[u8], total: usize) -> io::Result<()> {
    let socket = peer.socket();
    let sending = |err| context(err, "sending the stream");
    socket
        .write_all(&(total as u64).to_le_bytes())
        .map_err(sending)?;
    let mut sent = 0;
    while sent < total {
        let n = chunk.len().min(total - sent);
        socket.write_all(&chunk[..n]).map_err(sending)?;
        sent += n;
    }
    let mut ack = [0; 8];
    socket
        .read_exact(&mut ack)
        .map_err(|err| context(err, "waiting for the stream's ack"))?;
    let counted = u64::from_le_bytes(ack);
    if counted != total as u64 {
        return Err(io::Error::other(format!(
            "the child counted {counted} bytes of {total}"
        )));
    }
    Ok(())
}

/// Median time, in milliseconds, from spawning a child (socket pair
/// included) until its first byte arrives, over `iterations` spawns after
/// one untimed one. Each child is ended and reaped before the next starts.
///
/// # Panics
///
/// If `iterations` is zero, or a child cannot be spawned, fails or goes 30 s
/// without its first byte.
pub fn spawn_first_message(iterations: usize) -> f64 {
    assert!(
        iterations > 0,
        "spawn_first_message needs at least one iteration"
    );
    spawn_latency(iterations).unwrap_or_else(|err| panic!("spawn → first message failed: {err}"))
}

fn spawn_latency(iterations: usize) -> io::Result<f64> {
    let mut ms = Vec::with_capacity(iterations);
    for i in 0..=iterations {
        let started = Instant::now();
        let peer = Peer::spawn(Role::Echo)?;
        let elapsed: Duration = started.elapsed();
        peer.finish()?;
        // The first spawn pages in the executable; time the ones after.
        if i > 0 {
            ms.push(elapsed.as_secs_f64() * 1e3);
        }
    }
    ms.sort_by(f64::total_cmp);
    Ok(percentile(&ms, 50.0))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn plausible(stats: &Stats) -> bool {
        stats.p50_us > 0.0 && stats.p50_us <= stats.p99_us && stats.mean_us > 0.0
    }

    #[test]
    fn round_trips_are_measured_for_every_size() {
        let sizes = [0, 16, 64 * 1024, 1 << 20];
        let results = socketpair_round_trips(&sizes, 5);
        let measured: Vec<usize> = results.iter().map(|(size, _)| *size).collect();
        assert_eq!(measured, sizes);
        for (size, stats) in &results {
            assert!(plausible(stats), "{size} B: {stats:?}");
        }
    }

    #[test]
    fn a_stream_is_counted_to_its_last_partial_chunk() {
        let mb_s = socketpair_stream(64 * 1024, 3 * 64 * 1024 + 100);
        assert!(mb_s.is_finite() && mb_s > 0.0, "{mb_s} MB/s");
    }

    #[test]
    fn spawned_children_say_they_are_ready() {
        let ms = spawn_first_message(2);
        assert!(ms > 0.0 && ms < 30_000.0, "{ms} ms");
    }
}
