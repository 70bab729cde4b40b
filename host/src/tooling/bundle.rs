//! `wasmtron bundle`: the app as a Debian package and as a portable
//! `.tar.gz`, each holding the `wasmtron` and `wasmtron-worker` programs
//! this command runs from, the app folder (manifest, components, pages,
//! granted folders) and a launcher named after the app.
//!
//! Neither holds compiled code: the package's install script runs the
//! installed host's `wasmtron precompile` into `/var/lib/<package>/
//! precompiled`, a folder only root can write, which the launcher names with
//! `run --precompiled` (see `engine/precompiled.rs` for why that place and
//! no other). The first launch of an installed package compiles nothing.
//! An unpacked archive belongs to whoever unpacked it, so its first launch
//! compiles into that user's compile cache, as `wasmtron run` does.

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::Command;

use super::{ToolError, io_at, write_file};
use crate::Manifest;

/// What a bundle says about the app beyond its manifest.
#[derive(Debug, Clone)]
pub struct BundleOptions {
    /// The package's version (Debian's `Version`).
    pub version: String,
    /// One line describing the app.
    pub description: Option<String>,
    /// An icon, PNG or SVG, for the menu entry.
    pub icon: Option<PathBuf>,
    /// URL schemes the app opens (`notes` for `notes://...`): the menu
    /// entry declares them, and the desktop then launches the app with the
    /// URL as its argument.
    pub url_schemes: Vec<String>,
    /// Where the `.deb` and the `.tar.gz` are written.
    pub out: PathBuf,
}

/// The files a bundle made.
#[derive(Debug, Clone)]
pub struct Bundled {
    /// The Debian package's name (the app's name, as Debian allows).
    pub package: String,
    pub deb: PathBuf,
    pub tarball: PathBuf,
}

/// The Debian packages the programs link against (WebKitGTK, GTK) and the
/// C library they need (glibc 2.36, for packed relocations).
const DEPENDS: &str = "libwebkit2gtk-4.1-0, libgtk-3-0 | libgtk-3-0t64, libc6 (>= 2.36)";

/// Builds the app (as `wasmtron build`) and bundles it.
///
/// # Errors
/// As [`build_app`](super::build::build_app); [`ToolError::Refused`] for an
/// app whose name yields no package name or a host without its worker
/// program beside it; [`ToolError::Command`] when `dpkg-deb` or `tar` fail.
pub fn bundle_app(app_dir: &Path, options: &BundleOptions) -> Result<Bundled, ToolError> {
    for scheme in &options.url_schemes {
        check_scheme(scheme)?;
    }
    super::build::build_app(app_dir)?;
    let manifest = Manifest::load(app_dir).map_err(|err| ToolError::Check(err.to_string()))?;
    let package = package_name(&manifest.name)?;
    let programs = programs()?;
    std::fs::create_dir_all(&options.out).map_err(io_at("cannot make the folder", &options.out))?;
    let staging = Staging::new(&options.out)?;

    let arch = debian_arch();
    let deb = options
        .out
        .join(format!("{package}_{}_{arch}.deb", options.version));
    let root = staging.path().join("deb");
    stage_deb(&root, &manifest, &package, &programs, options, &arch)?;
    let mut command = Command::new("dpkg-deb");
    command
        .args(["--root-owner-group", "-Zgzip", "--build"])
        .arg(&root)
        .arg(&deb);
    super::run(&mut command, "making the .deb")?;

    let folder = format!("{package}-{}", options.version);
    let tarball = options
        .out
        .join(format!("{folder}-{}.tar.gz", std::env::consts::ARCH));
    let portable = staging.path().join("tar").join(&folder);
    stage_portable(&portable, &manifest, &package, &programs)?;
    let mut command = Command::new("tar");
    command
        .args(["--owner=0", "--group=0", "--numeric-owner", "-czf"])
        .arg(&tarball)
        .arg("-C")
        .arg(staging.path().join("tar"))
        .arg(&folder);
    super::run(&mut command, "making the .tar.gz")?;
    Ok(Bundled {
        package,
        deb,
        tarball,
    })
}

/// A folder the bundle is put together in, removed when dropped.
#[derive(Debug)]
struct Staging(PathBuf);

impl Staging {
    fn new(out: &Path) -> Result<Self, ToolError> {
        let dir = out.join(format!(".wasmtron-bundle-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).map_err(io_at("cannot make the folder", &dir))?;
        Ok(Staging(dir))
    }

    fn path(&self) -> &Path {
        &self.0
    }
}

impl Drop for Staging {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// The `.deb`'s tree: the programs and the app under `/usr/lib/<package>`,
/// the launcher in `/usr/bin`, the menu entry and icon in `/usr/share`,
/// and `DEBIAN/` with the control file and the install scripts.
fn stage_deb(
    root: &Path,
    manifest: &Manifest,
    package: &str,
    programs: &[PathBuf; 2],
    options: &BundleOptions,
    arch: &str,
) -> Result<(), ToolError> {
    let lib = format!("/usr/lib/{package}");
    let store = format!("/var/lib/{package}/precompiled");
    copy_programs(programs, &root.join(&lib[1..]).join("bin"))?;
    copy_app(manifest, &root.join(&lib[1..]).join("app"))?;
    let launcher = format!(
        "#!/bin/sh\n# {name}: a wasmtron app.\nexec {lib}/bin/wasmtron run --precompiled {store} \
         {lib}/app -- \"$@\"\n",
        name = manifest.name
    );
    write_mode(&root.join("usr/bin").join(package), &launcher, 0o755)?;
    let icon = match &options.icon {
        Some(icon) => {
            let kind = match icon.extension().and_then(|e| e.to_str()) {
                Some("svg") => "scalable",
                Some("png") => "256x256",
                _ => {
                    return Err(ToolError::Refused(format!(
                        "the icon {} is neither a .png nor a .svg",
                        icon.display()
                    )));
                }
            };
            let ext = icon
                .extension()
                .and_then(|e| e.to_str())
                .unwrap_or_default();
            let target = root
                .join("usr/share/icons/hicolor")
                .join(kind)
                .join("apps")
                .join(format!("{package}.{ext}"));
            let bytes = std::fs::read(icon).map_err(io_at("cannot read the icon", icon))?;
            write_file(&target, &bytes)?;
            Some(package)
        }
        None => None,
    };
    let description = description(manifest, options);
    let desktop = desktop_entry(
        &manifest.name,
        &description,
        package,
        icon,
        &options.url_schemes,
    );
    write_mode(
        &root
            .join("usr/share/applications")
            .join(format!("{package}.desktop")),
        &desktop,
        0o644,
    )?;
    let control = format!(
        "Package: {package}\nVersion: {version}\nArchitecture: {arch}\nMaintainer: {maintainer}\n\
         Installed-Size: {size}\nDepends: {DEPENDS}\nSection: misc\nPriority: optional\n\
         Description: {description}\n",
        version = options.version,
        maintainer = maintainer(),
        size = folder_size(root).div_ceil(1024),
    );
    write_mode(&root.join("DEBIAN/control"), &control, 0o644)?;
    // The installed host compiles the components for this machine, into a
    // folder only root can write; a failure leaves the app compiling at its
    // first launch instead of failing the install.
    let postinst = format!(
        "#!/bin/sh\nset -e\nif [ \"$1\" = configure ]; then\n    rm -rf {store}\n    \
         {lib}/bin/wasmtron precompile {lib}/app --into {store} || \
         echo \"{package}: precompiling failed; the app compiles at its first launch\" >&2\nfi\n"
    );
    write_mode(&root.join("DEBIAN/postinst"), &postinst, 0o755)?;
    let postrm = format!(
        "#!/bin/sh\nset -e\nif [ \"$1\" = remove ] || [ \"$1\" = purge ]; then\n    \
         rm -rf /var/lib/{package}\nfi\n"
    );
    write_mode(&root.join("DEBIAN/postrm"), &postrm, 0o755)?;
    normalize_modes(root)
}

/// The portable folder: `bin/`, `app/` and the launcher `<package>`, which
/// finds both beside itself.
fn stage_portable(
    folder: &Path,
    manifest: &Manifest,
    package: &str,
    programs: &[PathBuf; 2],
) -> Result<(), ToolError> {
    copy_programs(programs, &folder.join("bin"))?;
    copy_app(manifest, &folder.join("app"))?;
    let launcher = format!(
        "#!/bin/sh\n# {name}: a wasmtron app; run from wherever this folder is.\n\
         here=\"$(dirname \"$(readlink -f \"$0\")\")\"\n\
         exec \"$here/bin/wasmtron\" run \"$here/app\" -- \"$@\"\n",
        name = manifest.name
    );
    write_mode(&folder.join(package), &launcher, 0o755)?;
    normalize_modes(folder)
}

/// `wasmtron` (this program) and `wasmtron-worker` beside it.
fn programs() -> Result<[PathBuf; 2], ToolError> {
    let host = std::env::current_exe()
        .map_err(|err| ToolError::Refused(format!("cannot find this program: {err}")))?;
    let worker = host.with_file_name("wasmtron-worker");
    if !worker.is_file() {
        return Err(ToolError::Refused(format!(
            "{} is missing: a bundle carries the worker program beside `wasmtron` \
             (install both, see the README)",
            worker.display()
        )));
    }
    Ok([host, worker])
}

fn copy_programs(programs: &[PathBuf; 2], bin: &Path) -> Result<(), ToolError> {
    std::fs::create_dir_all(bin).map_err(io_at("cannot make the folder", bin))?;
    for (program, name) in programs.iter().zip(["wasmtron", "wasmtron-worker"]) {
        let target = bin.join(name);
        std::fs::copy(program, &target).map_err(io_at("cannot copy", program))?;
        // Debug information is most of a debug build (510 of its 570 MB) and of
        // no use to the app's users; without binutils' `strip` the program
        // is bundled as it is.
        let stripped = Command::new("strip")
            .arg("--strip-debug")
            .arg(&target)
            .status()
            .is_ok_and(|status| status.success());
        if !stripped {
            eprintln!(
                "bundling {} with its debug information (no `strip`)",
                program.display()
            );
        }
    }
    Ok(())
}

/// Copies what the app needs at run time into `to`: the manifest, every
/// component, every window's `ui` folder and every utility's granted
/// folders. Sources, `sdk/` and build output stay behind.
fn copy_app(manifest: &Manifest, to: &Path) -> Result<(), ToolError> {
    let root = &manifest.root;
    let mut files = vec![root.join("wasmtron.toml")];
    let mut folders = Vec::new();
    if let Some(main) = &manifest.main {
        files.push(main.component.clone());
    }
    for window in &manifest.windows {
        files.push(window.renderer.clone());
        folders.push(window.ui.clone());
    }
    for utility in &manifest.utilities {
        files.push(utility.component.clone());
        folders.extend(utility.grants.dirs.iter().map(|dir| dir.host.clone()));
    }
    for file in files {
        let relative = file.strip_prefix(root).unwrap_or(&file);
        let bytes = std::fs::read(&file).map_err(io_at("cannot read", &file))?;
        write_file(&to.join(relative), &bytes)?;
    }
    for folder in folders {
        let relative = folder.strip_prefix(root).unwrap_or(&folder);
        copy_folder(&folder, &to.join(relative))?;
    }
    Ok(())
}

fn copy_folder(from: &Path, to: &Path) -> Result<(), ToolError> {
    std::fs::create_dir_all(to).map_err(io_at("cannot make the folder", to))?;
    for entry in std::fs::read_dir(from).map_err(io_at("cannot read", from))? {
        let entry = entry.map_err(io_at("cannot read", from))?;
        let kind = entry
            .file_type()
            .map_err(io_at("cannot read", &entry.path()))?;
        let target = to.join(entry.file_name());
        if kind.is_dir() {
            copy_folder(&entry.path(), &target)?;
        } else if kind.is_file() {
            std::fs::copy(entry.path(), &target).map_err(io_at("cannot copy", &entry.path()))?;
        }
        // Links are left out: one could reach outside the app.
    }
    Ok(())
}

/// Every folder 0755; programs and scripts (any file with an execute bit)
/// 0755, other files 0644: what a package installs must not be writable by
/// anyone but root.
fn normalize_modes(path: &Path) -> Result<(), ToolError> {
    let meta = std::fs::symlink_metadata(path).map_err(io_at("cannot read", path))?;
    let mode = if meta.is_dir() || meta.permissions().mode() & 0o111 != 0 {
        0o755
    } else {
        0o644
    };
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode))
        .map_err(io_at("cannot set the mode of", path))?;
    if meta.is_dir() {
        for entry in std::fs::read_dir(path).map_err(io_at("cannot read", path))? {
            normalize_modes(&entry.map_err(io_at("cannot read", path))?.path())?;
        }
    }
    Ok(())
}

fn write_mode(path: &Path, text: &str, mode: u32) -> Result<(), ToolError> {
    write_file(path, text.as_bytes())?;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode))
        .map_err(io_at("cannot set the mode of", path))
}

/// The bytes beneath `path`.
fn folder_size(path: &Path) -> u64 {
    let Ok(meta) = std::fs::symlink_metadata(path) else {
        return 0;
    };
    if !meta.is_dir() {
        return meta.len();
    }
    std::fs::read_dir(path)
        .into_iter()
        .flatten()
        .flatten()
        .map(|entry| folder_size(&entry.path()))
        .sum()
}

/// The app's name as Debian takes it: lowercase letters, digits, `+`, `-`
/// and `.`, starting with a letter or digit, at least two characters.
///
/// # Errors
/// [`ToolError::Refused`] when nothing of the name is left.
pub fn package_name(app: &str) -> Result<String, ToolError> {
    let mut name = String::new();
    for c in app.trim().chars() {
        match c.to_ascii_lowercase() {
            c @ ('a'..='z' | '0'..='9' | '+' | '.') => name.push(c),
            _ if !name.is_empty() && !name.ends_with('-') => name.push('-'),
            _ => {}
        }
    }
    let name = name.trim_end_matches('-').to_owned();
    if name.len() >= 2 && name.starts_with(|c: char| c.is_ascii_alphanumeric()) {
        Ok(name)
    } else {
        Err(ToolError::Refused(format!(
            "the app's name `{app}` gives no Debian package name (lowercase letters, digits, \
             `+`, `-`, `.`, at least two)"
        )))
    }
}

fn description(manifest: &Manifest, options: &BundleOptions) -> String {
    let line = options
        .description
        .clone()
        .unwrap_or_else(|| format!("{}, a wasmtron app", manifest.name));
    // One line: a newline would start another control field.
    line.lines().next().unwrap_or_default().trim().to_owned()
}

/// The menu entry (freedesktop.org's Desktop Entry). With URL schemes,
/// the desktop passes the URL opened (`%u`) to the launcher, which hands it
/// to the app after `--`.
fn desktop_entry(
    name: &str,
    comment: &str,
    package: &str,
    icon: Option<&str>,
    schemes: &[String],
) -> String {
    let one_line = |text: &str| text.replace(['\n', '\r'], " ");
    let url = if schemes.is_empty() { "" } else { " %u" };
    let mut entry = format!(
        "[Desktop Entry]\nType=Application\nName={}\nComment={}\nExec=/usr/bin/{package}{url}\n\
         Terminal=false\nCategories=Utility;\n",
        one_line(name),
        one_line(comment)
    );
    if let Some(icon) = icon {
        entry.push_str(&format!("Icon={icon}\n"));
    }
    if !schemes.is_empty() {
        let types: String = schemes
            .iter()
            .map(|s| format!("x-scheme-handler/{s};"))
            .collect();
        entry.push_str(&format!("MimeType={types}\n"));
    }
    entry
}

/// A URL scheme as RFC 3986 writes one (a letter, then letters, digits,
/// `+`, `-` and `.`), in lowercase as the desktop matches them.
fn check_scheme(scheme: &str) -> Result<(), ToolError> {
    let mut chars = scheme.chars();
    let first = chars.next().is_some_and(|c| c.is_ascii_lowercase());
    let rest = chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || "+-.".contains(c));
    if first && rest && scheme.len() <= 64 {
        Ok(())
    } else {
        Err(ToolError::Refused(format!(
            "`{scheme}` is not a URL scheme (a lowercase letter, then lowercase letters, \
             digits, `+`, `-` or `.`)"
        )))
    }
}

/// `$DEBFULLNAME <$DEBEMAIL>` when both are set, as Debian's tools take it.
fn maintainer() -> String {
    match (std::env::var("DEBFULLNAME"), std::env::var("DEBEMAIL")) {
        (Ok(name), Ok(email)) if !name.is_empty() && !email.is_empty() => {
            format!("{name} <{email}>").replace('\n', " ")
        }
        _ => "unknown <unknown@localhost>".into(),
    }
}

/// This machine's Debian architecture (`dpkg --print-architecture`).
fn debian_arch() -> String {
    Command::new("dpkg")
        .arg("--print-architecture")
        .output()
        .ok()
        .filter(|o| o.status.success())
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_owned())
        .filter(|arch| !arch.is_empty())
        .unwrap_or_else(|| match std::env::consts::ARCH {
            "x86_64" => "amd64".into(),
            "aarch64" => "arm64".into(),
            other => other.into(),
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn package_names_follow_debian() {
        assert_eq!(package_name("hello").ok().as_deref(), Some("hello"));
        assert_eq!(package_name("My Notes!").ok().as_deref(), Some("my-notes"));
        assert_eq!(package_name("a_b").ok().as_deref(), Some("a-b"));
        assert!(package_name("é").is_err());
        assert!(package_name("x").is_err());
    }

    #[test]
    fn a_menu_entry_is_one_line_per_key() {
        let entry = desktop_entry("Two\nLines", "c", "two", None, &[]);
        assert!(entry.contains("Name=Two Lines\n"), "{entry}");
        assert!(entry.contains("Exec=/usr/bin/two\n"), "{entry}");
        assert!(!entry.contains("Icon=") && !entry.contains("MimeType="));
        let schemes = ["aa".to_owned(), "aa+b".to_owned()];
        let entry = desktop_entry("a", "c", "aa", Some("aa"), &schemes);
        assert!(entry.contains("Icon=aa\n"), "{entry}");
        assert!(entry.contains("Exec=/usr/bin/aa %u\n"), "{entry}");
        assert!(
            entry.contains("MimeType=x-scheme-handler/aa;x-scheme-handler/aa+b;\n"),
            "{entry}"
        );
    }

    #[test]
    fn url_schemes_are_checked() {
        assert!(check_scheme("notes").is_ok());
        assert!(check_scheme("web+notes").is_ok());
        for bad in ["", "1x", "Notes", "a b", "a\nMimeType=x", "a;b"] {
            assert!(check_scheme(bad).is_err(), "{bad:?}");
        }
    }
}
