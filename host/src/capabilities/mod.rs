//! What each component may import.
//!
//! A component gets exactly its world's `wasmtron:app` interfaces plus WASI
//! 0.2, and the WASI it gets is empty until the manifest grants more. The
//! check here runs before anything is instantiated, and refuses a component
//! with an error that names every offending import and the component.

use wasmtime::component::Component;
use wasmtime::component::types::ComponentItem;

pub use wasmtron_wire::{DirGrant, Grants, World};
pub use wasmtron_worker::wasi::{
    OutputSink, OutputTail, Refusals, Refusing, wasi_context, watch_refusals,
};

use crate::engine::Engine;

/// The package of our own interfaces.
pub const APP_PACKAGE: &str = "wasmtron:app";
/// The WIT version this host implements; guests built for any 0.1.x link.
pub const APP_VERSION: &str = "0.1.0";
const APP_VERSION_PREFIX: &str = "0.1.";

/// WASI 0.2 packages, linked for every world (empty unless granted).
const WASI_PACKAGES: &[&str] = &[
    "wasi:cli",
    "wasi:clocks",
    "wasi:filesystem",
    "wasi:io",
    "wasi:random",
    "wasi:sockets",
];
const WASI_VERSION_PREFIX: &str = "0.2.";

/// One import of a component, and where it comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Import {
    pub name: String,
    pub source: ImportSource,
}

/// Which part of the host answers an import.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum ImportSource {
    /// A `wasmtron:app` interface of the component's world.
    App,
    /// WASI 0.2, linked empty unless the manifest grants more.
    Wasi,
}

/// A component that passed the check, with what it imports.
#[derive(Debug, Clone)]
pub struct ImportReport {
    pub component: String,
    pub world: World,
    pub imports: Vec<Import>,
}

/// An import the host will not link, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RefusedImport {
    pub name: String,
    pub reason: String,
}

/// Why a component is refused before it runs.
#[derive(Debug, Clone, thiserror::Error)]
#[non_exhaustive]
pub enum CapabilityError {
    #[error(
        "component `{component}` ({world} world) is refused: {}",
        refused.iter().map(|r| format!("it imports `{}`, {}", r.name, r.reason)).collect::<Vec<_>>().join("; ")
    )]
    Refused {
        component: String,
        world: World,
        refused: Vec<RefusedImport>,
    },
    #[error("component `{component}` does not export `{expected}`: it is not a {world} component")]
    MissingExport {
        component: String,
        world: World,
        expected: String,
    },
}

/// Checks a component's imports and exports against `world`.
///
/// # Errors
/// [`CapabilityError::Refused`] listing every import outside the world and
/// WASI 0.2; [`CapabilityError::MissingExport`] when the world's export
/// interface is missing.
pub fn check(
    engine: &Engine,
    component: &Component,
    world: World,
    name: &str,
) -> Result<ImportReport, CapabilityError> {
    let ty = component.component_type();
    let mut imports = Vec::new();
    let mut refused = Vec::new();
    for (import, item) in ty.imports(engine.wasmtime()) {
        match classify(world, import, &item.ty) {
            Ok(source) => imports.push(Import {
                name: import.to_owned(),
                source,
            }),
            Err(reason) => refused.push(RefusedImport {
                name: import.to_owned(),
                reason,
            }),
        }
    }
    if !refused.is_empty() {
        return Err(CapabilityError::Refused {
            component: name.to_owned(),
            world,
            refused,
        });
    }
    let expected = format!("{APP_PACKAGE}/{}@{APP_VERSION}", world.export());
    let exported = ty.exports(engine.wasmtime()).any(|(export, _)| {
        split(export).is_some_and(|(package, interface, version)| {
            package == APP_PACKAGE
                && interface == world.export()
                && version.is_some_and(|v| v.starts_with(APP_VERSION_PREFIX))
        })
    });
    if !exported {
        return Err(CapabilityError::MissingExport {
            component: name.to_owned(),
            world,
            expected,
        });
    }
    Ok(ImportReport {
        component: name.to_owned(),
        world,
        imports,
    })
}

fn classify(world: World, import: &str, item: &ComponentItem) -> Result<ImportSource, String> {
    if !matches!(item, ComponentItem::ComponentInstance(_)) {
        return Err("which is not an interface; only interfaces are linked".into());
    }
    let Some((package, interface, version)) = split(import) else {
        return Err("which is not a `package/interface` name".into());
    };
    if package == APP_PACKAGE {
        let version = version.unwrap_or("none");
        if !version.starts_with(APP_VERSION_PREFIX) {
            return Err(format!(
                "version {version}, but this host implements {APP_PACKAGE}@{APP_VERSION}"
            ));
        }
        return match World::owner_of(interface) {
            _ if world.imports().contains(&interface) => Ok(ImportSource::App),
            Some(owner) => Err(format!(
                "which belongs to the {owner} world; a {world} component may not import it"
            )),
            None => Err(format!("which is not an interface of {APP_PACKAGE}")),
        };
    }
    if WASI_PACKAGES.contains(&package) {
        return match version {
            Some(v) if v.starts_with(WASI_VERSION_PREFIX) => Ok(ImportSource::Wasi),
            other => Err(format!(
                "version {}, but only WASI 0.2 is linked",
                other.unwrap_or("none")
            )),
        };
    }
    Err("from a package this host does not provide".into())
}

/// Splits `ns:pkg/iface@ver` into (`ns:pkg`, `iface`, `ver`).
fn split(name: &str) -> Option<(&str, &str, Option<&str>)> {
    let (path, version) = match name.split_once('@') {
        Some((path, version)) => (path, Some(version)),
        None => (name, None),
    };
    let (package, interface) = path.split_once('/')?;
    Some((package, interface, version))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_split_into_package_interface_version() {
        assert_eq!(
            split("wasi:cli/stdout@0.2.3"),
            Some(("wasi:cli", "stdout", Some("0.2.3")))
        );
        assert_eq!(split("evil:pkg/x"), Some(("evil:pkg", "x", None)));
        assert_eq!(split("bare"), None);
    }

    #[test]
    fn every_app_interface_has_one_owner_except_shared_ones() {
        assert_eq!(World::owner_of("windows"), Some(World::Main));
        assert_eq!(World::owner_of("dialogs"), Some(World::Main));
        assert_eq!(World::owner_of("dom"), Some(World::Renderer));
        assert_eq!(World::owner_of("parent-port"), Some(World::Utility));
        assert_eq!(World::owner_of("nope"), None);
    }
}
