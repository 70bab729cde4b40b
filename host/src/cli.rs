//! The `wasmtron` command line: `run`, `check` and `types`, and the tools
//! `new`, `build`, `bundle` and `precompile` (`tooling/commands.rs`).

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use clap::{Parser, Subcommand};

use crate::capabilities::{ImportSource, page_types};
use crate::manifest::{Importer, Provider};
use crate::window::{DesktopEventLoop, HeadlessBackend, WindowBackend as _};
use crate::{App, AppBuilder, AppExit, Compiled, Engine, Manifest, single_instance};

/// Exit code for a manifest or component that is refused.
const EXIT_REFUSED: u8 = 2;

#[derive(Debug, Parser)]
#[command(
    name = "wasmtron",
    version,
    about = "Run desktop apps made of WebAssembly components"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Runs an app.
    Run {
        /// The app folder (holding wasmtron.toml).
        #[arg(default_value = ".")]
        app_dir: PathBuf,
        /// Keeps windows in memory instead of on screen.
        #[arg(long)]
        headless: bool,
        /// Reads automation commands (JSON lines) from stdin and answers on
        /// stdout; used by end-to-end tests and the demo driver.
        #[arg(long)]
        automation: bool,
        /// Dev mode: pages may open their developer tools.
        #[arg(long)]
        dev: bool,
        /// Loads components precompiled at install from DIR, when root
        /// alone can write it (see `wasmtron precompile`).
        #[arg(long, value_name = "DIR")]
        precompiled: Option<PathBuf>,
        /// Arguments for the app (after `--`); a single-instance app that
        /// runs already is handed them.
        #[arg(last = true)]
        args: Vec<String>,
    },
    /// Loads the manifest and every component, and reports what each imports
    /// and is granted. Exits non-zero with the reasons when anything would be
    /// refused.
    Check {
        #[arg(default_value = ".")]
        app_dir: PathBuf,
    },
    /// Checks the app as `check` does, and writes the TypeScript types of
    /// `window.wasmtron` for each window whose page has an API or events:
    /// `wasmtron-<label>.d.ts` in the window's `ui` folder. Prints each file
    /// written; exits non-zero with the reasons when the check refuses the
    /// app.
    Types {
        #[arg(default_value = ".")]
        app_dir: PathBuf,
        /// Writes the files into this folder (made if missing) instead.
        #[arg(long, value_name = "DIR")]
        out: Option<PathBuf>,
    },
    #[command(flatten)]
    Tool(crate::tooling::commands::ToolCommand),
}

/// Runs the command line and returns the process exit code.
pub fn main() -> ExitCode {
    init_logging();
    let cli = Cli::parse();
    match cli.command {
        Command::Run {
            app_dir,
            headless,
            automation,
            dev,
            precompiled,
            args,
        } => run(
            &app_dir,
            headless,
            automation,
            dev,
            precompiled.as_deref(),
            args,
        ),
        Command::Check { app_dir } => check(&app_dir),
        Command::Types { app_dir, out } => types(&app_dir, out.as_deref()),
        Command::Tool(tool) => tool.run(),
    }
}

fn init_logging() {
    let filter = tracing_subscriber::EnvFilter::try_from_env("WASMTRON_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .try_init();
}

fn load_manifest(app_dir: &std::path::Path) -> Result<Manifest, ExitCode> {
    Manifest::load(app_dir).map_err(|err| {
        eprintln!("error: {err}");
        ExitCode::from(EXIT_REFUSED)
    })
}

fn run(
    app_dir: &std::path::Path,
    headless: bool,
    automation: bool,
    dev: bool,
    precompiled: Option<&std::path::Path>,
    args: Vec<String>,
) -> ExitCode {
    let manifest = match load_manifest(app_dir) {
        Ok(manifest) => manifest,
        Err(code) => return code,
    };
    if !headless {
        // SAFETY: this runs before the window system, the app and the
        // single-instance lock's listener start their threads. The one
        // other thread by now is the scavenger of WebKit's allocator
        // (libpas), started as libwebkit2gtk loads; it frees memory on a
        // timer and never reads the environment (checked with gdb: no
        // `getenv` from it during a whole launch of the hello example).
        #[allow(unsafe_code)]
        unsafe {
            DesktopEventLoop::prepare(manifest.hardware_acceleration);
        }
    }
    // Before the window system starts: a second launch opens nothing.
    let launch = single_instance::this_launch(args);
    let lock = if manifest.single_instance {
        match single_instance::acquire(&manifest, &launch) {
            Ok(single_instance::Acquired::First(lock)) => Some(lock),
            Ok(single_instance::Acquired::HandedOver) => {
                eprintln!(
                    "`{}` is already running; this launch was handed to it",
                    manifest.name
                );
                return ExitCode::SUCCESS;
            }
            Err(err) => {
                eprintln!("error: {err}");
                return ExitCode::FAILURE;
            }
        }
    } else {
        None
    };
    let builder = |manifest, backend| {
        let mut builder = builder(manifest, backend).launch(launch).dev_mode(dev);
        if let Some(engine) = precompiled.and_then(installed_engine) {
            builder = builder.engine(engine);
        }
        match lock {
            Some(lock) => builder.instance_lock(lock),
            None => builder,
        }
    };
    if headless {
        let backend = Arc::new(HeadlessBackend::new());
        let mut app = match builder(manifest, backend.clone()).start() {
            Ok(app) => app,
            Err(err) => return refused(&err),
        };
        if automation {
            crate::automation::serve_headless(backend, app.quitter());
        }
        return exit_code(&app.wait());
    }
    let event_loop = match DesktopEventLoop::new() {
        Ok(event_loop) => event_loop,
        Err(err) => {
            eprintln!("error: cannot open the window system: {err:#}");
            return ExitCode::FAILURE;
        }
    };
    let backend = event_loop.backend();
    // The app starts on a thread of its own while this one runs the window
    // system: the windows open at start are built while components load
    // and main starts. A start that fails ends the window system.
    let builder = builder(manifest, Arc::new(backend.clone()));
    let stopper = backend.clone();
    let starting = std::thread::Builder::new()
        .name("wasmtron-start".into())
        .spawn(move || {
            // Ends the window system unless the app started, also when the
            // start panics: the loop must not wait for an app that never
            // comes.
            let mut stop = StopUnlessStarted(Some(stopper));
            let started = builder.start();
            if started.is_ok() {
                stop.0 = None;
            }
            started
        });
    let starting = match starting {
        Ok(starting) => starting,
        Err(err) => {
            eprintln!("error: cannot start the app's thread: {err}");
            return ExitCode::FAILURE;
        }
    };
    if automation {
        crate::automation::serve_desktop(backend);
    }
    event_loop.run();
    let app = match starting.join() {
        Ok(Ok(app)) => app,
        Ok(Err(err)) => return refused(&err),
        Err(_) => {
            eprintln!("error: the app's start panicked");
            return ExitCode::FAILURE;
        }
    };
    let exit = app.exit().unwrap_or(AppExit::AllWindowsClosed);
    exit_code(&exit)
}

/// The builder for `manifest`, with workers started from `wasmtron-worker`
/// beside this program when it is there: the same worker code without the
/// window system linked, so each worker maps far less. Without it, workers
/// are this program re-executed.
fn builder(manifest: Manifest, backend: Arc<dyn crate::window::WindowBackend>) -> AppBuilder {
    let builder = App::builder(manifest, backend);
    let worker = std::env::current_exe()
        .ok()
        .and_then(|exe| Some(exe.parent()?.join(WORKER_PROGRAM)))
        .filter(|worker| worker.is_file());
    match worker {
        Some(worker) => builder.worker_program(worker),
        None => builder,
    }
}

/// The engine with the compile cache and the components precompiled at
/// install in `dir`; `None` (the default engine then) with a warning when
/// `dir` cannot be trusted or the engine cannot be made.
fn installed_engine(dir: &std::path::Path) -> Option<Engine> {
    let store = crate::Precompiled::open(dir)
        .map_err(|err| tracing::warn!("{err}; components are compiled as usual"))
        .ok()?;
    let engine = Engine::new()
        .map_err(|err| tracing::warn!("{err:#}"))
        .ok()?;
    Some(engine.with_default_cache().with_precompiled(store))
}

/// Shuts the window system down when dropped while still holding it.
struct StopUnlessStarted(Option<crate::window::DesktopBackend>);

impl Drop for StopUnlessStarted {
    fn drop(&mut self) {
        if let Some(backend) = self.0.take() {
            backend.shutdown();
        }
    }
}

/// The worker program's file name.
const WORKER_PROGRAM: &str = "wasmtron-worker";

fn refused(err: &dyn std::error::Error) -> ExitCode {
    eprintln!("error: {err}");
    ExitCode::from(EXIT_REFUSED)
}

fn exit_code(exit: &AppExit) -> ExitCode {
    if let AppExit::MainCrashed(message) = exit {
        eprintln!("error: the main component crashed: {message}");
    }
    ExitCode::from(u8::try_from(exit.code()).unwrap_or(1))
}

fn check(app_dir: &std::path::Path) -> ExitCode {
    let manifest = match load_manifest(app_dir) {
        Ok(manifest) => manifest,
        Err(code) => return code,
    };
    let engine = match engine() {
        Ok(engine) => engine,
        Err(code) => return code,
    };
    println!("app `{}` ({})", manifest.name, manifest.root.display());
    match engine.cache_dir() {
        Some(dir) => println!("compile cache: {}", dir.display()),
        None => println!("compile cache: off (every launch compiles)"),
    }
    match crate::app::check_with(&manifest, &engine, None) {
        Ok((checked, contracts)) => {
            for component in checked {
                print_component(&manifest, &component);
            }
            for window in &manifest.windows {
                println!(
                    "\nwindow `{}`: channels [{}]",
                    window.label,
                    window.channels.join(", ")
                );
            }
            print_bindings(&contracts.bound);
            print_page_apis(&contracts.page_apis);
            println!("\nok: every component would load");
            ExitCode::SUCCESS
        }
        Err(errors) => print_refusals(&errors),
    }
}

/// The engine `check` and `types` load components with, using the compile
/// cache.
fn engine() -> Result<Engine, ExitCode> {
    match Engine::new() {
        Ok(engine) => Ok(engine.with_default_cache()),
        Err(err) => {
            eprintln!("error: {err:#}");
            Err(ExitCode::FAILURE)
        }
    }
}

/// Every refusal of the check, on stderr; the exit code that says so.
fn print_refusals(errors: &[crate::app::AppError]) -> ExitCode {
    for err in errors {
        eprintln!("refused: {err}");
    }
    eprintln!("{} refusal(s): the app would not start", errors.len());
    ExitCode::from(EXIT_REFUSED)
}

/// `wasmtron types`: the check, then one declaration file for each window
/// whose page has an API or events.
fn types(app_dir: &std::path::Path, out: Option<&std::path::Path>) -> ExitCode {
    let manifest = match load_manifest(app_dir) {
        Ok(manifest) => manifest,
        Err(code) => return code,
    };
    let engine = match engine() {
        Ok(engine) => engine,
        Err(code) => return code,
    };
    let contracts = match crate::app::check_with(&manifest, &engine, None) {
        Ok((_, contracts)) => contracts,
        Err(errors) => return print_refusals(&errors),
    };
    if let Some(out) = out
        && let Err(err) = std::fs::create_dir_all(out)
    {
        eprintln!("error: cannot make the folder {}: {err}", out.display());
        return ExitCode::FAILURE;
    }
    for window in &manifest.windows {
        let label = &window.label;
        let api = contracts.page_api(label);
        let events: Vec<_> = contracts
            .bound
            .iter()
            .filter(|b| {
                b.provider == Provider::Page && b.importer == Importer::Window(label.clone())
            })
            .collect();
        if api.is_none() && events.is_empty() {
            println!("window `{label}`: skipped (no page API and no page events)");
            continue;
        }
        // A label is any name without whitespace; one that would reach
        // another folder names no file.
        if label.contains(['/', '\\']) {
            eprintln!("error: window `{label}`'s label cannot be part of a file name");
            return ExitCode::FAILURE;
        }
        let folder = out.unwrap_or(&window.ui);
        let path = folder.join(format!("wasmtron-{label}.d.ts"));
        let text = page_types::declarations(label, api, &events);
        if let Err(err) = std::fs::write(&path, text) {
            eprintln!("error: cannot write {}: {err}", path.display());
            return ExitCode::FAILURE;
        }
        println!("{}", path.display());
    }
    ExitCode::SUCCESS
}

/// What the manifest grants one component beyond the empty default.
struct Granted {
    /// A line each.
    lines: Vec<String>,
    /// Whether any folder is among them.
    folders: bool,
    precise: bool,
}

/// Everything the manifest grants the component of `report`.
fn granted(manifest: &Manifest, report: &crate::capabilities::ImportReport) -> Granted {
    use crate::capabilities::World;
    use crate::capabilities::folders::AppPaths;
    let importer = match report.world {
        World::Main => Importer::Main,
        World::Renderer => Importer::Window(report.component.clone()),
        World::Utility => Importer::Utility(report.component.clone()),
    };
    let access = |writable: bool| if writable { "read-write" } else { "read-only" };
    let mut lines = Vec::new();
    let precise = match &importer {
        Importer::Main => manifest.main.as_ref().is_some_and(|m| m.precise_clocks),
        Importer::Window(label) => manifest.window(label).is_some_and(|w| w.precise_clocks),
        Importer::Utility(name) => manifest
            .utility(name)
            .is_some_and(|u| u.grants.precise_clocks),
    };
    if precise {
        lines.push("precise clocks".to_owned());
    }
    if let Importer::Utility(name) = &importer {
        for dir in manifest.utility(name).map_or(&[][..], |u| &u.grants.dirs) {
            lines.push(format!(
                "{} folder {} as `{}`",
                access(dir.writable),
                dir.host.display(),
                dir.guest
            ));
        }
    }
    // Where the app's folders are on this machine; not made by a check.
    let paths = manifest.id.as_deref().map(AppPaths::of);
    let place = |folder| match &paths {
        Some(Ok(paths)) => paths.path(folder).display().to_string(),
        Some(Err(err)) => format!("(nowhere: {err})"),
        None => "(no app.id)".to_owned(),
    };
    for grant in manifest.app_folders(&importer) {
        lines.push(format!(
            "{} app folder `{}`, {} as `{}`",
            access(grant.writable),
            grant.folder.name(),
            place(grant.folder),
            grant.folder.guest_path()
        ));
    }
    for origin in manifest.allowed_hosts(&importer) {
        lines.push(format!("HTTP to {origin}"));
    }
    if let Importer::Window(label) = &importer
        && manifest.window(label).is_some_and(|w| w.persistent_storage)
    {
        let web = match &paths {
            Some(Ok(paths)) => paths.web_folder().join(label).display().to_string(),
            _ => "(nowhere)".to_owned(),
        };
        lines.push(format!("persistent web storage, in {web}"));
    }
    let dirs = match &importer {
        Importer::Utility(name) => manifest.utility(name).map_or(0, |u| u.grants.dirs.len()),
        _ => 0,
    };
    let folders = dirs > 0 || !manifest.app_folders(&importer).is_empty();
    Granted {
        lines,
        folders,
        precise,
    }
}

/// One component of `wasmtron check`: how it was compiled, what it imports,
/// and what each import gives it.
fn print_component(manifest: &Manifest, checked: &crate::app::Checked) {
    let report = &checked.imports;
    let load = &checked.load;
    let how = match load.compiled {
        Compiled::Now => "compiled",
        Compiled::FromCache => "loaded from the compile cache",
        Compiled::Installed => "loaded, precompiled at install",
        Compiled::InMemory => "already loaded",
    };
    println!(
        "\ncomponent `{}` ({} world, {:.1} MB, {how} in {:.0} ms)",
        report.component,
        report.world,
        load.bytes as f64 / 1_048_576.0,
        load.elapsed.as_secs_f64() * 1000.0
    );
    let grants = granted(manifest, report);
    if grants.lines.is_empty() {
        println!("  grants: none");
    }
    for grant in &grants.lines {
        println!("  grant: {grant}");
    }
    for import in &report.imports {
        let holds = match import.source {
            ImportSource::App => "wasmtron".to_owned(),
            ImportSource::AppInterface => {
                "app interface: calls go to its bound provider".to_owned()
            }
            ImportSource::Http => {
                "wasi:http: requests to its allowed-hosts only, made by the host".to_owned()
            }
            ImportSource::Wasi => {
                format!(
                    "wasi: {}",
                    wasi_holds(
                        &import.name,
                        grants.folders,
                        report.world == crate::capabilities::World::Utility,
                        grants.precise
                    )
                )
            }
        };
        println!("  import {} [{holds}]", import.name);
    }
}

/// Every app interface binding: who imports what from whom, and each
/// function with its type.
fn print_bindings(bound: &[crate::capabilities::contracts::BoundInterface]) {
    if bound.is_empty() {
        return;
    }
    println!("\napp interfaces:");
    for binding in bound {
        let checked = if binding.checked {
            "types match"
        } else {
            "types checked when the program that registers it starts"
        };
        println!(
            "  {} imports `{}` from {} ({checked})",
            binding.importer, binding.interface, binding.provider
        );
        for (name, ty) in &binding.functions {
            println!("    {name}: {ty}");
        }
    }
}

/// Every window's page API: the functions its page's scripts may call.
fn print_page_apis(apis: &[crate::capabilities::contracts::PageApi]) {
    if apis.is_empty() {
        return;
    }
    println!("\npage APIs:");
    for api in apis {
        println!(
            "  window `{}`'s page calls `{}` on its renderer",
            api.window, api.interface
        );
        for (name, ty) in &api.functions {
            let js = wasmtron_wire::page_value::js_name(name);
            println!("    {js} ({name}): {ty}");
        }
    }
}

/// What a WASI import gives a component under its grants (see
/// `capabilities::wasi_context`).
fn wasi_holds(import: &str, has_dirs: bool, utility: bool, precise: bool) -> &'static str {
    let interface = import.split('@').next().unwrap_or(import);
    match interface {
        "wasi:filesystem/preopens" | "wasi:filesystem/types" if has_dirs => {
            "only the granted folders"
        }
        "wasi:filesystem/preopens" | "wasi:filesystem/types" => "empty: no folders",
        "wasi:cli/environment" if utility => {
            "only the args and env main passes to fork, none otherwise"
        }
        "wasi:cli/environment" => "empty: no env, no args",
        "wasi:cli/stdin" => "empty: end of input",
        "wasi:cli/stdout" | "wasi:cli/stderr" => "written to the host log",
        "wasi:cli/exit" => "ends this component only",
        "wasi:sockets/ip-name-lookup" => "empty: every lookup refused",
        i if i.starts_with("wasi:sockets/") => "empty: every address refused",
        i if i.starts_with("wasi:clocks/") && precise => "the clock, at full precision",
        i if i.starts_with("wasi:clocks/") => "the clock, in 1 ms steps",
        i if i.starts_with("wasi:random/") => "random bytes",
        i if i.starts_with("wasi:io/") => "streams and polling, nothing to reach by them",
        i if i.starts_with("wasi:cli/terminal") => "empty: no terminal",
        _ => "linked empty",
    }
}
