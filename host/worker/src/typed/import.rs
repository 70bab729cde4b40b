//! One imported function of an app interface as the caller links it: its
//! types, how a failure reaches the caller ([`carrier`](super::carrier)),
//! and whether its values are bytes that skip `Val`s ([`Shape`]). Shared by
//! the dynamic path (`caller`) and the bulk one (`bulk`).

use std::fmt;
use std::sync::atomic::{AtomicUsize, Ordering};

use wasmtime::StoreContextMut;
use wasmtime::component::{ResourceAny, Val};
use wasmtron_wire::value::Type;
use wasmtron_wire::{ErrorCode, IpcError, PortRef};

use super::vals::{decode_into, encode_vals};
use super::{Carrier, adopt_ports, drop_ports, ipc_error_type};
use crate::message_port::PortBackend;

/// The signatures that skip `Val`s.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Shape {
    /// `func(list<u8>) -> list<u8>`: a failed call traps the caller.
    Bytes,
    /// `func(list<u8>) -> result<list<u8>, ipc-error>`: a failed call is
    /// the error.
    BytesOrError,
}

impl Shape {
    /// The shape of a function with these types, if it has one.
    pub(super) fn of(params: &[Type], results: &[Type]) -> Option<Shape> {
        let is_bytes = |t: &Type| matches!(t, Type::List(item) if **item == Type::U8);
        let [param] = params else {
            return None;
        };
        if !is_bytes(param) {
            return None;
        }
        match results {
            [result] if is_bytes(result) => Some(Shape::Bytes),
            [
                Type::Result {
                    ok: Some(ok),
                    err: Some(err),
                },
            ] if is_bytes(ok) && **err == ipc_error_type() => Some(Shape::BytesOrError),
            _ => None,
        }
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
pub(super) struct Import {
    /// The interface without its version, as the manifest binds it.
    pub(super) interface: String,
    pub(super) function: String,
    /// `interface.function`, for messages.
    pub(super) shown: String,
    pub(super) params: Vec<Type>,
    pub(super) results: Vec<Type>,
    pub(super) carrier: Option<Carrier>,
    /// When its values are bytes: linked as a typed host function.
    pub(super) bulk: Option<Shape>,
    /// The length of its last arguments, reserved for the next ones.
    pub(super) size: AtomicUsize,
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
    pub(super) fn encode(&self, params: &[Val]) -> wasmtime::Result<(Vec<u8>, Vec<ResourceAny>)> {
        let encoded = encode_vals(params, &self.params, self.size.load(Ordering::Relaxed))
            .map_err(|err| {
                wasmtime::format_err!("the arguments of `{}` are not its types: {err}", self.shown)
            })?;
        self.size.store(encoded.0.len(), Ordering::Relaxed);
        Ok(encoded)
    }

    /// The results of a call that came back (or did not).
    pub(super) fn finish<T: PortBackend>(
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
