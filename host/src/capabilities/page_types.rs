//! TypeScript declarations of `window.wasmtron` for one window's page
//! (`wasmtron types`): its page API's functions, its renderer's events,
//! and the error a call rejects with, written from the types the check
//! read from the renderer.
//!
//! The types are jco's, as `wasmtron_wire::page_value` converts values.
//! WIT types reach the host structurally (a record has field names but no
//! type name), so every type is written inline where it is used.
//!
//! What the page passes (arguments) is typed a little looser than what it
//! gets (results, event arguments, error payloads), because the host
//! accepts more than it gives:
//!
//! | WIT | the page gets | the page may pass |
//! |---|---|---|
//! | `option<T>` | `T \| null` | `T \| null \| undefined`, and a record field, a case's `val` or a trailing argument of that type may be left out |
//! | `option<option<T>>` | `{ tag: 'some'; val: T \| null } \| null` | also `{ tag: 'none' }` and `undefined` |
//! | `s64`, `u64` | `bigint` | `bigint \| number` (a number past 2^53 - 1 is refused) |
//! | `list<u8>` | `Uint8Array` | `Uint8Array \| number[]` |
//! | flags | every flag, `boolean` | every flag optional (left out is off) |
//!
//! Everything else is the same both ways: numbers, strings, `T[]`, tuples
//! as `[A, B]`, records as objects keyed by camelCase names, variants and
//! nested results as `{ tag: 'case'; val: T }` unions, enums as unions of
//! their cases' names.

use std::collections::BTreeMap;

use wasmtron_wire::page_value::js_name;
use wasmtron_wire::value::Type;

use super::contracts::{BoundInterface, FunctionType, PageApi};

/// One level of indentation.
const INDENT: &str = "  ";

/// How wide a line may be before a type on it is broken over several.
const LINE: usize = 80;

/// The least room a type gets on a line, however deep it is nested: a
/// deep type stays readable rather than one word a line.
const MIN_ROOM: usize = 24;

/// The codes a page call can reject with: every `ipc-error` code a call
/// can end in, and `rejected` for a function that returned its error.
const ERROR_CODES: &[(&str, &str)] = &[
    ("rejected", "the function returned its error, in `payload`"),
    ("no-handler", "the page API has no function of that name"),
    (
        "bad-payload",
        "the arguments do not fit the function's parameters",
    ),
    (
        "limit-exceeded",
        "the page has as many calls waiting as its renderer's `max-pending-invokes`",
    ),
    ("timeout", "the renderer took too long"),
    ("too-large", "the arguments or the results were too large"),
    ("target-gone", "the renderer is gone"),
    ("handler-failed", "the renderer failed while answering"),
    ("denied", "the call was not allowed"),
];

/// The TypeScript declaration file (`.d.ts`) for window `label`'s page:
/// its page API (`api`, if the window has one) and the events of the
/// interfaces its manifest binds to `"page"` (`events`), as the check
/// found them (so every type can cross to a page and nests no deeper than
/// the check allows).
///
/// The file is a module that declares `window.wasmtron` (and the global
/// `wasmtron`) and exports its types by name: `WasmtronApi`,
/// `WasmtronEvents`, `Wasmtron`, `WasmtronError`, `WasmtronErrorCode`.
#[must_use]
pub fn declarations(label: &str, api: Option<&PageApi>, events: &[&BoundInterface]) -> String {
    let mut out = String::new();
    header(&mut out, label, api, events);
    api_declaration(&mut out, label, api);
    events_declaration(&mut out, label, events);
    wasmtron_declaration(&mut out);
    error_declaration(&mut out);
    out.push_str(GLOBAL);
    out
}

fn header(out: &mut String, label: &str, api: Option<&PageApi>, events: &[&BoundInterface]) {
    let label = commented(label);
    out.push_str(&format!(
        "// The types of `window.wasmtron` for the page of window `{label}`,\n\
         // written by `wasmtron types` from its renderer's WIT types: run it\n\
         // again when they change rather than editing this file.\n//\n"
    ));
    match api {
        Some(api) => out.push_str(&format!(
            "// Page API (`wasmtron.api`): `{}`.\n",
            commented(&api.interface)
        )),
        None => out.push_str("// Page API: none (the manifest names no `page-api`).\n"),
    }
    if events.is_empty() {
        out.push_str("// Events: none (no interface of the renderer is bound to \"page\").\n");
    }
    for bound in events {
        out.push_str(&format!(
            "// Events (`wasmtron.on`): `{}`.\n",
            commented(&bound.interface)
        ));
    }
    out.push_str(
        "//\n\
         // Values are as jco gives WIT values to JavaScript. Arguments the page\n\
         // passes may be looser than what it gets back: an option may also be\n\
         // `undefined` (and left out as a key or a trailing argument), a 64-bit\n\
         // integer may also be a number up to 2^53 - 1, a list<u8> may also be\n\
         // an array of numbers, and a flag may be left out (it is then off).\n\n",
    );
}

fn api_declaration(out: &mut String, label: &str, api: Option<&PageApi>) {
    let label = commented(label);
    let Some(api) = api else {
        out.push_str(&format!(
            "/**\n * Window `{label}` has no page API: every call of `wasmtron.api`\n \
             * rejects with code `'no-handler'`.\n */\nexport interface WasmtronApi {{}}\n\n"
        ));
        return;
    };
    out.push_str(&format!(
        "/**\n * The functions of `{}` that the page calls on window `{label}`'s\n \
         * renderer. Each returns a promise; a call that fails rejects with a\n \
         * {{@link WasmtronError}}.\n */\nexport interface WasmtronApi {{\n",
        commented(&api.interface)
    ));
    for (i, (name, ty)) in api.functions.iter().enumerate() {
        if i > 0 {
            out.push('\n');
        }
        function(out, name, ty);
    }
    out.push_str("}\n\n");
}

/// One function of the page API: its doc comment and its signature.
fn function(out: &mut String, name: &str, ty: &FunctionType) {
    let mut doc = vec![format!("`{}: {ty}`", commented(name))];
    let (resolves, payload) = match ty.results.as_slice() {
        [] => (Ts::atom("null"), None),
        // jco's rule: a single `result` resolves with its ok side and
        // throws its err side.
        [Type::Result { ok, err }] => (
            ok.as_deref()
                .map_or(Ts::atom("null"), |t| ts(t, Way::ToPage)),
            Some(
                err.as_deref()
                    .map_or(Ts::atom("null"), |t| ts(t, Way::ToPage)),
            ),
        ),
        [one] => (ts(one, Way::ToPage), None),
        // WIT gives a function at most one result; the check saw to it.
        _ => (Ts::atom("unknown"), None),
    };
    if let Some(payload) = payload {
        doc.push(String::new());
        doc.push(
            "When it returns an error, rejects with a `WasmtronError` of code `'rejected'` \
             whose `payload` is:"
                .to_owned(),
        );
        doc.extend(shown(&payload));
    }
    comment(out, 1, &doc);
    out.push_str(&signature(
        &key(&js_name(name)),
        &parameters(&ty.params),
        &resolves,
        1,
    ));
    out.push_str(";\n");
}

/// A type for a doc comment: inline in backticks when it fits a line, else
/// in a fenced block.
fn shown(ty: &Ts) -> Vec<String> {
    // After ` * ` and a backtick.
    let text = ty.layout(0, 4);
    if text.contains('\n') {
        let mut lines = vec!["```ts".to_owned()];
        lines.extend(text.lines().map(str::to_owned));
        lines.push("```".to_owned());
        lines
    } else {
        vec![format!("`{text}`")]
    }
}

/// A function's parameters as the page passes them: camelCase names, and
/// trailing options optional (the host takes a missing argument as none).
fn parameters(params: &[(String, Type)]) -> Vec<(String, Ts)> {
    let required = params
        .iter()
        .rposition(|(_, t)| !matches!(t, Type::Option(_)))
        .map_or(0, |i| i + 1);
    params
        .iter()
        .enumerate()
        .map(|(i, (name, t))| {
            let optional = if i >= required { "?" } else { "" };
            (
                format!("{}{optional}", binding(&js_name(name))),
                ts(t, Way::FromPage),
            )
        })
        .collect()
}

/// `name(params): Promise<resolves>`, indented `depth` times: on one
/// line when it fits, or around its one parameter; else one parameter a
/// line.
fn signature(name: &str, params: &[(String, Ts)], resolves: &Ts, depth: usize) -> String {
    let indent = INDENT.repeat(depth);
    let mut line = format!("{indent}{name}(");
    let mut broken = false;
    for (i, (param, ty)) in params.iter().enumerate() {
        if i > 0 {
            line.push_str(", ");
        }
        line.push_str(&format!("{param}: "));
        let ty = ty.layout(depth, last_line(&line).len());
        broken |= ty.contains('\n');
        line.push_str(&ty);
    }
    line.push_str("): Promise<");
    if params.len() <= 1 || (!broken && last_line(&line).len() < LINE) {
        line.push_str(&resolves.layout(depth, last_line(&line).len()));
        line.push('>');
        return line;
    }
    let inner = INDENT.repeat(depth + 1);
    let mut text = format!("{indent}{name}(\n");
    for (param, ty) in params {
        let name = format!("{inner}{param}: ");
        let ty = ty.layout(depth + 1, name.len());
        text.push_str(&format!("{name}{ty},\n"));
    }
    let close = format!("{indent}): Promise<");
    text.push_str(&format!("{close}{}>", resolves.layout(depth, close.len())));
    text
}

/// What is on the last line of `text`.
fn last_line(text: &str) -> &str {
    text.rsplit('\n').next().unwrap_or(text)
}

fn events_declaration(out: &mut String, label: &str, events: &[&BoundInterface]) {
    let label = commented(label);
    // Events are named by the function alone, so two interfaces' functions
    // of the same name are one event whose listeners get either.
    let mut by_name: BTreeMap<String, Vec<(&str, &str, &FunctionType)>> = BTreeMap::new();
    for bound in events {
        for (name, ty) in &bound.functions {
            by_name
                .entry(js_name(name))
                .or_default()
                .push((&bound.interface, name, ty));
        }
    }
    if by_name.is_empty() {
        out.push_str(&format!(
            "/**\n * Window `{label}`'s renderer sends its page no events: `wasmtron.on`\n \
             * takes none.\n */\nexport interface WasmtronEvents {{}}\n\n"
        ));
        return;
    }
    out.push_str(&format!(
        "/**\n * The events window `{label}`'s renderer sends its page, by name: the\n \
         * arguments each one's listeners get.\n */\nexport interface WasmtronEvents {{\n"
    ));
    for (i, (event, sources)) in by_name.iter().enumerate() {
        if i > 0 {
            out.push('\n');
        }
        let doc: Vec<String> = sources
            .iter()
            .map(|(interface, name, ty)| {
                format!("`{}`: `{}: {ty}`", commented(interface), commented(name))
            })
            .collect();
        comment(out, 1, &doc);
        let arguments = Ts::Union(
            sources
                .iter()
                .map(|(_, _, ty)| {
                    Ts::Tuple(
                        ty.params
                            .iter()
                            .map(|(name, t)| (Some(binding(&js_name(name))), ts(t, Way::ToPage)))
                            .collect(),
                    )
                })
                .collect(),
        )
        .simplified();
        let name = format!("{INDENT}{}: ", key(event));
        let arguments = arguments.layout(1, name.len());
        out.push_str(&format!("{name}{arguments};\n"));
    }
    out.push_str("}\n\n");
}

fn wasmtron_declaration(out: &mut String) {
    out.push_str(
        "/** `window.wasmtron`: the page's way to its renderer. It is frozen. */\n\
         export interface Wasmtron {\n\
         \x20 /** The renderer's page API. */\n\
         \x20 readonly api: WasmtronApi;\n\
         \x20 /**\n\
         \x20  * Calls `listener` with the event's arguments each time the renderer\n\
         \x20  * sends `event`; returns a function that removes it again.\n\
         \x20  */\n\
         \x20 on<E extends keyof WasmtronEvents>(\n\
         \x20   event: E,\n\
         \x20   listener: (...args: WasmtronEvents[E]) => void,\n\
         \x20 ): () => void;\n\
         \x20 /** Removes `listener` from `event` (once, if it was added twice). */\n\
         \x20 off<E extends keyof WasmtronEvents>(\n\
         \x20   event: E,\n\
         \x20   listener: (...args: WasmtronEvents[E]) => void,\n\
         \x20 ): void;\n\
         }\n\n",
    );
}

fn error_declaration(out: &mut String) {
    let mut doc = vec!["Why a call of `wasmtron.api` failed:".to_owned()];
    doc.extend(
        ERROR_CODES
            .iter()
            .map(|(code, why)| format!("- `'{code}'`: {why}.")),
    );
    comment(out, 0, &doc);
    let codes: Vec<String> = ERROR_CODES
        .iter()
        .map(|(code, _)| format!("{INDENT}| {}", literal(code)))
        .collect();
    out.push_str(&format!(
        "export type WasmtronErrorCode =\n{};\n\n",
        codes.join("\n")
    ));
    out.push_str(
        "/** What a call of `wasmtron.api` rejects with. */\n\
         export interface WasmtronError extends Error {\n\
         \x20 readonly name: 'WasmtronError';\n\
         \x20 readonly code: WasmtronErrorCode;\n\
         \x20 /**\n\
         \x20  * With code `'rejected'`: the error the function returned (each\n\
         \x20  * function of {@link WasmtronApi} says its type). Absent otherwise.\n\
         \x20  */\n\
         \x20 readonly payload?: unknown;\n\
         }\n\n",
    );
}

/// The global the page's scripts use, and the line that makes the file a
/// module (so that `declare global` is allowed and the names above stay
/// out of the global scope unless imported).
const GLOBAL: &str = "declare global {\n\
                      \x20 interface Window {\n\
                      \x20   readonly wasmtron: Wasmtron;\n\
                      \x20 }\n\
                      \x20 const wasmtron: Wasmtron;\n\
                      }\n\n\
                      export {};\n";

/// `lines` as a doc comment indented `depth` times: one line as
/// `/** ... */`, more as a block.
fn comment(out: &mut String, depth: usize, lines: &[String]) {
    let indent = INDENT.repeat(depth);
    if let [line] = lines {
        out.push_str(&format!("{indent}/** {line} */\n"));
        return;
    }
    out.push_str(&format!("{indent}/**\n"));
    for line in lines {
        if line.is_empty() {
            out.push_str(&format!("{indent} *\n"));
        } else {
            out.push_str(&format!("{indent} * {line}\n"));
        }
    }
    out.push_str(&format!("{indent} */\n"));
}

/// `text` safe inside a comment: nothing that would end it (`*/`, a line
/// break), whatever the component or the manifest named.
fn commented(text: &str) -> String {
    text.replace("*/", "*\\/")
        .chars()
        .map(|c| {
            if c.is_control() || c == '\u{2028}' || c == '\u{2029}' {
                '\u{fffd}'
            } else {
                c
            }
        })
        .collect()
}

/// Which way a value crosses between the page and its renderer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Way {
    /// The page passes it: an argument of the page API.
    FromPage,
    /// The page gets it: a result, an event's argument, an error payload.
    ToPage,
}

/// A TypeScript type, before it is laid out on lines.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Ts {
    /// A word or a literal: `number`, `'low'`, `null`.
    Atom(String),
    /// `T[]`.
    List(Box<Ts>),
    /// `{ key: T; other?: U }`.
    Object(Vec<Member>),
    /// `[A, B]`, or with labels `[title: A, tags: B]` (all or none).
    Tuple(Vec<(Option<String>, Ts)>),
    /// `A | B`.
    Union(Vec<Ts>),
}

/// A key of an object type.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Member {
    key: String,
    optional: bool,
    ty: Ts,
}

/// `ty` as TypeScript, for a value that crosses `way`.
fn ts(ty: &Type, way: Way) -> Ts {
    Ts::Union(alternatives(ty, way)).simplified()
}

/// The types of the union `ty` is in TypeScript: one, for a type that is
/// not a union.
fn alternatives(ty: &Type, way: Way) -> Vec<Ts> {
    let from_page = way == Way::FromPage;
    match ty {
        Type::Bool => vec![Ts::atom("boolean")],
        Type::S8
        | Type::U8
        | Type::S16
        | Type::U16
        | Type::S32
        | Type::U32
        | Type::F32
        | Type::F64 => vec![Ts::atom("number")],
        // jco's BigInts; the host also takes a number it holds exactly.
        Type::S64 | Type::U64 if from_page => vec![Ts::atom("bigint"), Ts::atom("number")],
        Type::S64 | Type::U64 => vec![Ts::atom("bigint")],
        Type::Char | Type::String => vec![Ts::atom("string")],
        Type::List(t) if **t == Type::U8 && from_page => vec![
            Ts::atom("Uint8Array"),
            Ts::List(Box::new(Ts::atom("number"))),
        ],
        Type::List(t) if **t == Type::U8 => vec![Ts::atom("Uint8Array")],
        Type::List(t) => vec![Ts::List(Box::new(ts(t, way)))],
        Type::Record(fields) => vec![Ts::Object(
            fields
                .iter()
                .map(|(name, t)| member(key(&js_name(name)), t, way))
                .collect(),
        )],
        Type::Tuple(types) => vec![Ts::Tuple(
            types.iter().map(|t| (None, ts(t, way))).collect(),
        )],
        Type::Variant(cases) => cases
            .iter()
            .map(|(name, t)| case(name, t.as_ref(), way))
            .collect(),
        Type::Enum(cases) => cases.iter().map(|name| Ts::atom(literal(name))).collect(),
        // `null` alone could not say which option is none, so the outer
        // one is tagged.
        Type::Option(t) if matches!(**t, Type::Option(_)) => {
            let mut alternatives = vec![case("some", Some(t), way)];
            if from_page {
                alternatives.push(case("none", None, way));
            }
            alternatives.extend(missing(way));
            alternatives
        }
        Type::Option(t) => {
            let mut alternatives = alternatives(t, way);
            alternatives.extend(missing(way));
            alternatives
        }
        Type::Result { ok, err } => vec![
            case("ok", ok.as_deref(), way),
            case("err", err.as_deref(), way),
        ],
        Type::Flags(names) => vec![Ts::Object(
            names
                .iter()
                .map(|name| Member {
                    key: key(&js_name(name)),
                    optional: from_page,
                    ty: Ts::atom("boolean"),
                })
                .collect(),
        )],
        // The check refused page APIs and events with ports.
        Type::Port => vec![Ts::atom("never")],
    }
}

/// How an option's none is written: `null`, and from the page also
/// `undefined`.
fn missing(way: Way) -> Vec<Ts> {
    match way {
        Way::FromPage => vec![Ts::atom("null"), Ts::atom("undefined")],
        Way::ToPage => vec![Ts::atom("null")],
    }
}

/// A case of a variant (or of a result, or a tagged option): `{ tag, val }`,
/// without `val` when the case carries nothing.
fn case(name: &str, payload: Option<&Type>, way: Way) -> Ts {
    let mut members = vec![Member {
        key: "tag".to_owned(),
        optional: false,
        ty: Ts::atom(literal(name)),
    }];
    if let Some(t) = payload {
        members.push(member("val".to_owned(), t, way));
    }
    Ts::Object(members)
}

/// An object's key of type `ty`: one the page passes may be left out when
/// it is an option.
fn member(key: String, ty: &Type, way: Way) -> Member {
    Member {
        key,
        optional: way == Way::FromPage && matches!(ty, Type::Option(_)),
        ty: ts(ty, way),
    }
}

impl Ts {
    fn atom(text: impl Into<String>) -> Ts {
        Ts::Atom(text.into())
    }

    /// A union of one is that one; of none, `never`.
    fn simplified(self) -> Ts {
        match self {
            Ts::Union(alternatives) => match <[Ts; 1]>::try_from(alternatives) {
                Ok([one]) => one,
                Err(none) if none.is_empty() => Ts::atom("never"),
                Err(many) => Ts::Union(many),
            },
            other => other,
        }
    }

    /// The type starting at `column` of a line indented `depth` times: on
    /// that line when it fits, else broken over lines, its parts one level
    /// deeper.
    fn layout(&self, depth: usize, column: usize) -> String {
        // Two characters are left for what follows (`;`, `>;`...).
        let room = LINE.saturating_sub(column + 2).max(MIN_ROOM);
        let mut flat = String::new();
        if self.flat(&mut flat, room) {
            return flat;
        }
        let inner = INDENT.repeat(depth + 1);
        let close = INDENT.repeat(depth);
        match self {
            Ts::Atom(text) => text.clone(),
            Ts::List(t) => {
                let element = t.layout(depth, column + 1);
                // A broken union is in parentheses already.
                if matches!(**t, Ts::Union(_)) && !element.starts_with("(\n") {
                    format!("({element})[]")
                } else {
                    format!("{element}[]")
                }
            }
            Ts::Object(members) => {
                let mut text = "{\n".to_owned();
                for m in members {
                    let name = format!("{inner}{}{}: ", m.key, if m.optional { "?" } else { "" });
                    let ty = m.ty.layout(depth + 1, name.len());
                    text.push_str(&format!("{name}{ty};\n"));
                }
                text.push_str(&format!("{close}}}"));
                text
            }
            Ts::Tuple(items) => {
                let mut text = "[\n".to_owned();
                for (label, t) in items {
                    let label = match label {
                        Some(label) => format!("{inner}{label}: "),
                        None => inner.clone(),
                    };
                    let ty = t.layout(depth + 1, label.len());
                    text.push_str(&format!("{label}{ty},\n"));
                }
                text.push_str(&format!("{close}]"));
                text
            }
            Ts::Union(alternatives) => {
                // An object that may be missing (an option of a record):
                // the object broken, its `| null` after it.
                if let [object @ Ts::Object(_), rest @ ..] = alternatives.as_slice()
                    && rest.iter().all(|t| matches!(t, Ts::Atom(_)))
                {
                    let mut text = object.layout(depth, column);
                    for word in rest {
                        text.push_str(" | ");
                        text.push_str(&word.layout(depth, 0));
                    }
                    return text;
                }
                let mut text = "(\n".to_owned();
                for t in alternatives {
                    let bar = format!("{inner}| ");
                    let ty = t.layout(depth + 1, bar.len());
                    text.push_str(&format!("{bar}{ty}\n"));
                }
                text.push_str(&format!("{close})"));
                text
            }
        }
    }

    /// Writes the type on one line; false once it is longer than `room`.
    fn flat(&self, out: &mut String, room: usize) -> bool {
        match self {
            Ts::Atom(text) => out.push_str(text),
            Ts::List(t) => {
                let union = matches!(**t, Ts::Union(_));
                if union {
                    out.push('(');
                }
                if !t.flat(out, room) {
                    return false;
                }
                out.push_str(if union { ")[]" } else { "[]" });
            }
            Ts::Object(members) if members.is_empty() => out.push_str("{}"),
            Ts::Object(members) => {
                out.push_str("{ ");
                for (i, m) in members.iter().enumerate() {
                    if i > 0 {
                        out.push_str("; ");
                    }
                    out.push_str(&m.key);
                    out.push_str(if m.optional { "?: " } else { ": " });
                    if !m.ty.flat(out, room) {
                        return false;
                    }
                }
                out.push_str(" }");
            }
            Ts::Tuple(items) => {
                out.push('[');
                for (i, (label, t)) in items.iter().enumerate() {
                    if i > 0 {
                        out.push_str(", ");
                    }
                    if let Some(label) = label {
                        out.push_str(label);
                        out.push_str(": ");
                    }
                    if !t.flat(out, room) {
                        return false;
                    }
                }
                out.push(']');
            }
            Ts::Union(alternatives) => {
                for (i, t) in alternatives.iter().enumerate() {
                    if i > 0 {
                        out.push_str(" | ");
                    }
                    if !t.flat(out, room) {
                        return false;
                    }
                }
            }
        }
        out.len() <= room
    }
}

/// A string literal of a case's or an error code's name.
fn literal(text: &str) -> String {
    let mut quoted = "'".to_owned();
    for c in text.chars() {
        match c {
            '\'' | '\\' => {
                quoted.push('\\');
                quoted.push(c);
            }
            c if c.is_control() || c == '\u{2028}' || c == '\u{2029}' => {
                quoted.push_str(&format!("\\u{{{:x}}}", u32::from(c)));
            }
            c => quoted.push(c),
        }
    }
    quoted.push('\'');
    quoted
}

/// Whether `name` can stand bare as a key or a parameter's name.
fn is_identifier(name: &str) -> bool {
    let mut chars = name.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_' || c == '$')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '$')
}

/// An object's key or a method's name: bare when it can be, else quoted.
/// Reserved words are fine as keys.
fn key(name: &str) -> String {
    if is_identifier(name) {
        name.to_owned()
    } else {
        literal(name)
    }
}

/// Words TypeScript does not take as a parameter's name (JavaScript's
/// reserved words, strict mode's, and `arguments` and `eval`).
const RESERVED: &[&str] = &[
    "arguments",
    "break",
    "case",
    "catch",
    "class",
    "const",
    "continue",
    "debugger",
    "default",
    "delete",
    "do",
    "else",
    "enum",
    "eval",
    "export",
    "extends",
    "false",
    "finally",
    "for",
    "function",
    "if",
    "implements",
    "import",
    "in",
    "instanceof",
    "interface",
    "let",
    "new",
    "null",
    "package",
    "private",
    "protected",
    "public",
    "return",
    "static",
    "super",
    "switch",
    "this",
    "throw",
    "true",
    "try",
    "typeof",
    "var",
    "void",
    "while",
    "with",
    "yield",
];

/// A parameter's (or an event argument's) name: a reserved word gets a
/// trailing `_`; a name that is no identifier at all (WIT names always
/// are) becomes `arg`.
fn binding(name: &str) -> String {
    if !is_identifier(name) {
        "arg".to_owned()
    } else if RESERVED.contains(&name) {
        format!("{name}_")
    } else {
        name.to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::manifest::{Importer, Provider};

    fn to_page(ty: &Type) -> String {
        ts(ty, Way::ToPage).layout(0, 0)
    }

    fn from_page(ty: &Type) -> String {
        ts(ty, Way::FromPage).layout(0, 0)
    }

    fn list(t: Type) -> Type {
        Type::List(Box::new(t))
    }

    fn option(t: Type) -> Type {
        Type::Option(Box::new(t))
    }

    fn func(params: &[(&str, Type)], results: &[Type]) -> FunctionType {
        FunctionType {
            params: params
                .iter()
                .map(|(name, t)| ((*name).to_owned(), t.clone()))
                .collect(),
            results: results.to_vec(),
        }
    }

    fn api(functions: &[(&str, FunctionType)]) -> PageApi {
        PageApi {
            window: "notes".to_owned(),
            interface: "probe:page/api@0.1.0".to_owned(),
            functions: functions
                .iter()
                .map(|(name, ty)| ((*name).to_owned(), ty.clone()))
                .collect(),
        }
    }

    fn events(interface: &str, functions: &[(&str, FunctionType)]) -> BoundInterface {
        BoundInterface {
            importer: Importer::Window("notes".to_owned()),
            interface: interface.to_owned(),
            provider: Provider::Page,
            functions: functions
                .iter()
                .map(|(name, ty)| ((*name).to_owned(), ty.clone()))
                .collect(),
            checked: true,
        }
    }

    /// Braces, brackets, parentheses and angle brackets outside strings
    /// and comments close in order (`=>` is no bracket).
    fn balanced(text: &str) -> bool {
        let mut open = Vec::new();
        let mut in_string = false;
        let mut in_block = false;
        for line in text.lines() {
            let mut chars = line.chars().peekable();
            let mut previous = ' ';
            while let Some(c) = chars.next() {
                if in_block {
                    if c == '*' && chars.peek() == Some(&'/') {
                        chars.next();
                        in_block = false;
                    }
                } else if in_string {
                    match c {
                        '\\' => {
                            chars.next();
                        }
                        '\'' => in_string = false,
                        _ => {}
                    }
                } else {
                    match c {
                        '\'' => in_string = true,
                        '/' if chars.peek() == Some(&'/') => break,
                        '/' if chars.peek() == Some(&'*') => in_block = true,
                        '{' | '[' | '(' | '<' => open.push(c),
                        '>' if previous == '=' => {}
                        '}' | ']' | ')' | '>' => {
                            let expected = match c {
                                '}' => '{',
                                ']' => '[',
                                ')' => '(',
                                _ => '<',
                            };
                            if open.pop() != Some(expected) {
                                return false;
                            }
                        }
                        _ => {}
                    }
                }
                previous = c;
            }
            if in_string {
                return false;
            }
        }
        open.is_empty() && !in_block
    }

    #[test]
    fn page_types_of_numbers_strings_and_bools() {
        assert_eq!(to_page(&Type::Bool), "boolean");
        for t in [
            Type::S8,
            Type::U8,
            Type::S16,
            Type::U16,
            Type::S32,
            Type::U32,
            Type::F32,
            Type::F64,
        ] {
            assert_eq!(to_page(&t), "number", "{t}");
            assert_eq!(from_page(&t), "number", "{t}");
        }
        assert_eq!(to_page(&Type::Char), "string");
        assert_eq!(to_page(&Type::String), "string");
    }

    #[test]
    fn page_types_of_64_bit_integers_are_bigints_and_from_the_page_also_numbers() {
        for t in [Type::S64, Type::U64] {
            assert_eq!(to_page(&t), "bigint");
            assert_eq!(from_page(&t), "bigint | number");
        }
    }

    #[test]
    fn page_types_of_lists_and_bytes() {
        assert_eq!(to_page(&list(Type::U8)), "Uint8Array");
        assert_eq!(from_page(&list(Type::U8)), "Uint8Array | number[]");
        assert_eq!(to_page(&list(Type::String)), "string[]");
        assert_eq!(to_page(&list(list(Type::U32))), "number[][]");
        assert_eq!(to_page(&list(list(Type::U8))), "Uint8Array[]");
        // An element that is a union is in parentheses.
        assert_eq!(
            to_page(&list(Type::Enum(vec!["low".into(), "high".into()]))),
            "('low' | 'high')[]"
        );
        assert_eq!(to_page(&list(option(Type::U64))), "(bigint | null)[]");
    }

    #[test]
    fn page_types_of_records_use_camel_case_keys_and_optional_options_from_the_page() {
        let note = Type::Record(vec![
            ("title".into(), Type::String),
            ("star-count".into(), option(Type::U8)),
        ]);
        assert_eq!(
            to_page(&note),
            "{ title: string; starCount: number | null }"
        );
        assert_eq!(
            from_page(&note),
            "{ title: string; starCount?: number | null | undefined }"
        );
    }

    #[test]
    fn page_types_of_tuples() {
        let pair = Type::Tuple(vec![Type::U16, Type::String]);
        assert_eq!(to_page(&pair), "[number, string]");
        assert_eq!(
            from_page(&Type::Tuple(vec![Type::S64, option(Type::Bool)])),
            "[bigint | number, boolean | null | undefined]"
        );
    }

    #[test]
    fn page_types_of_variants_are_tagged_unions_without_val_for_empty_cases() {
        let shape = Type::Variant(vec![
            ("circle".into(), Some(Type::F64)),
            ("blank".into(), None),
        ]);
        assert_eq!(
            to_page(&shape),
            "{ tag: 'circle'; val: number } | { tag: 'blank' }"
        );
        assert_eq!(
            to_page(&Type::Variant(vec![("only".into(), None)])),
            "{ tag: 'only' }"
        );
        // A payload that is an option may be left out from the page.
        assert_eq!(
            from_page(&Type::Variant(vec![(
                "maybe".into(),
                Some(option(Type::U8))
            )])),
            "{ tag: 'maybe'; val?: number | null | undefined }"
        );
    }

    #[test]
    fn page_types_of_enums_are_their_case_names() {
        let level = Type::Enum(vec!["low".into(), "very-high".into()]);
        assert_eq!(to_page(&level), "'low' | 'very-high'");
        assert_eq!(from_page(&level), "'low' | 'very-high'");
    }

    #[test]
    fn page_types_of_flags_are_objects_of_booleans_optional_from_the_page() {
        let marks = Type::Flags(vec!["seen".into(), "is-starred".into()]);
        assert_eq!(to_page(&marks), "{ seen: boolean; isStarred: boolean }");
        assert_eq!(from_page(&marks), "{ seen?: boolean; isStarred?: boolean }");
    }

    #[test]
    fn page_types_of_options_and_nested_options() {
        assert_eq!(to_page(&option(Type::String)), "string | null");
        assert_eq!(
            from_page(&option(Type::String)),
            "string | null | undefined"
        );
        let nested = option(option(Type::String));
        assert_eq!(
            to_page(&nested),
            "{ tag: 'some'; val: string | null } | null"
        );
        // Too wide for a line: one case a line.
        assert_eq!(
            from_page(&nested),
            "(\n  | { tag: 'some'; val?: string | null | undefined }\n  | { tag: 'none' }\n  \
             | null\n  | undefined\n)"
        );
    }

    #[test]
    fn page_types_of_nested_results() {
        let outcome = Type::Result {
            ok: Some(Box::new(Type::String)),
            err: Some(Box::new(Type::U8)),
        };
        assert_eq!(
            to_page(&outcome),
            "{ tag: 'ok'; val: string } | { tag: 'err'; val: number }"
        );
        let bare = Type::Result {
            ok: None,
            err: None,
        };
        assert_eq!(to_page(&bare), "{ tag: 'ok' } | { tag: 'err' }");
    }

    #[test]
    fn page_types_too_wide_for_a_line_are_broken_and_indented() {
        let note = Type::Record(vec![
            ("title".into(), Type::String),
            ("body".into(), Type::String),
            ("tags".into(), list(Type::String)),
            ("pinned".into(), Type::Bool),
            ("stars".into(), option(Type::U8)),
        ]);
        assert_eq!(
            from_page(&note),
            "{\n  title: string;\n  body: string;\n  tags: string[];\n  pinned: boolean;\n  \
             stars?: number | null | undefined;\n}"
        );
        // A record that may be missing keeps its `| null` after it.
        assert_eq!(
            to_page(&option(note.clone())),
            "{\n  title: string;\n  body: string;\n  tags: string[];\n  pinned: boolean;\n  \
             stars: number | null;\n} | null"
        );
        // A long union is one case a line, in parentheses.
        let cases: Vec<String> = (0..12).map(|i| format!("case-number-{i}")).collect();
        let wide = Type::Enum(cases);
        let text = to_page(&list(wide));
        assert!(text.starts_with("(\n  | 'case-number-0'\n"), "{text}");
        assert!(text.ends_with("\n  | 'case-number-11'\n)[]"), "{text}");
        assert!(balanced(&text), "{text}");
    }

    #[test]
    fn page_types_deeply_nested_stay_balanced() {
        let mut ty = Type::Record(vec![("leaf-value".into(), Type::U64)]);
        for i in 0..40 {
            ty = match i % 5 {
                0 => Type::Record(vec![
                    (format!("field-{i}"), ty),
                    ("other".into(), Type::Bool),
                ]),
                1 => list(ty),
                2 => Type::Variant(vec![("some-case".into(), Some(ty)), ("none".into(), None)]),
                3 => option(ty),
                _ => Type::Tuple(vec![ty, Type::String]),
            };
        }
        for way in [Way::ToPage, Way::FromPage] {
            let text = ts(&ty, way).layout(1, 10);
            assert!(balanced(&text), "{text}");
            assert!(text.contains("leafValue: bigint"), "{text}");
        }
    }

    #[test]
    fn page_types_file_declares_the_api_events_error_and_global() {
        let wide = Type::Record(vec![
            ("title".into(), Type::String),
            ("body".into(), Type::String),
            ("tags".into(), list(Type::String)),
            ("stars".into(), option(Type::U8)),
        ]);
        let note = Type::Record(vec![
            ("title".into(), Type::String),
            ("tags".into(), list(Type::String)),
        ]);
        let fault = Type::Variant(vec![
            ("empty-title".into(), None),
            ("too-long".into(), Some(Type::U32)),
        ]);
        let page_api = api(&[
            (
                "add-note",
                func(
                    &[("note", note.clone())],
                    &[Type::Result {
                        ok: Some(Box::new(Type::U32)),
                        err: Some(Box::new(fault)),
                    }],
                ),
            ),
            ("crash", func(&[], &[])),
            (
                "save",
                func(
                    &[("data", list(Type::U8))],
                    &[Type::Result {
                        ok: None,
                        err: Some(Box::new(Type::String)),
                    }],
                ),
            ),
            (
                "find",
                func(
                    &[("class", Type::String), ("limit", option(Type::U32))],
                    &[option(note)],
                ),
            ),
            (
                "get-note",
                func(&[("index", Type::U32)], &[option(wide.clone())]),
            ),
            ("put-note", func(&[("note", wide.clone())], &[])),
            (
                "move-note",
                func(
                    &[("from", Type::U32), ("to", Type::U32), ("note", wide)],
                    &[],
                ),
            ),
        ]);
        let bound = events(
            "probe:page/events@0.1.0",
            &[(
                "note-added",
                func(
                    &[
                        ("title", Type::String),
                        ("tags", list(Type::String)),
                        ("total", Type::U64),
                    ],
                    &[],
                ),
            )],
        );
        let text = declarations("notes", Some(&page_api), &[&bound]);
        for expected in [
            "// Page API (`wasmtron.api`): `probe:page/api@0.1.0`.",
            "// Events (`wasmtron.on`): `probe:page/events@0.1.0`.",
            "export interface WasmtronApi {",
            "  /**\n   * `add-note: func(note: record { title: string, tags: list<string> }) \
             -> result<u32, variant { empty-title, too-long(u32) }>`",
            "   * `{ tag: 'empty-title' } | { tag: 'too-long'; val: number }`",
            "  addNote(note: { title: string; tags: string[] }): Promise<number>;",
            "  crash(): Promise<null>;",
            "  save(data: Uint8Array | number[]): Promise<null>;",
            "whose `payload` is:\n   * `string`",
            // A reserved word is no parameter name; a trailing option may
            // be left out.
            "  find(class_: string, limit?: number | null | undefined): Promise<{\n    \
             title: string;\n    tags: string[];\n  } | null>;",
            // A wide record is broken over lines, around its one
            // parameter, or with its `| null` after it.
            "  getNote(index: number): Promise<{\n    title: string;\n    body: string;\n    \
             tags: string[];\n    stars: number | null;\n  } | null>;",
            // Parameters broken over lines are one a line.
            "  moveNote(\n    from: number,\n    to: number,\n    note: {\n      title: string;\n      \
             body: string;\n      tags: string[];\n      stars?: number | null | undefined;\n    \
             },\n  ): Promise<null>;",
            "  putNote(note: {\n    title: string;\n    body: string;\n    tags: string[];\n    \
             stars?: number | null | undefined;\n  }): Promise<null>;",
            "export interface WasmtronEvents {\n  /** `probe:page/events@0.1.0`: \
             `note-added: func(title: string, tags: list<string>, total: u64)` */\n  \
             noteAdded: [title: string, tags: string[], total: bigint];\n}",
            "on<E extends keyof WasmtronEvents>(",
            "listener: (...args: WasmtronEvents[E]) => void,",
            "export interface WasmtronError extends Error {",
            "readonly code: WasmtronErrorCode;",
            "  | 'limit-exceeded'\n",
            "declare global {\n  interface Window {\n    readonly wasmtron: Wasmtron;\n  }\n  \
             const wasmtron: Wasmtron;\n}\n\nexport {};\n",
        ] {
            assert!(text.contains(expected), "no {expected:?} in:\n{text}");
        }
        assert!(balanced(&text), "{text}");
        assert!(!text.contains(" \n"), "no trailing spaces:\n{text}");
    }

    #[test]
    fn page_types_file_without_an_api_or_events_says_so() {
        let text = declarations("plain", None, &[]);
        assert!(text.contains("export interface WasmtronApi {}"), "{text}");
        assert!(
            text.contains("export interface WasmtronEvents {}"),
            "{text}"
        );
        assert!(text.contains("// Page API: none"), "{text}");
        assert!(text.contains("// Events: none"), "{text}");
        assert!(balanced(&text), "{text}");
    }

    #[test]
    fn page_types_of_events_of_one_name_from_two_interfaces_are_either() {
        let one = events(
            "probe:a/events@0.1.0",
            &[("changed", func(&[("n", Type::U32)], &[]))],
        );
        let two = events(
            "probe:b/events@0.2.0",
            &[("changed", func(&[("text", Type::String)], &[]))],
        );
        let text = declarations("notes", None, &[&one, &two]);
        assert!(
            text.contains("  changed: [n: number] | [text: string];"),
            "{text}"
        );
        assert!(
            text.contains("`probe:a/events@0.1.0`: `changed: func(n: u32)`"),
            "{text}"
        );
        assert!(
            text.contains("`probe:b/events@0.2.0`: `changed: func(text: string)`"),
            "{text}"
        );
    }

    #[test]
    fn page_types_keep_comments_and_names_from_breaking_out() {
        assert_eq!(commented("a*/b\nc"), "a*\\/b\u{fffd}c");
        assert_eq!(literal("it's\\"), "'it\\'s\\\\'");
        assert_eq!(key("plain"), "plain");
        assert_eq!(key("not plain"), "'not plain'");
        assert_eq!(key("delete"), "delete");
        assert_eq!(binding("delete"), "delete_");
        assert_eq!(binding("9lives"), "arg");
        let text = declarations("evil*/label", None, &[]);
        assert!(!text.contains("evil*/"), "{text}");
        assert!(balanced(&text), "{text}");
    }

    #[test]
    fn page_types_balance_check_catches_what_it_should() {
        assert!(balanced("a<{ b: [c] }> => ('x)' | '}')"));
        assert!(!balanced("{ a: [b }"));
        assert!(!balanced("Promise<number"));
        assert!(!balanced("'open"));
    }
}
