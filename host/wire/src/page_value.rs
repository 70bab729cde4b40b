//! Typed values as a web page holds them: the JSON the page bridge carries,
//! converted to and from [`Value`]s by the WIT types of an app interface.
//!
//! A page calls the functions of an interface its renderer exports, and
//! listens to the events it emits. The page is JavaScript, so its values
//! follow jco's conventions for WIT types (records are objects with
//! lowerCamelCase keys, variants are `{ tag, val }`, 64-bit integers are
//! `BigInt`s...). They reach the host as JSON, which cannot carry every
//! JavaScript value, so the bridge tags those as one-key objects; WIT names
//! never hold a `$`, so a tag is never a record:
//!
//! | JavaScript | page JSON |
//! |---|---|
//! | `Uint8Array` | `{"$bytes": "<standard base64, padded>"}` |
//! | `BigInt` | `{"$bigint": "<decimal, optional leading minus>"}` |
//! | `NaN`, `Infinity`, `-Infinity`, `-0` | `{"$float": "NaN"}` and so on (`-0` only from a page: JSON writes it as `0`, and JavaScript reads `-0.0` back) |
//! | `undefined`, `null` | `null`, or the key left out |
//!
//! By type:
//!
//! | WIT | page JSON |
//! |---|---|
//! | `bool` | `true`, `false` |
//! | `s8` to `u32` | a whole number in range (`3.0` is 3) |
//! | `s64`, `u64` | a `$bigint` (from a page also a whole number within 2^53 - 1) |
//! | `f32`, `f64` | a number, or a `$float` when not finite |
//! | `char` | a string of one Unicode scalar value |
//! | `string` | a string |
//! | `list<u8>` | a `$bytes` (from a page also an array of numbers 0 to 255) |
//! | `list<T>` | an array |
//! | record | an object keyed by the fields' [`js_name`]s; an option field may be left out |
//! | `tuple<...>` | an array of exactly that length |
//! | variant | `{"tag": "<case as in WIT>", "val": <payload>}`, `val` left out when the case has none |
//! | enum | the case's name as in WIT |
//! | `option<T>` | `null` for none, else `T`'s form |
//! | `option<option<T>>` | `null` for none, `{"tag": "some", "val": <the inner option>}` |
//! | `result<T, E>` | `{"tag": "ok", "val": ...}` or `{"tag": "err", "val": ...}` |
//! | flags | an object of booleans keyed by [`js_name`]s; from a page a left out flag is off |
//! | `message-port` | never: a port cannot cross to a page |
//!
//! A page is hostile input: nothing it sends is taken loosely (no numbers
//! as strings, no unknown keys), and an error says where (`field title /
//! [3]`), what was expected and what came, quoting at most a few dozen
//! characters of what the page sent.
//!
//! The conversions follow the type, not the JSON, and every public entry
//! checks the type first ([`check_page_type`]), so their recursion is
//! bounded by [`MAX_TYPE_DEPTH`](crate::value::MAX_TYPE_DEPTH).

mod base64;

use std::collections::HashSet;

use serde_json::{Map, Number, Value as Json};

use crate::value::{Type, Value, ValueError};

/// The largest whole number a JavaScript number holds exactly
/// (`Number.MAX_SAFE_INTEGER`). A 64-bit integer past it must come as a
/// `BigInt`: as a number it was rounded before it left the page.
const MAX_SAFE_INTEGER: i128 = (1 << 53) - 1;

/// How much of the page's input an error quotes.
const MAX_QUOTED_CHARS: usize = 60;

/// How many names an error lists (the cases of an enum...) before it
/// stops.
const MAX_LISTED_NAMES: usize = 20;

const BYTES_TAG: &str = "$bytes";
const BIGINT_TAG: &str = "$bigint";
const FLOAT_TAG: &str = "$float";

const PORT_REFUSED: &str = "a message-port cannot cross to a page";

/// jco's JavaScript name for a WIT name (`first-name` -> `firstName`).
///
/// The first word is lowercased, and each later word gets its first letter
/// uppercased and keeps the rest as written, so an acronym stays one
/// (`get-URL` -> `getURL`).
pub fn js_name(wit: &str) -> String {
    let mut name = String::with_capacity(wit.len());
    for (i, word) in wit.split('-').enumerate() {
        if i == 0 {
            name.push_str(&word.to_ascii_lowercase());
            continue;
        }
        let mut chars = word.chars();
        if let Some(first) = chars.next() {
            name.push(first.to_ascii_uppercase());
            name.push_str(chars.as_str());
        }
    }
    name
}

/// Whether values of `ty` can cross to a page; the error names what cannot
/// (ports).
///
/// Also refuses what [`Type::check`] refuses, and names a page could not
/// tell apart: two fields or flags with the same [`js_name`], two cases
/// with the same name.
///
/// # Errors
/// [`ValueError`] naming the part of the type at fault.
pub fn check_page_type(ty: &Type) -> Result<(), ValueError> {
    ty.check()?;
    check_crossing(ty)
}

fn check_crossing(ty: &Type) -> Result<(), ValueError> {
    match ty {
        Type::Port => Err(ValueError::new(PORT_REFUSED)),
        Type::List(t) => check_crossing(t).map_err(|e| e.within(|| "element".to_owned())),
        Type::Option(t) => check_crossing(t).map_err(|e| e.within(|| "some".to_owned())),
        Type::Record(fields) => {
            distinct(fields.iter().map(|(name, _)| js_name(name)), "fields")?;
            fields.iter().try_for_each(|(name, t)| {
                check_crossing(t).map_err(|e| e.within(|| format!("field {}", js_name(name))))
            })
        }
        Type::Tuple(types) => types
            .iter()
            .enumerate()
            .try_for_each(|(i, t)| check_crossing(t).map_err(|e| e.within(|| format!("[{i}]")))),
        Type::Variant(cases) => {
            distinct(cases.iter().map(|(name, _)| name.clone()), "cases")?;
            cases.iter().try_for_each(|(name, t)| match t {
                Some(t) => check_crossing(t).map_err(|e| e.within(|| format!("case {name}"))),
                None => Ok(()),
            })
        }
        Type::Enum(cases) => distinct(cases.iter().cloned(), "cases"),
        Type::Flags(names) => distinct(names.iter().map(|name| js_name(name)), "flags"),
        Type::Result { ok, err } => {
            for (t, place) in [(ok, "case ok"), (err, "case err")] {
                if let Some(t) = t {
                    check_crossing(t).map_err(|e| e.within(|| place.to_owned()))?;
                }
            }
            Ok(())
        }
        _ => Ok(()),
    }
}

/// Refuses two of `names` that are the same, as the page sees them.
fn distinct(names: impl Iterator<Item = String>, what: &str) -> Result<(), ValueError> {
    let mut seen = HashSet::new();
    for name in names {
        if seen.contains(&name) {
            return Err(ValueError::new(format!(
                "two {what} are `{name}` to a page"
            )));
        }
        seen.insert(name);
    }
    Ok(())
}

/// The value of type `ty` that a page sent as `json`.
///
/// # Errors
/// [`ValueError`] when `json` is not a `ty` as jco writes it, or `ty`
/// cannot cross to a page ([`check_page_type`]).
pub fn from_page(json: &Json, ty: &Type) -> Result<Value, ValueError> {
    check_page_type(ty)?;
    from(json, ty)
}

/// `value`, of type `ty`, as a page gets it.
///
/// # Errors
/// [`ValueError`] when `ty` cannot cross to a page, or the value is not a
/// `ty` (the host's or a worker's bug: its runtime made the value from the
/// same types).
pub fn to_page(value: &Value, ty: &Type) -> Result<Json, ValueError> {
    check_page_type(ty)?;
    to(value, ty)
}

/// A page call's arguments (a JSON array) as the parameters' values.
///
/// Fewer arguments than parameters: the missing ones are null (so trailing
/// option parameters may be left out); more are refused. Not an array:
/// refused.
///
/// # Errors
/// [`ValueError`] naming the argument at fault (`argument 2 (title)`,
/// counted from 1 as the page's developer counts them).
pub fn args_from_page(args: &Json, params: &[(String, Type)]) -> Result<Vec<Value>, ValueError> {
    let Json::Array(args) = args else {
        return Err(ValueError::new(format!(
            "expected the arguments as an array, found {}",
            describe(args)
        )));
    };
    if args.len() > params.len() {
        return Err(ValueError::new(format!(
            "{} for a function of {}",
            count(args.len(), "argument"),
            count(params.len(), "parameter")
        )));
    }
    params
        .iter()
        .enumerate()
        .map(|(i, (name, ty))| {
            check_page_type(ty)
                .and_then(|()| from_present(args.get(i), ty, "the argument"))
                .map_err(|e| e.within(|| argument(i, name)))
        })
        .collect()
}

/// The outcome of a call for the page: jco's rule for a function's
/// results.
#[derive(Debug, Clone, PartialEq)]
pub enum PageOutcome {
    /// Resolve with this.
    Value(Json),
    /// The function returned `err(e)`: reject, carrying `e` (null when the
    /// err side has no type).
    Error(Json),
}

/// A function's results as the page's promise settles: no result resolves
/// with null; one result of type `result<T, E>` resolves with the ok value
/// (null without `T`) or rejects with the err value (null without `E`), as
/// jco throws a `result`'s error; any other single result resolves with
/// its page form.
///
/// # Errors
/// [`ValueError`] when there are not as many values as types, more than
/// one result (WIT gives a function at most one), a type that cannot cross
/// to a page, or a value not of its type.
pub fn results_to_page(values: &[Value], results: &[Type]) -> Result<PageOutcome, ValueError> {
    if values.len() != results.len() {
        return Err(ValueError::new(format!(
            "{} for {}",
            count(values.len(), "value"),
            count(results.len(), "result")
        )));
    }
    let (value, ty) = match (values, results) {
        ([], []) => return Ok(PageOutcome::Value(Json::Null)),
        ([value], [ty]) => (value, ty),
        _ => {
            return Err(ValueError::new(format!(
                "a function with {}: WIT gives a function at most one",
                count(results.len(), "result")
            )));
        }
    };
    let within = |e: ValueError| e.within(|| "result".to_owned());
    check_page_type(ty).map_err(within)?;
    match (ty, value) {
        (Type::Result { ok, err }, Value::Result(outcome)) => Ok(match outcome {
            Ok(v) => PageOutcome::Value(side(v, ok, ty, "ok").map_err(within)?),
            Err(e) => PageOutcome::Error(side(e, err, ty, "err").map_err(within)?),
        }),
        _ => to(value, ty).map(PageOutcome::Value).map_err(within),
    }
}

/// The arguments of an event a renderer emits, as the JSON array the page's
/// listeners get.
///
/// # Errors
/// [`ValueError`] when there are not as many values as parameters, a type
/// cannot cross to a page, or a value is not of its type.
pub fn args_to_page(values: &[Value], params: &[(String, Type)]) -> Result<Json, ValueError> {
    if values.len() != params.len() {
        return Err(ValueError::new(format!(
            "{} for {}",
            count(values.len(), "value"),
            count(params.len(), "parameter")
        )));
    }
    values
        .iter()
        .zip(params)
        .enumerate()
        .map(|(i, (value, (name, ty)))| {
            check_page_type(ty)
                .and_then(|()| to(value, ty))
                .map_err(|e| e.within(|| argument(i, name)))
        })
        .collect::<Result<Vec<Json>, ValueError>>()
        .map(Json::Array)
}

fn argument(index: usize, name: &str) -> String {
    format!("argument {} ({})", index + 1, js_name(name))
}

// ---- From the page ----

/// A value the bridge tagged because JSON cannot carry it.
enum Tagged<'a> {
    Bytes(&'a str),
    BigInt(&'a str),
    Float(&'a str),
}

/// The tag `json` is, if it is one: an object of one key, a tag's, whose
/// value is a string.
fn tagged(json: &Json) -> Option<Tagged<'_>> {
    let Json::Object(map) = json else {
        return None;
    };
    if map.len() != 1 {
        return None;
    }
    let (key, Json::String(text)) = map.iter().next()? else {
        return None;
    };
    match key.as_str() {
        BYTES_TAG => Some(Tagged::Bytes(text)),
        BIGINT_TAG => Some(Tagged::BigInt(text)),
        FLOAT_TAG => Some(Tagged::Float(text)),
        _ => None,
    }
}

/// `json` as an object that stands for itself (not a tag).
fn plain_object(json: &Json) -> Option<&Map<String, Json>> {
    match json {
        Json::Object(map) if tagged(json).is_none() => Some(map),
        _ => None,
    }
}

/// The error for `json` where a `ty` should be.
fn mismatch(json: &Json, ty: &Type) -> ValueError {
    ValueError::new(format!(
        "expected {}, found {}",
        expected(ty),
        describe(json)
    ))
}

fn from(json: &Json, ty: &Type) -> Result<Value, ValueError> {
    Ok(match ty {
        Type::Bool => Value::Bool(json.as_bool().ok_or_else(|| mismatch(json, ty))?),
        Type::S8 => Value::S8(integer(json, ty)?),
        Type::U8 => Value::U8(integer(json, ty)?),
        Type::S16 => Value::S16(integer(json, ty)?),
        Type::U16 => Value::U16(integer(json, ty)?),
        Type::S32 => Value::S32(integer(json, ty)?),
        Type::U32 => Value::U32(integer(json, ty)?),
        Type::S64 => Value::S64(integer(json, ty)?),
        Type::U64 => Value::U64(integer(json, ty)?),
        // An f32 is what the page's number rounds to, as jco lowers it.
        Type::F32 => Value::F32(float(json, ty)? as f32),
        Type::F64 => Value::F64(float(json, ty)?),
        Type::Char => {
            let Json::String(text) = json else {
                return Err(mismatch(json, ty));
            };
            let mut chars = text.chars();
            match (chars.next(), chars.next()) {
                (Some(c), None) => Value::Char(c),
                _ => return Err(mismatch(json, ty)),
            }
        }
        Type::String => match json {
            Json::String(text) => Value::String(text.clone()),
            _ => return Err(mismatch(json, ty)),
        },
        Type::List(t) if **t == Type::U8 => Value::Bytes(bytes(json, ty)?),
        Type::List(t) => {
            let Json::Array(items) = json else {
                return Err(mismatch(json, ty));
            };
            let mut values = Vec::with_capacity(items.len());
            for (i, item) in items.iter().enumerate() {
                values.push(from(item, t).map_err(|e| e.within(|| format!("[{i}]")))?);
            }
            Value::List(values)
        }
        Type::Record(fields) => record(json, fields, ty)?,
        Type::Tuple(types) => {
            let items = match json {
                Json::Array(items) if items.len() == types.len() => items,
                _ => return Err(mismatch(json, ty)),
            };
            let mut values = Vec::with_capacity(types.len());
            for (i, (item, t)) in items.iter().zip(types).enumerate() {
                values.push(from(item, t).map_err(|e| e.within(|| format!("[{i}]")))?);
            }
            Value::Tuple(values)
        }
        Type::Variant(cases) => {
            let (tag, val) = case_of(json, ty)?;
            let Some(index) = cases.iter().position(|(name, _)| name == tag) else {
                return Err(unknown_case(tag, cases.iter().map(|(name, _)| name)));
            };
            let (name, payload_type) = &cases[index];
            Value::Variant(
                case_index(index)?,
                payload(val, payload_type.as_ref(), name)?,
            )
        }
        Type::Enum(cases) => {
            let Json::String(name) = json else {
                return Err(mismatch(json, ty));
            };
            let Some(index) = cases.iter().position(|case| case == name) else {
                return Err(unknown_case(name, cases.iter()));
            };
            Value::Enum(case_index(index)?)
        }
        Type::Option(_) if json.is_null() => Value::Option(None),
        // An option of an option: `null` alone could not say which is
        // none, so the outer one is tagged.
        Type::Option(t) if matches!(**t, Type::Option(_)) => {
            let (tag, val) = case_of(json, ty)?;
            match tag {
                "none" => {
                    payload(val, None, "none")?;
                    Value::Option(None)
                }
                "some" => Value::Option(payload(val, Some(&**t), "some")?),
                other => return Err(unknown_case(other, ["none", "some"].iter())),
            }
        }
        Type::Option(t) => Value::Option(Some(Box::new(from(json, t)?))),
        Type::Result { ok, err } => {
            let (tag, val) = case_of(json, ty)?;
            match tag {
                "ok" => Value::Result(Ok(payload(val, ok.as_deref(), "ok")?)),
                "err" => Value::Result(Err(payload(val, err.as_deref(), "err")?)),
                other => return Err(unknown_case(other, ["ok", "err"].iter())),
            }
        }
        Type::Flags(names) => flags(json, names, ty)?,
        Type::Port => return Err(ValueError::new(PORT_REFUSED)),
    })
}

/// A value the page may leave out (a record's key, a case's `val`, an
/// argument): only an option may be, and is then none, as `undefined` is.
fn from_present(json: Option<&Json>, ty: &Type, what: &str) -> Result<Value, ValueError> {
    match json {
        Some(json) => from(json, ty),
        None if matches!(ty, Type::Option(_)) => Ok(Value::Option(None)),
        None => Err(ValueError::new(format!(
            "expected {}, found nothing: {what} is missing",
            expected(ty)
        ))),
    }
}

/// A whole number in the range of the integer type `ty`: a JSON number
/// (for 64-bit types, only one a JavaScript number holds exactly), or a
/// `$bigint` for 64-bit types.
fn integer<T: TryFrom<i128>>(json: &Json, ty: &Type) -> Result<T, ValueError> {
    let wide = matches!(ty, Type::S64 | Type::U64);
    let n = match (json, tagged(json)) {
        (Json::Number(n), _) => {
            let n = whole(n).ok_or_else(|| mismatch(json, ty))?;
            if wide && n.abs() > MAX_SAFE_INTEGER {
                return Err(ValueError::new(format!(
                    "expected {ty}, found {}: past 2^53 - 1 a number is rounded, so it must come as a BigInt",
                    describe(json)
                )));
            }
            n
        }
        (_, Some(Tagged::BigInt(digits))) if wide => {
            bigint(digits).ok_or_else(|| mismatch(json, ty))?
        }
        _ => return Err(mismatch(json, ty)),
    };
    T::try_from(n).map_err(|_| mismatch(json, ty))
}

/// The whole number a JSON number is, if it is one (`3.0` is 3).
fn whole(n: &Number) -> Option<i128> {
    if let Some(n) = n.as_i64() {
        return Some(n.into());
    }
    if let Some(n) = n.as_u64() {
        return Some(n.into());
    }
    // JSON numbers are finite; past 2^64 none fits a WIT integer, and the
    // bound keeps the cast exact.
    let x = n.as_f64()?;
    (x.fract() == 0.0 && x.abs() < 2f64.powi(64)).then_some(x as i128)
}

/// A `$bigint`'s decimal digits, with an optional leading minus; `None`
/// for anything else, or beyond what any WIT integer holds.
fn bigint(text: &str) -> Option<i128> {
    let digits = text.strip_prefix('-').unwrap_or(text);
    // 39 digits is past u64 already, and still inside i128.
    if digits.is_empty() || digits.len() > 39 || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    text.parse().ok()
}

fn float(json: &Json, ty: &Type) -> Result<f64, ValueError> {
    match (json, tagged(json)) {
        (Json::Number(n), _) => n.as_f64().ok_or_else(|| mismatch(json, ty)),
        (_, Some(Tagged::Float("NaN"))) => Ok(f64::NAN),
        (_, Some(Tagged::Float("Infinity"))) => Ok(f64::INFINITY),
        (_, Some(Tagged::Float("-Infinity"))) => Ok(f64::NEG_INFINITY),
        // JSON writes a negative zero as 0; the bridge tags it.
        (_, Some(Tagged::Float("-0"))) => Ok(-0.0),
        _ => Err(mismatch(json, ty)),
    }
}

/// A `list<u8>`: a `Uint8Array`, or an array of numbers 0 to 255.
fn bytes(json: &Json, ty: &Type) -> Result<Vec<u8>, ValueError> {
    match (json, tagged(json)) {
        (_, Some(Tagged::Bytes(text))) => base64::decode(text)
            .map_err(|e| ValueError::new(format!("bad base64 in a `{BYTES_TAG}`: {e}"))),
        (Json::Array(items), _) => items
            .iter()
            .enumerate()
            .map(|(i, item)| integer(item, &Type::U8).map_err(|e| e.within(|| format!("[{i}]"))))
            .collect(),
        _ => Err(mismatch(json, ty)),
    }
}

fn record(json: &Json, fields: &[(String, Type)], ty: &Type) -> Result<Value, ValueError> {
    let map = plain_object(json).ok_or_else(|| mismatch(json, ty))?;
    let keys: Vec<String> = fields.iter().map(|(name, _)| js_name(name)).collect();
    let mut values = Vec::with_capacity(fields.len());
    let mut found = 0;
    for (key, (_, t)) in keys.iter().zip(fields) {
        let item = map.get(key);
        found += usize::from(item.is_some());
        values.push(
            from_present(item, t, "the key").map_err(|e| e.within(|| format!("field {key}")))?,
        );
    }
    // Every key was a field's, unless fewer were found than there are.
    if found != map.len()
        && let Some(unknown) = map.keys().find(|key| !keys.contains(key))
    {
        return Err(ValueError::new(format!(
            "unknown field {}; the fields are {}",
            quote(unknown),
            listing(keys.iter())
        )));
    }
    Ok(Value::Record(values))
}

fn flags(json: &Json, names: &[String], ty: &Type) -> Result<Value, ValueError> {
    let map = plain_object(json).ok_or_else(|| mismatch(json, ty))?;
    let keys: Vec<String> = names.iter().map(|name| js_name(name)).collect();
    if let Some(unknown) = map.keys().find(|key| !keys.contains(key)) {
        return Err(ValueError::new(format!(
            "unknown flag {}; the flags are {}",
            quote(unknown),
            listing(keys.iter())
        )));
    }
    let set = keys
        .iter()
        .map(|key| match map.get(key) {
            None | Some(Json::Null) => Ok(false),
            Some(Json::Bool(on)) => Ok(*on),
            Some(other) => Err(mismatch(other, &Type::Bool).within(|| format!("flag {key}"))),
        })
        .collect::<Result<Vec<bool>, ValueError>>()?;
    Ok(Value::Flags(set))
}

/// The `tag` and `val` of a variant, result or tagged option: an object
/// with a string `tag`, maybe a `val`, and nothing else.
fn case_of<'a>(json: &'a Json, ty: &Type) -> Result<(&'a str, Option<&'a Json>), ValueError> {
    let map = plain_object(json).ok_or_else(|| mismatch(json, ty))?;
    if let Some(other) = map.keys().find(|key| *key != "tag" && *key != "val") {
        return Err(ValueError::new(format!(
            "unexpected key {} beside `tag` and `val`",
            quote(other)
        )));
    }
    match map.get("tag") {
        Some(Json::String(tag)) => Ok((tag, map.get("val"))),
        Some(other) => Err(ValueError::new(format!(
            "expected the case's name as `tag`, found {}",
            describe(other)
        ))),
        None => Err(ValueError::new("`tag` is missing")),
    }
}

/// A case's payload from its `val`: absent or null for a case without one.
fn payload(
    val: Option<&Json>,
    ty: Option<&Type>,
    case: &str,
) -> Result<Option<Box<Value>>, ValueError> {
    match (ty, val) {
        (None, None | Some(Json::Null)) => Ok(None),
        (None, Some(other)) => Err(ValueError::new(format!(
            "case {case} carries nothing, found a `val` of {}",
            describe(other)
        ))),
        (Some(t), val) => from_present(val, t, "`val`")
            .map(|v| Some(Box::new(v)))
            .map_err(|e| e.within(|| format!("case {case}"))),
    }
}

fn case_index(index: usize) -> Result<u32, ValueError> {
    u32::try_from(index).map_err(|_| ValueError::new("a case past u32"))
}

fn unknown_case<'a>(
    tag: &str,
    cases: impl Iterator<Item = &'a (impl AsRef<str> + 'a)>,
) -> ValueError {
    ValueError::new(format!(
        "unknown case {}; the cases are {}",
        quote(tag),
        listing(cases)
    ))
}

// ---- To the page ----

fn to(value: &Value, ty: &Type) -> Result<Json, ValueError> {
    let not_of_type = || ValueError::new(format!("a value that is not a `{ty}`"));
    Ok(match (ty, value) {
        (Type::Bool, Value::Bool(b)) => Json::Bool(*b),
        (Type::S8, Value::S8(n)) => Json::from(*n),
        (Type::U8, Value::U8(n)) => Json::from(*n),
        (Type::S16, Value::S16(n)) => Json::from(*n),
        (Type::U16, Value::U16(n)) => Json::from(*n),
        (Type::S32, Value::S32(n)) => Json::from(*n),
        (Type::U32, Value::U32(n)) => Json::from(*n),
        // jco gives 64-bit integers to JavaScript as BigInts, whatever
        // their size.
        (Type::S64, Value::S64(n)) => tag(BIGINT_TAG, n.to_string()),
        (Type::U64, Value::U64(n)) => tag(BIGINT_TAG, n.to_string()),
        (Type::F32, Value::F32(x)) => float_to_page(f64::from(*x)),
        (Type::F64, Value::F64(x)) => float_to_page(*x),
        (Type::Char, Value::Char(c)) => Json::String(c.to_string()),
        (Type::String, Value::String(text)) => Json::String(text.clone()),
        (Type::List(t), Value::Bytes(bytes)) if **t == Type::U8 => {
            tag(BYTES_TAG, base64::encode(bytes))
        }
        (Type::List(t), Value::List(items)) if **t == Type::U8 => {
            let bytes =
                items
                    .iter()
                    .enumerate()
                    .map(|(i, item)| match item {
                        Value::U8(byte) => Ok(*byte),
                        _ => Err(ValueError::new("a value that is not a `u8`")
                            .within(|| format!("[{i}]"))),
                    })
                    .collect::<Result<Vec<u8>, ValueError>>()?;
            tag(BYTES_TAG, base64::encode(&bytes))
        }
        (Type::List(t), Value::List(items)) => Json::Array(
            items
                .iter()
                .enumerate()
                .map(|(i, item)| to(item, t).map_err(|e| e.within(|| format!("[{i}]"))))
                .collect::<Result<_, _>>()?,
        ),
        (Type::Record(fields), Value::Record(values)) if fields.len() == values.len() => {
            let mut map = Map::new();
            for ((name, t), v) in fields.iter().zip(values) {
                let key = js_name(name);
                let json = to(v, t).map_err(|e| e.within(|| format!("field {key}")))?;
                map.insert(key, json);
            }
            Json::Object(map)
        }
        (Type::Tuple(types), Value::Tuple(values)) if types.len() == values.len() => Json::Array(
            types
                .iter()
                .zip(values)
                .enumerate()
                .map(|(i, (t, v))| to(v, t).map_err(|e| e.within(|| format!("[{i}]"))))
                .collect::<Result<_, _>>()?,
        ),
        (Type::Variant(cases), Value::Variant(index, payload)) => {
            let (name, case) = usize::try_from(*index)
                .ok()
                .and_then(|i| cases.get(i))
                .ok_or_else(not_of_type)?;
            let val = match (case, payload) {
                (None, None) => None,
                (Some(t), Some(v)) => {
                    Some(to(v, t).map_err(|e| e.within(|| format!("case {name}")))?)
                }
                _ => return Err(not_of_type()),
            };
            case_to_page(name, val)
        }
        (Type::Enum(cases), Value::Enum(index)) => {
            let name = usize::try_from(*index)
                .ok()
                .and_then(|i| cases.get(i))
                .ok_or_else(not_of_type)?;
            Json::String(name.clone())
        }
        (Type::Option(_), Value::Option(None)) => Json::Null,
        (Type::Option(t), Value::Option(Some(v))) if matches!(**t, Type::Option(_)) => {
            let val = to(v, t).map_err(|e| e.within(|| "case some".to_owned()))?;
            case_to_page("some", Some(val))
        }
        (Type::Option(t), Value::Option(Some(v))) => to(v, t)?,
        (Type::Result { ok, err }, Value::Result(outcome)) => match outcome {
            Ok(v) => {
                let val = side(v, ok, ty, "ok")?;
                case_to_page("ok", ok.is_some().then_some(val))
            }
            Err(e) => {
                let val = side(e, err, ty, "err")?;
                case_to_page("err", err.is_some().then_some(val))
            }
        },
        (Type::Flags(names), Value::Flags(set)) if names.len() == set.len() => Json::Object(
            names
                .iter()
                .zip(set)
                .map(|(name, on)| (js_name(name), Json::Bool(*on)))
                .collect(),
        ),
        (Type::Port, _) => return Err(ValueError::new(PORT_REFUSED)),
        _ => return Err(not_of_type()),
    })
}

/// One side of a result, for the page: its value, or null when that side
/// has no type.
fn side(
    value: &Option<Box<Value>>,
    ty: &Option<Box<Type>>,
    result: &Type,
    case: &str,
) -> Result<Json, ValueError> {
    match (ty, value) {
        (None, None) => Ok(Json::Null),
        (Some(t), Some(v)) => to(v, t).map_err(|e| e.within(|| format!("case {case}"))),
        _ => Err(ValueError::new(format!("a value that is not a `{result}`"))),
    }
}

/// A number, or the `$float` tag when JSON cannot write it.
fn float_to_page(x: f64) -> Json {
    match Number::from_f64(x) {
        Some(n) => Json::Number(n),
        None if x.is_nan() => tag(FLOAT_TAG, "NaN".to_owned()),
        None if x > 0.0 => tag(FLOAT_TAG, "Infinity".to_owned()),
        None => tag(FLOAT_TAG, "-Infinity".to_owned()),
    }
}

fn tag(tag: &str, text: String) -> Json {
    let mut map = Map::new();
    map.insert(tag.to_owned(), Json::String(text));
    Json::Object(map)
}

/// `{"tag": name, "val": val}`, without `val` when there is none.
fn case_to_page(name: &str, val: Option<Json>) -> Json {
    let mut map = Map::new();
    map.insert("tag".to_owned(), Json::String(name.to_owned()));
    if let Some(val) = val {
        map.insert("val".to_owned(), val);
    }
    Json::Object(map)
}

// ---- Words for errors ----

/// What a `ty` looks like on a page, for "expected ...".
fn expected(ty: &Type) -> String {
    match ty {
        Type::Bool => "a boolean".to_owned(),
        Type::Char => "a char (a string of one Unicode scalar value)".to_owned(),
        Type::String => "a string".to_owned(),
        Type::List(t) if **t == Type::U8 => {
            "bytes (a Uint8Array, or an array of numbers 0 to 255)".to_owned()
        }
        Type::List(_) => "an array".to_owned(),
        Type::Tuple(types) => format!("an array of {}", count(types.len(), "element")),
        Type::Record(_) | Type::Flags(_) => "an object".to_owned(),
        Type::Variant(_) | Type::Result { .. } => "an object with a `tag`".to_owned(),
        Type::Option(t) if matches!(**t, Type::Option(_)) => {
            "null or an object with a `tag`".to_owned()
        }
        Type::Option(t) => format!("{} or null", expected(t)),
        Type::Enum(cases) => format!("one of the strings {}", listing(cases.iter())),
        // Numbers and ports: their WIT names.
        _ => ty.to_string(),
    }
}

/// What the page sent, for "found ...": its kind, and a short quote of it.
fn describe(json: &Json) -> String {
    match (json, tagged(json)) {
        (_, Some(Tagged::Bytes(_))) => "a Uint8Array".to_owned(),
        (_, Some(Tagged::BigInt(digits))) => format!("the BigInt {}", cut(digits)),
        (_, Some(Tagged::Float(text))) => format!("the float {}", quote(text)),
        (Json::Null, _) => "null".to_owned(),
        (Json::Bool(b), _) => b.to_string(),
        (Json::Number(n), _) => cut(&n.to_string()),
        (Json::String(text), _) => format!("the string {}", quote(text)),
        (Json::Array(items), _) => format!("an array of {}", count(items.len(), "element")),
        (Json::Object(_), _) => "an object".to_owned(),
    }
}

/// `text` cut to [`MAX_QUOTED_CHARS`] characters.
fn cut(text: &str) -> String {
    match text.char_indices().nth(MAX_QUOTED_CHARS) {
        Some((end, _)) => format!("{}…", &text[..end]),
        None => text.to_owned(),
    }
}

/// Page text in quotes, cut short and with control characters escaped.
fn quote(text: &str) -> String {
    format!("{:?}", cut(text))
}

/// Names for a message, in backquotes, the first [`MAX_LISTED_NAMES`].
fn listing<'a>(names: impl Iterator<Item = &'a (impl AsRef<str> + 'a)>) -> String {
    let mut names = names.map(|name| format!("`{}`", name.as_ref()));
    let mut listed: Vec<String> = names.by_ref().take(MAX_LISTED_NAMES).collect();
    if names.next().is_some() {
        listed.push("…".to_owned());
    }
    listed.join(", ")
}

fn count(n: usize, thing: &str) -> String {
    if n == 1 {
        format!("1 {thing}")
    } else {
        format!("{n} {thing}s")
    }
}

#[cfg(test)]
mod tests;
