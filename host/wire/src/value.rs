//! Typed values on the wire: the values of an app's own WIT functions
//! (records, variants, lists, strings, numbers, ports...) in a compact
//! encoding that the types drive, with no tags or names beyond what the
//! type cannot tell.
//!
//! The sender encodes against its types; the receiver decodes against its
//! *own* types and treats the bytes as hostile: every length is checked
//! against what is left, every discriminant against the cases, every string
//! and character for UTF-8, every integer for its range and for the shortest
//! encoding. One value has one encoding, so what decodes re-encodes to the
//! same bytes.
//!
//! | type | bytes |
//! |---|---|
//! | `bool` | one byte, 0 or 1 |
//! | `u8`, `s8` | one byte |
//! | other integers | LEB128, zigzag for signed ones, shortest form |
//! | `f32`, `f64` | little-endian, as they are (any NaN) |
//! | `char` | its scalar value as an integer |
//! | `string` | length, then UTF-8 |
//! | `list<T>` | count, then each element (`list<u8>`: the bytes) |
//! | record, tuple | each field in order |
//! | variant, enum | case index, then the case's payload if it has one |
//! | `option<T>` | 0, or 1 then the value |
//! | `result<T, E>` | 0 then `T`, or 1 then `E` (each if present) |
//! | flags | one bit each, in bytes, unused bits 0 |
//! | `message-port` | its index among the ports the message moves |
//!
//! The ports themselves travel beside the bytes (the frame's list of moved
//! ports); a port value only says which of them it is.
//!
//! Every type takes at least one byte, so a count can never ask for more
//! elements than bytes are left: what a decoder allocates is bounded by the
//! message.

use std::fmt;

/// The deepest a type may nest (a list of records of options...). WIT
/// types are finite; this bounds a decoder's stack against a type built
/// from hostile input, as the fuzz target builds them.
pub const MAX_TYPE_DEPTH: usize = 64;

/// A WIT value type, as each end of a typed call knows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Type {
    Bool,
    S8,
    U8,
    S16,
    U16,
    S32,
    U32,
    S64,
    U64,
    F32,
    F64,
    Char,
    String,
    List(Box<Type>),
    /// Field names and types, in order.
    Record(Vec<(String, Type)>),
    Tuple(Vec<Type>),
    /// Case names and their payload types, in order.
    Variant(Vec<(String, Option<Type>)>),
    Enum(Vec<String>),
    Option(Box<Type>),
    Result {
        ok: Option<Box<Type>>,
        err: Option<Box<Type>>,
    },
    Flags(Vec<String>),
    /// `wasmtron:app/ports.message-port`: moves with the message.
    Port,
}

/// A value of a [`Type`].
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Bool(bool),
    S8(i8),
    U8(u8),
    S16(i16),
    U16(u16),
    S32(i32),
    U32(u32),
    S64(i64),
    U64(u64),
    F32(f32),
    F64(f64),
    Char(char),
    String(String),
    List(Vec<Value>),
    /// `list<u8>`, kept as bytes.
    Bytes(Vec<u8>),
    Record(Vec<Value>),
    Tuple(Vec<Value>),
    /// The case's index, and its payload if the case has one.
    Variant(u32, Option<Box<Value>>),
    Enum(u32),
    Option(Option<Box<Value>>),
    Result(Result<Option<Box<Value>>, Option<Box<Value>>>),
    /// Which flags are set, one bool per flag of the type.
    Flags(Vec<bool>),
    /// An index into the ports the message moves.
    Port(u32),
}

/// Why bytes are not a value of a type, or a value not of its type: what
/// is wrong, and where (`field `title` / [3]`).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}{what}", if .at.is_empty() { String::new() } else { format!("at {}: ", .at.join(" / ")) })]
pub struct ValueError {
    /// From the outside in.
    pub at: Vec<String>,
    pub what: String,
}

impl ValueError {
    pub fn new(what: impl Into<String>) -> Self {
        ValueError {
            at: Vec::new(),
            what: what.into(),
        }
    }

    /// The same error, one level further out.
    pub fn within(mut self, place: impl FnOnce() -> String) -> Self {
        self.at.insert(0, place());
        self
    }
}

impl Type {
    /// Refuses a type that nests deeper than [`MAX_TYPE_DEPTH`] or that
    /// WIT could not write (a record, tuple, variant, enum or flags with
    /// nothing in it).
    ///
    /// # Errors
    /// [`ValueError`] naming what is wrong.
    pub fn check(&self) -> Result<(), ValueError> {
        self.check_at(0)
    }

    fn check_at(&self, depth: usize) -> Result<(), ValueError> {
        if depth > MAX_TYPE_DEPTH {
            return Err(ValueError::new(format!(
                "the type nests deeper than {MAX_TYPE_DEPTH}"
            )));
        }
        let empty = match self {
            Type::Record(fields) => fields.is_empty(),
            Type::Tuple(types) => types.is_empty(),
            Type::Variant(cases) => cases.is_empty(),
            Type::Enum(cases) | Type::Flags(cases) => cases.is_empty(),
            _ => false,
        };
        if empty {
            return Err(ValueError::new(format!("`{self}` has nothing in it")));
        }
        let inner: Vec<&Type> = match self {
            Type::List(t) | Type::Option(t) => vec![t],
            Type::Record(fields) => fields.iter().map(|(_, t)| t).collect(),
            Type::Tuple(types) => types.iter().collect(),
            Type::Variant(cases) => cases.iter().filter_map(|(_, t)| t.as_ref()).collect(),
            Type::Result { ok, err } => ok.iter().chain(err).map(AsRef::as_ref).collect(),
            _ => Vec::new(),
        };
        inner.into_iter().try_for_each(|t| t.check_at(depth + 1))
    }
}

impl fmt::Display for Type {
    /// The type as WIT writes it (records, variants and enums as their
    /// shape, for messages that compare two types).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let list = |f: &mut fmt::Formatter<'_>, items: &mut dyn Iterator<Item = String>| {
            let items: Vec<String> = items.collect();
            write!(f, "{}", items.join(", "))
        };
        match self {
            Type::Bool => write!(f, "bool"),
            Type::S8 => write!(f, "s8"),
            Type::U8 => write!(f, "u8"),
            Type::S16 => write!(f, "s16"),
            Type::U16 => write!(f, "u16"),
            Type::S32 => write!(f, "s32"),
            Type::U32 => write!(f, "u32"),
            Type::S64 => write!(f, "s64"),
            Type::U64 => write!(f, "u64"),
            Type::F32 => write!(f, "f32"),
            Type::F64 => write!(f, "f64"),
            Type::Char => write!(f, "char"),
            Type::String => write!(f, "string"),
            Type::Port => write!(f, "message-port"),
            Type::List(t) => write!(f, "list<{t}>"),
            Type::Option(t) => write!(f, "option<{t}>"),
            Type::Result { ok, err } => match (ok, err) {
                (None, None) => write!(f, "result"),
                (Some(ok), None) => write!(f, "result<{ok}>"),
                (None, Some(err)) => write!(f, "result<_, {err}>"),
                (Some(ok), Some(err)) => write!(f, "result<{ok}, {err}>"),
            },
            Type::Tuple(types) => {
                write!(f, "tuple<")?;
                list(f, &mut types.iter().map(ToString::to_string))?;
                write!(f, ">")
            }
            Type::Record(fields) => {
                write!(f, "record {{ ")?;
                list(f, &mut fields.iter().map(|(n, t)| format!("{n}: {t}")))?;
                write!(f, " }}")
            }
            Type::Variant(cases) => {
                write!(f, "variant {{ ")?;
                list(
                    f,
                    &mut cases.iter().map(|(n, t)| match t {
                        Some(t) => format!("{n}({t})"),
                        None => n.clone(),
                    }),
                )?;
                write!(f, " }}")
            }
            Type::Enum(cases) => {
                write!(f, "enum {{ ")?;
                list(f, &mut cases.iter().cloned())?;
                write!(f, " }}")
            }
            Type::Flags(names) => {
                write!(f, "flags {{ ")?;
                list(f, &mut names.iter().cloned())?;
                write!(f, " }}")
            }
        }
    }
}

/// Appends `value`, of type `ty`, to `out`.
///
/// # Errors
/// [`ValueError`] when the value is not of the type (a sender's bug: its
/// runtime made the value from the same types).
pub fn encode(value: &Value, ty: &Type, out: &mut Vec<u8>) -> Result<(), ValueError> {
    let mismatch = || ValueError::new(format!("a value that is not a `{ty}`"));
    match (ty, value) {
        (Type::Bool, Value::Bool(b)) => out.push(u8::from(*b)),
        (Type::U8, Value::U8(n)) => out.push(*n),
        (Type::S8, Value::S8(n)) => out.push(n.to_le_bytes()[0]),
        (Type::U16, Value::U16(n)) => put_uint(out, u64::from(*n)),
        (Type::U32, Value::U32(n)) => put_uint(out, u64::from(*n)),
        (Type::U64, Value::U64(n)) => put_uint(out, *n),
        (Type::S16, Value::S16(n)) => put_uint(out, zigzag(i64::from(*n))),
        (Type::S32, Value::S32(n)) => put_uint(out, zigzag(i64::from(*n))),
        (Type::S64, Value::S64(n)) => put_uint(out, zigzag(*n)),
        (Type::F32, Value::F32(x)) => out.extend_from_slice(&x.to_le_bytes()),
        (Type::F64, Value::F64(x)) => out.extend_from_slice(&x.to_le_bytes()),
        (Type::Char, Value::Char(c)) => put_uint(out, u64::from(u32::from(*c))),
        (Type::String, Value::String(s)) => {
            put_len(out, s.len());
            out.extend_from_slice(s.as_bytes());
        }
        (Type::List(t), Value::Bytes(bytes)) if **t == Type::U8 => {
            put_len(out, bytes.len());
            out.extend_from_slice(bytes);
        }
        (Type::List(t), Value::List(items)) => {
            put_len(out, items.len());
            for (i, item) in items.iter().enumerate() {
                encode(item, t, out).map_err(|e| e.within(|| format!("[{i}]")))?;
            }
        }
        (Type::Record(fields), Value::Record(values)) if fields.len() == values.len() => {
            for ((name, t), v) in fields.iter().zip(values) {
                encode(v, t, out).map_err(|e| e.within(|| format!("field `{name}`")))?;
            }
        }
        (Type::Tuple(types), Value::Tuple(values)) if types.len() == values.len() => {
            for (i, (t, v)) in types.iter().zip(values).enumerate() {
                encode(v, t, out).map_err(|e| e.within(|| format!("element {i}")))?;
            }
        }
        (Type::Variant(cases), Value::Variant(index, payload)) => {
            let (name, case) = usize::try_from(*index)
                .ok()
                .and_then(|i| cases.get(i))
                .ok_or_else(mismatch)?;
            put_uint(out, u64::from(*index));
            match (case, payload) {
                (None, None) => {}
                (Some(t), Some(v)) => {
                    encode(v, t, out).map_err(|e| e.within(|| format!("case `{name}`")))?;
                }
                _ => return Err(mismatch()),
            }
        }
        (Type::Enum(cases), Value::Enum(index)) if (*index as usize) < cases.len() => {
            put_uint(out, u64::from(*index));
        }
        (Type::Option(t), Value::Option(inner)) => match inner {
            None => out.push(0),
            Some(v) => {
                out.push(1);
                encode(v, t, out).map_err(|e| e.within(|| "some".to_owned()))?;
            }
        },
        (Type::Result { ok, err }, Value::Result(result)) => {
            let (tag, t, v, place) = match result {
                Ok(v) => (0, ok, v, "ok"),
                Err(v) => (1, err, v, "err"),
            };
            out.push(tag);
            match (t, v) {
                (None, None) => {}
                (Some(t), Some(v)) => {
                    encode(v, t, out).map_err(|e| e.within(|| place.to_owned()))?;
                }
                _ => return Err(mismatch()),
            }
        }
        (Type::Flags(names), Value::Flags(set)) if names.len() == set.len() => {
            for chunk in set.chunks(8) {
                let byte = chunk
                    .iter()
                    .enumerate()
                    .fold(0u8, |byte, (bit, on)| byte | (u8::from(*on) << bit));
                out.push(byte);
            }
        }
        (Type::Port, Value::Port(index)) => put_uint(out, u64::from(*index)),
        _ => return Err(mismatch()),
    }
    Ok(())
}

/// Decodes one value of type `ty` from the start of `bytes`, and says how
/// many bytes it took. `ports` is how many ports the message moves: a port
/// value must name one of them, each at most once.
///
/// # Errors
/// [`ValueError`] saying where the bytes stop being a `ty`.
pub fn decode(bytes: &[u8], ty: &Type, ports: u32) -> Result<(Value, usize), ValueError> {
    ty.check()?;
    let mut reader = Reader {
        bytes,
        at: 0,
        ports: vec![false; ports as usize],
    };
    let value = reader.value(ty)?;
    Ok((value, reader.at))
}

/// Decodes a whole message: a value of each type in `types`, in order
/// (a function's parameters or results), with nothing left over.
///
/// # Errors
/// [`ValueError`] naming the position of the value at fault.
pub fn decode_all(bytes: &[u8], types: &[Type], ports: u32) -> Result<Vec<Value>, ValueError> {
    for ty in types {
        ty.check()?;
    }
    let mut reader = Reader {
        bytes,
        at: 0,
        ports: vec![false; ports as usize],
    };
    let mut values = Vec::with_capacity(types.len());
    for (i, ty) in types.iter().enumerate() {
        values.push(
            reader
                .value(ty)
                .map_err(|e| e.within(|| format!("value {i}")))?,
        );
    }
    if reader.at != bytes.len() {
        return Err(ValueError::new(format!(
            "{} bytes left over after the last value",
            bytes.len() - reader.at
        )));
    }
    if let Some(unnamed) = reader.ports.iter().position(|named| !named) {
        return Err(ValueError::new(format!(
            "port {unnamed} moves with the message but no value names it"
        )));
    }
    Ok(values)
}

/// Encodes a whole message: each value with its type, in order.
///
/// # Errors
/// [`ValueError`] when there are not as many values as types, or one is not
/// of its type.
pub fn encode_all(values: &[Value], types: &[Type]) -> Result<Vec<u8>, ValueError> {
    if values.len() != types.len() {
        return Err(ValueError::new(format!(
            "{} values for {} types",
            values.len(),
            types.len()
        )));
    }
    let mut out = Vec::new();
    for (i, (value, ty)) in values.iter().zip(types).enumerate() {
        encode(value, ty, &mut out).map_err(|e| e.within(|| format!("value {i}")))?;
    }
    Ok(out)
}

/// A signed integer as the unsigned one the encoding writes (zigzag: small
/// magnitudes stay short).
#[must_use]
pub fn zigzag(n: i64) -> u64 {
    ((n << 1) ^ (n >> 63)) as u64
}

fn unzigzag(n: u64) -> i64 {
    ((n >> 1) as i64) ^ -((n & 1) as i64)
}

/// An unsigned integer as the encoding writes every integer wider than a
/// byte: LEB128.
pub fn put_uint(out: &mut Vec<u8>, mut n: u64) {
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

/// A length or count, as the encoding writes it.
pub fn put_len(out: &mut Vec<u8>, len: usize) {
    put_uint(out, len as u64);
}

struct Reader<'a> {
    bytes: &'a [u8],
    at: usize,
    /// Which of the message's ports a value named already.
    ports: Vec<bool>,
}

impl Reader<'_> {
    fn left(&self) -> usize {
        self.bytes.len() - self.at
    }

    fn byte(&mut self) -> Result<u8, ValueError> {
        let byte = *self
            .bytes
            .get(self.at)
            .ok_or_else(|| ValueError::new("the bytes end inside a value"))?;
        self.at += 1;
        Ok(byte)
    }

    fn take(&mut self, n: usize) -> Result<&[u8], ValueError> {
        if n > self.left() {
            return Err(ValueError::new(format!(
                "{n} bytes announced, {} left",
                self.left()
            )));
        }
        let taken = &self.bytes[self.at..self.at + n];
        self.at += n;
        Ok(taken)
    }

    /// An unsigned LEB128 integer of at most `max`, in its shortest form.
    fn uint(&mut self, max: u64) -> Result<u64, ValueError> {
        let mut n: u64 = 0;
        let mut shift = 0u32;
        loop {
            let byte = self.byte()?;
            let bits = u64::from(byte & 0x7f);
            if shift == 63 && bits > 1 || shift > 63 {
                return Err(ValueError::new("an integer past 64 bits"));
            }
            n |= bits << shift;
            if byte & 0x80 == 0 {
                if byte == 0 && shift > 0 {
                    return Err(ValueError::new("an integer not in its shortest form"));
                }
                break;
            }
            shift += 7;
        }
        if n > max {
            return Err(ValueError::new(format!("{n} is over {max}")));
        }
        Ok(n)
    }

    /// A signed (zigzag) integer within `min..=max`.
    fn int(&mut self, min: i64, max: i64) -> Result<i64, ValueError> {
        let n = unzigzag(self.uint(u64::MAX)?);
        if n < min || n > max {
            return Err(ValueError::new(format!("{n} is outside {min}..={max}")));
        }
        Ok(n)
    }

    /// A count of things each at least a byte long: never more than the
    /// bytes left.
    fn count(&mut self) -> Result<usize, ValueError> {
        let n = self.uint(u64::MAX)?;
        match usize::try_from(n) {
            Ok(n) if n <= self.left() => Ok(n),
            _ => Err(ValueError::new(format!(
                "{n} elements announced, {} bytes left",
                self.left()
            ))),
        }
    }

    fn index(&mut self, cases: usize) -> Result<u32, ValueError> {
        let max = u64::try_from(cases.saturating_sub(1)).unwrap_or(u64::MAX);
        let n = self
            .uint(max)
            .map_err(|_| ValueError::new(format!("not one of the {cases} cases")))?;
        u32::try_from(n).map_err(|_| ValueError::new("a case past u32"))
    }

    fn value(&mut self, ty: &Type) -> Result<Value, ValueError> {
        Ok(match ty {
            Type::Bool => match self.byte()? {
                0 => Value::Bool(false),
                1 => Value::Bool(true),
                other => return Err(ValueError::new(format!("{other} is not a bool"))),
            },
            Type::U8 => Value::U8(self.byte()?),
            Type::S8 => Value::S8(i8::from_le_bytes([self.byte()?])),
            Type::U16 => Value::U16(self.uint(u64::from(u16::MAX))? as u16),
            Type::U32 => Value::U32(self.uint(u64::from(u32::MAX))? as u32),
            Type::U64 => Value::U64(self.uint(u64::MAX)?),
            Type::S16 => Value::S16(self.int(i16::MIN.into(), i16::MAX.into())? as i16),
            Type::S32 => Value::S32(self.int(i32::MIN.into(), i32::MAX.into())? as i32),
            Type::S64 => Value::S64(self.int(i64::MIN, i64::MAX)?),
            Type::F32 => {
                let bytes: [u8; 4] = self.take(4)?.try_into().unwrap_or_default();
                Value::F32(f32::from_le_bytes(bytes))
            }
            Type::F64 => {
                let bytes: [u8; 8] = self.take(8)?.try_into().unwrap_or_default();
                Value::F64(f64::from_le_bytes(bytes))
            }
            Type::Char => {
                let n = self.uint(u64::from(char::MAX))?;
                let c = u32::try_from(n).ok().and_then(char::from_u32);
                Value::Char(c.ok_or_else(|| ValueError::new(format!("{n:#x} is not a char")))?)
            }
            Type::String => {
                let len = self.count()?;
                let text = std::str::from_utf8(self.take(len)?)
                    .map_err(|_| ValueError::new("a string that is not UTF-8"))?;
                Value::String(text.to_owned())
            }
            Type::List(t) if **t == Type::U8 => {
                let len = self.count()?;
                Value::Bytes(self.take(len)?.to_vec())
            }
            Type::List(t) => {
                let count = self.count()?;
                let mut items = Vec::with_capacity(count);
                for i in 0..count {
                    items.push(self.value(t).map_err(|e| e.within(|| format!("[{i}]")))?);
                }
                Value::List(items)
            }
            Type::Record(fields) => {
                let mut values = Vec::with_capacity(fields.len());
                for (name, t) in fields {
                    values.push(
                        self.value(t)
                            .map_err(|e| e.within(|| format!("field `{name}`")))?,
                    );
                }
                Value::Record(values)
            }
            Type::Tuple(types) => {
                let mut values = Vec::with_capacity(types.len());
                for (i, t) in types.iter().enumerate() {
                    values.push(
                        self.value(t)
                            .map_err(|e| e.within(|| format!("element {i}")))?,
                    );
                }
                Value::Tuple(values)
            }
            Type::Variant(cases) => {
                let index = self.index(cases.len())?;
                let (name, case) = &cases[index as usize];
                let payload = match case {
                    Some(t) => Some(Box::new(
                        self.value(t)
                            .map_err(|e| e.within(|| format!("case `{name}`")))?,
                    )),
                    None => None,
                };
                Value::Variant(index, payload)
            }
            Type::Enum(cases) => Value::Enum(self.index(cases.len())?),
            Type::Option(t) => match self.byte()? {
                0 => Value::Option(None),
                1 => Value::Option(Some(Box::new(
                    self.value(t).map_err(|e| e.within(|| "some".to_owned()))?,
                ))),
                other => return Err(ValueError::new(format!("{other} is not an option's tag"))),
            },
            Type::Result { ok, err } => {
                let (t, place) = match self.byte()? {
                    0 => (ok, "ok"),
                    1 => (err, "err"),
                    other => {
                        return Err(ValueError::new(format!("{other} is not a result's tag")));
                    }
                };
                let payload = match t {
                    Some(t) => Some(Box::new(
                        self.value(t).map_err(|e| e.within(|| place.to_owned()))?,
                    )),
                    None => None,
                };
                Value::Result(if place == "ok" {
                    Ok(payload)
                } else {
                    Err(payload)
                })
            }
            Type::Flags(names) => {
                let bytes = self.take(names.len().div_ceil(8))?;
                let set: Vec<bool> = (0..names.len())
                    .map(|i| bytes[i / 8] & (1 << (i % 8)) != 0)
                    .collect();
                let unused = names.len() % 8;
                if unused != 0 && bytes[bytes.len() - 1] >> unused != 0 {
                    return Err(ValueError::new("flags that the type does not have"));
                }
                Value::Flags(set)
            }
            Type::Port => {
                let index = self.uint(u64::from(u32::MAX))? as u32;
                match self.ports.get_mut(index as usize) {
                    Some(named) if !*named => *named = true,
                    Some(_) => {
                        return Err(ValueError::new(format!("port {index} named twice")));
                    }
                    None => {
                        return Err(ValueError::new(format!(
                            "port {index} of the {} the message moves",
                            self.ports.len()
                        )));
                    }
                }
                Value::Port(index)
            }
        })
    }
}

#[cfg(test)]
mod tests;
