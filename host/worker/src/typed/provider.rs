//! The provider's end of typed calls: the app interfaces an instance
//! exports, each function found once, run with arguments decoded against
//! the provider's own types.

use std::collections::{BTreeMap, HashMap};
use std::fmt;

use wasmtime::component::{Component, Func, Instance, Val};
use wasmtime::{AsContextMut, Engine, Store};
use wasmtron_wire::value::{Type, ValueError};
use wasmtron_wire::world::unversioned;
use wasmtron_wire::{ErrorCode, IpcError, PortId, PortRef};

use super::bulk;
use super::import::Shape;
use super::vals::{decode_into, encode_vals};
use super::{InterfaceType, adopt_ports, app_exports, drop_ports, take_ports};
use crate::message_port::PortBackend;

/// Arguments or results past this many encoded bytes are not kept for the
/// next call: a provider's idle memory stays small.
const KEEP_AT_MOST: usize = 64 * 1024;

/// One exported function, found and typed once.
struct Export {
    func: Func,
    params: Vec<Type>,
    results: Vec<Type>,
    /// When its values are bytes: called as a typed function.
    bulk: Option<Shape>,
    /// The last call's arguments and results, kept so that the next call
    /// decodes into them and wasmtime lifts into them (a record's field
    /// names, a list's vector), rather than allocating them again.
    args: Vec<Val>,
    outs: Vec<Val>,
    /// The length of its last encoded results, reserved for the next ones.
    size: usize,
}

impl Export {
    /// Lets go of what the last call left: large values, or handles of
    /// ports that have moved on.
    fn forget(&mut self) {
        self.args.fill(Val::Bool(false));
        self.outs.fill(Val::Bool(false));
    }
}

/// The app interfaces an instance exports, looked up by the unversioned
/// name a call names, each function found once.
pub struct Exports {
    /// Unversioned interface name → the full export name and its functions.
    interfaces: HashMap<String, InterfaceType>,
    /// Interface → function → the export, found at its first call.
    found: BTreeMap<String, BTreeMap<String, Export>>,
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
            found: BTreeMap::new(),
        }
    }

    fn find<T>(
        &mut self,
        store: &mut Store<T>,
        instance: &Instance,
        interface: &str,
        function: &str,
    ) -> Result<&mut Export, IpcError> {
        let not_here = || {
            IpcError::new(
                ErrorCode::NoHandler,
                format!("this component does not export `{interface}.{function}`"),
            )
        };
        let known = self
            .found
            .get(interface)
            .is_some_and(|functions| functions.contains_key(function));
        if !known {
            let exported = self.interfaces.get(interface).ok_or_else(not_here)?;
            let ty = exported.functions.get(function).ok_or_else(not_here)?;
            let func = instance
                .get_export_index(store.as_context_mut(), None, &exported.name)
                .and_then(|iface| {
                    instance.get_export_index(store.as_context_mut(), Some(&iface), function)
                })
                .and_then(|index| instance.get_func(store.as_context_mut(), index))
                .ok_or_else(not_here)?;
            let params = ty.param_types();
            let export = Export {
                func,
                bulk: Shape::of(&params, &ty.results),
                args: vec![Val::Bool(false); params.len()],
                outs: vec![Val::Bool(false); ty.results.len()],
                params,
                results: ty.results.clone(),
                size: 0,
            };
            self.found
                .entry(interface.to_owned())
                .or_default()
                .insert(function.to_owned(), export);
        }
        self.found
            .get_mut(interface)
            .and_then(|functions| functions.get_mut(function))
            .ok_or_else(not_here)
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
        if ports.is_empty()
            && let Some(shape) = export.bulk
            && let Some(ran) = bulk::call(store, &export.func, shape, &export.results, args).await
        {
            return Ok(ran?
                .map(|bytes| (bytes, Vec::new()))
                .map_err(|err| unlike_results(interface, function, &err)));
        }
        let handles = adopt_ports(&mut store.as_context_mut(), ports)?;
        if let Err(err) = decode_into(args, &export.params, &handles, &mut export.args) {
            drop_ports(&mut store.as_context_mut(), handles);
            return Ok(Err(IpcError::new(
                ErrorCode::BadPayload,
                format!("the arguments of `{interface}.{function}` are not its types: {err}"),
            )));
        }
        export
            .func
            .call_async(&mut *store, &export.args, &mut export.outs)
            .await?;
        let encoded = encode_vals(&export.outs, &export.results, export.size);
        let (bytes, moved) = match encoded {
            Ok(encoded) => encoded,
            Err(err) => {
                export.forget();
                return Ok(Err(unlike_results(interface, function, &err)));
            }
        };
        export.size = bytes.len();
        if args.len().max(bytes.len()) > KEEP_AT_MOST || !handles.is_empty() || !moved.is_empty() {
            export.forget();
        }
        let moved = take_ports(&mut store.as_context_mut(), moved).await;
        Ok(moved.map(|moved| (bytes, moved)))
    }
}

/// A provider's results that are not its own types.
fn unlike_results(interface: &str, function: &str, err: &ValueError) -> IpcError {
    IpcError::new(
        ErrorCode::HandlerFailed,
        format!("the results of `{interface}.{function}` are not its types: {err}"),
    )
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
