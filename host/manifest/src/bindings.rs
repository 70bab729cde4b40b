//! The `imports` tables: which component provides each app interface a
//! component imports. Written out for every import, never guessed.
//!
//! ```toml
//! [main.imports]
//! "plugins:app/render" = "utility:markdown"
//!
//! [[window]]
//! label = "main"
//! # ...
//! [window.imports]
//! "notes:app/store" = "main"
//! ```

use std::collections::BTreeMap;
use std::fmt;

use crate::{UtilityManifest, WindowManifest};

/// A binding refused: the key at fault and why (the manifest's
/// `Invalid` error, made by the caller).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Refused {
    pub key: String,
    pub reason: String,
}

fn invalid(key: &str, reason: String) -> Refused {
    Refused {
        key: key.to_owned(),
        reason,
    }
}

/// Who answers the calls to an app interface.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Provider {
    /// The main component (`"main"`).
    Main,
    /// The utility declared with this name (`"utility:NAME"`): the host runs
    /// one instance of it to serve calls.
    Utility(String),
    /// A provider written in Rust and registered by the program that embeds
    /// the host (`"native:NAME"`).
    Native(String),
    /// The renderer's own page (`"page"`, only in a window's table): each
    /// call is an event the page's listeners get.
    Page,
}

impl fmt::Display for Provider {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Provider::Main => f.write_str("main"),
            Provider::Utility(name) => write!(f, "utility `{name}`"),
            Provider::Native(name) => write!(f, "native provider `{name}`"),
            Provider::Page => f.write_str("the page"),
        }
    }
}

/// One line of an `imports` table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Binding {
    /// `namespace:package/interface`, without a version.
    pub interface: String,
    pub provider: Provider,
}

pub use wasmtron_wire::world::{is_app_interface, unversioned};

/// Where an `imports` table is: only a window's renderer has a page.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Table {
    Window,
    Other,
}

/// Parses the table at `key` (`main.imports`, `window[0].imports`...).
pub(crate) fn parse(
    key: &str,
    table: BTreeMap<String, String>,
    kind: Table,
) -> Result<Vec<Binding>, Refused> {
    table
        .into_iter()
        .map(|(interface, provider)| {
            let at = format!("{key}.\"{interface}\"");
            check_interface(&interface).map_err(|why| invalid(&at, why))?;
            let provider = match provider.as_str() {
                "main" => Provider::Main,
                "page" if kind == Table::Window => Provider::Page,
                "page" => {
                    return Err(invalid(
                        &at,
                        "binds it to the page, but only a window's renderer has one".into(),
                    ));
                }
                other => match other.split_once(':') {
                    Some(("utility", name)) if !name.is_empty() => {
                        Provider::Utility(name.to_owned())
                    }
                    Some(("native", name)) if !name.is_empty() => Provider::Native(name.to_owned()),
                    _ => {
                        return Err(invalid(
                            &at,
                            format!(
                                "is `{other}`; expected \"main\", \"utility:NAME\", \"native:NAME\" or \"page\""
                            ),
                        ));
                    }
                },
            };
            Ok(Binding {
                interface,
                provider,
            })
        })
        .collect()
}

/// A window's `content` provider: `"main"` or `"utility:NAME"`.
pub(crate) fn parse_content(key: &str, text: &str) -> Result<Provider, Refused> {
    match text {
        "main" => Ok(Provider::Main),
        other => match other.split_once(':') {
            Some(("utility", name)) if !name.is_empty() => Ok(Provider::Utility(name.to_owned())),
            _ => Err(invalid(
                key,
                format!("is `{other}`; expected \"main\" or \"utility:NAME\""),
            )),
        },
    }
}

/// `namespace:package/interface`, each a WIT identifier, no version, not
/// wasmtron's own package nor WASI.
pub(crate) fn check_interface(name: &str) -> Result<(), String> {
    if name.contains('@') {
        return Err(
            "names a version; write the interface without it (the components' versions are checked against each other)"
                .into(),
        );
    }
    let parts = name
        .split_once(':')
        .and_then(|(ns, rest)| rest.split_once('/').map(|(pkg, iface)| [ns, pkg, iface]));
    let Some(parts) = parts else {
        return Err("is not an interface name of the form `namespace:package/interface`".into());
    };
    if let Some(bad) = parts.iter().find(|part| !is_wit_id(part)) {
        return Err(format!(
            "has `{bad}`, which is not a WIT identifier (lower-case words joined by `-`)"
        ));
    }
    if matches!(parts[0], "wasmtron" | "wasi") {
        return Err(format!(
            "is an interface of `{}:`, which the host provides itself; only an app's own interfaces are bound",
            parts[0]
        ));
    }
    Ok(())
}

/// A WIT identifier: words of lower-case letters and digits, each starting
/// with a letter, joined by single hyphens.
fn is_wit_id(text: &str) -> bool {
    !text.is_empty()
        && text.split('-').all(|word| {
            word.starts_with(|c: char| c.is_ascii_lowercase())
                && word
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit())
        })
}

/// A component that may import app interfaces, as errors name it.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Importer {
    Main,
    Window(String),
    Utility(String),
}

impl fmt::Display for Importer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Importer::Main => f.write_str("main"),
            Importer::Window(label) => write!(f, "window `{label}`'s renderer"),
            Importer::Utility(name) => write!(f, "utility `{name}`"),
        }
    }
}

/// Refuses bindings to utilities that are not declared, and bindings that
/// make a cycle: a provider that imports (directly or through others) from
/// the component that called it would wait on a caller that is waiting on
/// it, which is a deadlock.
pub(crate) fn check_graph(
    main: Option<&[Binding]>,
    windows: &[WindowManifest],
    utilities: &[UtilityManifest],
) -> Result<(), Refused> {
    let has_main = main.is_some();
    let main = main.unwrap_or_default();
    let mut tables: Vec<(String, Importer, &[Binding])> =
        vec![("main.imports".into(), Importer::Main, main)];
    for (i, w) in windows.iter().enumerate() {
        tables.push((
            format!("window[{i}].imports"),
            Importer::Window(w.label.clone()),
            &w.imports,
        ));
    }
    for (i, u) in utilities.iter().enumerate() {
        tables.push((
            format!("utility[{i}].imports"),
            Importer::Utility(u.name.clone()),
            &u.imports,
        ));
    }
    for (key, _, bindings) in &tables {
        for binding in *bindings {
            if binding.provider == Provider::Main && !has_main {
                return Err(invalid(
                    &format!("{key}.\"{}\"", binding.interface),
                    "binds it to main, but the manifest has no `[main]`".into(),
                ));
            }
            if let Provider::Utility(name) = &binding.provider
                && !utilities.iter().any(|u| &u.name == name)
            {
                return Err(invalid(
                    &format!("{key}.\"{}\"", binding.interface),
                    format!("binds it to utility `{name}`, which no `[[utility]]` declares"),
                ));
            }
        }
    }
    for (i, w) in windows.iter().enumerate() {
        let key = format!("window[{i}].content");
        match &w.content {
            Some(Provider::Main) if !has_main => {
                return Err(invalid(
                    &key,
                    "is main, but the manifest has no `[main]`".into(),
                ));
            }
            Some(Provider::Utility(name)) if !utilities.iter().any(|u| &u.name == name) => {
                return Err(invalid(
                    &key,
                    format!("is utility `{name}`, which no `[[utility]]` declares"),
                ));
            }
            _ => {}
        }
    }
    // Only main and utilities provide, so only they can be on a cycle.
    let edges = |from: &Importer| -> Vec<Importer> {
        let bindings = match from {
            Importer::Main => main,
            Importer::Utility(name) => utilities
                .iter()
                .find(|u| &u.name == name)
                .map_or(&[][..], |u| &u.imports),
            Importer::Window(_) => &[],
        };
        let mut to: Vec<Importer> = bindings
            .iter()
            .filter_map(|b| match &b.provider {
                Provider::Main => Some(Importer::Main),
                Provider::Utility(name) => Some(Importer::Utility(name.clone())),
                Provider::Native(_) | Provider::Page => None,
            })
            .collect();
        to.sort();
        to.dedup();
        to
    };
    for (key, start, _) in tables
        .iter()
        .filter(|(_, i, _)| !matches!(i, Importer::Window(_)))
    {
        if let Some(path) = cycle_from(start, &edges) {
            let shown: Vec<String> = path.iter().map(ToString::to_string).collect();
            return Err(invalid(
                key,
                format!(
                    "makes a cycle of providers that would deadlock: {} (a provider would call back into a caller that waits for it)",
                    shown.join(" → ")
                ),
            ));
        }
    }
    Ok(())
}

/// A path from `start` back to `start`, if there is one.
fn cycle_from(
    start: &Importer,
    edges: &dyn Fn(&Importer) -> Vec<Importer>,
) -> Option<Vec<Importer>> {
    let mut path = vec![start.clone()];
    let mut seen = std::collections::HashSet::new();
    fn walk(
        at: &Importer,
        start: &Importer,
        edges: &dyn Fn(&Importer) -> Vec<Importer>,
        path: &mut Vec<Importer>,
        seen: &mut std::collections::HashSet<Importer>,
    ) -> bool {
        for next in edges(at) {
            path.push(next.clone());
            if &next == start {
                return true;
            }
            if seen.insert(next.clone()) && walk(&next, start, edges, path, seen) {
                return true;
            }
            path.pop();
        }
        false
    }
    walk(start, start, edges, &mut path, &mut seen).then_some(path)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn table(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    }

    #[test]
    fn providers_are_main_a_utility_or_a_native_one() {
        let parsed = parse(
            "main.imports",
            table(&[
                ("a:b/c", "main"),
                ("a:b/d", "utility:md"),
                ("a:b/e", "native:db"),
            ]),
            Table::Other,
        )
        .expect("valid bindings");
        assert_eq!(parsed[0].provider, Provider::Main);
        assert_eq!(parsed[1].provider, Provider::Utility("md".into()));
        assert_eq!(parsed[2].provider, Provider::Native("db".into()));
    }

    #[test]
    fn bad_names_and_providers_are_refused_by_name() {
        let refused = |k: &str, v: &str| {
            parse("main.imports", table(&[(k, v)]), Table::Other)
                .expect_err("refused")
                .reason
        };
        assert!(refused("a:b/c@0.1.0", "main").contains("names a version"));
        assert!(refused("a:b", "main").contains("namespace:package/interface"));
        assert!(refused("A:b/c", "main").contains("`A`"));
        assert!(refused("a:b/c--d", "main").contains("`c--d`"));
        assert!(refused("wasmtron:app/windows", "main").contains("provides itself"));
        assert!(refused("wasi:http/outgoing-handler", "main").contains("provides itself"));
        assert!(refused("a:b/c", "window:x").contains("expected \"main\""));
        assert!(refused("a:b/c", "utility:").contains("expected \"main\""));
        assert!(refused("a:b/c", "page").contains("only a window's renderer"));
    }

    #[test]
    fn a_window_may_bind_an_interface_to_its_page() {
        let parsed = parse(
            "window[0].imports",
            table(&[("a:b/events", "page")]),
            Table::Window,
        )
        .expect("a window's page");
        assert_eq!(parsed[0].provider, Provider::Page);
    }

    #[test]
    fn app_interfaces_are_those_outside_wasmtron_and_wasi() {
        assert!(is_app_interface("notes:app/store@0.1.0"));
        assert!(!is_app_interface("wasmtron:app/log@0.1.0"));
        assert!(!is_app_interface("wasi:cli/stdout@0.2.3"));
        assert!(!is_app_interface("bare"));
        assert_eq!(unversioned("a:b/c@1.2.3"), "a:b/c");
    }
}
