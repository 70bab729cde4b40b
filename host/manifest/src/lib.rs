//! The app manifest, `wasmtron.toml`: parsed, validated, with every path
//! resolved inside the app folder.
//!
//! ```toml
//! [app]
//! name = "hello"
//!
//! [main]
//! component = "dist/hello_main.wasm"
//!
//! [[window]]
//! label = "main"
//! renderer = "dist/hello_renderer.wasm"
//! ui = "ui"
//! entry = "index.html"
//! channels = ["greet"]
//! ```

pub mod bindings;
pub mod files;
pub mod folders;
mod raw;
mod validate;

use std::path::{Path, PathBuf};

pub use bindings::{Binding, Importer, Provider};
pub use folders::{AppFolder, FolderGrant};
pub use validate::ManifestError;
pub use wasmtron_wire::Limits;

/// The file name `wasmtron run DIR` looks for.
pub const MANIFEST_FILE: &str = "wasmtron.toml";

/// The first character of `text` that would hide or reorder what a user
/// reads in a name or a window title: a control character (tabs and line
/// breaks included), a line or paragraph separator, or a bidirectional
/// embedding, override or isolate. `U+202E` in an app's name would otherwise
/// show its title backwards from there on. Joiners and the left-to-right and
/// right-to-left marks stay allowed: emoji sequences and right-to-left
/// titles need them.
#[must_use]
pub fn hidden_character(text: &str) -> Option<char> {
    text.chars().find(|&c| {
        c.is_control()
            || matches!(
                c,
                '\u{2028}' | '\u{2029}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}'
            )
    })
}

/// The longest window title, in characters.
pub const MAX_TITLE_CHARS: usize = 1024;

/// Why `text` cannot be shown as a name or a title, said after its name:
/// it holds a character [`hidden_character`] finds.
#[must_use]
pub fn unshowable(text: &str) -> Option<String> {
    hidden_character(text).map(|c| {
        format!(
            "contains the character U+{:04X}, which hides or reorders text",
            c as u32
        )
    })
}

/// Why `title` cannot be a window title, said after the title's name: too
/// long, or [`unshowable`].
#[must_use]
pub fn title_problem(title: &str) -> Option<String> {
    if title.chars().count() > MAX_TITLE_CHARS {
        return Some(format!("is longer than {MAX_TITLE_CHARS} characters"));
    }
    unshowable(title)
}

/// The largest manifest read: a hundred times a large app's.
pub const MAX_MANIFEST_BYTES: u64 = 1024 * 1024;

/// A validated manifest. Paths are absolute and inside [`Manifest::root`].
#[derive(Debug, Clone)]
pub struct Manifest {
    /// The app folder (the manifest's directory), canonicalized.
    pub root: PathBuf,
    pub name: String,
    /// `app.id`: the app's reverse-DNS id, which names its per-user
    /// folders; none when the manifest gives none (then no component may
    /// be granted them).
    pub id: Option<String>,
    /// `app.open-external`: the URL schemes `shell.open-external` may open,
    /// lowercase (`https` and `mailto` unless the manifest says otherwise).
    pub open_external: Vec<String>,
    pub isolation: Isolation,
    /// End the app when its last window closes (Electron's default on
    /// Linux and Windows).
    pub quit_when_all_windows_closed: bool,
    /// Only one instance runs; a second launch is handed to it (Electron's
    /// `requestSingleInstanceLock`).
    pub single_instance: bool,
    /// Whether web views draw with the GPU (Electron's
    /// `app.disableHardwareAcceleration()` is `Off`).
    pub hardware_acceleration: HardwareAcceleration,
    pub main: Option<MainSpec>,
    pub windows: Vec<WindowManifest>,
    /// Utility components main may fork.
    pub utilities: Vec<UtilityManifest>,
    /// `app.max-utility-instances`: how many utility instances may run at
    /// once, all utilities together; one more fork is refused.
    pub max_utility_instances: usize,
    /// `[limits]`: main's quotas, and every other component's unless it
    /// sets its own.
    pub limits: Limits,
    /// Where each window and utility is in its list, by label and name, so
    /// that a lookup costs the same in an app of ten thousand windows.
    index: Index,
}

#[derive(Debug, Clone, Default)]
struct Index {
    windows: std::collections::HashMap<String, usize>,
    utilities: std::collections::HashMap<String, usize>,
}

impl Index {
    fn of(windows: &[WindowManifest], utilities: &[UtilityManifest]) -> Self {
        Index {
            windows: windows
                .iter()
                .enumerate()
                .map(|(i, w)| (w.label.clone(), i))
                .collect(),
            utilities: utilities
                .iter()
                .enumerate()
                .map(|(i, u)| (u.name.clone(), i))
                .collect(),
        }
    }
}

/// Where components run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
// Exhaustive: the host matches it to pick a transport, and a new mode must
// fail that build rather than fall into a default.
pub enum Isolation {
    /// Every renderer and utility component in a worker process of its own,
    /// sandboxed by the OS (the default).
    Process,
    /// Every component in the host process, each on its own thread: the
    /// same API with the Wasm boundary as the only wall.
    InProcess,
}

/// Whether web views draw with the GPU (`app.hardware-acceleration`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[non_exhaustive]
pub enum HardwareAcceleration {
    /// On when the machine has a GPU render node (`/dev/dri/renderD*`),
    /// off otherwise: without one, the GPU path is a software rasterizer
    /// emulating a GPU, slower than drawing without it.
    #[default]
    Auto,
    /// Always through the GPU path.
    On,
    /// Never: pages are drawn without accelerated compositing.
    Off,
}

impl HardwareAcceleration {
    /// Whether web views should use the GPU on this machine.
    pub fn enabled(self) -> bool {
        match self {
            HardwareAcceleration::On => true,
            HardwareAcceleration::Off => false,
            HardwareAcceleration::Auto => gpu_present(),
        }
    }
}

/// Whether the machine has a GPU render node: looked up once, not again
/// for every window.
fn gpu_present() -> bool {
    static PRESENT: std::sync::OnceLock<bool> = std::sync::OnceLock::new();
    *PRESENT.get_or_init(|| {
        std::fs::read_dir("/dev/dri").is_ok_and(|entries| {
            entries
                .flatten()
                .any(|entry| entry.file_name().to_string_lossy().starts_with("renderD"))
        })
    })
}

/// A utility component main may fork (`[[utility]]`).
#[derive(Debug, Clone)]
pub struct UtilityManifest {
    pub name: String,
    pub component: PathBuf,
    /// Directories granted to it (`read-dirs`, `write-dirs`).
    pub grants: wasmtron_wire::Grants,
    /// Its quotas.
    pub limits: Limits,
    /// `max-instances`: how many instances of it may run at once; one more
    /// fork is refused.
    pub max_instances: usize,
    /// `imports`: the provider of each app interface it imports.
    pub imports: Vec<Binding>,
    /// `app-folders`: the app's per-user folders it may reach.
    pub app_folders: Vec<FolderGrant>,
    /// `allowed-hosts`: the origins its `wasi:http` requests may go to;
    /// `wasi:http` is linked for it only when there is one.
    pub allowed_hosts: Vec<wasmtron_wire::http::Origin>,
}

/// The most utility instances an app runs at once unless its manifest says
/// otherwise (`app.max-utility-instances`): each is a process of about
/// 10 MB, so a main that forks in a loop is stopped well before the
/// machine is.
pub const DEFAULT_MAX_UTILITY_INSTANCES: usize = 64;

/// The most instances of one utility unless its manifest entry says
/// otherwise (`max-instances`).
pub const DEFAULT_MAX_INSTANCES: usize = 16;
#[derive(Debug, Clone)]
pub struct MainSpec {
    pub component: PathBuf,
    /// Main reads clocks at full precision (`precise-clocks`).
    pub precise_clocks: bool,
    /// `imports`: the provider of each app interface it imports.
    pub imports: Vec<Binding>,
    /// `app-folders`: the app's per-user folders it may reach.
    pub app_folders: Vec<FolderGrant>,
    /// `allowed-hosts`: the origins its `wasi:http` requests may go to;
    /// `wasi:http` is linked for it only when there is one.
    pub allowed_hosts: Vec<wasmtron_wire::http::Origin>,
}

/// One window the app may open.
#[derive(Debug, Clone)]
pub struct WindowManifest {
    pub label: String,
    pub title: String,
    pub width: u32,
    pub height: u32,
    pub renderer: PathBuf,
    /// The folder served to the page.
    pub ui: PathBuf,
    /// The page to load, relative to `ui`.
    pub entry: String,
    /// Channels the renderer may `invoke` and `send` on.
    pub channels: Vec<String>,
    /// Open when the app starts (default) or only when main asks.
    pub open_at_start: bool,
    /// The renderer reads clocks at full precision (`precise-clocks`).
    pub precise_clocks: bool,
    /// The renderer's quotas.
    pub limits: Limits,
    /// `imports`: the provider of each app interface its renderer imports.
    pub imports: Vec<Binding>,
    /// `page-api`: the app interface (unversioned) its renderer exports to
    /// the page's scripts, if any.
    pub page_api: Option<String>,
    /// `content`: who answers its page's requests for `@content/...`
    /// (`wasmtron:app/content`): main or a utility; none when unset.
    pub content: Option<Provider>,
    /// `app-folders`: the app's per-user folders it may reach.
    pub app_folders: Vec<FolderGrant>,
    /// `allowed-hosts`: the origins its `wasi:http` requests may go to;
    /// `wasi:http` is linked for it only when there is one.
    pub allowed_hosts: Vec<wasmtron_wire::http::Origin>,
    /// `persistent-storage`: the page's web storage (local storage,
    /// IndexedDB, cookies) is kept between launches under the app's data
    /// folder, instead of forgotten when the app ends.
    pub persistent_storage: bool,
}

impl Manifest {
    /// Loads `wasmtron.toml` from an app folder (or a manifest file path).
    ///
    /// # Errors
    /// [`ManifestError`] naming the file, key or path at fault.
    pub fn load(path: &Path) -> Result<Self, ManifestError> {
        let file = if path.is_dir() {
            path.join(MANIFEST_FILE)
        } else {
            path.to_path_buf()
        };
        let bytes = files::read_bounded(&file, MAX_MANIFEST_BYTES, "a manifest")?;
        let text = String::from_utf8(bytes).map_err(|_| ManifestError::Io {
            path: file.clone(),
            source: std::io::Error::new(std::io::ErrorKind::InvalidData, "not UTF-8 text"),
        })?;
        // A bare file name has an empty parent: that is the current folder.
        let dir = match file.parent() {
            Some(parent) if !parent.as_os_str().is_empty() => parent,
            _ => Path::new("."),
        };
        let name = file.file_name().unwrap_or(MANIFEST_FILE.as_ref());
        Self::parse_named(&text, dir, name)
    }

    /// Parses manifest text whose relative paths resolve against `dir`.
    ///
    /// # Errors
    /// [`ManifestError`] naming the key or path at fault.
    pub fn parse(text: &str, dir: &Path) -> Result<Self, ManifestError> {
        Self::parse_named(text, dir, MANIFEST_FILE.as_ref())
    }

    /// [`Manifest::parse`] of the manifest file `name` in `dir` (which no
    /// grant or `ui` folder may reach).
    fn parse_named(text: &str, dir: &Path, name: &std::ffi::OsStr) -> Result<Self, ManifestError> {
        let raw: raw::RawManifest =
            toml::from_str(text).map_err(|err| ManifestError::Parse(err.to_string()))?;
        validate::validate(raw, dir, name)
    }

    /// The window declared with `label`.
    pub fn window(&self, label: &str) -> Option<&WindowManifest> {
        self.index
            .windows
            .get(label)
            .and_then(|&i| self.windows.get(i))
            .filter(|w| w.label == label)
            .or_else(|| self.windows.iter().find(|w| w.label == label))
    }

    /// The app-interface bindings of `importer`: empty for a component
    /// that is not declared.
    pub fn bindings(&self, importer: &Importer) -> &[Binding] {
        match importer {
            Importer::Main => self.main.as_ref().map_or(&[][..], |m| &m.imports),
            Importer::Window(label) => self.window(label).map_or(&[][..], |w| &w.imports),
            Importer::Utility(name) => self.utility(name).map_or(&[][..], |u| &u.imports),
        }
    }

    /// Who provides `interface` (without a version) to `importer`, if the
    /// manifest binds it.
    pub fn provider(&self, importer: &Importer, interface: &str) -> Option<&Provider> {
        self.bindings(importer)
            .iter()
            .find(|b| b.interface == interface)
            .map(|b| &b.provider)
    }

    /// The per-user folders granted to `importer`: none for a component
    /// that is not declared.
    pub fn app_folders(&self, importer: &Importer) -> &[FolderGrant] {
        match importer {
            Importer::Main => self.main.as_ref().map_or(&[][..], |m| &m.app_folders),
            Importer::Window(label) => self.window(label).map_or(&[][..], |w| &w.app_folders),
            Importer::Utility(name) => self.utility(name).map_or(&[][..], |u| &u.app_folders),
        }
    }

    /// The origins `importer`'s outbound HTTP may go to: none for a
    /// component that is not declared.
    pub fn allowed_hosts(&self, importer: &Importer) -> &[wasmtron_wire::http::Origin] {
        match importer {
            Importer::Main => self.main.as_ref().map_or(&[][..], |m| &m.allowed_hosts),
            Importer::Window(label) => self.window(label).map_or(&[][..], |w| &w.allowed_hosts),
            Importer::Utility(name) => self.utility(name).map_or(&[][..], |u| &u.allowed_hosts),
        }
    }

    /// The utility declared as `name`.
    pub fn utility(&self, name: &str) -> Option<&UtilityManifest> {
        self.index
            .utilities
            .get(name)
            .and_then(|&i| self.utilities.get(i))
            .filter(|u| u.name == name)
            .or_else(|| self.utilities.iter().find(|u| u.name == name))
    }
}
