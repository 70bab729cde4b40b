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
//! can carry it ([`carrier`]), and otherwise traps the calling instance with
//! the reason: a call never hangs and never fails silently.
//!
//! Values cross wasmtime as its dynamic `Val`s (`vals`), except for
//! functions whose values are bytes, which are lifted and lowered in bulk
//! (`bulk`).

mod bulk;
mod caller;
mod import;
mod provider;
mod vals;

use std::collections::BTreeMap;
use std::fmt;

use wasmtime::component::types::{self, ComponentItem};
use wasmtime::component::{Component, Resource, ResourceAny, ResourceType};
use wasmtime::{Engine, StoreContextMut};
use wasmtron_wire::{PortId, PortRef};

use crate::bindings::shared::ports::MessagePort;
use crate::message_port::{self, PortBackend};
use wasmtron_wire::value::{self, Type};
use wasmtron_wire::world::{is_app_interface, unversioned};
use wasmtron_wire::{ErrorCode, IpcError};

pub use caller::link_imports;
pub use provider::{Exports, Incoming};

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
