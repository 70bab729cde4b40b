//! The app's own interfaces across its components: every import a
//! manifest binds is checked against its provider's export before anything
//! runs, function by function and type by type.

use std::collections::{BTreeMap, HashMap};
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use wasmtime::component::Component;
use wasmtron_wire::page_value::check_page_type;
use wasmtron_wire::value::{Type, Value};
use wasmtron_wire::{IpcError, Sender};
pub use wasmtron_worker::typed::{FunctionType, InterfaceType};

use crate::engine::Engine;
use crate::manifest::bindings::unversioned;
use crate::manifest::{Importer, Manifest, Provider};

/// What a native provider runs: the caller, the interface (without its
/// version), the function, and the arguments decoded against the
/// provider's own types; the results, or why there are none.
pub type NativeCall = Arc<
    dyn Fn(
            Sender,
            String,
            String,
            Vec<Value>,
        ) -> Pin<Box<dyn Future<Output = Result<Vec<Value>, IpcError>> + Send>>
        + Send
        + Sync,
>;

/// An app interface provider written in Rust, registered on the
/// [`AppBuilder`](crate::AppBuilder) by the program that embeds the host and
/// bound in the manifest as `"native:NAME"`. Its functions' types are
/// checked against every import bound to it, as a component's are.
#[derive(Clone)]
pub struct NativeProvider {
    /// The interfaces it provides, with their versions and function types.
    pub interfaces: Vec<InterfaceType>,
    pub call: NativeCall,
}

impl fmt::Debug for NativeProvider {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("NativeProvider")
            .field("interfaces", &self.interfaces)
            .finish_non_exhaustive()
    }
}

impl NativeProvider {
    /// The app interfaces a component exports, with their types: for a
    /// native provider that stands in for that component (the same
    /// contract, answered in Rust).
    ///
    /// # Errors
    /// When the component cannot be loaded, or an interface it exports
    /// cannot be carried.
    pub fn interfaces_of(
        engine: &Engine,
        component: &std::path::Path,
    ) -> anyhow::Result<Vec<InterfaceType>> {
        let component = engine.load(component)?;
        let exported: Result<Vec<_>, _> =
            wasmtron_worker::typed::app_exports(engine.wasmtime(), &component)
                .into_iter()
                .collect();
        Ok(exported?)
    }
}

/// One checked binding, for `wasmtron check` to print.
#[derive(Debug, Clone)]
pub struct BoundInterface {
    pub importer: Importer,
    /// The interface as the importer names it, with its version.
    pub interface: String,
    pub provider: Provider,
    /// The functions the importer calls, with their types.
    pub functions: Vec<(String, FunctionType)>,
    /// False for a native provider when no program registered it (as in
    /// `wasmtron check`): its types are checked when the app starts.
    pub checked: bool,
}

/// The app interface a window's renderer exports to its page's scripts
/// (the window's `page-api`), as the check found it in the renderer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PageApi {
    pub window: String,
    /// With its version.
    pub interface: String,
    pub functions: BTreeMap<String, FunctionType>,
}

/// Everything the check accepted.
#[derive(Debug, Clone, Default)]
pub struct Contracts {
    /// Every binding of an `imports` table.
    pub bound: Vec<BoundInterface>,
    /// Every window's page API.
    pub page_apis: Vec<PageApi>,
}

impl Contracts {
    /// Window `label`'s page API, if it has one.
    #[must_use]
    pub fn page_api(&self, label: &str) -> Option<&PageApi> {
        self.page_apis.iter().find(|api| api.window == label)
    }

    /// The types `label`'s renderer imports `interface` (unversioned) with,
    /// when its manifest binds it to the page.
    #[must_use]
    pub fn page_events(&self, label: &str, interface: &str) -> Option<&BoundInterface> {
        self.bound.iter().find(|b| {
            b.provider == Provider::Page
                && b.importer == Importer::Window(label.to_owned())
                && unversioned(&b.interface) == interface
        })
    }
}

/// `wasmtron:app/content.serve`'s type, as wit/content.wit writes it and
/// the check holds every content provider to.
#[must_use]
pub fn serve_type() -> FunctionType {
    let string = || Type::String;
    FunctionType {
        params: vec![(
            "request".to_owned(),
            Type::Record(vec![
                ("window".to_owned(), string()),
                ("path".to_owned(), string()),
                ("query".to_owned(), string()),
            ]),
        )],
        results: vec![Type::Result {
            ok: Some(Box::new(Type::Record(vec![
                ("mime".to_owned(), string()),
                ("body".to_owned(), Type::List(Box::new(Type::U8))),
            ]))),
            err: Some(Box::new(Type::Variant(vec![
                ("not-found".to_owned(), None),
                ("failed".to_owned(), Some(string())),
            ]))),
        }],
    }
}

/// Why an app interface import is refused. Each names the importer, the
/// interface, the provider and, where it is one function, the function.
#[derive(Debug, Clone, thiserror::Error)]
#[non_exhaustive]
pub enum ContractError {
    #[error("{importer} imports `{interface}`, which typed calls cannot carry: {reason}")]
    Uncarried {
        importer: Importer,
        interface: String,
        reason: String,
    },
    #[error("{importer} imports `{interface}` from {provider}, which does not export it")]
    NotExported {
        importer: Importer,
        interface: String,
        provider: Provider,
    },
    #[error(
        "{importer} imports `{interface}` version {imported}, but {provider} exports version {exported}, which is not compatible"
    )]
    Version {
        importer: Importer,
        interface: String,
        provider: Provider,
        imported: String,
        exported: String,
    },
    #[error(
        "{importer} imports `{interface}.{function}` from {provider}, which does not export that function"
    )]
    MissingFunction {
        importer: Importer,
        interface: String,
        function: String,
        provider: Provider,
    },
    #[error(
        "{importer} imports `{interface}.{function}` as `{imported}`, but {provider} exports it as `{exported}`"
    )]
    TypesDiffer {
        importer: Importer,
        interface: String,
        function: String,
        provider: Provider,
        imported: String,
        exported: String,
    },
    #[error(
        "{importer} imports `{interface}` from native provider `{name}`, which this program did not register"
    )]
    NoNative {
        importer: Importer,
        interface: String,
        name: String,
    },
    #[error(
        "window `{window}` names `{interface}` as its page API, but its renderer does not export it{}",
        if .reason.is_empty() { String::new() } else { format!(": {}", .reason) }
    )]
    NoPageApi {
        window: String,
        interface: String,
        reason: String,
    },
    #[error("window `{window}`'s content comes from {provider}, but {reason}")]
    Content {
        window: String,
        provider: Provider,
        reason: String,
    },
    #[error("window `{window}`'s page cannot call `{interface}.{function}`: {reason}")]
    PageApiType {
        window: String,
        interface: String,
        function: String,
        reason: String,
    },
    #[error(
        "window `{window}`'s renderer imports `{interface}.{function}` from its page, but {reason}"
    )]
    PageEventType {
        window: String,
        interface: String,
        function: String,
        reason: String,
    },
}

/// The components of an app, by who they are in the manifest.
pub(crate) type Components<'a> = Vec<(Importer, &'a Component)>;

/// Checks every binding of the manifest: each importer's app imports
/// against its provider's exports. `natives` is `None` when no program
/// registers native providers (`wasmtron check`): bindings to them are
/// reported unchecked.
///
/// # Errors
/// Every refusal found, not only the first.
pub(crate) fn check(
    engine: &Engine,
    manifest: &Manifest,
    components: &Components<'_>,
    natives: Option<&HashMap<String, NativeProvider>>,
) -> Result<Contracts, Vec<ContractError>> {
    let engine = engine.wasmtime();
    let mut exports: HashMap<Importer, Vec<Exported>> = HashMap::new();
    let mut bound = Vec::new();
    let mut errors = Vec::new();
    for (importer, component) in components {
        let imports = match wasmtron_worker::typed::app_imports(engine, component) {
            Ok(imports) => imports,
            Err(err) => {
                errors.push(ContractError::Uncarried {
                    importer: importer.clone(),
                    interface: err.interface,
                    reason: err.reason,
                });
                continue;
            }
        };
        for import in imports {
            let name = unversioned(&import.name);
            // The capability check refused an import with no binding.
            let Some(provider) = manifest.provider(importer, name) else {
                continue;
            };
            let offered: Option<Vec<Exported>> = match provider {
                Provider::Page => {
                    let Importer::Window(window) = importer else {
                        continue;
                    };
                    match page_events(window, &import) {
                        Ok(()) => bound.push(BoundInterface {
                            importer: importer.clone(),
                            interface: import.name.clone(),
                            provider: provider.clone(),
                            functions: import.functions.into_iter().collect(),
                            checked: true,
                        }),
                        Err(mut found) => errors.append(&mut found),
                    }
                    continue;
                }
                Provider::Main => exported(engine, &mut exports, components, &Importer::Main),
                Provider::Utility(utility) => exported(
                    engine,
                    &mut exports,
                    components,
                    &Importer::Utility(utility.clone()),
                ),
                Provider::Native(native) => match natives {
                    None => {
                        bound.push(BoundInterface {
                            importer: importer.clone(),
                            interface: import.name.clone(),
                            provider: provider.clone(),
                            functions: import.functions.into_iter().collect(),
                            checked: false,
                        });
                        continue;
                    }
                    Some(natives) => match natives.get(native) {
                        Some(registered) => {
                            Some(registered.interfaces.iter().cloned().map(Ok).collect())
                        }
                        None => {
                            errors.push(ContractError::NoNative {
                                importer: importer.clone(),
                                interface: name.to_owned(),
                                name: native.clone(),
                            });
                            continue;
                        }
                    },
                },
            };
            // A provider the check did not load was refused on its own.
            let Some(offered) = offered else {
                continue;
            };
            match matches(importer, &import, provider, &offered) {
                Ok(()) => bound.push(BoundInterface {
                    importer: importer.clone(),
                    interface: import.name.clone(),
                    provider: provider.clone(),
                    functions: import.functions.into_iter().collect(),
                    checked: true,
                }),
                Err(mut found) => errors.append(&mut found),
            }
        }
    }
    let mut page_apis = Vec::new();
    for window in &manifest.windows {
        let Some(interface) = &window.page_api else {
            continue;
        };
        let who = Importer::Window(window.label.clone());
        let Some(offered) = exported(engine, &mut exports, components, &who) else {
            continue;
        };
        match page_api(&window.label, interface, &offered) {
            Ok(api) => page_apis.push(api),
            Err(mut found) => errors.append(&mut found),
        }
    }
    for window in &manifest.windows {
        let Some(provider) = &window.content else {
            continue;
        };
        let who = match provider {
            Provider::Main => Importer::Main,
            Provider::Utility(name) => Importer::Utility(name.clone()),
            // The manifest takes nothing else.
            Provider::Native(_) | Provider::Page => continue,
        };
        let Some(offered) = exported(engine, &mut exports, components, &who) else {
            continue;
        };
        if let Err(reason) = content_provider(&offered) {
            errors.push(ContractError::Content {
                window: window.label.clone(),
                provider: provider.clone(),
                reason,
            });
        }
    }
    if errors.is_empty() {
        Ok(Contracts { bound, page_apis })
    } else {
        Err(errors)
    }
}

/// Whether a provider's exports serve content: `wasmtron:app/content` at a
/// compatible version, with `serve` of [`serve_type`].
fn content_provider(offered: &[Exported]) -> Result<(), String> {
    let interface = wasmtron_worker::typed::CONTENT_INTERFACE;
    let found = offered.iter().find_map(|e| match e {
        Ok(export) if unversioned(&export.name) == interface => Some(Ok(export)),
        Err(err) if unversioned(&err.interface) == interface => Some(Err(err)),
        _ => None,
    });
    let export = match found {
        None => return Err(format!("it does not export `{interface}`")),
        Some(Err(err)) => return Err(format!("its `{interface}` {}", err.reason)),
        Some(Ok(export)) => export,
    };
    if !compatible(
        version(&export.name),
        Some(crate::capabilities::APP_VERSION),
    ) {
        return Err(format!(
            "it exports `{}`, a version this host does not serve",
            export.name
        ));
    }
    let wanted = serve_type();
    match export.functions.get("serve") {
        Some(ty) if ty.matches(&wanted) => Ok(()),
        Some(ty) => Err(format!("its `serve` is `{ty}`, not `{wanted}`")),
        None => Err(format!("its `{interface}` has no `serve`")),
    }
}

/// Window `window`'s page API `interface` (unversioned) as its renderer
/// exports it: every function's types must cross to a page and back.
fn page_api(
    window: &str,
    interface: &str,
    offered: &[Exported],
) -> Result<PageApi, Vec<ContractError>> {
    let found = offered.iter().find(|e| match e {
        Ok(export) => unversioned(&export.name) == interface,
        Err(err) => unversioned(&err.interface) == interface,
    });
    let export = match found {
        Some(Ok(export)) => export,
        Some(Err(err)) => {
            return Err(vec![ContractError::NoPageApi {
                window: window.to_owned(),
                interface: interface.to_owned(),
                reason: err.reason.clone(),
            }]);
        }
        None => {
            return Err(vec![ContractError::NoPageApi {
                window: window.to_owned(),
                interface: interface.to_owned(),
                reason: String::new(),
            }]);
        }
    };
    let errors: Vec<ContractError> = export
        .functions
        .iter()
        .filter_map(|(function, ty)| {
            let types = ty.params.iter().map(|(_, t)| t).chain(&ty.results);
            let refused = types.map(check_page_type).find_map(Result::err)?;
            Some(ContractError::PageApiType {
                window: window.to_owned(),
                interface: interface.to_owned(),
                function: function.clone(),
                reason: refused.to_string(),
            })
        })
        .collect();
    if errors.is_empty() {
        Ok(PageApi {
            window: window.to_owned(),
            interface: export.name.clone(),
            functions: export.functions.clone(),
        })
    } else {
        Err(errors)
    }
}

/// Whether `import`, bound to window `window`'s page, can be its events:
/// arguments that cross to a page, and no results beyond a place for the
/// failure (`result<_, ipc-error>`, or nothing: an event is not answered).
fn page_events(window: &str, import: &InterfaceType) -> Result<(), Vec<ContractError>> {
    let name = unversioned(&import.name);
    let errors: Vec<ContractError> = import
        .functions
        .iter()
        .filter_map(|(function, ty)| {
            let refuse = |reason: String| ContractError::PageEventType {
                window: window.to_owned(),
                interface: name.to_owned(),
                function: function.clone(),
                reason,
            };
            if let Some(refused) = ty.params.iter().map(|(_, t)| check_page_type(t)).find_map(Result::err) {
                return Some(refuse(format!("its arguments cannot cross to a page: {refused}")));
            }
            let answerless = match ty.results.as_slice() {
                [] => true,
                [Type::Result { ok: None, .. }] => wasmtron_worker::typed::carrier(&ty.results).is_some(),
                _ => false,
            };
            (!answerless).then(|| {
                refuse(format!(
                    "it returns `{}`; an event returns nothing, or `result<_, ipc-error>` to learn that it was not delivered",
                    ty.results.iter().map(ToString::to_string).collect::<Vec<_>>().join(", ")
                ))
            })
        })
        .collect();
    if errors.is_empty() {
        Ok(())
    } else {
        Err(errors)
    }
}

/// Checks a component about to be instantiated (a renderer at a reload, a
/// utility at a fork) against the bindings checked at start: its file may
/// have been replaced since. What it imports must still be what its
/// providers were checked to export, and what it provides must still hold
/// every function its users import, with the same types.
///
/// # Errors
/// The first refusal found.
pub(crate) fn recheck(
    engine: &Engine,
    component: &Component,
    who: &Importer,
    contracts: &Contracts,
) -> Result<(), Box<ContractError>> {
    let engine = engine.wasmtime();
    let bound = &contracts.bound;
    if let Importer::Window(label) = who
        && let Some(api) = contracts.page_api(label)
    {
        let offered = wasmtron_worker::typed::app_exports(engine, component);
        let now = page_api(label, unversioned(&api.interface), &offered)
            .map_err(|mut refused| Box::new(refused.remove(0)))?;
        // The page was given these functions when its window opened.
        for (function, ty) in &api.functions {
            let Some(theirs) = now.functions.get(function) else {
                return Err(Box::new(ContractError::NoPageApi {
                    window: label.clone(),
                    interface: unversioned(&api.interface).to_owned(),
                    reason: format!("the new renderer has no function `{function}`"),
                }));
            };
            if !ty.matches(theirs) {
                return Err(Box::new(ContractError::PageApiType {
                    window: label.clone(),
                    interface: unversioned(&api.interface).to_owned(),
                    function: function.clone(),
                    reason: format!("its type was `{ty}` and the new renderer's is `{theirs}`"),
                }));
            }
        }
    }
    let imports = wasmtron_worker::typed::app_imports(engine, component).map_err(|err| {
        Box::new(ContractError::Uncarried {
            importer: who.clone(),
            interface: err.interface,
            reason: err.reason,
        })
    })?;
    for import in &imports {
        let name = unversioned(&import.name);
        let Some(record) = bound
            .iter()
            .find(|b| &b.importer == who && unversioned(&b.interface) == name)
        else {
            continue;
        };
        let checked: HashMap<&str, &FunctionType> = record
            .functions
            .iter()
            .map(|(f, t)| (f.as_str(), t))
            .collect();
        for (function, ty) in &import.functions {
            match checked.get(function.as_str()) {
                Some(theirs) if ty.matches(theirs) => {}
                Some(theirs) => {
                    return Err(Box::new(ContractError::TypesDiffer {
                        importer: who.clone(),
                        interface: name.to_owned(),
                        function: function.clone(),
                        provider: record.provider.clone(),
                        imported: ty.to_string(),
                        exported: theirs.to_string(),
                    }));
                }
                None => {
                    return Err(Box::new(ContractError::MissingFunction {
                        importer: who.clone(),
                        interface: name.to_owned(),
                        function: function.clone(),
                        provider: record.provider.clone(),
                    }));
                }
            }
        }
    }
    let Importer::Utility(utility) = who else {
        return Ok(());
    };
    let provider = Provider::Utility(utility.clone());
    let offered = wasmtron_worker::typed::app_exports(engine, component);
    for record in bound.iter().filter(|b| b.provider == provider) {
        let wanted = InterfaceType {
            name: record.interface.clone(),
            functions: record.functions.iter().cloned().collect(),
        };
        if let Err(mut refused) = matches(&record.importer, &wanted, &provider, &offered) {
            return Err(Box::new(refused.remove(0)));
        }
    }
    Ok(())
}

/// An interface a provider exports, or why calls cannot carry it.
type Exported = Result<InterfaceType, wasmtron_worker::typed::InterfaceError>;

/// The app interfaces `who` exports, read once.
fn exported(
    engine: &wasmtime::Engine,
    cache: &mut HashMap<Importer, Vec<Exported>>,
    components: &Components<'_>,
    who: &Importer,
) -> Option<Vec<Exported>> {
    if let Some(found) = cache.get(who) {
        return Some(found.clone());
    }
    let (_, component) = components.iter().find(|(i, _)| i == who)?;
    let found = wasmtron_worker::typed::app_exports(engine, component);
    cache.insert(who.clone(), found.clone());
    Some(found)
}

/// Whether `offered` holds `import`, version and functions.
fn matches(
    importer: &Importer,
    import: &InterfaceType,
    provider: &Provider,
    offered: &[Exported],
) -> Result<(), Vec<ContractError>> {
    let name = unversioned(&import.name);
    let found = offered.iter().find(|e| match e {
        Ok(export) => unversioned(&export.name) == name,
        Err(err) => unversioned(&err.interface) == name,
    });
    let export = match found {
        Some(Ok(export)) => export,
        Some(Err(err)) => {
            return Err(vec![ContractError::Uncarried {
                importer: importer.clone(),
                interface: name.to_owned(),
                reason: format!("{provider} exports it, but {}", err.reason),
            }]);
        }
        None => {
            return Err(vec![ContractError::NotExported {
                importer: importer.clone(),
                interface: name.to_owned(),
                provider: provider.clone(),
            }]);
        }
    };
    let (imported, exported) = (version(&import.name), version(&export.name));
    if !compatible(imported, exported) {
        return Err(vec![ContractError::Version {
            importer: importer.clone(),
            interface: name.to_owned(),
            provider: provider.clone(),
            imported: imported.unwrap_or("none").to_owned(),
            exported: exported.unwrap_or("none").to_owned(),
        }]);
    }
    let mut errors = Vec::new();
    for (function, ty) in &import.functions {
        match export.functions.get(function) {
            None => errors.push(ContractError::MissingFunction {
                importer: importer.clone(),
                interface: name.to_owned(),
                function: function.clone(),
                provider: provider.clone(),
            }),
            Some(theirs) if !ty.matches(theirs) => errors.push(ContractError::TypesDiffer {
                importer: importer.clone(),
                interface: name.to_owned(),
                function: function.clone(),
                provider: provider.clone(),
                imported: ty.to_string(),
                exported: theirs.to_string(),
            }),
            Some(_) => {}
        }
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(errors)
    }
}

fn version(name: &str) -> Option<&str> {
    name.split_once('@').map(|(_, v)| v)
}

/// Semantic versioning as WIT packages use it: the same major version
/// from 1.0 on; before 1.0, the same minor version (0.2.x with 0.2.y), and
/// before 0.1 the same version. No version matches only no version.
#[must_use]
pub fn compatible(a: Option<&str>, b: Option<&str>) -> bool {
    let (Some(a), Some(b)) = (a, b) else {
        return a.is_none() && b.is_none();
    };
    let parts = |v: &str| -> Option<(u64, u64, u64)> {
        let core = v.split(['-', '+']).next()?;
        let mut it = core.split('.').map(|p| p.parse::<u64>().ok());
        Some((it.next()??, it.next()??, it.next()??))
    };
    match (parts(a), parts(b)) {
        (Some((0, 0, pa)), Some((0, 0, pb))) => pa == pb && a == b,
        (Some((0, ma, _)), Some((0, mb, _))) => ma == mb,
        (Some((ma, _, _)), Some((mb, _, _))) => ma == mb,
        _ => a == b,
    }
}

#[cfg(test)]
mod tests {
    use super::compatible;

    #[test]
    fn versions_are_compatible_as_semver_says() {
        assert!(compatible(Some("0.1.0"), Some("0.1.7")));
        assert!(!compatible(Some("0.1.0"), Some("0.2.0")));
        assert!(compatible(Some("1.2.0"), Some("1.0.3")));
        assert!(!compatible(Some("1.0.0"), Some("2.0.0")));
        assert!(!compatible(Some("0.0.1"), Some("0.0.2")));
        assert!(compatible(None, None));
        assert!(!compatible(Some("0.1.0"), None));
    }
}
