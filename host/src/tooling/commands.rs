//! The tools as `wasmtron` subcommands: `new`, `build`, `dev`, `bundle`
//! and `precompile`.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::Subcommand;

use super::bundle::BundleOptions;
use super::new::Template;
use super::{ToolError, build, bundle, new};
use crate::{Engine, Manifest, Precompiled};

/// The tool subcommands, flattened into `wasmtron`'s own.
#[derive(Debug, Subcommand)]
pub enum ToolCommand {
    /// Makes a new app in the folder NAME: manifest, page, a main and a
    /// renderer component, and the guest SDK of this wasmtron.
    New {
        /// The app's name, which names its folder, crates and package.
        name: String,
        #[arg(long, value_enum, default_value_t = Template::Rust)]
        template: Template,
    },
    /// Builds every component the manifest names (its crates, for
    /// wasm32-wasip2), puts each where the manifest expects it, checks the
    /// app and compiles its components into the compile cache.
    Build {
        #[arg(default_value = ".")]
        app_dir: PathBuf,
    },
    /// Builds and runs the app with developer tools on, then watches its
    /// folder: a changed page reloads its window, a changed renderer is
    /// replaced in its open window, a changed main, utility or manifest
    /// restarts the app; a failed build is reported and the running
    /// version keeps going.
    Dev {
        #[arg(default_value = ".")]
        app_dir: PathBuf,
        /// Keeps windows in memory instead of on screen.
        #[arg(long)]
        headless: bool,
        /// Reads automation commands (JSON lines) from stdin, as `run`.
        #[arg(long)]
        automation: bool,
    },
    /// Builds the app and bundles it as a .deb and a .tar.gz, with the
    /// wasmtron programs and a launcher named after the app.
    Bundle {
        #[arg(default_value = ".")]
        app_dir: PathBuf,
        /// The package's version.
        #[arg(long, default_value = "0.1.0")]
        version: String,
        /// One line describing the app (default: "NAME, a wasmtron app").
        #[arg(long)]
        description: Option<String>,
        /// The menu entry's icon, a .png or .svg file.
        #[arg(long, value_name = "FILE")]
        icon: Option<PathBuf>,
        /// A URL scheme the app opens (repeatable): the menu entry declares
        /// it, and the desktop launches the app with the URL as argument.
        #[arg(long = "url-scheme", value_name = "SCHEME")]
        url_schemes: Vec<String>,
        /// Where to write the bundles (default: APP_DIR/bundle).
        #[arg(long, value_name = "DIR")]
        out: Option<PathBuf>,
    },
    /// Compiles every component of an installed app into DIR, which
    /// `run --precompiled DIR` loads from when root alone can write it (a
    /// package's install script runs this).
    Precompile {
        app_dir: PathBuf,
        #[arg(long, value_name = "DIR")]
        into: PathBuf,
    },
}

impl ToolCommand {
    /// Runs the command; the exit code says how it went.
    pub fn run(self) -> ExitCode {
        let done = match self {
            ToolCommand::New { name, template } => make(&name, template),
            ToolCommand::Build { app_dir } => build::build_app(&app_dir).map(|built| {
                println!(
                    "built {} component(s) of {}",
                    built.len(),
                    app_dir.display()
                );
            }),
            ToolCommand::Bundle {
                app_dir,
                version,
                description,
                icon,
                url_schemes,
                out,
            } => {
                let options = BundleOptions {
                    version,
                    description,
                    icon,
                    url_schemes,
                    out: out.unwrap_or_else(|| app_dir.join("bundle")),
                };
                bundle::bundle_app(&app_dir, &options).map(|bundled| {
                    println!("{}", bundled.deb.display());
                    println!("{}", bundled.tarball.display());
                })
            }
            ToolCommand::Precompile { app_dir, into } => precompile(&app_dir, &into),
            ToolCommand::Dev {
                app_dir,
                headless,
                automation,
            } => return super::dev::dev(&app_dir, headless, automation),
        };
        match done {
            Ok(()) => ExitCode::SUCCESS,
            Err(err) => {
                eprintln!("error: {err}");
                ExitCode::FAILURE
            }
        }
    }
}

fn make(name: &str, template: Template) -> Result<(), ToolError> {
    let dir = new::new_app(Path::new("."), name, template)?;
    println!("made the app `{name}` in {}", dir.display());
    println!("next: cd {name} && wasmtron dev (or wasmtron build && wasmtron run)");
    Ok(())
}

fn precompile(app_dir: &Path, into: &Path) -> Result<(), ToolError> {
    let manifest = Manifest::load(app_dir).map_err(|err| ToolError::Check(err.to_string()))?;
    let engine = Engine::new()
        .map_err(|err| ToolError::Command(format!("cannot make the engine: {err:#}")))?;
    let mut components: Vec<&Path> = Vec::new();
    components.extend(manifest.main.iter().map(|m| m.component.as_path()));
    components.extend(manifest.windows.iter().map(|w| w.renderer.as_path()));
    components.extend(manifest.utilities.iter().map(|u| u.component.as_path()));
    components.sort();
    components.dedup();
    for component in components {
        let entry = engine
            .precompile(component, into)
            .map_err(|err| ToolError::Check(err.to_string()))?;
        println!("{} -> {}", component.display(), entry.display());
    }
    // Said now rather than at the first launch.
    if let Err(err) = Precompiled::open(into) {
        eprintln!("warning: {err}");
    }
    Ok(())
}
