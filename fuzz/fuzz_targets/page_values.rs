//! Typed values as a page sends them (`wasmtron_wire::page_value`): a type
//! built from the first bytes (as the renderer's WIT would give it), the
//! rest parsed as the page's JSON and converted by that type. What converts
//! must go back to the page and come again as the same value.

#![no_main]

use libfuzzer_sys::fuzz_target;
use wasmtron_wire::page_value::{from_page, to_page};
use wasmtron_wire::value::Type;

fn next(data: &mut &[u8]) -> u8 {
    match data.split_first() {
        Some((&byte, rest)) => {
            *data = rest;
            byte
        }
        None => 0,
    }
}

/// Kebab-case names, so records and flags go through their JavaScript
/// names (`a-field-0` is `aField0` on the page).
fn names(count: u8, prefix: &str) -> Vec<String> {
    (0..count).map(|i| format!("{prefix}-{i}")).collect()
}

/// A type from the bytes, nested at most 8 deep (as `typed_values` builds
/// them).
fn ty(data: &mut &[u8], depth: usize) -> Type {
    let byte = next(data);
    let leaves = [
        Type::Bool,
        Type::S8,
        Type::U8,
        Type::S16,
        Type::U16,
        Type::S32,
        Type::U32,
        Type::S64,
        Type::U64,
        Type::F32,
        Type::F64,
        Type::Char,
        Type::String,
        Type::Port,
    ];
    let kind = usize::from(byte % 22);
    if depth >= 8 || kind < leaves.len() {
        return leaves[kind % leaves.len()].clone();
    }
    let count = next(data) % 5 + 1;
    match kind {
        14 => Type::List(Box::new(ty(data, depth + 1))),
        15 => Type::Record(
            names(count, "a-field")
                .into_iter()
                .map(|name| (name, ty(data, depth + 1)))
                .collect(),
        ),
        16 => Type::Tuple((0..count).map(|_| ty(data, depth + 1)).collect()),
        17 => Type::Variant(
            names(count, "a-case")
                .into_iter()
                .map(|name| {
                    let payload = next(data) % 2 == 1;
                    (name, payload.then(|| ty(data, depth + 1)))
                })
                .collect(),
        ),
        18 => Type::Enum(names(count, "a-case")),
        19 => Type::Option(Box::new(ty(data, depth + 1))),
        20 => {
            let shape = next(data);
            let part = |data: &mut &[u8], on: bool| on.then(|| Box::new(ty(data, depth + 1)));
            let ok = part(data, shape & 1 == 1);
            let err = part(data, shape & 2 == 2);
            Type::Result { ok, err }
        }
        _ => Type::Flags(names(count.saturating_mul(9), "a-flag")),
    }
}

fuzz_target!(|data: &[u8]| {
    let mut data = data;
    let ty = ty(&mut data, 0);
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(json) = serde_json::from_str::<serde_json::Value>(text) else {
        return;
    };
    if let Ok(value) = from_page(&json, &ty) {
        let back = to_page(&value, &ty).expect("a value from the page goes back to it");
        let again = from_page(&back, &ty).expect("what went to the page comes back");
        // NaN is not equal to itself; the debug forms are, and they show
        // everything else (even the sign of a zero).
        if again != value {
            assert_eq!(
                format!("{again:?}"),
                format!("{value:?}"),
                "one value, one page form"
            );
        }
    }
});
