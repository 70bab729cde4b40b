//! The caller's end of typed calls: each function of an app interface a
//! component imports is a host function that encodes its arguments with
//! the caller's types, calls out, and reads the results against the same
//! types, or carries or traps on a failure ([`carrier`](super::carrier)).

use std::fmt;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use wasmtime::StoreContextMut;
use wasmtime::component::{Component, Linker, ResourceAny, Val};
use wasmtron_wire::value::Type;
use wasmtron_wire::world::unversioned;
use wasmtron_wire::{ErrorCode, IpcError, PortRef};

use super::bulk::{self, Shape};
use super::vals::{decode_into, encode_vals};
use super::{CallOut, Carrier, adopt_ports, app_imports, carrier, drop_ports, take_ports};
use crate::message_port::PortBackend;

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
pub(super) struct Import {
    /// The interface without its version, as the manifest binds it.
    pub(super) interface: String,
    pub(super) function: String,
    /// `interface.function`, for messages.
    shown: String,
    params: Vec<Type>,
    pub(super) results: Vec<Type>,
    carrier: Option<Carrier>,
    /// When its values are bytes: linked as a typed host function.
    pub(super) bulk: Option<Shape>,
    /// The length of its last arguments, reserved for the next ones.
    size: AtomicUsize,
}

impl Import {
    /// Why a call cannot go on: the caller traps.
    pub(super) fn trap(&self, err: &IpcError) -> wasmtime::Error {
        wasmtime::format_err!(
            "the typed call `{}` failed ({}: {}); its result type cannot carry the failure, so the caller traps",
            self.shown,
            err.code.as_str(),
            err.message
        )
    }

    /// Results that do not decode against the caller's types.
    pub(super) fn bad_results(&self, why: &dyn fmt::Display) -> IpcError {
        IpcError::new(
            ErrorCode::BadPayload,
            format!("the results of `{}` are not its types: {why}", self.shown),
        )
    }

    /// Encodes a call's arguments.
    fn encode(&self, params: &[Val]) -> wasmtime::Result<(Vec<u8>, Vec<ResourceAny>)> {
        let encoded = encode_vals(params, &self.params, self.size.load(Ordering::Relaxed))
            .map_err(|err| {
                wasmtime::format_err!("the arguments of `{}` are not its types: {err}", self.shown)
            })?;
        self.size.store(encoded.0.len(), Ordering::Relaxed);
        Ok(encoded)
    }

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
                decode_into(&bytes, &self.results, &ports, results).map_err(|err| {
                    drop_ports(store, ports);
                    self.bad_results(&err)
                })
            }
            Err(err) => Err(err),
        };
        match (decoded, &self.carrier) {
            (Ok(()), _) => Ok(()),
            (Err(err), Some(carrier)) => {
                if let Some(slot) = results.first_mut() {
                    *slot = carry(carrier, &err);
                }
                Ok(())
            }
            (Err(err), None) => Err(self.trap(&err)),
        }
    }
}

/// Defines every app interface `component` imports in `linker`, each
/// function a host function that calls out through the store's
/// [`CallOut`]: a typed one when its values are bytes ([`bulk`]), else a
/// dynamic one.
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
                bulk: Shape::of(&params, &ty.results),
                params,
                results: ty.results,
                size: AtomicUsize::new(0),
            });
            if let Some(shape) = import.bulk {
                bulk::link(&mut instance, &function, import, shape)?;
                continue;
            }
            instance.func_new_async(&function, move |mut store, _ty, params, results| {
                let import = import.clone();
                Box::new(async move {
                    let (args, ports) = import.encode(params)?;
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
