//! Typed calls of functions whose values are bytes, lifted and lowered in
//! bulk.
//!
//! wasmtime's dynamic API holds a `list<u8>` as one [`Val`](wasmtime::component::Val)
//! per byte, so a megabyte costs millions of values at each of a call's four
//! conversions. A function whose whole signature is one of the shapes of
//! [`Shape`] maps onto Rust types that wasmtime lifts and lowers with one
//! copy: the caller's import is a typed host function
//! ([`LinkerInstance::func_wrap_async`]) taking a [`WasmList<u8>`], and the
//! provider's export is called as a [`TypedFunc`](wasmtime::component::TypedFunc)
//! taking `&[u8]`. Everything else about the call is as on the dynamic
//! path: the same bytes on the wire, each end reading them against its own
//! types (the shape is chosen from those types when the component is
//! linked, and wasmtime checks the typed function against the component's
//! own type again), the same carrier rule and the same messages. These
//! shapes move no ports.

use std::sync::Arc;

use wasmtime::component::{Func, LinkerInstance, WasmList};
use wasmtime::{Store, StoreContextMut};
use wasmtron_wire::value::{self, Type, Value, ValueError};
use wasmtron_wire::{ErrorCode, IpcError, PortRef};

use super::import::{Import, Shape};
use super::{CallOut, adopt_ports, drop_ports};
use crate::bindings::shared::types as wit_types;
use crate::convert::ipc_error_to_wit;
use crate::message_port::PortBackend;
use wasmtron_wire::value::put_len;

/// Defines `function` of `instance` as a typed host function of `shape`.
pub(super) fn link<T>(
    instance: &mut LinkerInstance<'_, T>,
    function: &str,
    import: Arc<Import>,
    shape: Shape,
) -> wasmtime::Result<()>
where
    T: CallOut + PortBackend + Send + 'static,
    T::Message: Send,
{
    match shape {
        Shape::Bytes => instance.func_wrap_async(
            function,
            move |mut store: StoreContextMut<'_, T>, (list,): (WasmList<u8>,)| {
                let import = import.clone();
                Box::new(async move {
                    match call_out(&mut store, &import, &list).await? {
                        Outcome::Value(Ok(bytes)) => Ok((bytes,)),
                        // Only a `result` holds an error value.
                        Outcome::Value(Err(err)) | Outcome::Failed(err) => Err(import.trap(&err)),
                    }
                })
            },
        ),
        Shape::BytesOrError => instance.func_wrap_async(
            function,
            move |mut store: StoreContextMut<'_, T>, (list,): (WasmList<u8>,)| {
                let import = import.clone();
                Box::new(async move {
                    Ok((match call_out(&mut store, &import, &list).await? {
                        Outcome::Value(Ok(bytes)) => Ok(bytes),
                        Outcome::Value(Err(err)) | Outcome::Failed(err) => {
                            Err(ipc_error_to_wit(err))
                        }
                    },))
                })
            },
        ),
    }
}

/// What a call of a bytes function leaves its caller.
enum Outcome {
    /// The function's result: its bytes, or the `ipc-error` the provider
    /// returned.
    Value(Result<Vec<u8>, IpcError>),
    /// The call failed: carried or trapped as the function's types say.
    Failed(IpcError),
}

async fn call_out<T>(
    store: &mut StoreContextMut<'_, T>,
    import: &Import,
    list: &WasmList<u8>,
) -> wasmtime::Result<Outcome>
where
    T: CallOut + PortBackend + Send,
{
    let args = message(&[], list.as_le_slice(&*store));
    let reply = store
        .data_mut()
        .call_out(
            import.interface.clone(),
            import.function.clone(),
            args,
            Vec::new(),
        )
        .await;
    finish(store, import, reply)
}

/// The results of a call that came back (or did not), read against the
/// caller's own types.
fn finish<T: PortBackend>(
    store: &mut StoreContextMut<'_, T>,
    import: &Import,
    reply: Result<(Vec<u8>, Vec<PortRef>), IpcError>,
) -> wasmtime::Result<Outcome> {
    let (mut bytes, ports) = match reply {
        Ok(reply) => reply,
        Err(err) => return Ok(Outcome::Failed(err)),
    };
    // The common answer is read here, and its bytes handed on in place.
    if ports.is_empty()
        && let Some(shape) = import.bulk
        && let Some(start) = start_of_result(shape, &bytes)
    {
        bytes.drain(..start);
        return Ok(Outcome::Value(Ok(bytes)));
    }
    // Any other (an error value, bytes that are not the type, ports that
    // no value names) is the wire decoder's to read, and to name.
    let count = u32::try_from(ports.len()).unwrap_or(u32::MAX);
    if !ports.is_empty() {
        let handles = adopt_ports(store, ports)?;
        drop_ports(store, handles);
    }
    let read = value::decode_all(&bytes, &import.results, count)
        .map_err(|err| import.bad_results(&err))
        .and_then(|values| {
            values
                .into_iter()
                .next()
                .and_then(result_of)
                .ok_or_else(|| import.bad_results(&"a value that is not its result"))
        });
    Ok(match read {
        Ok(result) => Outcome::Value(result),
        Err(err) => Outcome::Failed(err),
    })
}

/// A decoded result of one of the shapes, as Rust values; `None` for a
/// value of any other type, which decoding against the shape never gives.
fn result_of(value: Value) -> Option<Result<Vec<u8>, IpcError>> {
    match value {
        Value::Bytes(bytes) => Some(Ok(bytes)),
        Value::Result(Ok(Some(ok))) => match *ok {
            Value::Bytes(bytes) => Some(Ok(bytes)),
            _ => None,
        },
        Value::Result(Err(Some(err))) => ipc_error(*err).map(Err),
        _ => None,
    }
}

/// Runs `func`, an export of `shape`, when `args` are its one `list<u8>`
/// (and the call moves no ports: the caller checks), and encodes its
/// results. `None` leaves the call to the dynamic path, which reads and
/// names anything else. The outer error is a trap of the provider.
pub(super) async fn call<T: Send>(
    store: &mut Store<T>,
    func: &Func,
    shape: Shape,
    results: &[Type],
    args: &[u8],
) -> Option<wasmtime::Result<Result<Vec<u8>, ValueError>>> {
    let bytes = &args[start_of_bytes(args)?..];
    Some(match shape {
        Shape::Bytes => {
            let typed = func.typed::<(&[u8],), (Vec<u8>,)>(&*store).ok()?;
            typed
                .call_async(&mut *store, (bytes,))
                .await
                .map(|(out,)| Ok(message(&[], &out)))
        }
        Shape::BytesOrError => {
            let typed = func
                .typed::<(&[u8],), (Result<Vec<u8>, wit_types::IpcError>,)>(&*store)
                .ok()?;
            typed
                .call_async(&mut *store, (bytes,))
                .await
                .map(|(out,)| match out {
                    Ok(out) => Ok(message(&[0], &out)),
                    Err(err) => error_message(err, results),
                })
        }
    })
}

/// One `list<u8>` as the wire writes it, after `tag`.
fn message(tag: &[u8], bytes: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(tag.len() + 10 + bytes.len());
    out.extend_from_slice(tag);
    put_len(&mut out, bytes.len());
    out.extend_from_slice(bytes);
    out
}

/// Where the bytes of a `shape` result that holds bytes start in
/// `message`, if that is what it is.
fn start_of_result(shape: Shape, message: &[u8]) -> Option<usize> {
    match shape {
        Shape::Bytes => start_of_bytes(message),
        Shape::BytesOrError => match message.split_first() {
            Some((0, rest)) => start_of_bytes(rest).map(|start| start + 1),
            _ => None,
        },
    }
}

/// Where the bytes start when `message` is exactly one `list<u8>`: its
/// length, read by the wire's own decoder (LEB128 in its shortest form),
/// then that many bytes and nothing after. This accepts what
/// [`value::decode_all`] accepts for `[list<u8>]` with no ports, and
/// nothing else (the tests hold the two to it).
fn start_of_bytes(message: &[u8]) -> Option<usize> {
    let (len, start) = value::decode(message, &Type::U64, 0).ok()?;
    let Value::U64(len) = len else {
        return None;
    };
    (usize::try_from(len).ok()? == message.len() - start).then_some(start)
}

/// `result<list<u8>, ipc-error>`'s error, encoded.
fn error_message(err: wit_types::IpcError, results: &[Type]) -> Result<Vec<u8>, ValueError> {
    let code = ErrorCode::ALL
        .iter()
        .position(|code| *code == code_of(err.code))
        .and_then(|index| u32::try_from(index).ok())
        .unwrap_or_default();
    let error = Value::Record(vec![
        Value::Enum(code),
        Value::String(err.message),
        Value::Option(err.app_code.map(|c| Box::new(Value::String(c)))),
        Value::Option(err.data.map(|d| Box::new(Value::Bytes(d)))),
    ]);
    value::encode_all(&[Value::Result(Err(Some(Box::new(error))))], results)
}

/// A decoded `ipc-error` ([`ipc_error_type`](super::ipc_error_type)).
fn ipc_error(value: Value) -> Option<IpcError> {
    let Value::Record(fields) = value else {
        return None;
    };
    let [code, message, app_code, data] = <[Value; 4]>::try_from(fields).ok()?;
    let (Value::Enum(code), Value::String(message), Value::Option(app_code), Value::Option(data)) =
        (code, message, app_code, data)
    else {
        return None;
    };
    let app_code = match app_code.map(|v| *v) {
        None => None,
        Some(Value::String(code)) => Some(code),
        Some(_) => return None,
    };
    let data = match data.map(|v| *v) {
        None => None,
        Some(Value::Bytes(data)) => Some(data),
        Some(_) => return None,
    };
    Some(IpcError {
        code: *ErrorCode::ALL.get(usize::try_from(code).ok()?)?,
        message,
        app_code,
        data,
    })
}

fn code_of(code: wit_types::ErrorCode) -> ErrorCode {
    use wit_types::ErrorCode as Wit;
    match code {
        Wit::NoHandler => ErrorCode::NoHandler,
        Wit::HandlerFailed => ErrorCode::HandlerFailed,
        Wit::Denied => ErrorCode::Denied,
        Wit::Timeout => ErrorCode::Timeout,
        Wit::TargetGone => ErrorCode::TargetGone,
        Wit::TooLarge => ErrorCode::TooLarge,
        Wit::BadPayload => ErrorCode::BadPayload,
        Wit::LimitExceeded => ErrorCode::LimitExceeded,
    }
}

#[cfg(test)]
mod tests;
