//! Typed calls: the functions of an app's own WIT interfaces, called from
//! one component and run by another, wherever each runs.
//!
//! The caller's import is a host function made from the caller's own types
//! ([`link_imports`]); it encodes the arguments with those types
//! ([`wasmtron_wire::value`]) and hands them to its [`CallOut`]. The
//! provider decodes them against *its* types ([`Exports::call`]), runs its
//! export, and encodes the results the same way; the caller decodes them
//! against its own types again. Neither end trusts the other's bytes.
//!
//! A call that fails (a timeout, a provider that trapped or is gone, bytes
//! that are not the type) reaches the caller as a value when the function
//! can carry it ([`carry`]), and otherwise traps the calling instance with
//! the reason: a call never hangs and never fails silently.

use std::collections::{BTreeMap, HashMap};
use std::fmt;
use std::sync::Arc;

use wasmtime::component::types::{self, ComponentItem};
use wasmtime::component::{
    Component, Func, Instance, Linker, Resource, ResourceAny, ResourceType, Val,
};
use wasmtime::{AsContextMut, Engine, Store, StoreContextMut};
use wasmtron_wire::{PortId, PortRef};

use crate::bindings::shared::ports::MessagePort;
use crate::message_port::{self, PortBackend};
use wasmtron_wire::value::{self, Type, Value, ValueError};
use wasmtron_wire::world::{is_app_interface, unversioned};
use wasmtron_wire::{ErrorCode, IpcError};

/// A function of an app interface, as one component knows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FunctionType {
    /// Parameter names and types, in order.
    pub params: Vec<(String, Type)>,
    /// The result types (none or one, as WIT writes functions).
    pub results: Vec<Type>,
}

impl FunctionType {
    /// The parameter types alone, in order.
    #[must_use]
    pub fn param_types(&self) -> Vec<Type> {
        self.params.iter().map(|(_, t)| t.clone()).collect()
    }

    /// Whether two ends agree: the same parameter types in the same order
    /// and the same results. Parameter names may differ (WIT does not pass
    /// them); field, case and flag names may not (values carry them in
    /// every language binding).
    #[must_use]
    pub fn matches(&self, other: &FunctionType) -> bool {
        self.results == other.results
            && self.params.len() == other.params.len()
            && self
                .params
                .iter()
                .zip(&other.params)
                .all(|((_, a), (_, b))| a == b)
    }
}

impl fmt::Display for FunctionType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let params: Vec<String> = self
            .params
            .iter()
            .map(|(name, ty)| format!("{name}: {ty}"))
            .collect();
        write!(f, "func({})", params.join(", "))?;
        match self.results.as_slice() {
            [] => Ok(()),
            [one] => write!(f, " -> {one}"),
            many => {
                let many: Vec<String> = many.iter().map(ToString::to_string).collect();
                write!(f, " -> ({})", many.join(", "))
            }
        }
    }
}

/// An app interface one component imports or exports: its full name (with
/// its version) and its functions by name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InterfaceType {
    pub name: String,
    pub functions: BTreeMap<String, FunctionType>,
}

/// Why an app interface cannot be called through: named for the check's
/// message.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`{interface}` {reason}")]
pub struct InterfaceError {
    pub interface: String,
    pub reason: String,
}

/// The app interfaces `component` imports, with their functions' types.
///
/// # Errors
/// [`InterfaceError`] for an app import that is not an interface of
/// functions over types a call can carry.
pub fn app_imports(
    engine: &Engine,
    component: &Component,
) -> Result<Vec<InterfaceType>, InterfaceError> {
    let ty = component.component_type();
    let items: Vec<(String, ComponentItem)> = ty
        .imports(engine)
        .map(|(name, item)| (name.to_owned(), item.ty))
        .collect();
    interfaces(
        engine,
        &items,
        port_resource(engine, component).as_ref(),
        is_app_interface,
    )
    .into_iter()
    .collect()
}

/// The component's `wasmtron:app/ports.message-port`, the one resource a
/// typed call carries, when it imports the ports interface.
fn port_resource(engine: &Engine, component: &Component) -> Option<ResourceType> {
    let ty = component.component_type();
    ty.imports(engine).find_map(|(name, item)| {
        if !name.starts_with("wasmtron:app/ports@") {
            return None;
        }
        let ComponentItem::ComponentInstance(instance) = item.ty else {
            return None;
        };
        match instance.get_export(engine, "message-port").map(|e| e.ty) {
            Some(ComponentItem::Resource(resource)) => Some(resource),
            _ => None,
        }
    })
}

/// The app interfaces `component` exports, each with its functions' types
/// or why calls cannot carry it. A component may export interfaces no
/// binding names; only a bound one that cannot be carried is an error.
pub fn app_exports(
    engine: &Engine,
    component: &Component,
) -> Vec<Result<InterfaceType, InterfaceError>> {
    let ty = component.component_type();
    let items: Vec<(String, ComponentItem)> = ty
        .exports(engine)
        .map(|(name, item)| (name.to_owned(), item.ty))
        .collect();
    // wasmtron's `content` is exported like an app interface: the host
    // calls it as main's or a utility's own when a page asks for content.
    interfaces(
        engine,
        &items,
        port_resource(engine, component).as_ref(),
        |name| is_app_interface(name) || unversioned(name) == CONTENT_INTERFACE,
    )
}

/// The interface whose `serve` answers a page's requests for the app's
/// own content (`wasmtron://app/@content/...`), as a window's manifest
/// names its provider.
pub const CONTENT_INTERFACE: &str = "wasmtron:app/content";

fn interfaces(
    engine: &Engine,
    items: &[(String, ComponentItem)],
    port: Option<&ResourceType>,
    wanted: impl Fn(&str) -> bool,
) -> Vec<Result<InterfaceType, InterfaceError>> {
    items
        .iter()
        .filter(|(name, _)| wanted(name))
        .map(|(name, item)| {
            let fail = |reason: String| InterfaceError {
                interface: name.clone(),
                reason,
            };
            let ComponentItem::ComponentInstance(instance) = item else {
                return Err(fail("is not an interface".into()));
            };
            let mut functions = BTreeMap::new();
            for (fname, export) in instance.exports(engine) {
                match export.ty {
                    ComponentItem::ComponentFunc(func) => {
                        let ty = function_type(&func, port)
                            .map_err(|why| fail(format!("function `{fname}` {why}")))?;
                        functions.insert(fname.to_owned(), ty);
                    }
                    // Type definitions come with the functions that use them.
                    ComponentItem::Type(_) => {}
                    // `message-port`, used from wasmtron's `ports`.
                    ComponentItem::Resource(resource) if Some(&resource) == port => {}
                    ComponentItem::Resource(_) => {
                        return Err(fail(format!(
                            "defines resource `{fname}`; typed calls carry values and ports, no other resources"
                        )));
                    }
                    _ => return Err(fail(format!("has `{fname}`, which is not a function"))),
                }
            }
            Ok(InterfaceType {
                name: name.clone(),
                functions,
            })
        })
        .collect()
}

/// A function's types, or why a call cannot carry them.
fn function_type(
    func: &types::ComponentFunc,
    port: Option<&ResourceType>,
) -> Result<FunctionType, String> {
    if func.async_() {
        return Err("is async; typed calls run synchronous functions".into());
    }
    let params = func
        .params()
        .map(|(name, ty)| {
            wire_type(&ty, port, 0)
                .map(|t| (name.to_owned(), t))
                .map_err(|why| format!("takes `{name}`, {why}"))
        })
        .collect::<Result<Vec<_>, _>>()?;
    let results = func
        .results()
        .map(|ty| wire_type(&ty, port, 0).map_err(|why| format!("returns {why}")))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(FunctionType { params, results })
}

/// The wire's view of a component value type. `port` is the component's
/// `message-port`: an owned one moves with the call.
fn wire_type(ty: &types::Type, port: Option<&ResourceType>, depth: usize) -> Result<Type, String> {
    use types::Type as T;
    if depth > value::MAX_TYPE_DEPTH {
        return Err(format!(
            "a type that nests deeper than {}",
            value::MAX_TYPE_DEPTH
        ));
    }
    let inner = |t: &types::Type| wire_type(t, port, depth + 1);
    Ok(match ty {
        T::Bool => Type::Bool,
        T::S8 => Type::S8,
        T::U8 => Type::U8,
        T::S16 => Type::S16,
        T::U16 => Type::U16,
        T::S32 => Type::S32,
        T::U32 => Type::U32,
        T::S64 => Type::S64,
        T::U64 => Type::U64,
        T::Float32 => Type::F32,
        T::Float64 => Type::F64,
        T::Char => Type::Char,
        T::String => Type::String,
        T::List(list) => Type::List(Box::new(inner(&list.ty())?)),
        T::Record(record) => Type::Record(
            record
                .fields()
                .map(|field| Ok((field.name.to_owned(), inner(&field.ty)?)))
                .collect::<Result<_, String>>()?,
        ),
        T::Tuple(tuple) => Type::Tuple(tuple.types().map(|t| inner(&t)).collect::<Result<_, _>>()?),
        T::Variant(variant) => Type::Variant(
            variant
                .cases()
                .map(|case| {
                    Ok((
                        case.name.to_owned(),
                        case.ty.as_ref().map(inner).transpose()?,
                    ))
                })
                .collect::<Result<_, String>>()?,
        ),
        T::Enum(cases) => Type::Enum(cases.names().map(str::to_owned).collect()),
        T::Option(option) => Type::Option(Box::new(inner(&option.ty())?)),
        T::Result(result) => Type::Result {
            ok: result.ok().as_ref().map(inner).transpose()?.map(Box::new),
            err: result.err().as_ref().map(inner).transpose()?.map(Box::new),
        },
        T::Flags(flags) => Type::Flags(flags.names().map(str::to_owned).collect()),
        T::Own(resource) if Some(resource) == port => Type::Port,
        T::Borrow(resource) if Some(resource) == port => {
            return Err(
                "a borrowed `message-port`; a port moves with a call, so pass it owned".into(),
            );
        }
        T::Own(_) | T::Borrow(_) => {
            return Err(
                "a resource other than `message-port`; typed calls carry values and ports".into(),
            );
        }
        T::Map(_) | T::Future(_) | T::Stream(_) | T::ErrorContext | T::FixedLengthList(_) => {
            return Err(
                "a type typed calls do not carry (maps, futures, streams, fixed-length lists)"
                    .into(),
            );
        }
    })
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

/// wasmtime's value as a wire value of type `ty`. A port's handle is added
/// to `ports`, and the value names its place there.
fn from_val(val: &Val, ty: &Type, ports: &mut Vec<ResourceAny>) -> Result<Value, ValueError> {
    let mismatch = || ValueError {
        at: Vec::new(),
        what: format!("a value that is not a `{ty}`"),
    };
    let boxed = |v: &Option<Box<Val>>,
                 t: Option<&Type>,
                 ports: &mut Vec<ResourceAny>|
     -> Result<Option<Box<Value>>, ValueError> {
        match (v, t) {
            (Some(v), Some(t)) => Ok(Some(Box::new(from_val(v, t, ports)?))),
            (None, None) => Ok(None),
            _ => Err(mismatch()),
        }
    };
    Ok(match (val, ty) {
        (Val::Bool(b), Type::Bool) => Value::Bool(*b),
        (Val::S8(n), Type::S8) => Value::S8(*n),
        (Val::U8(n), Type::U8) => Value::U8(*n),
        (Val::S16(n), Type::S16) => Value::S16(*n),
        (Val::U16(n), Type::U16) => Value::U16(*n),
        (Val::S32(n), Type::S32) => Value::S32(*n),
        (Val::U32(n), Type::U32) => Value::U32(*n),
        (Val::S64(n), Type::S64) => Value::S64(*n),
        (Val::U64(n), Type::U64) => Value::U64(*n),
        (Val::Float32(x), Type::F32) => Value::F32(*x),
        (Val::Float64(x), Type::F64) => Value::F64(*x),
        (Val::Char(c), Type::Char) => Value::Char(*c),
        (Val::String(s), Type::String) => Value::String(s.clone()),
        (Val::Resource(port), Type::Port) => {
            ports.push(*port);
            Value::Port(u32::try_from(ports.len() - 1).map_err(|_| mismatch())?)
        }
        (Val::List(items), Type::List(t)) if **t == Type::U8 => Value::Bytes(
            items
                .iter()
                .map(|v| match v {
                    Val::U8(n) => Ok(*n),
                    _ => Err(mismatch()),
                })
                .collect::<Result<_, _>>()?,
        ),
        (Val::List(items), Type::List(t)) => Value::List(
            items
                .iter()
                .enumerate()
                .map(|(i, v)| from_val(v, t, ports).map_err(|e| e.within(|| format!("[{i}]"))))
                .collect::<Result<_, _>>()?,
        ),
        (Val::Record(values), Type::Record(fields)) if values.len() == fields.len() => {
            Value::Record(
                values
                    .iter()
                    .zip(fields)
                    .map(|((_, v), (name, t))| {
                        from_val(v, t, ports).map_err(|e| e.within(|| format!("field `{name}`")))
                    })
                    .collect::<Result<_, _>>()?,
            )
        }
        (Val::Tuple(values), Type::Tuple(types)) if values.len() == types.len() => Value::Tuple(
            values
                .iter()
                .zip(types)
                .map(|(v, t)| from_val(v, t, ports))
                .collect::<Result<_, _>>()?,
        ),
        (Val::Variant(name, payload), Type::Variant(cases)) => {
            let index = cases
                .iter()
                .position(|(case, _)| case == name)
                .ok_or_else(mismatch)?;
            let case = u32::try_from(index).map_err(|_| mismatch())?;
            Value::Variant(case, boxed(payload, cases[index].1.as_ref(), ports)?)
        }
        (Val::Enum(name), Type::Enum(cases)) => {
            let index = cases.iter().position(|c| c == name).ok_or_else(mismatch)?;
            Value::Enum(u32::try_from(index).map_err(|_| mismatch())?)
        }
        (Val::Option(None), Type::Option(_)) => Value::Option(None),
        (Val::Option(Some(v)), Type::Option(t)) => Value::Option(Some(Box::new(
            from_val(v, t, ports).map_err(|e| e.within(|| "some".into()))?,
        ))),
        (Val::Result(r), Type::Result { ok, err }) => Value::Result(match r {
            Ok(v) => Ok(boxed(v, ok.as_deref(), ports)?),
            Err(v) => Err(boxed(v, err.as_deref(), ports)?),
        }),
        (Val::Flags(set), Type::Flags(names)) => {
            Value::Flags(names.iter().map(|name| set.contains(name)).collect())
        }
        _ => return Err(mismatch()),
    })
}

/// Encodes a function's parameters or results, each against its type,
/// with the ports among them in the order the values name them.
fn encode_vals(vals: &[Val], types: &[Type]) -> Result<(Vec<u8>, Vec<ResourceAny>), ValueError> {
    let mut ports = Vec::new();
    let values = vals
        .iter()
        .zip(types)
        .enumerate()
        .map(|(i, (v, t))| {
            from_val(v, t, &mut ports).map_err(|e| e.within(|| format!("value {i}")))
        })
        .collect::<Result<Vec<_>, _>>()?;
    Ok((value::encode_all(&values, types)?, ports))
}

/// Decodes bytes from the other end against this end's own types; its
/// port values name the handles in `ports`, each exactly once.
fn decode_vals(
    bytes: &[u8],
    types: &[Type],
    ports: &[ResourceAny],
) -> Result<Vec<Val>, ValueError> {
    let count = u32::try_from(ports.len()).map_err(|_| ValueError::new("too many ports"))?;
    let values = value::decode_all(bytes, types, count)?;
    Ok(values
        .into_iter()
        .zip(types)
        .map(|(v, t)| to_val(v, t, ports))
        .collect())
}

/// Takes the ports among a call's values out of the component's table: they
/// move with the call and are gone from here either way.
async fn take_ports<T>(
    store: &mut StoreContextMut<'_, T>,
    handles: Vec<ResourceAny>,
) -> Result<Vec<PortId>, IpcError>
where
    T: PortBackend + Send,
    T::Message: Send,
{
    if handles.is_empty() {
        return Ok(Vec::new());
    }
    let mut ports = Vec::with_capacity(handles.len());
    for handle in handles {
        match Resource::<MessagePort>::try_from_resource_any(handle, &mut *store) {
            Ok(port) => ports.push(port),
            Err(err) => {
                message_port::discard_all(store.data_mut(), ports);
                return Err(IpcError::new(
                    ErrorCode::BadPayload,
                    format!("a port handle that is not a port: {err}"),
                ));
            }
        }
    }
    message_port::take_transfer(store.data_mut(), ports, None)
        .await
        .map_err(message_port::transfer_error)
}

/// Handles for ports that arrived with a call or its results.
fn adopt_ports<T: PortBackend>(
    store: &mut StoreContextMut<'_, T>,
    ports: Vec<PortRef>,
) -> wasmtime::Result<Vec<ResourceAny>> {
    ports
        .into_iter()
        .map(|port| message_port::adopt(store.data_mut(), port).try_into_resource_any(&mut *store))
        .collect()
}

/// Closes ports that arrived with values that did not decode: nothing will
/// hold them.
fn drop_ports<T: PortBackend>(store: &mut StoreContextMut<'_, T>, ports: Vec<ResourceAny>) {
    for handle in ports {
        if let Ok(port) = Resource::<MessagePort>::try_from_resource_any(handle, &mut *store) {
            message_port::drop(store.data_mut(), port);
        }
    }
}

/// How a component's typed calls leave it: the worker's connection to the
/// host, or the host's routing for main.
pub trait CallOut: Send {
    /// Carries a call to whichever component the manifest binds
    /// `interface` (without a version) to, with the ports its arguments
    /// move (taken from the component already), and brings back the
    /// encoded results and the ports they move here, or why there are
    /// none.
    fn call_out(
        &mut self,
        interface: String,
        function: String,
        args: Vec<u8>,
        transfer: Vec<PortId>,
    ) -> impl Future<Output = Result<(Vec<u8>, Vec<PortRef>), IpcError>> + Send;
}

/// `wasmtron:app/types.ipc-error`, as the wire sees it: the error a typed
/// call's result carries when the call itself failed.
#[must_use]
pub fn ipc_error_type() -> Type {
    Type::Record(vec![
        (
            "code".into(),
            Type::Enum(
                ErrorCode::ALL
                    .iter()
                    .map(|c| c.as_str().to_owned())
                    .collect(),
            ),
        ),
        ("message".into(), Type::String),
        ("app-code".into(), Type::Option(Box::new(Type::String))),
        (
            "data".into(),
            Type::Option(Box::new(Type::List(Box::new(Type::U8)))),
        ),
    ])
}

/// Where a function's results can hold a failed call, if they can: its one
/// result is a `result` whose error is `ipc-error`, or a variant with a
/// case whose payload is `ipc-error` (the first such case).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Carrier {
    /// `result<_, ipc-error>`.
    Error,
    /// `result<_, variant { ..., name(ipc-error), ... }>`.
    Case(String),
}

/// [`Carrier`] of a function, or `None` when a failed call must trap.
#[must_use]
pub fn carrier(results: &[Type]) -> Option<Carrier> {
    let [Type::Result { err: Some(err), .. }] = results else {
        return None;
    };
    let ipc = ipc_error_type();
    if **err == ipc {
        return Some(Carrier::Error);
    }
    match &**err {
        Type::Variant(cases) => cases
            .iter()
            .find(|(_, payload)| payload.as_ref() == Some(&ipc))
            .map(|(name, _)| Carrier::Case(name.clone())),
        _ => None,
    }
}

/// The results a failed call leaves when the function can carry the
/// failure ([`carrier`]).
fn carry(carrier: &Carrier, err: &IpcError) -> Val {
    let error = Val::Record(vec![
        ("code".into(), Val::Enum(err.code.as_str().to_owned())),
        ("message".into(), Val::String(err.message.clone())),
        (
            "app-code".into(),
            Val::Option(err.app_code.clone().map(|c| Box::new(Val::String(c)))),
        ),
        (
            "data".into(),
            Val::Option(
                err.data
                    .clone()
                    .map(|d| Box::new(Val::List(d.into_iter().map(Val::U8).collect()))),
            ),
        ),
    ]);
    let error = match carrier {
        Carrier::Error => error,
        Carrier::Case(name) => Val::Variant(name.clone(), Some(Box::new(error))),
    };
    Val::Result(Err(Some(Box::new(error))))
}

/// One imported function, ready to be called out.
struct Import {
    /// The interface without its version, as the manifest binds it.
    interface: String,
    function: String,
    /// `interface.function`, for messages.
    shown: String,
    params: Vec<Type>,
    results: Vec<Type>,
    carrier: Option<Carrier>,
}

impl Import {
    /// The results of a call that came back (or did not).
    fn finish<T: PortBackend>(
        &self,
        store: &mut StoreContextMut<'_, T>,
        reply: Result<(Vec<u8>, Vec<PortRef>), IpcError>,
        results: &mut [Val],
    ) -> wasmtime::Result<()> {
        let decoded = match reply {
            Ok((bytes, ports)) => {
                let ports = adopt_ports(store, ports)?;
                decode_vals(&bytes, &self.results, &ports).map_err(|err| {
                    drop_ports(store, ports);
                    IpcError::new(
                        ErrorCode::BadPayload,
                        format!("the results of `{}` are not its types: {err}", self.shown),
                    )
                })
            }
            Err(err) => Err(err),
        };
        match (decoded, &self.carrier) {
            (Ok(vals), _) => {
                for (slot, val) in results.iter_mut().zip(vals) {
                    *slot = val;
                }
                Ok(())
            }
            (Err(err), Some(carrier)) => {
                if let Some(slot) = results.first_mut() {
                    *slot = carry(carrier, &err);
                }
                Ok(())
            }
            (Err(err), None) => Err(wasmtime::format_err!(
                "the typed call `{}` failed ({}: {}); its result type cannot carry the failure, so the caller traps",
                self.shown,
                err.code.as_str(),
                err.message
            )),
        }
    }
}

/// Defines every app interface `component` imports in `linker`, each
/// function a host function that calls out through the store's
/// [`CallOut`].
///
/// # Errors
/// When an interface cannot be carried ([`app_imports`]) or the linker
/// refuses a definition.
pub fn link_imports<T>(linker: &mut Linker<T>, component: &Component) -> anyhow::Result<()>
where
    T: CallOut + PortBackend + Send + 'static,
    T::Message: Send,
{
    let imports = app_imports(linker.engine(), component)?;
    for interface in imports {
        let mut instance = linker.instance(&interface.name)?;
        for (function, ty) in interface.functions {
            let params = ty.param_types();
            let import = Arc::new(Import {
                interface: unversioned(&interface.name).to_owned(),
                shown: format!("{}.{function}", unversioned(&interface.name)),
                function: function.clone(),
                carrier: carrier(&ty.results),
                params,
                results: ty.results,
            });
            instance.func_new_async(&function, move |mut store, _ty, params, results| {
                let import = import.clone();
                Box::new(async move {
                    let (args, ports) = encode_vals(params, &import.params).map_err(|err| {
                        wasmtime::format_err!(
                            "the arguments of `{}` are not its types: {err}",
                            import.shown
                        )
                    })?;
                    let reply = match take_ports(&mut store, ports).await {
                        Ok(transfer) => {
                            let (interface, function) =
                                (import.interface.clone(), import.function.clone());
                            store
                                .data_mut()
                                .call_out(interface, function, args, transfer)
                                .await
                        }
                        Err(err) => Err(err),
                    };
                    import.finish(&mut store, reply, results)
                })
            })?;
        }
    }
    Ok(())
}

/// One exported function, found and typed once.
struct Export {
    func: Func,
    params: Vec<Type>,
    results: Vec<Type>,
}

/// The app interfaces an instance exports, looked up by the unversioned
/// name a call names, each function found once.
pub struct Exports {
    /// Unversioned interface name → the full export name and its functions.
    interfaces: HashMap<String, InterfaceType>,
    found: HashMap<(String, String), Arc<Export>>,
}

impl fmt::Debug for Exports {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Exports")
            .field("interfaces", &self.interfaces.keys().collect::<Vec<_>>())
            .finish_non_exhaustive()
    }
}

impl Exports {
    /// The app interfaces `component` exports that calls can carry (the
    /// check refuses a binding to any other).
    #[must_use]
    pub fn of(engine: &Engine, component: &Component) -> Self {
        let interfaces = app_exports(engine, component)
            .into_iter()
            .flatten()
            .map(|i| (unversioned(&i.name).to_owned(), i))
            .collect();
        Exports {
            interfaces,
            found: HashMap::new(),
        }
    }

    fn find<T>(
        &mut self,
        store: &mut Store<T>,
        instance: &Instance,
        interface: &str,
        function: &str,
    ) -> Result<Arc<Export>, IpcError> {
        let key = (interface.to_owned(), function.to_owned());
        if let Some(found) = self.found.get(&key) {
            return Ok(found.clone());
        }
        let not_here = || {
            IpcError::new(
                ErrorCode::NoHandler,
                format!("this component does not export `{interface}.{function}`"),
            )
        };
        let exported = self.interfaces.get(interface).ok_or_else(not_here)?;
        let ty = exported.functions.get(function).ok_or_else(not_here)?;
        let func = instance
            .get_export_index(store.as_context_mut(), None, &exported.name)
            .and_then(|iface| {
                instance.get_export_index(store.as_context_mut(), Some(&iface), function)
            })
            .and_then(|index| instance.get_func(store.as_context_mut(), index))
            .ok_or_else(not_here)?;
        let found = Arc::new(Export {
            func,
            params: ty.param_types(),
            results: ty.results.clone(),
        });
        self.found.insert(key, found.clone());
        Ok(found)
    }

    /// Runs a call with its arguments decoded against this component's
    /// own types. The outer error is a trap of the provider; the inner one
    /// a call it refused (bytes that are not its types, a function it does
    /// not export). The results come with the ports they move.
    ///
    /// # Errors
    /// The trap, when the export traps.
    pub async fn call<T>(
        &mut self,
        store: &mut Store<T>,
        instance: &Instance,
        call: Incoming<'_>,
    ) -> wasmtime::Result<Result<(Vec<u8>, Vec<PortId>), IpcError>>
    where
        T: PortBackend + Send,
        T::Message: Send,
    {
        let Incoming {
            interface,
            function,
            args,
            ports,
        } = call;
        let export = match self.find(store, instance, interface, function) {
            Ok(export) => export,
            Err(err) => {
                let handles = adopt_ports(&mut store.as_context_mut(), ports)?;
                drop_ports(&mut store.as_context_mut(), handles);
                return Ok(Err(err));
            }
        };
        let handles = adopt_ports(&mut store.as_context_mut(), ports)?;
        let params = match decode_vals(args, &export.params, &handles) {
            Ok(params) => params,
            Err(err) => {
                drop_ports(&mut store.as_context_mut(), handles);
                return Ok(Err(IpcError::new(
                    ErrorCode::BadPayload,
                    format!("the arguments of `{interface}.{function}` are not its types: {err}"),
                )));
            }
        };
        let mut results = vec![Val::Bool(false); export.results.len()];
        export
            .func
            .call_async(&mut *store, &params, &mut results)
            .await?;
        let (bytes, handles) = match encode_vals(&results, &export.results) {
            Ok(encoded) => encoded,
            Err(err) => {
                return Ok(Err(IpcError::new(
                    ErrorCode::HandlerFailed,
                    format!("the results of `{interface}.{function}` are not its types: {err}"),
                )));
            }
        };
        let moved = take_ports(&mut store.as_context_mut(), handles).await;
        Ok(moved.map(|moved| (bytes, moved)))
    }
}

/// A typed call as it reaches its provider.
#[derive(Debug)]
pub struct Incoming<'a> {
    /// Without its version.
    pub interface: &'a str,
    pub function: &'a str,
    pub args: &'a [u8],
    /// The ports the arguments move here, in the order they name them.
    pub ports: Vec<PortRef>,
}
