//! What a process costs, as the OS counts it: CPU time used so far and
//! resident memory, the figures behind the app's process metrics (Electron's
//! `app.getAppMetrics`).
//!
//! On Linux they come from `/proc/<pid>/stat` and `/proc/<pid>/statm`, which
//! any process may read for its own children without extra privileges.

use std::io;
use std::time::Duration;

/// One reading of a process's usage.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Usage {
    /// CPU time spent so far, in user and kernel mode together, over all
    /// threads of the process.
    pub cpu_time: Duration,
    /// Memory the process has in RAM right now (its resident set).
    pub resident_bytes: u64,
}

/// Reads the usage of process `pid`.
///
/// # Errors
/// [`io::ErrorKind::NotFound`] when there is no such process (any more),
/// [`io::ErrorKind::InvalidData`] when the kernel's figures cannot be
/// parsed, and [`io::ErrorKind::Unsupported`] off Linux.
#[cfg(target_os = "linux")]
pub(crate) fn read(pid: u32) -> io::Result<Usage> {
    let proc_dir = std::path::Path::new("/proc").join(pid.to_string());
    let stat = std::fs::read(proc_dir.join("stat"))?;
    let statm = std::fs::read(proc_dir.join("statm"))?;
    let ticks_per_second = rustix::param::clock_ticks_per_second();
    let page_size = rustix::param::page_size() as u64;
    Ok(Usage {
        cpu_time: ticks_to_duration(cpu_ticks(&stat)?, ticks_per_second)?,
        resident_bytes: resident_pages(&statm)?
            .checked_mul(page_size)
            .ok_or_else(|| invalid("resident size overflows"))?,
    })
}

/// Reads the usage of process `pid`.
///
/// # Errors
/// Always [`io::ErrorKind::Unsupported`]: only Linux is read so far.
#[cfg(not(target_os = "linux"))]
pub(crate) fn read(_pid: u32) -> io::Result<Usage> {
    Err(io::Error::new(
        io::ErrorKind::Unsupported,
        "process usage is only read on Linux",
    ))
}

/// `utime + stime`, in clock ticks, from the contents of `/proc/<pid>/stat`.
///
/// The second field is the command name in parentheses, which may itself
/// contain spaces and parentheses (and bytes that are not UTF-8), so the
/// fields are counted from the *last* `)`: after it come `state` (field 3),
/// and `utime` and `stime` are fields 14 and 15.
#[cfg_attr(not(target_os = "linux"), allow(dead_code))]
fn cpu_ticks(stat: &[u8]) -> io::Result<u64> {
    const UTIME: usize = 14 - 3;
    const STIME: usize = 15 - 3;
    let after_comm = stat
        .iter()
        .rposition(|&byte| byte == b')')
        .map(|end| &stat[end + 1..])
        .ok_or_else(|| invalid("no `)` closing the command name in stat"))?;
    let fields: Vec<&[u8]> = after_comm
        .split(u8::is_ascii_whitespace)
        .filter(|field| !field.is_empty())
        .collect();
    let field = |index: usize, name: &str| {
        fields
            .get(index)
            .ok_or_else(|| invalid(&format!("stat has no `{name}` field")))
            .and_then(|field| number(field, name))
    };
    field(UTIME, "utime")?
        .checked_add(field(STIME, "stime")?)
        .ok_or_else(|| invalid("CPU time overflows"))
}

/// The resident set, in pages, from the contents of `/proc/<pid>/statm`
/// (`size resident shared text lib data dt`).
#[cfg_attr(not(target_os = "linux"), allow(dead_code))]
fn resident_pages(statm: &[u8]) -> io::Result<u64> {
    let resident = statm
        .split(u8::is_ascii_whitespace)
        .filter(|field| !field.is_empty())
        .nth(1)
        .ok_or_else(|| invalid("statm has no `resident` field"))?;
    number(resident, "resident")
}

#[cfg_attr(not(target_os = "linux"), allow(dead_code))]
fn ticks_to_duration(ticks: u64, ticks_per_second: u64) -> io::Result<Duration> {
    if ticks_per_second == 0 {
        return Err(invalid("the clock has zero ticks per second"));
    }
    let whole = ticks / ticks_per_second;
    // The remainder is below `ticks_per_second`, so this cannot overflow for
    // any real tick rate (a few hundred per second).
    let nanos = (ticks % ticks_per_second).saturating_mul(1_000_000_000) / ticks_per_second;
    Ok(Duration::from_secs(whole) + Duration::from_nanos(nanos))
}

#[cfg_attr(not(target_os = "linux"), allow(dead_code))]
fn number(field: &[u8], name: &str) -> io::Result<u64> {
    std::str::from_utf8(field)
        .ok()
        .and_then(|text| text.parse().ok())
        .ok_or_else(|| {
            invalid(&format!(
                "`{name}` is not a number: {:?}",
                String::from_utf8_lossy(field)
            ))
        })
}

#[cfg_attr(not(target_os = "linux"), allow(dead_code))]
fn invalid(what: &str) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, what.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A real line, with a command name built to confuse a naive parser.
    const STAT: &str = "4242 (a) (b) S 1 4242 4242 0 -1 4194560 120 0 0 0 \
                        250 37 0 0 20 0 3 0 1234 2000000 300 18446744073709551615";

    #[test]
    fn cpu_ticks_count_fields_after_the_last_parenthesis() {
        assert_eq!(cpu_ticks(STAT.as_bytes()).expect("parses"), 250 + 37);
    }

    #[test]
    fn cpu_ticks_accept_a_command_name_that_is_not_utf8() {
        let mut stat = b"7 (\xff\xfe) x) ".to_vec();
        stat.extend_from_slice(b"R 1 7 7 0 -1 0 0 0 0 0 5 6 0 0\n");
        assert_eq!(cpu_ticks(&stat).expect("parses"), 11);
    }

    #[test]
    fn malformed_stat_is_invalid_data() {
        for stat in [
            "",
            "4242 no-parenthesis S 1 2 3 4 5 6 7 8 9 10 11 12",
            "4242 (short) S 1 2 3",
            "4242 (nan) S 1 4242 4242 0 -1 0 0 0 0 0 ten 37 0",
            "4242 (negative) S 1 4242 4242 0 -1 0 0 0 0 0 -5 37 0",
            "1 (x) S 1 1 1 0 -1 0 0 0 0 0 18446744073709551615 1 0",
        ] {
            let err = cpu_ticks(stat.as_bytes()).expect_err(stat);
            assert_eq!(err.kind(), io::ErrorKind::InvalidData, "{stat}: {err}");
        }
    }

    #[test]
    fn resident_pages_is_the_second_statm_field() {
        assert_eq!(
            resident_pages(b"5000 1200 300 10 0 900 0\n").expect("parses"),
            1200
        );
        for statm in ["", "5000", "5000 lots 300"] {
            let err = resident_pages(statm.as_bytes()).expect_err(statm);
            assert_eq!(err.kind(), io::ErrorKind::InvalidData);
        }
    }

    #[test]
    fn ticks_become_durations() {
        let duration = |ticks| ticks_to_duration(ticks, 100).expect("converts");
        assert_eq!(duration(0), Duration::ZERO);
        assert_eq!(duration(250), Duration::from_millis(2500));
        assert_eq!(duration(1), Duration::from_millis(10));
        assert!(ticks_to_duration(u64::MAX, 100).is_ok());
        assert!(ticks_to_duration(1, 0).is_err());
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn reads_this_process() {
        // Burn a little CPU so that at least one tick is counted.
        let start = std::time::Instant::now();
        let mut spin = 0u64;
        while start.elapsed() < Duration::from_millis(100) {
            spin = std::hint::black_box(spin.wrapping_add(1));
        }
        let usage = read(std::process::id()).expect("reads own usage");
        assert!(usage.cpu_time > Duration::ZERO, "{usage:?}");
        assert!(usage.resident_bytes > 0, "{usage:?}");
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn a_missing_process_is_not_found() {
        // Above the kernel's pid_max ceiling (2^22), so never a live pid.
        let err = read(u32::MAX).expect_err("no such process");
        assert_eq!(err.kind(), io::ErrorKind::NotFound);
    }
}
