//! Turns a [`RawManifest`] into a [`Manifest`]: checks names, resolves
//! paths and keeps them inside the app folder.

use std::collections::HashSet;
use std::path::{Component, Path, PathBuf};

use super::raw::{RawLimits, RawManifest, RawWindow};
use super::{
    DEFAULT_MAX_INSTANCES, DEFAULT_MAX_UTILITY_INSTANCES, HardwareAcceleration, Isolation, Limits,
    MainSpec, Manifest, UtilityManifest, WindowManifest,
};
use wasmtron_wire::{DirGrant, Grants};

/// Why a manifest was refused. Each variant names what is wrong.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ManifestError {
    #[error("cannot read manifest `{}`: {source}", path.display())]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    /// Syntax errors, wrong types and unknown keys (the message names the key).
    /// Not a regular file, or too large to be a manifest.
    #[error("refused manifest: {0}")]
    File(#[from] crate::files::FileError),
    #[error("invalid manifest: {0}")]
    Parse(String),
    #[error("invalid manifest: `{key}` {reason}")]
    Invalid { key: String, reason: String },
    #[error("invalid manifest: `{key}` names `{path}`, which does not exist")]
    MissingPath { key: String, path: String },
    #[error("invalid manifest: `{key}` names `{path}`, which is outside the app folder")]
    PathEscapes { key: String, path: String },
}

const MAX_NAME: usize = 128;

/// The largest `limits.max-message-bytes`: far below what a frame's 4-byte
/// length can say.
const MAX_MESSAGE: usize = 1024 * 1024 * 1024;

/// Bounds on `limits.max-memory-bytes`: one Wasm page, and a 32-bit memory.
const MIN_MEMORY: usize = 64 * 1024;
const MAX_MEMORY: usize = 4 * 1024 * 1024 * 1024;

/// The longest `invoke-timeout-ms` and `cpu-ms-per-call`: a day.
const MAX_MS: u64 = 24 * 60 * 60 * 1000;

/// The most `max-pending-invokes` and `max-queued-messages`.
const MAX_COUNT: usize = 10_000_000;

/// The most `max-utility-instances` and `max-instances`: far beyond what a
/// machine runs, so a typo is caught.
const MAX_INSTANCES: usize = 4096;

/// The most `max-messages-per-second`.
const MAX_RATE: u32 = 100_000_000;

/// `manifest` is the manifest's file name in `dir`.
pub(super) fn validate(
    raw: RawManifest,
    dir: &Path,
    manifest: &std::ffi::OsStr,
) -> Result<Manifest, ManifestError> {
    let root = dir.canonicalize().map_err(|source| ManifestError::Io {
        path: dir.to_path_buf(),
        source,
    })?;
    check_name("app.name", &raw.app.name)?;
    if let Some(why) = raw.app.id.as_deref().and_then(crate::folders::id_problem) {
        return Err(invalid("app.id", why));
    }
    let app_id = raw.app.id.as_deref();
    let open_external = match &raw.app.open_external {
        None => vec!["https".to_owned(), "mailto".to_owned()],
        Some(schemes) => schemes
            .iter()
            .enumerate()
            .map(|(j, scheme)| {
                check_scheme(scheme).map_err(|why| invalid(&format!("app.open-external[{j}]"), why))
            })
            .collect::<Result<_, _>>()?,
    };
    let folders = |key: &str, table| {
        crate::folders::parse_grants(key, table, app_id)
            .map_err(|(key, reason)| ManifestError::Invalid { key, reason })
    };
    let limits = validate_limits("limits", &raw.limits, &Limits::default())?;
    let isolation = match raw.app.isolation.as_deref() {
        None | Some("process") => Isolation::Process,
        Some("in-process") => Isolation::InProcess,
        Some(other) => {
            return Err(invalid(
                "app.isolation",
                format!("is `{other}`; expected \"process\" or \"in-process\""),
            ));
        }
    };
    let hardware_acceleration = match raw.app.hardware_acceleration.as_deref() {
        None | Some("auto") => HardwareAcceleration::Auto,
        Some("on") => HardwareAcceleration::On,
        Some("off") => HardwareAcceleration::Off,
        Some(other) => {
            return Err(invalid(
                "app.hardware-acceleration",
                format!("is `{other}`; expected \"auto\", \"on\" or \"off\""),
            ));
        }
    };
    let main = raw
        .main
        .map(|m| {
            Ok::<_, ManifestError>(MainSpec {
                component: resolve_file(&root, "main.component", &m.component)?,
                precise_clocks: m.precise_clocks,
                imports: crate::bindings::parse(
                    "main.imports",
                    m.imports,
                    crate::bindings::Table::Other,
                )
                .map_err(refused)?,
                app_folders: folders("main.app-folders", m.app_folders)?,
                allowed_hosts: allowed_hosts("main.allowed-hosts", &m.allowed_hosts)?,
            })
        })
        .transpose()?;

    let mut labels = HashSet::new();
    let mut windows = Vec::with_capacity(raw.windows.len());
    for (i, mut window) in raw.windows.into_iter().enumerate() {
        let key = format!("window[{i}]");
        if !labels.insert(window.label.clone()) {
            return Err(invalid(
                &format!("{key}.label"),
                format!("repeats the label `{}`", window.label),
            ));
        }
        let app_folders = folders(
            &format!("{key}.app-folders"),
            std::mem::take(&mut window.app_folders),
        )?;
        if window.persistent_storage && app_id.is_none() {
            return Err(invalid(
                &format!("{key}.persistent-storage"),
                "needs `app.id`: the storage is kept in the app's data folder".into(),
            ));
        }
        // The label names the window's storage folder.
        if window.persistent_storage
            && (window.label.contains(['/', '\\']) || matches!(window.label.as_str(), "." | ".."))
        {
            return Err(invalid(
                &format!("{key}.persistent-storage"),
                format!(
                    "needs a label that can name a folder, not `{}`",
                    window.label
                ),
            ));
        }
        let hosts = allowed_hosts(&format!("{key}.allowed-hosts"), &window.allowed_hosts)?;
        windows.push(WindowManifest {
            app_folders,
            allowed_hosts: hosts,
            ..validate_window(&root, &key, window, &raw.app.name, &limits)?
        });
    }

    let max_utility_instances = instances(
        "app.max-utility-instances",
        raw.app.max_utility_instances,
        DEFAULT_MAX_UTILITY_INSTANCES,
    )?;
    let mut names = HashSet::new();
    let mut utilities = Vec::with_capacity(raw.utilities.len());
    for (i, utility) in raw.utilities.into_iter().enumerate() {
        let key = format!("utility[{i}]");
        check_name(&format!("{key}.name"), &utility.name)?;
        if utility.name.contains('#') {
            // `#` is how further instances are numbered (`name#2`).
            return Err(invalid(
                &format!("{key}.name"),
                "contains `#`, which numbers a utility's further instances".into(),
            ));
        }
        if !names.insert(utility.name.clone()) {
            return Err(invalid(
                &format!("{key}.name"),
                format!("repeats the name `{}`", utility.name),
            ));
        }
        let mut grants = Grants {
            precise_clocks: utility.precise_clocks,
            ..Grants::default()
        };
        for (list, writable, field) in [
            (&utility.read_dirs, false, "read-dirs"),
            (&utility.write_dirs, true, "write-dirs"),
        ] {
            for (j, dir) in list.iter().enumerate() {
                let dir_key = format!("{key}.{field}[{j}]");
                let host = resolve(&root, &dir_key, dir)?;
                if !host.is_dir() {
                    return Err(invalid(
                        &dir_key,
                        format!("names `{dir}`, which is not a folder"),
                    ));
                }
                let guest = dir
                    .trim_start_matches("./")
                    .trim_end_matches('/')
                    .to_owned();
                if grants.dirs.iter().any(|d: &DirGrant| d.guest == guest) {
                    return Err(invalid(&dir_key, format!("grants `{dir}` twice")));
                }
                grants.dirs.push(DirGrant {
                    host,
                    guest,
                    writable,
                });
            }
        }
        let app_folders = folders(&format!("{key}.app-folders"), utility.app_folders)?;
        // A folder of the app's is opened by its fixed name, which a
        // granted folder of the same name would hide.
        for grant in &app_folders {
            let name = grant.folder.name();
            if grants.dirs.iter().any(|d| d.guest == name) {
                return Err(invalid(
                    &format!("{key}.app-folders.{name}"),
                    format!(
                        "grants `{}`, which a folder of `read-dirs` or `write-dirs` named `{name}` would hide",
                        grant.folder.guest_path()
                    ),
                ));
            }
        }
        utilities.push(UtilityManifest {
            allowed_hosts: allowed_hosts(&format!("{key}.allowed-hosts"), &utility.allowed_hosts)?,
            app_folders,
            component: resolve_file(&root, &format!("{key}.component"), &utility.component)?,
            limits: validate_limits(&format!("{key}.limits"), &utility.limits, &limits)?,
            max_instances: instances(
                &format!("{key}.max-instances"),
                utility.max_instances,
                DEFAULT_MAX_INSTANCES,
            )?,
            imports: crate::bindings::parse(
                &format!("{key}.imports"),
                utility.imports,
                crate::bindings::Table::Other,
            )
            .map_err(refused)?,
            name: utility.name,
            grants,
        });
    }

    check_overlaps(&root, manifest, main.as_ref(), &windows, &utilities)?;
    crate::bindings::check_graph(
        main.as_ref().map(|m| m.imports.as_slice()),
        &windows,
        &utilities,
    )
    .map_err(refused)?;

    Ok(Manifest {
        root,
        name: raw.app.name,
        id: raw.app.id,
        open_external,
        isolation,
        quit_when_all_windows_closed: raw.app.quit_when_all_windows_closed.unwrap_or(true),
        single_instance: raw.app.single_instance.unwrap_or(false),
        hardware_acceleration,
        main,
        index: super::Index::of(&windows, &utilities),
        windows,
        utilities,
        max_utility_instances,
        limits,
    })
}

/// Refuses a manifest whose grants or `ui` folders reach what makes up the
/// app itself: a utility granted a folder to write that holds (or lies
/// inside) a component, the manifest or a window's `ui` folder could rewrite
/// the app or its pages; a `ui` folder that holds the manifest or a
/// component would serve them to the page.
fn check_overlaps(
    root: &Path,
    manifest: &std::ffi::OsStr,
    main: Option<&MainSpec>,
    windows: &[WindowManifest],
    utilities: &[UtilityManifest],
) -> Result<(), ManifestError> {
    // Sets of folders, walked up from each path, so that the check costs
    // the same per window in an app of ten thousand windows.
    let manifest = root.join(manifest);
    // The manifest, then each component once, in the order declared.
    let mut seen = HashSet::new();
    let files: Vec<&Path> = std::iter::once(manifest.as_path())
        .chain(main.map(|m| m.component.as_path()))
        .chain(windows.iter().map(|w| w.renderer.as_path()))
        .chain(utilities.iter().map(|u| u.component.as_path()))
        .filter(|file| seen.insert(*file))
        .collect();
    let mut ui_folders: std::collections::HashMap<&Path, usize> = Default::default();
    for (i, window) in windows.iter().enumerate() {
        ui_folders.entry(window.ui.as_path()).or_insert(i);
    }
    let in_ui = |path: &Path| {
        path.ancestors()
            .filter_map(|a| ui_folders.get(a).copied())
            .min()
    };
    // The first window whose folder serves one of them, and the first file
    // it serves.
    let served = files
        .iter()
        .enumerate()
        .filter_map(|(order, file)| in_ui(file).map(|i| (i, order, file)))
        .min();
    if let Some((i, _, file)) = served {
        return Err(invalid(
            &format!("window[{i}].ui"),
            format!(
                "would serve `{}` to the page; keep the manifest and components out of it",
                file.strip_prefix(root).unwrap_or(file).display()
            ),
        ));
    }
    // Every folder that holds a file of the app or a `ui` folder.
    let holders: HashSet<&Path> = files
        .iter()
        .copied()
        .chain(ui_folders.keys().copied())
        .flat_map(Path::ancestors)
        .collect();
    for (i, utility) in utilities.iter().enumerate() {
        // Write grants keep the order of `write-dirs`.
        let writable = utility.grants.dirs.iter().filter(|d| d.writable);
        let reaches_app = |folder: &Path| holders.contains(folder) || in_ui(folder).is_some();
        if let Some((j, grant)) = writable.enumerate().find(|(_, d)| reaches_app(&d.host)) {
            return Err(invalid(
                &format!("utility[{i}].write-dirs[{j}]"),
                format!(
                    "grants `{}`, which holds or lies in the app's components, manifest or a \
                     window's ui folder",
                    grant.guest
                ),
            ));
        }
    }
    Ok(())
}

/// An instance count: at least one, at most [`MAX_INSTANCES`].
fn instances(key: &str, value: Option<usize>, default: usize) -> Result<usize, ManifestError> {
    match value.unwrap_or(default) {
        n @ 1..=MAX_INSTANCES => Ok(n),
        n => Err(invalid(
            key,
            format!("is {n}; it must be between 1 and {MAX_INSTANCES}"),
        )),
    }
}

fn validate_window(
    root: &Path,
    key: &str,
    raw: RawWindow,
    app_name: &str,
    app_limits: &Limits,
) -> Result<WindowManifest, ManifestError> {
    let limits = validate_limits(&format!("{key}.limits"), &raw.limits, app_limits)?;
    check_name(&format!("{key}.label"), &raw.label)?;
    for (j, channel) in raw.channels.iter().enumerate() {
        check_name(&format!("{key}.channels[{j}]"), channel)?;
    }
    let ui = resolve(
        root,
        &format!("{key}.ui"),
        raw.ui.as_deref().unwrap_or("ui"),
    )?;
    if !ui.is_dir() {
        return Err(invalid(&format!("{key}.ui"), "is not a folder".into()));
    }
    let entry = raw.entry.unwrap_or_else(|| "index.html".into());
    let entry_path = resolve(&ui, &format!("{key}.entry"), &entry)?;
    if !entry_path.is_file() {
        return Err(invalid(&format!("{key}.entry"), "is not a file".into()));
    }
    let size = |name: &str, value: Option<u32>, default: u32| match value {
        Some(v) if !(100..=16384).contains(&v) => Err(invalid(
            &format!("{key}.{name}"),
            format!("is {v}; it must be between 100 and 16384"),
        )),
        v => Ok(v.unwrap_or(default)),
    };
    if let Some(why) = raw.title.as_deref().and_then(crate::title_problem) {
        return Err(invalid(&format!("{key}.title"), why));
    }
    let content = raw
        .content
        .as_deref()
        .map(|text| crate::bindings::parse_content(&format!("{key}.content"), text))
        .transpose()
        .map_err(refused)?;
    if let Some(api) = &raw.page_api {
        crate::bindings::check_interface(api)
            .map_err(|why| invalid(&format!("{key}.page-api"), why))?;
    }
    Ok(WindowManifest {
        width: size("width", raw.width, 800)?,
        height: size("height", raw.height, 600)?,
        title: raw.title.unwrap_or_else(|| app_name.to_owned()),
        renderer: resolve_file(root, &format!("{key}.renderer"), &raw.renderer)?,
        ui,
        entry: entry_path
            .strip_prefix(resolve(
                root,
                &format!("{key}.ui"),
                raw.ui.as_deref().unwrap_or("ui"),
            )?)
            .map(|p| p.to_string_lossy().into_owned())
            .unwrap_or(entry),
        label: raw.label,
        app_folders: Vec::new(),
        allowed_hosts: Vec::new(),
        persistent_storage: raw.persistent_storage,
        page_api: raw.page_api,
        content,
        channels: raw.channels,
        open_at_start: raw.open.unwrap_or(true),
        precise_clocks: raw.precise_clocks,
        limits,
        imports: crate::bindings::parse(
            &format!("{key}.imports"),
            raw.imports,
            crate::bindings::Table::Window,
        )
        .map_err(refused)?,
    })
}

/// `raw` over `base`, each value checked against its bounds; `key` is the
/// table's name in errors (`limits`, `window[0].limits`).
fn validate_limits(key: &str, raw: &RawLimits, base: &Limits) -> Result<Limits, ManifestError> {
    fn bounded<T: Copy + PartialOrd + std::fmt::Display>(
        key: &str,
        name: &str,
        value: Option<T>,
        base: T,
        (low, high): (T, T),
        note: &str,
    ) -> Result<T, ManifestError> {
        let value = value.unwrap_or(base);
        if value < low || value > high {
            return Err(invalid(
                &format!("{key}.{name}"),
                format!("must be between {low} and {high}{note}"),
            ));
        }
        Ok(value)
    }
    Ok(Limits {
        max_message_bytes: bounded(
            key,
            "max-message-bytes",
            raw.max_message_bytes,
            base.max_message_bytes,
            (1, MAX_MESSAGE),
            " (1 GiB)",
        )?,
        invoke_timeout_ms: bounded(
            key,
            "invoke-timeout-ms",
            raw.invoke_timeout_ms,
            base.invoke_timeout_ms,
            (1, MAX_MS),
            " (a day)",
        )?,
        http_timeout_ms: bounded(
            key,
            "http-timeout-ms",
            raw.http_timeout_ms,
            base.http_timeout_ms,
            (1, MAX_MS),
            " (a day)",
        )?,
        max_memory_bytes: bounded(
            key,
            "max-memory-bytes",
            raw.max_memory_bytes,
            base.max_memory_bytes,
            (MIN_MEMORY, MAX_MEMORY),
            " (4 GiB, a 32-bit memory's size)",
        )?,
        cpu_ms_per_call: bounded(
            key,
            "cpu-ms-per-call",
            raw.cpu_ms_per_call,
            base.cpu_ms_per_call,
            (1, MAX_MS),
            " (a day)",
        )?,
        max_pending_invokes: bounded(
            key,
            "max-pending-invokes",
            raw.max_pending_invokes,
            base.max_pending_invokes,
            (1, MAX_COUNT),
            "",
        )?,
        max_queued_messages: bounded(
            key,
            "max-queued-messages",
            raw.max_queued_messages,
            base.max_queued_messages,
            (1, MAX_COUNT),
            "",
        )?,
        max_messages_per_second: bounded(
            key,
            "max-messages-per-second",
            raw.max_messages_per_second,
            base.max_messages_per_second,
            (1, MAX_RATE),
            "",
        )?,
    })
}

/// A URL scheme `shell.open-external` may open, lowercase: RFC 3986's
/// letters, digits, `+`, `-` and `.`, starting with a letter; never one that
/// would open the machine's own files or run script (`file`, `javascript`,
/// `data`, `vbscript`) or the app's own pages (`wasmtron`).
fn check_scheme(scheme: &str) -> Result<String, String> {
    let lower = scheme.to_ascii_lowercase();
    let valid = lower.starts_with(|c: char| c.is_ascii_lowercase())
        && lower
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || "+-.".contains(c))
        && lower.len() <= 64;
    if !valid {
        return Err(format!("is `{scheme}`, which is not a URL scheme"));
    }
    if matches!(
        lower.as_str(),
        "file" | "javascript" | "data" | "vbscript" | "wasmtron"
    ) {
        return Err(format!(
            "is `{lower}`, which would open local files, run script or open the app's own pages"
        ));
    }
    Ok(lower)
}

/// A component's `allowed-hosts` (under `key`): origins, each once.
fn allowed_hosts(
    key: &str,
    raw: &[String],
) -> Result<Vec<wasmtron_wire::http::Origin>, ManifestError> {
    let mut origins: Vec<wasmtron_wire::http::Origin> = Vec::with_capacity(raw.len());
    for (j, text) in raw.iter().enumerate() {
        let at = format!("{key}[{j}]");
        let origin = wasmtron_wire::http::Origin::parse(text).map_err(|why| invalid(&at, why))?;
        if origins.contains(&origin) {
            return Err(invalid(&at, format!("allows {origin} twice")));
        }
        origins.push(origin);
    }
    Ok(origins)
}

/// Names (app, labels, channels): non-empty, printable, no whitespace.
fn check_name(key: &str, name: &str) -> Result<(), ManifestError> {
    if name.is_empty() || name.len() > MAX_NAME {
        return Err(invalid(key, format!("must be 1 to {MAX_NAME} bytes long")));
    }
    if let Some(c) = name.chars().find(|c| c.is_whitespace()) {
        return Err(invalid(key, format!("contains the character {c:?}")));
    }
    check_shown(key, name)
}

/// Refuses text a user will read (a name, a title) that holds a character
/// that hides or reorders what is shown.
fn check_shown(key: &str, text: &str) -> Result<(), ManifestError> {
    match crate::unshowable(text) {
        Some(why) => Err(invalid(key, why)),
        None => Ok(()),
    }
}

fn resolve_file(root: &Path, key: &str, path: &str) -> Result<PathBuf, ManifestError> {
    let resolved = resolve(root, key, path)?;
    if !resolved.is_file() {
        return Err(invalid(key, format!("names `{path}`, which is not a file")));
    }
    Ok(resolved)
}

/// Resolves `path` against `base` and refuses anything that ends up outside
/// it, symlinks included.
fn resolve(base: &Path, key: &str, path: &str) -> Result<PathBuf, ManifestError> {
    let candidate = Path::new(path);
    if candidate.is_absolute() || candidate.components().any(|c| c == Component::ParentDir) {
        return Err(ManifestError::PathEscapes {
            key: key.into(),
            path: path.into(),
        });
    }
    let resolved = base
        .join(candidate)
        .canonicalize()
        .map_err(|_| ManifestError::MissingPath {
            key: key.into(),
            path: path.into(),
        })?;
    if !resolved.starts_with(base) {
        return Err(ManifestError::PathEscapes {
            key: key.into(),
            path: path.into(),
        });
    }
    Ok(resolved)
}

/// A refused binding as the manifest's error.
fn refused(refused: crate::bindings::Refused) -> ManifestError {
    ManifestError::Invalid {
        key: refused.key,
        reason: refused.reason,
    }
}

fn invalid(key: &str, reason: String) -> ManifestError {
    ManifestError::Invalid {
        key: key.into(),
        reason,
    }
}
