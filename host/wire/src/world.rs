//! The three kinds of component, one WIT world each.

use std::fmt;

/// The three kinds of component, one WIT world each.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum World {
    Main,
    Renderer,
    Utility,
}

impl World {
    /// The world's name in `wit/worlds.wit`.
    pub fn name(self) -> &'static str {
        match self {
            World::Main => "main",
            World::Renderer => "renderer",
            World::Utility => "utility",
        }
    }

    /// The `wasmtron:app` interfaces the world imports.
    pub fn imports(self) -> &'static [&'static str] {
        match self {
            World::Main => &[
                "types",
                "log",
                "windows",
                "dialogs",
                "ipc",
                "timers",
                "app",
                "shell",
                "utilities",
                "processes",
                "ports",
                "calls",
            ],
            World::Renderer => &["types", "log", "bridge", "dom", "ports"],
            World::Utility => &["types", "log", "parent-port", "ports", "calls"],
        }
    }

    /// The interface the world exports.
    pub fn export(self) -> &'static str {
        match self {
            World::Main => "main-events",
            World::Renderer => "renderer-events",
            World::Utility => "utility-events",
        }
    }

    /// The world whose imports include `interface`, if any.
    pub fn owner_of(interface: &str) -> Option<World> {
        [World::Main, World::Renderer, World::Utility]
            .into_iter()
            .find(|w| w.imports().contains(&interface))
    }
}

impl fmt::Display for World {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// The interface name without its version: what bindings and calls name.
#[must_use]
pub fn unversioned(name: &str) -> &str {
    name.split_once('@').map_or(name, |(path, _)| path)
}

/// Whether an import or export name is an app interface: an interface of
/// a package that is neither wasmtron's own nor WASI.
#[must_use]
pub fn is_app_interface(name: &str) -> bool {
    let path = unversioned(name);
    path.split_once('/').is_some_and(|(package, _)| {
        !package.starts_with("wasmtron:") && !package.starts_with("wasi:")
    })
}
