//! `wasmtron-bench`: measures what users feel (invoke round trips, send and
//! port throughput, fork → first message, idle memory) through real worker
//! processes, and the same shapes for the reference peers in the same run:
//! a raw Unix socket pair between two processes (the floor), and Node's
//! `child_process.fork` IPC and `worker_threads` ports. Prints a table and
//! writes the figures as JSON.
//!
//! Run it with `scripts/bench.sh` (which builds the guests first);
//! `--quick` uses tiny iteration counts and proves only that it works.
//! `--soak` runs the soak instead (`scripts/soak.sh`): a million invokes and
//! a hundred thousand port messages, checked for loss and memory growth.

mod app;
mod display;
mod http_server;
mod page_calls;
mod paint;
mod peers;
mod report;
mod soak;
mod tooling;

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context as _;
use serde_json::json;
use wasmtron::Isolation;

use report::{Row, Stats, Table};

const SIZES: [usize; 3] = [16, 64 * 1024, 1024 * 1024];

/// How much of each measurement to do.
#[derive(Debug, Clone, Copy)]
struct Counts {
    round_trips: [u32; 3],
    sends: u32,
    stream_mib: u32,
    streams: u32,
    forks: u32,
}

const FULL: Counts = Counts {
    round_trips: [2000, 1000, 200],
    sends: 20_000,
    stream_mib: 256,
    streams: 5,
    forks: 20,
};

const QUICK: Counts = Counts {
    round_trips: [20, 10, 5],
    sends: 200,
    stream_mib: 4,
    streams: 1,
    forks: 2,
};

struct Options {
    quick: bool,
    soak: bool,
    guests: PathBuf,
    json: PathBuf,
    /// The `wasmtron` binary and the app whose first paint is timed.
    paint: Option<(PathBuf, PathBuf)>,
    /// Components whose compile and cache load are timed.
    compile: Vec<PathBuf>,
    /// The worker program (`wasmtron-worker`); this program when absent.
    worker: Option<PathBuf>,
    /// The `wasmtron` binary that runs the page-call rows' window.
    page_calls: Option<PathBuf>,
    /// The installed-style `wasmtron` (its worker beside it) whose tools
    /// are timed.
    tooling: Option<PathBuf>,
    /// `--only typed` (or `typed-text`, `typed-record`, `typed-bytes`): those
    /// typed-call rows alone, with the invoke rows they are measured
    /// against, for working on typed calls.
    typed_only: Option<String>,
}

fn options() -> anyhow::Result<Options> {
    let mut quick = false;
    let mut soak = false;
    let mut guests = None;
    let mut json = None;
    let mut paint = None;
    let mut compile = Vec::new();
    let mut worker = None;
    let mut page_calls = None;
    let mut typed_only = None;
    let mut tooling = None;
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--quick" => quick = true,
            "--soak" => soak = true,
            "--guests" => guests = args.next().map(PathBuf::from),
            "--json" => json = args.next().map(PathBuf::from),
            "--paint" => {
                let binary = args.next().context("--paint WASMTRON APP")?;
                let app = args.next().context("--paint WASMTRON APP")?;
                paint = Some((PathBuf::from(binary), PathBuf::from(app)));
            }
            "--worker" => worker = Some(PathBuf::from(args.next().context("--worker PROGRAM")?)),
            "--compile" => compile.push(PathBuf::from(args.next().context("--compile COMPONENT")?)),
            "--page-calls" => {
                page_calls = Some(PathBuf::from(args.next().context("--page-calls WASMTRON")?));
            }
            "--tooling" => {
                tooling = Some(PathBuf::from(args.next().context("--tooling WASMTRON")?))
            }
            "--only" => {
                let rows = ["typed", "typed-text", "typed-record", "typed-bytes"];
                typed_only = args.next().filter(|r| rows.contains(&r.as_str()));
                anyhow::ensure!(
                    typed_only.is_some(),
                    "--only typed|typed-text|typed-record|typed-bytes (the rows that run alone)"
                );
            }
            other => anyhow::bail!(
                "unknown argument `{other}`; usage: wasmtron-bench --guests DIR [--json FILE] [--paint WASMTRON APP] [--compile COMPONENT]... [--worker PROGRAM] [--page-calls WASMTRON] [--tooling WASMTRON] [--only typed[-text|-record|-bytes]] [--quick] [--soak]"
            ),
        }
    }
    let default_json = if soak { "soak.json" } else { "results.json" };
    Ok(Options {
        quick,
        soak,
        guests: guests.context("--guests DIR (the built bench guests) is required")?,
        json: json.unwrap_or_else(|| Path::new("target/bench").join(default_json)),
        paint,
        compile,
        worker,
        page_calls,
        tooling,
        typed_only,
    })
}

/// Compiling `component` with a fresh engine each time, against loading it
/// from a compile cache (also with a fresh engine, so nothing is in memory).
fn compile_rows(table: &mut Table, component: &Path, times: u32) -> anyhow::Result<()> {
    let name = component
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let size = std::fs::metadata(component)
        .with_context(|| format!("cannot read {}", component.display()))?
        .len();
    let cache = tempfile::tempdir()?;
    let mut compiled = Vec::new();
    let mut loaded = Vec::new();
    for _ in 0..times {
        let engine = wasmtron::Engine::new()?;
        let (_, report) = engine.load_traced(component)?;
        compiled.push(report.elapsed.as_secs_f64() * 1e3);
    }
    // The first load through the cache compiles and stores it.
    wasmtron::Engine::new()?
        .with_cache(cache.path())?
        .load_traced(component)?;
    for _ in 0..times {
        let engine = wasmtron::Engine::new()?.with_cache(cache.path())?;
        let (_, report) = engine.load_traced(component)?;
        anyhow::ensure!(
            report.compiled == wasmtron::Compiled::FromCache,
            "{name} did not come from the cache"
        );
        loaded.push(report.elapsed.as_secs_f64() * 1e3);
    }
    let label = format!("{name} ({:.1} MB)", size as f64 / 1e6);
    table.latency_ms(&format!("compile {label}"), Stats::of(&compiled).p50);
    table.latency_ms(
        &format!("load {label} from the compile cache"),
        Stats::of(&loaded).p50,
    );
    Ok(())
}

fn main() -> ExitCode {
    if let Some(code) = wasmtron::worker_main() {
        return code;
    }
    if peers::raw_child_if_requested() {
        return ExitCode::SUCCESS;
    }
    match run() {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::FAILURE,
        Err(err) => {
            eprintln!("wasmtron-bench: {err:#}");
            ExitCode::FAILURE
        }
    }
}

/// How many turns a typed row and its invoke row take each: enough that a
/// change of load that lasts a second or two (another program's build
/// starting) meets both, as two turns did not.
const TYPED_TURNS: u32 = 10;

/// Typed calls to main's Wasm export beside invokes of main's Wasm handler
/// carrying the same bytes, run in turns so that a change of load hits
/// both (in ABBA order, so that neither always goes first): a 16 B string,
/// a record of ten fields (73 bytes in the typed encoding) and a 1 MiB
/// `list<u8>`; those whose scenario starts with `only`.
fn typed_rows(
    bench: &app::BenchApp,
    table: &mut Table,
    counts: &Counts,
    only: &str,
) -> anyhow::Result<()> {
    let cases = [
        ("typed-text", "16 B string", 16, 16, counts.round_trips[0]),
        (
            "typed-record",
            "record of 10 fields",
            64,
            73,
            counts.round_trips[0],
        ),
        (
            "typed-bytes",
            "1 MiB list<u8>",
            1024 * 1024,
            1024 * 1024,
            counts.round_trips[2],
        ),
    ];
    for (scenario, what, size, same_bytes, iterations) in cases {
        if !scenario.starts_with(only) {
            continue;
        }
        let (mut typed, mut invoked) = (Vec::new(), Vec::new());
        let turns = TYPED_TURNS.min(iterations).max(1);
        for turn in 0..turns {
            let typed_turn = json!({
                "scenario": scenario, "size": size, "iterations": iterations / turns
            });
            let invoke_turn = json!({
                "scenario": "invoke-main", "size": same_bytes, "iterations": iterations / turns
            });
            let first_typed = turn.is_multiple_of(2);
            for typed_now in [first_typed, !first_typed] {
                let (run, samples) = if typed_now {
                    (&typed_turn, &mut typed)
                } else {
                    (&invoke_turn, &mut invoked)
                };
                samples.extend(report::samples(&bench.run(run)?, "samples_us")?);
            }
        }
        let (typed, invoked) = (Stats::of(&typed), Stats::of(&invoked));
        for (quantile, ours, theirs) in [
            ("p50", typed.p50, invoked.p50),
            ("p99", typed.p99, invoked.p99),
        ] {
            table.put(
                &format!("typed call to main, {what} {quantile}"),
                "µs",
                report::Better::Lower,
                report::Column::Wasmtron,
                ours,
            );
            table.put(
                &format!("invoke of main's handler, same {same_bytes} B {quantile}"),
                "µs",
                report::Better::Lower,
                report::Column::Wasmtron,
                theirs,
            );
        }
        let row = table.put(
            &format!("typed call ÷ invoke, {what} p50"),
            "×",
            report::Better::Lower,
            report::Column::Wasmtron,
            typed.p50 / invoked.p50,
        );
        row.target = Some("≤ 1.2".into());
        row.target_bound = Some(1.2);
    }
    Ok(())
}

/// Outbound HTTP: a GET of 1 KiB made by the `http` utility through
/// `wasi:http` (carried to the host, which makes it), asked by the window
/// through main; beside the same path with no request (the utility echoes)
/// and the same GET made natively by this process. Each request opens a
/// connection, as the host's client does. In turns, in ABBA order.
fn http_rows(bench: &app::BenchApp, table: &mut Table, iterations: u32) -> anyhow::Result<()> {
    const SIZE: usize = 1024;
    const TURNS: u32 = 4;
    let url = format!("http://127.0.0.1:{}/bytes/{SIZE}", bench.http_port);
    let run = |text: String, iterations: u32| json!({ "scenario": "http", "size": SIZE, "iterations": iterations, "text": text });
    // Forks the utility and opens the path once before timing.
    bench.run(&run(format!("get-size|{url}"), 1))?;
    let per_turn = (iterations / TURNS).max(1);
    let (mut via, mut echo, mut native) = (Vec::new(), Vec::new(), Vec::new());
    for turn in 0..TURNS {
        let mut order = [0, 1, 2];
        if turn % 2 == 1 {
            order.reverse();
        }
        for which in order {
            match which {
                0 => via.extend(report::samples(
                    &bench.run(&run(format!("get-size|{url}"), per_turn))?,
                    "samples_us",
                )?),
                1 => echo.extend(report::samples(
                    &bench.run(&run("echo|x".into(), per_turn))?,
                    "samples_us",
                )?),
                _ => {
                    for _ in 0..per_turn {
                        native.push(http_server::native_get(bench.http_port, SIZE)?);
                    }
                }
            }
        }
    }
    let (via, echo, native) = (Stats::of(&via), Stats::of(&echo), Stats::of(&native));
    for (what, stats) in [
        (
            "HTTP GET 1 KiB by a utility (wasi:http, made by the host)",
            &via,
        ),
        ("the same path without the request (utility echo)", &echo),
        ("the same GET made natively, new connection", &native),
    ] {
        table.put(
            &format!("{what} p50"),
            "µs",
            report::Better::Lower,
            report::Column::Wasmtron,
            stats.p50,
        );
    }
    table.put(
        "HTTP GET by a utility, above its path ÷ native GET, p50",
        "×",
        report::Better::Lower,
        report::Column::Wasmtron,
        (via.p50 - echo.p50).max(0.0) / native.p50,
    );
    Ok(())
}

/// Page calls in a real window, each beside a ping of the page bridge
/// carrying the text the call's bytes are encoded to, measured in turns
/// from inside the page (`page_calls`): what a page's call of its renderer
/// costs above the bridge it travels through.
fn page_call_rows(
    table: &mut Table,
    wasmtron: &Path,
    guests: &Path,
    quick: bool,
) -> anyhow::Result<()> {
    let counts = if quick {
        page_calls::Counts {
            rounds: 1,
            batches: 2,
            warmup_ms: 50,
        }
    } else {
        page_calls::Counts {
            rounds: 10,
            batches: 10,
            warmup_ms: 500,
        }
    };
    let report = page_calls::measure(wasmtron, guests, counts)?;
    eprintln!(
        "  the page's clock steps by {} ms; samples are batches of round trips:",
        report.clock_step_ms
    );
    for (what, call, ping) in [
        ("16 B", "call-16", "ping-16"),
        ("1 MiB", "call-1m", "ping-1m"),
    ] {
        let text = report.encoded[call]
            .as_u64()
            .with_context(|| format!("the page reported no encoded size for `{call}`"))?;
        let (call, ping) = (report.case(call)?, report.case(ping)?);
        eprintln!(
            "    {what}: calls {} at a time, pings {}",
            call.batch, ping.batch
        );
        let (called, pinged) = (Stats::of(&call.samples_us), Stats::of(&ping.samples_us));
        for (quantile, ours, floor) in [
            ("p50", called.p50, pinged.p50),
            ("p99", called.p99, pinged.p99),
        ] {
            table.put(
                &format!("page call round trip {what} {quantile}"),
                "µs",
                report::Better::Lower,
                report::Column::Wasmtron,
                ours,
            );
            table.put(
                &format!("page bridge ping, same {text} B of text {quantile}"),
                "µs",
                report::Better::Lower,
                report::Column::Wasmtron,
                floor,
            );
        }
        table.put(
            &format!("page call ÷ ping, {what} p50"),
            "×",
            report::Better::Lower,
            report::Column::Wasmtron,
            called.p50 / pinged.p50,
        );
    }
    let base64 = report.case("base64-1m")?;
    table.put(
        "page's base64 of 1 MiB, both ways p50",
        "µs",
        report::Better::Lower,
        report::Column::Wasmtron,
        Stats::of(&base64.samples_us).p50,
    );
    Ok(())
}

/// Runs the benchmark or the soak; `false` when the soak failed.
fn run() -> anyhow::Result<bool> {
    let options = options()?;
    if options.soak {
        return soak::main(
            &options.guests,
            options.worker.as_deref(),
            &options.json,
            options.quick,
        );
    }
    let counts = if options.quick { QUICK } else { FULL };
    let mut table = Table::default();

    eprintln!("wasmtron: worker processes…");
    let bench = app::BenchApp::start(
        &options.guests,
        Isolation::Process,
        options.worker.as_deref(),
    )?;
    if let Some(rows) = &options.typed_only {
        typed_rows(&bench, &mut table, &counts, rows)?;
        print!("{}", table.render());
        return Ok(true);
    }
    for (size, iterations) in SIZES.iter().zip(counts.round_trips) {
        let report = bench.run(&json!({
            "scenario": "invoke", "size": size, "iterations": iterations
        }))?;
        table.round_trip(
            "invoke",
            *size,
            Stats::of(&report::samples(&report, "samples_us")?),
        );
    }
    typed_rows(&bench, &mut table, &counts, "typed")?;
    http_rows(&bench, &mut table, counts.round_trips[2])?;
    let report = bench.run(&json!({
        "scenario": "send", "size": 1024, "iterations": counts.sends
    }))?;
    table.rate("send 1 KiB", report::per_second(&report, counts.sends)?);

    bench.run(&json!({ "scenario": "connect" }))?;
    for (size, iterations) in SIZES.iter().zip(counts.round_trips) {
        let report = bench.run(&json!({
            "scenario": "port-rtt", "size": size, "iterations": iterations
        }))?;
        table.round_trip(
            "port",
            *size,
            Stats::of(&report::samples(&report, "samples_us")?),
        );
    }
    // The median of a few streams: one alone swings with the machine.
    let mut streams = Vec::new();
    for _ in 0..counts.streams {
        let report = bench.run(&json!({
            "scenario": "port-stream", "iterations": counts.stream_mib
        }))?;
        streams.push(report::megabytes_per_second(&report)?);
    }
    table.throughput("port stream, 1 MiB chunks", Stats::of(&streams).p50);

    let report = bench.run(&json!({ "scenario": "fork", "iterations": counts.forks }))?;
    table.latency_ms(
        "fork → first message",
        Stats::of(&report::samples(&report, "samples_ms")?).p50,
    );
    let report = bench.run(&json!({ "scenario": "idle" }))?;
    let pid: u32 = report["pid"]
        .as_str()
        .and_then(|p| p.parse().ok())
        .context("the idle utility has no pid")?;
    // Let it settle into idleness.
    std::thread::sleep(std::time::Duration::from_millis(300));
    let resident = bench
        .resident_bytes(pid)
        .context("no metrics for the idle utility")?;
    table.memory("idle utility, resident", resident);
    if let Some(private) = report::private_bytes(pid) {
        table.put(
            "idle utility, private (USS)",
            "MB",
            report::Better::Lower,
            report::Column::Wasmtron,
            private as f64 / 1e6,
        );
    }
    // What every worker process maps from its program: the file's size
    // (the shipped `wasmtron-worker` holds no compiler).
    if let Some(program) = &options.worker
        && let Ok(meta) = std::fs::metadata(program)
    {
        table.put(
            "worker program size",
            "MB",
            report::Better::Lower,
            report::Column::Wasmtron,
            meta.len() as f64 / 1e6,
        );
    }
    drop(bench);

    eprintln!("wasmtron: in-process…");
    let in_process = app::BenchApp::start(&options.guests, Isolation::InProcess, None)?;
    // The same invoke with no socket on the way: what the host's own path
    // costs.
    let report = in_process.run(&json!({
        "scenario": "invoke", "size": 16, "iterations": counts.round_trips[0]
    }))?;
    table.round_trip(
        "in-process invoke",
        16,
        Stats::of(&report::samples(&report, "samples_us")?),
    );
    let report = in_process.run(&json!({ "scenario": "fork", "iterations": counts.forks }))?;
    table.latency_ms(
        "fork → first message, in-process",
        Stats::of(&report::samples(&report, "samples_ms")?).p50,
    );
    drop(in_process);

    if let Some((binary, app)) = &options.paint {
        eprintln!("wasmtron: first paint…");
        let launches = if options.quick { 1 } else { 5 };
        let paint = paint::first_paint(binary, app, launches)?;
        table.latency_ms(
            "launch → first window painted (compile cache empty)",
            paint.cold,
        );
        table.first_paint(Stats::of(&paint.warm).p50);
    }

    if let Some(wasmtron) = &options.page_calls {
        eprintln!("wasmtron: page calls in a window…");
        page_call_rows(&mut table, wasmtron, &options.guests, options.quick)?;
    }

    if let Some(wasmtron) = &options.tooling {
        eprintln!("wasmtron: new, build, a precompiled first launch, dev…");
        // `<target>/wasm32-wasip2/release` → `<target>`, where the apps'
        // components build beside the bench's own guests.
        let target = options
            .guests
            .parent()
            .and_then(Path::parent)
            .context("--guests is <target>/wasm32-wasip2/release")?;
        // The apps build in their own folders: a relative path would be
        // taken from there.
        let target = std::path::absolute(target)?;
        let launches = if options.quick { 1 } else { 5 };
        tooling::measure(wasmtron, &target, launches, &mut table)?;
    }

    for component in &options.compile {
        eprintln!("wasmtron: compiling {}…", component.display());
        compile_rows(&mut table, component, if options.quick { 1 } else { 3 })?;
    }

    eprintln!("peers…");
    peers::measure(&mut table, options.quick)?;

    print!("{}", table.render());
    let rows: Vec<&Row> = table.rows().collect();
    if let Some(parent) = options.json.parent() {
        std::fs::create_dir_all(parent)?;
    }
    let json = json!({
        "quick": options.quick,
        "machine": report::machine(),
        "rows": rows,
    });
    std::fs::write(&options.json, serde_json::to_string_pretty(&json)?)
        .with_context(|| format!("cannot write {}", options.json.display()))?;
    eprintln!("wrote {}", options.json.display());
    Ok(true)
}
