//! What each component may import.
//!
//! A component gets exactly its world's `wasmtron:app` interfaces plus WASI
//! 0.2, and the WASI it gets is empty until the manifest grants more. The
//! check here runs before anything is instantiated, and refuses a component
//! with an error that names every offending import and the component.

pub mod contracts;
pub mod folders;
pub mod page_types;

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

/// Outbound HTTP, linked only for a component with `allowed-hosts`.
const HTTP_PACKAGE: &str = "wasi:http";

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
    /// An app interface, called through to the provider the manifest
    /// binds it to.
    AppInterface,
    /// `wasi:http` 0.2: requests to the origins of the component's
    /// `allowed-hosts`, made by the host.
    Http,
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

/// Checks a component's imports and exports against `world`, the app
/// interfaces the manifest binds for it (`bound`) and whether it may make
/// HTTP requests (`http`: it has `allowed-hosts`).
///
/// # Errors
/// [`CapabilityError::Refused`] listing every import outside the world,
/// WASI 0.2 and the bound app interfaces; [`CapabilityError::MissingExport`]
/// when the world's export interface is missing.
pub fn check(
    engine: &Engine,
    component: &Component,
    world: World,
    name: &str,
    bound: &[crate::manifest::Binding],
    http: bool,
) -> Result<ImportReport, CapabilityError> {
    let ty = component.component_type();
    let mut imports = Vec::new();
    let mut refused = Vec::new();
    for (import, item) in ty.imports(engine.wasmtime()) {
        match classify(world, import, &item.ty, bound, http) {
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

fn classify(
    world: World,
    import: &str,
    item: &ComponentItem,
    bound: &[crate::manifest::Binding],
    http: bool,
) -> Result<ImportSource, String> {
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
    if package == HTTP_PACKAGE {
        return match version {
            _ if !http => Err(
                "which makes HTTP requests; the manifest gives the component no `allowed-hosts`"
                    .into(),
            ),
            Some(v) if v.starts_with(WASI_VERSION_PREFIX) => Ok(ImportSource::Http),
            other => Err(format!(
                "version {}, but only wasi:http 0.2 is linked",
                other.unwrap_or("none")
            )),
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
    if crate::manifest::bindings::is_app_interface(import) {
        let interface = crate::manifest::bindings::unversioned(import);
        return if bound.iter().any(|b| b.interface == interface) {
            Ok(ImportSource::AppInterface)
        } else {
            Err(format!(
                "an app interface no provider is bound to; name one in the component's `imports` table of the manifest (`\"{interface}\" = \"main\"`, `\"utility:NAME\"` or `\"native:NAME\"`)"
            ))
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

    /// What a test component imports under a name: an interface (an
    /// instance) or a bare function.
    #[derive(Clone, Copy)]
    enum Item {
        Interface,
        Function,
    }

    fn leb(out: &mut Vec<u8>, mut n: usize) {
        loop {
            let byte = (n & 0x7f) as u8;
            n >>= 7;
            if n == 0 {
                out.push(byte);
                return;
            }
            out.push(byte | 0x80);
        }
    }

    fn name(out: &mut Vec<u8>, name: &str) {
        out.push(0x00);
        leb(out, name.len());
        out.extend_from_slice(name.as_bytes());
    }

    fn section(out: &mut Vec<u8>, id: u8, body: &[u8]) {
        out.push(id);
        leb(out, body.len());
        out.extend_from_slice(body);
    }

    /// A component in the binary format (this build of wasmtime reads no
    /// text) that imports `imports` and exports an empty instance under each
    /// of `exports`: the check reads only names and kinds.
    fn component(imports: &[(&str, Item)], exports: &[&str]) -> Vec<u8> {
        let mut out = b"\0asm\x0d\x00\x01\x00".to_vec();
        // Type 0: an empty instance; type 1: `func()`.
        section(&mut out, 7, &[2, 0x42, 0x00, 0x40, 0x00, 0x01, 0x00]);
        let mut body = Vec::new();
        leb(&mut body, imports.len());
        let mut instances = 0;
        for (import, item) in imports {
            name(&mut body, import);
            match item {
                Item::Interface => {
                    body.extend_from_slice(&[0x05, 0]);
                    instances += 1;
                }
                Item::Function => body.extend_from_slice(&[0x01, 1]),
            }
        }
        section(&mut out, 10, &body);
        let mut body = Vec::new();
        leb(&mut body, exports.len());
        for _ in exports {
            body.extend_from_slice(&[0x01, 0x00]);
        }
        section(&mut out, 5, &body);
        let mut body = Vec::new();
        leb(&mut body, exports.len());
        for (i, export) in exports.iter().enumerate() {
            name(&mut body, export);
            body.push(0x05);
            leb(&mut body, instances + i);
            body.push(0x00);
        }
        section(&mut out, 11, &body);
        out
    }

    fn checked(
        imports: &[(&str, Item)],
        exports: &[&str],
        world: World,
    ) -> Result<ImportReport, CapabilityError> {
        let engine = Engine::new().expect("an engine");
        let bytes = component(imports, exports);
        let component =
            Component::new(engine.wasmtime(), &bytes).expect("the test component is valid");
        check(&engine, &component, world, "probe", &[], false)
    }

    /// The names refused, with their reasons; panics on anything else.
    fn refused(result: Result<ImportReport, CapabilityError>) -> (Vec<RefusedImport>, String) {
        match result {
            Err(err @ CapabilityError::Refused { .. }) => {
                let message = err.to_string();
                let CapabilityError::Refused {
                    component, refused, ..
                } = err
                else {
                    unreachable!()
                };
                assert_eq!(component, "probe");
                assert!(message.contains("component `probe`"), "{message}");
                for r in &refused {
                    assert!(
                        message.contains(&format!("it imports `{}`, {}", r.name, r.reason)),
                        "every refused import is named: {message}"
                    );
                }
                (refused, message)
            }
            other => panic!("expected a refusal, got {other:?}"),
        }
    }

    const RENDERER_EVENTS: &str = "wasmtron:app/renderer-events@0.1.0";

    #[test]
    fn a_component_of_its_world_and_wasi_0_2_passes() {
        let report = checked(
            &[
                ("wasmtron:app/log@0.1.0", Item::Interface),
                ("wasmtron:app/dom@0.1.9", Item::Interface),
                ("wasi:io/streams@0.2.6", Item::Interface),
            ],
            &[RENDERER_EVENTS],
            World::Renderer,
        )
        .expect("a renderer importing its own world and WASI passes");
        let sources: Vec<(&str, ImportSource)> = report
            .imports
            .iter()
            .map(|i| (i.name.as_str(), i.source))
            .collect();
        assert_eq!(
            sources,
            [
                ("wasmtron:app/log@0.1.0", ImportSource::App),
                ("wasmtron:app/dom@0.1.9", ImportSource::App),
                ("wasi:io/streams@0.2.6", ImportSource::Wasi),
            ]
        );
    }

    #[test]
    fn an_interface_wasmtron_app_does_not_have_is_refused_naming_it() {
        let (refused, _) = refused(checked(
            &[
                ("wasmtron:app/log@0.1.0", Item::Interface),
                ("wasmtron:app/filesystem@0.1.0", Item::Interface),
            ],
            &[RENDERER_EVENTS],
            World::Renderer,
        ));
        assert_eq!(
            refused,
            [RefusedImport {
                name: "wasmtron:app/filesystem@0.1.0".into(),
                reason: "which is not an interface of wasmtron:app".into(),
            }]
        );
    }

    #[test]
    fn another_version_of_either_package_is_refused_naming_each() {
        let (refused, _) = refused(checked(
            &[
                ("wasmtron:app/log@0.2.0", Item::Interface),
                ("wasmtron:app/dom", Item::Interface),
                ("wasi:io/streams@0.2.6", Item::Interface),
                ("wasi:cli/stdout@0.3.0", Item::Interface),
                ("wasi:random/random", Item::Interface),
            ],
            &[RENDERER_EVENTS],
            World::Renderer,
        ));
        let names: Vec<&str> = refused.iter().map(|r| r.name.as_str()).collect();
        assert_eq!(
            names,
            [
                "wasmtron:app/log@0.2.0",
                "wasmtron:app/dom",
                "wasi:cli/stdout@0.3.0",
                "wasi:random/random",
            ]
        );
        assert_eq!(
            refused[0].reason,
            "version 0.2.0, but this host implements wasmtron:app@0.1.0"
        );
        assert_eq!(
            refused[1].reason,
            "version none, but this host implements wasmtron:app@0.1.0"
        );
        assert_eq!(
            refused[2].reason,
            "version 0.3.0, but only WASI 0.2 is linked"
        );
        assert_eq!(
            refused[3].reason,
            "version none, but only WASI 0.2 is linked"
        );
    }

    #[test]
    fn an_import_that_is_not_an_interface_is_refused_naming_it() {
        // A bare function, under a plain name and under the name of an
        // interface the world does link.
        let (refused, _) = refused(checked(
            &[
                ("wasmtron:app/log@0.1.0", Item::Interface),
                ("open-anything", Item::Function),
                ("wasmtron:app/dom@0.1.0", Item::Function),
            ],
            &[RENDERER_EVENTS],
            World::Renderer,
        ));
        let names: Vec<&str> = refused.iter().map(|r| r.name.as_str()).collect();
        assert_eq!(names, ["open-anything", "wasmtron:app/dom@0.1.0"]);
        for r in &refused {
            assert_eq!(
                r.reason,
                "which is not an interface; only interfaces are linked"
            );
        }
    }

    #[test]
    fn a_component_without_its_worlds_export_is_not_that_kind_of_component() {
        let log = [("wasmtron:app/log@0.1.0", Item::Interface)];
        for world in [World::Main, World::Renderer, World::Utility] {
            let expected = format!("wasmtron:app/{}@0.1.0", world.export());
            let others: Vec<String> = [World::Main, World::Renderer, World::Utility]
                .into_iter()
                .filter(|w| *w != world)
                .map(|w| format!("wasmtron:app/{}@0.1.0", w.export()))
                .collect();
            let other_version = format!("wasmtron:app/{}@0.2.0", world.export());
            let cases: [Vec<&str>; 3] = [
                vec![],
                others.iter().map(String::as_str).collect(),
                vec![other_version.as_str()],
            ];
            for exports in cases {
                let err = checked(&log, &exports, world)
                    .expect_err("a component without its world's export is refused");
                assert_eq!(
                    err.to_string(),
                    format!(
                        "component `probe` does not export `{expected}`: it is not a {world} component"
                    ),
                    "exporting {exports:?}"
                );
                assert!(
                    matches!(&err, CapabilityError::MissingExport { world: w, .. } if *w == world),
                    "{err:?}"
                );
            }
            checked(&log, &[expected.as_str()], world)
                .expect("with its world's export, the same component passes");
        }
    }
}
