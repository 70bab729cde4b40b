//! A typed call's values between wasmtime's `Val`s and the wire encoding of
//! [`wasmtron_wire::value`].
//!
//! Encoding writes the bytes straight from the `Val`s, with no wire `Value`
//! tree in between: a sender's values come from its own runtime, and every
//! allocation per field is paid on each call. The bytes are the ones
//! [`value::encode_all`] writes for the same values (the tests hold the two
//! to it). Decoding goes through [`value::decode_all`], the fuzzed decoder
//! that trusts nothing, and only then becomes `Val`s.

use wasmtime::component::{ResourceAny, Val};
use wasmtron_wire::value::{self, Type, Value, ValueError, put_len, put_uint, zigzag};

/// Encodes a function's parameters or results, each against its type,
/// with the ports among them in the order the values name them. `size` is
/// what to reserve for the bytes (the last call's length serves).
pub(super) fn encode_vals(
    vals: &[Val],
    types: &[Type],
    size: usize,
) -> Result<(Vec<u8>, Vec<ResourceAny>), ValueError> {
    if vals.len() != types.len() {
        return Err(ValueError::new(format!(
            "{} values for {} types",
            vals.len(),
            types.len()
        )));
    }
    let mut out = Vec::with_capacity(size);
    let mut ports = Vec::new();
    for (i, (val, ty)) in vals.iter().zip(types).enumerate() {
        put(&mut out, val, ty, &mut ports).map_err(|e| e.within(|| format!("value {i}")))?;
    }
    Ok((out, ports))
}

/// Decodes bytes from the other end against this end's own types into
/// `vals`, one for each type; its port values name the handles in `ports`,
/// each exactly once. What `vals` hold already is reused where it has the
/// same shape (a record's vector and field names, a list's vector), so a
/// provider that keeps its last arguments builds few of them again.
///
/// The wire's decoder reads every value. When no ports move, the records
/// and tuples at the top are walked here and the decoder reads each of
/// their fields in turn, with the same errors in the same places: the
/// function's types are not checked again on every call (they were when
/// the component was loaded), and no wire value is built for the records
/// themselves.
pub(super) fn decode_into(
    bytes: &[u8],
    types: &[Type],
    ports: &[ResourceAny],
    vals: &mut [Val],
) -> Result<(), ValueError> {
    if ports.is_empty() {
        let mut rest = bytes;
        for (i, (ty, slot)) in types.iter().zip(vals).enumerate() {
            read(&mut rest, ty, slot).map_err(|e| e.within(|| format!("value {i}")))?;
        }
        if !rest.is_empty() {
            return Err(ValueError::new(format!(
                "{} bytes left over after the last value",
                rest.len()
            )));
        }
        return Ok(());
    }
    let count = u32::try_from(ports.len()).map_err(|_| ValueError::new("too many ports"))?;
    let values = value::decode_all(bytes, types, count)?;
    for ((value, ty), slot) in values.into_iter().zip(types).zip(vals) {
        fill(slot, value, ty, ports);
    }
    Ok(())
}

/// Reads one value of type `ty` from the front of `rest` into `slot`, for
/// a message that moves no ports.
fn read(rest: &mut &[u8], ty: &Type, slot: &mut Val) -> Result<(), ValueError> {
    match ty {
        Type::Record(fields) if !fields.is_empty() => {
            if !matches!(slot, Val::Record(held) if held.len() == fields.len()) {
                *slot = Val::Record(
                    fields
                        .iter()
                        .map(|(name, _)| (name.clone(), Val::Bool(false)))
                        .collect(),
                );
            }
            let Val::Record(held) = slot else {
                unreachable!("made a record just above");
            };
            for ((name, t), (_, field)) in fields.iter().zip(held) {
                read(rest, t, field).map_err(|e| e.within(|| format!("field `{name}`")))?;
            }
        }
        Type::Tuple(types) if !types.is_empty() => {
            if !matches!(slot, Val::Tuple(held) if held.len() == types.len()) {
                *slot = Val::Tuple(vec![Val::Bool(false); types.len()]);
            }
            let Val::Tuple(held) = slot else {
                unreachable!("made a tuple just above");
            };
            for (i, (t, item)) in types.iter().zip(held).enumerate() {
                read(rest, t, item).map_err(|e| e.within(|| format!("element {i}")))?;
            }
        }
        _ => {
            let (value, used) = value::decode(rest, ty, 0)?;
            *rest = &rest[used..];
            fill(slot, value, ty, &[]);
        }
    }
    Ok(())
}

/// Appends `val`, of type `ty`, as [`value::encode`] would append the same
/// value. A port's handle is added to `ports`, and the bytes name its place
/// there.
fn put(
    out: &mut Vec<u8>,
    val: &Val,
    ty: &Type,
    ports: &mut Vec<ResourceAny>,
) -> Result<(), ValueError> {
    let mismatch = || ValueError::new(format!("a value that is not a `{ty}`"));
    match (val, ty) {
        (Val::Bool(b), Type::Bool) => out.push(u8::from(*b)),
        (Val::S8(n), Type::S8) => out.push(n.to_le_bytes()[0]),
        (Val::U8(n), Type::U8) => out.push(*n),
        (Val::S16(n), Type::S16) => put_uint(out, zigzag(i64::from(*n))),
        (Val::U16(n), Type::U16) => put_uint(out, u64::from(*n)),
        (Val::S32(n), Type::S32) => put_uint(out, zigzag(i64::from(*n))),
        (Val::U32(n), Type::U32) => put_uint(out, u64::from(*n)),
        (Val::S64(n), Type::S64) => put_uint(out, zigzag(*n)),
        (Val::U64(n), Type::U64) => put_uint(out, *n),
        (Val::Float32(x), Type::F32) => out.extend_from_slice(&x.to_le_bytes()),
        (Val::Float64(x), Type::F64) => out.extend_from_slice(&x.to_le_bytes()),
        (Val::Char(c), Type::Char) => put_uint(out, u64::from(u32::from(*c))),
        (Val::String(s), Type::String) => {
            put_len(out, s.len());
            out.extend_from_slice(s.as_bytes());
        }
        (Val::Resource(port), Type::Port) => {
            let index = u64::try_from(ports.len()).map_err(|_| mismatch())?;
            ports.push(*port);
            put_uint(out, index);
        }
        (Val::List(items), Type::List(t)) if **t == Type::U8 => {
            put_len(out, items.len());
            out.reserve(items.len());
            for item in items {
                match item {
                    Val::U8(n) => out.push(*n),
                    _ => return Err(mismatch()),
                }
            }
        }
        (Val::List(items), Type::List(t)) => {
            put_len(out, items.len());
            for (i, item) in items.iter().enumerate() {
                put(out, item, t, ports).map_err(|e| e.within(|| format!("[{i}]")))?;
            }
        }
        (Val::Record(values), Type::Record(fields)) if values.len() == fields.len() => {
            for ((_, v), (name, t)) in values.iter().zip(fields) {
                put(out, v, t, ports).map_err(|e| e.within(|| format!("field `{name}`")))?;
            }
        }
        (Val::Tuple(values), Type::Tuple(types)) if values.len() == types.len() => {
            for (i, (v, t)) in values.iter().zip(types).enumerate() {
                put(out, v, t, ports).map_err(|e| e.within(|| format!("element {i}")))?;
            }
        }
        (Val::Variant(name, payload), Type::Variant(cases)) => {
            let index = cases
                .iter()
                .position(|(case, _)| case == name)
                .ok_or_else(mismatch)?;
            put_uint(out, u64::try_from(index).map_err(|_| mismatch())?);
            match (payload, &cases[index].1) {
                (None, None) => {}
                (Some(v), Some(t)) => {
                    put(out, v, t, ports).map_err(|e| e.within(|| format!("case `{name}`")))?;
                }
                _ => return Err(mismatch()),
            }
        }
        (Val::Enum(name), Type::Enum(cases)) => {
            let index = cases.iter().position(|c| c == name).ok_or_else(mismatch)?;
            put_uint(out, u64::try_from(index).map_err(|_| mismatch())?);
        }
        (Val::Option(None), Type::Option(_)) => out.push(0),
        (Val::Option(Some(v)), Type::Option(t)) => {
            out.push(1);
            put(out, v, t, ports).map_err(|e| e.within(|| "some".to_owned()))?;
        }
        (Val::Result(result), Type::Result { ok, err }) => {
            let (tag, payload, t, place) = match result {
                Ok(v) => (0, v, ok, "ok"),
                Err(v) => (1, v, err, "err"),
            };
            out.push(tag);
            match (payload, t) {
                (None, None) => {}
                (Some(v), Some(t)) => {
                    put(out, v, t, ports).map_err(|e| e.within(|| place.to_owned()))?;
                }
                _ => return Err(mismatch()),
            }
        }
        (Val::Flags(set), Type::Flags(names)) => {
            for chunk in names.chunks(8) {
                let byte = chunk.iter().enumerate().fold(0u8, |byte, (bit, name)| {
                    byte | (u8::from(set.contains(name)) << bit)
                });
                out.push(byte);
            }
        }
        _ => return Err(mismatch()),
    }
    Ok(())
}

/// Makes `slot` the `Val` of `value`, keeping what it holds of the same
/// shape. Every leaf is written: nothing of the value before stays.
fn fill(slot: &mut Val, value: Value, ty: &Type, ports: &[ResourceAny]) {
    match (slot, value, ty) {
        (Val::Record(fields), Value::Record(values), Type::Record(types))
            if fields.len() == values.len() =>
        {
            for (((_, field), value), (_, t)) in fields.iter_mut().zip(values).zip(types) {
                fill(field, value, t, ports);
            }
        }
        (Val::Tuple(items), Value::Tuple(values), Type::Tuple(types))
            if items.len() == values.len() =>
        {
            for ((item, value), t) in items.iter_mut().zip(values).zip(types) {
                fill(item, value, t, ports);
            }
        }
        (Val::List(items), Value::Bytes(bytes), _) => {
            items.clear();
            items.extend(bytes.into_iter().map(Val::U8));
        }
        (Val::List(items), Value::List(values), Type::List(t)) => {
            items.truncate(values.len());
            let kept = items.len();
            let mut values = values.into_iter();
            for (item, value) in items.iter_mut().zip(values.by_ref().take(kept)) {
                fill(item, value, t, ports);
            }
            items.extend(values.map(|value| to_val(value, t, ports)));
        }
        (Val::Option(Some(inner)), Value::Option(Some(value)), Type::Option(t)) => {
            fill(inner, *value, t, ports);
        }
        (slot, value, ty) => *slot = to_val(value, ty, ports),
    }
}

/// A wire value as wasmtime's value of the same type. The value was
/// decoded against `ty`, so it fits; a port value is an index into `ports`,
/// which the decoder checked.
fn to_val(value: Value, ty: &Type, ports: &[ResourceAny]) -> Val {
    let boxed = |v: Option<Box<Value>>, t: Option<&Type>| match (v, t) {
        (Some(v), Some(t)) => Some(Box::new(to_val(*v, t, ports))),
        _ => None,
    };
    match (value, ty) {
        (Value::Bool(b), _) => Val::Bool(b),
        (Value::S8(n), _) => Val::S8(n),
        (Value::U8(n), _) => Val::U8(n),
        (Value::S16(n), _) => Val::S16(n),
        (Value::U16(n), _) => Val::U16(n),
        (Value::S32(n), _) => Val::S32(n),
        (Value::U32(n), _) => Val::U32(n),
        (Value::S64(n), _) => Val::S64(n),
        (Value::U64(n), _) => Val::U64(n),
        (Value::F32(x), _) => Val::Float32(x),
        (Value::F64(x), _) => Val::Float64(x),
        (Value::Char(c), _) => Val::Char(c),
        (Value::String(s), _) => Val::String(s),
        (Value::Bytes(bytes), _) => Val::List(bytes.into_iter().map(Val::U8).collect()),
        (Value::Port(index), _) => Val::Resource(ports[index as usize]),
        (Value::List(items), Type::List(t)) => {
            Val::List(items.into_iter().map(|v| to_val(v, t, ports)).collect())
        }
        (Value::Record(values), Type::Record(fields)) => Val::Record(
            values
                .into_iter()
                .zip(fields)
                .map(|(v, (name, t))| (name.clone(), to_val(v, t, ports)))
                .collect(),
        ),
        (Value::Tuple(values), Type::Tuple(types)) => Val::Tuple(
            values
                .into_iter()
                .zip(types)
                .map(|(v, t)| to_val(v, t, ports))
                .collect(),
        ),
        (Value::Variant(case, payload), Type::Variant(cases)) => {
            let (name, t) = &cases[case as usize];
            Val::Variant(name.clone(), boxed(payload, t.as_ref()))
        }
        (Value::Enum(case), Type::Enum(cases)) => Val::Enum(cases[case as usize].clone()),
        (Value::Option(v), Type::Option(t)) => Val::Option(boxed(v, Some(t))),
        (Value::Result(r), Type::Result { ok, err }) => Val::Result(match r {
            Ok(v) => Ok(boxed(v, ok.as_deref())),
            Err(v) => Err(boxed(v, err.as_deref())),
        }),
        (Value::Flags(set), Type::Flags(names)) => Val::Flags(
            set.iter()
                .zip(names)
                .filter(|(on, _)| **on)
                .map(|(_, name)| name.clone())
                .collect(),
        ),
        // Decoding against `ty` makes every other pairing impossible.
        (value, ty) => unreachable!("a decoded value {value:?} that is not a `{ty}`"),
    }
}

#[cfg(test)]
mod tests;
