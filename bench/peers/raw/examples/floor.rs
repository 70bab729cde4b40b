//! Prints the raw socket pair floor as one JSON line, in the shape the Node
//! peers print, so the three can be run and read side by side:
//!
//! ```text
//! cargo run --release -p wasmtron-raw-floor --example floor -- [--quick]
//!     [--iterations N] [--spawns N] [--stream-mib N]
//! ```

use std::process::ExitCode;

const SIZES: [usize; 3] = [16, 64 * 1024, 1024 * 1024];
const CHUNK: usize = 1024 * 1024;

struct Options {
    iterations: usize,
    spawns: usize,
    stream_mib: usize,
    quick: bool,
}

fn options() -> Result<Options, String> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let quick = args.iter().any(|arg| arg == "--quick");
    let mut options = Options {
        iterations: if quick { 100 } else { 1000 },
        spawns: if quick { 3 } else { 10 },
        stream_mib: if quick { 32 } else { 256 },
        quick,
    };
    let mut args = args.iter();
    while let Some(arg) = args.next() {
        let slot = match arg.as_str() {
            "--quick" => continue,
            "--iterations" => &mut options.iterations,
            "--spawns" => &mut options.spawns,
            "--stream-mib" => &mut options.stream_mib,
            other => return Err(format!("unknown option `{other}`")),
        };
        let value = args.next().ok_or(format!("{arg} wants a number"))?;
        *slot = value
            .parse()
            .ok()
            .filter(|n| *n > 0)
            .ok_or(format!("{arg} wants a number above zero, got `{value}`"))?;
    }
    Ok(options)
}

fn main() -> ExitCode {
    // First thing: this same executable is the child of every measurement.
    if wasmtron_raw_floor::child_main_if_requested() {
        return ExitCode::SUCCESS;
    }
    let options = match options() {
        Ok(options) => options,
        Err(err) => {
            eprintln!("raw-floor: {err}");
            return ExitCode::from(2);
        }
    };

    let round_trips: Vec<String> =
        wasmtron_raw_floor::socketpair_round_trips(&SIZES, options.iterations)
            .into_iter()
            .map(|(size, s)| {
                format!(
                    r#""{size}":{{"p50":{:.2},"p99":{:.2},"mean":{:.2}}}"#,
                    s.p50_us, s.p99_us, s.mean_us
                )
            })
            .collect();
    let total = options.stream_mib * 1024 * 1024;
    let stream_mb_s = wasmtron_raw_floor::socketpair_stream(CHUNK, total);
    let spawn_ms = wasmtron_raw_floor::spawn_first_message(options.spawns);

    println!(
        r#"{{"peer":"raw-socketpair","round_trip_us":{{{}}},"stream_mb_s":{stream_mb_s:.1},"stream":{{"chunk_bytes":{CHUNK},"total_bytes":{total}}},"spawn_first_message_ms":{spawn_ms:.2},"spawns":{},"iterations":{},"quick":{}}}"#,
        round_trips.join(","),
        options.spawns,
        options.iterations,
        options.quick,
    );
    ExitCode::SUCCESS
}
