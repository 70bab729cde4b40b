//! Typed values as a receiver decodes them: a type built from the first
//! bytes (as the receiver's own WIT would give it), the rest decoded
//! against it. What decodes must re-encode to the same bytes.

#![no_main]

use libfuzzer_sys::fuzz_target;
use wasmtron_wire::value::{Type, decode_all, encode_all};

fn next(data: &mut &[u8]) -> u8 {
    match data.split_first() {
        Some((&byte, rest)) => {
            *data = rest;
            byte
        }
        None => 0,
    }
}

fn names(count: u8, prefix: &str) -> Vec<String> {
    (0..count).map(|i| format!("{prefix}{i}")).collect()
}

/// A type from the bytes, nested at most 8 deep.
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
            names(count, "f")
                .into_iter()
                .map(|name| (name, ty(data, depth + 1)))
                .collect(),
        ),
        16 => Type::Tuple((0..count).map(|_| ty(data, depth + 1)).collect()),
        17 => Type::Variant(
            names(count, "c")
                .into_iter()
                .map(|name| {
                    let payload = next(data) % 2 == 1;
                    (name, payload.then(|| ty(data, depth + 1)))
                })
                .collect(),
        ),
        18 => Type::Enum(names(count, "e")),
        19 => Type::Option(Box::new(ty(data, depth + 1))),
        20 => {
            let shape = next(data);
            let part = |data: &mut &[u8], on: bool| on.then(|| Box::new(ty(data, depth + 1)));
            let ok = part(data, shape & 1 == 1);
            let err = part(data, shape & 2 == 2);
            Type::Result { ok, err }
        }
        _ => Type::Flags(names(count.saturating_mul(9), "g")),
    }
}

fuzz_target!(|data: &[u8]| {
    let mut data = data;
    let types = [ty(&mut data, 0), ty(&mut data, 0)];
    let ports = u32::from(next(&mut data) % 4);
    if let Ok(values) = decode_all(data, &types, ports) {
        let again = encode_all(&values, &types).expect("a decoded value encodes");
        assert_eq!(again, data, "one value, one encoding");
    }
});
