//! The `wasmtron` command line: `run` and `check`.

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use clap::{Parser, Subcommand};

use crate::capabilities::ImportSource;
use crate::window::{DesktopEventLoop, HeadlessBackend};
use crate::{App, AppExit, Engine, Manifest};

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
    },
    /// Loads the manifest and every component, and reports what each imports
    /// and is granted. Exits non-zero with the reasons when anything would be
    /// refused.
    Check {
        #[arg(default_value = ".")]
        app_dir: PathBuf,
    },
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
        } => run(&app_dir, headless, automation),
        Command::Check { app_dir } => check(&app_dir),
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

fn run(app_dir: &std::path::Path, headless: bool, automation: bool) -> ExitCode {
    let manifest = match load_manifest(app_dir) {
        Ok(manifest) => manifest,
        Err(code) => return code,
    };
    if headless {
        let backend = Arc::new(HeadlessBackend::new());
        let mut app = match App::builder(manifest, backend.clone()).start() {
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
    let app = match App::builder(manifest, Arc::new(backend.clone())).start() {
        Ok(app) => app,
        Err(err) => return refused(&err),
    };
    if automation {
        crate::automation::serve_desktop(backend);
    }
    event_loop.run();
    let exit = app.exit().unwrap_or(AppExit::AllWindowsClosed);
    exit_code(&exit)
}

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
    let engine = match Engine::new() {
        Ok(engine) => engine,
        Err(err) => {
            eprintln!("error: {err:#}");
            return ExitCode::FAILURE;
        }
    };
    println!("app `{}` ({})", manifest.name, manifest.root.display());
    match crate::check(&manifest, &engine) {
        Ok(reports) => {
            for report in reports {
                println!(
                    "\ncomponent `{}` ({} world)",
                    report.component, report.world
                );
                let dirs = manifest
                    .utility(&report.component)
                    .map(|u| u.grants.dirs.as_slice())
                    .unwrap_or_default();
                if dirs.is_empty() {
                    println!(
                        "  grants: none (WASI linked empty: no directories, env, args or sockets)"
                    );
                }
                for dir in dirs {
                    let access = if dir.writable {
                        "read-write"
                    } else {
                        "read-only"
                    };
                    println!(
                        "  grant: {access} folder {} as `{}`",
                        dir.host.display(),
                        dir.guest
                    );
                }
                for import in report.imports {
                    let source = match import.source {
                        ImportSource::App => "wasmtron",
                        ImportSource::Wasi => "wasi, empty",
                    };
                    println!("  import {} [{source}]", import.name);
                }
            }
            for window in &manifest.windows {
                println!(
                    "\nwindow `{}`: channels [{}]",
                    window.label,
                    window.channels.join(", ")
                );
            }
            println!("\nok: every component would load");
            ExitCode::SUCCESS
        }
        Err(errors) => {
            for err in &errors {
                eprintln!("refused: {err}");
            }
            eprintln!("{} component(s) would be refused", errors.len());
            ExitCode::from(EXIT_REFUSED)
        }
    }
}
